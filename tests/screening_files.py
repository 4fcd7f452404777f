"""A generator of cohort screening files (.xlsx and .csv) for the tests and the benchmark: synthetic
students, answers to the UPI-style rule example (60 yes/no items), a few bad rows on purpose, and the level
each student should get, worked out here independently of the program's rule engine."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

UPI_ITEMS = 60
LIE_ITEMS = (5, 20, 35, 50)
KEY_ITEMS = (8, 16, 26)
HEADERS = ["序号", "学号", "姓名", "性别", "年级", "学院", "班级"] + [f"{n}、第{n}题" for n in range(1, UPI_ITEMS + 1)]
FIRST_ITEM_COLUMN = 7  # index of item 1's column


@dataclass
class Cohort:
    rows: list[list[object]]  # header excluded
    expected: dict[str, int | None] = field(default_factory=dict)  # student number -> level (clean rows only)
    bad: dict[int, str] = field(default_factory=dict)  # spreadsheet row number -> what is wrong with it

    @property
    def table(self) -> list[list[object]]:
        return [list(HEADERS), *self.rows]


def upi_level(answers: dict[int, int]) -> int | None:
    """UPI-style rules as the example file states them: critical item 25 -> level 1; class 1 (total >= 25
    without the lie items, item 25 yes, two of 8/16/26) -> 1; class 2 (total >= 20, one of 8/16/26) -> 2."""
    total = sum(v for n, v in answers.items() if n not in LIE_ITEMS)
    keys = sum(answers[n] for n in KEY_ITEMS)
    if answers[25] == 1 or total >= 25 or keys >= 2:
        return 1
    if total >= 20 or keys >= 1:
        return 2
    return None


def make_cohort(n: int, seed: int = 15, bad_every: int = 0, yes_rate: float | None = None) -> Cohort:
    """n students; with bad_every, every bad_every-th row is spoiled in one of four ways."""
    rnd = random.Random(seed)
    cohort = Cohort([])
    classes = [f"{dept}{k}班" for dept in ("计科", "汉语", "数学", "机械") for k in range(1, 6)]
    spoilers = ("out_of_range", "empty_number", "bad_gender", "blank_answer", "duplicate")
    for i in range(n):
        row_number = i + 2
        number = f"2026{i + 1:05d}"
        # most students answer few items "yes"; a few answer many (the flagged ones)
        rate = yes_rate if yes_rate is not None else rnd.choice((0.01, 0.02, 0.03, 0.05, 0.05, 0.08, 0.1, 0.3, 0.45))
        answers = {k: int(rnd.random() < rate) for k in range(1, UPI_ITEMS + 1)}
        answers[25] = int(rnd.random() < (0.01 if yes_rate is None else yes_rate))  # the critical item: rare
        cells: list[object] = [i + 1, number, f"学生{i + 1}", rnd.choice(("男", "女")), "2026级",
                               "计算机学院", rnd.choice(classes)]
        # survey tools write 是/否 or 1/0; both are answers
        cells += [("是" if v else "否") if (i % 3 == 0) else v for _k, v in sorted(answers.items())]
        if bad_every and i % bad_every == bad_every - 1:
            how = spoilers[(i // bad_every) % len(spoilers)]
            if how == "out_of_range":
                cells[FIRST_ITEM_COLUMN + 2] = 7
            elif how == "empty_number":
                cells[1] = ""
            elif how == "bad_gender":
                cells[3] = "x"
            elif how == "blank_answer":
                cells[FIRST_ITEM_COLUMN + 9] = None
            else:
                cells[1] = "202600001"  # the first student's number again
            cohort.bad[row_number] = how
        else:
            cohort.expected[number] = upi_level(answers)
        cohort.rows.append(cells)
    return cohort


def write_xlsx(cohort: Cohort, path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("答卷")
    for row in cohort.table:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(cohort: Cohort, path: Path, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        for row in cohort.table:
            writer.writerow(["" if v is None else v for v in row])
    return path
