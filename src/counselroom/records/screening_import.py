"""Reading a cohort's answers from a spreadsheet file (.xlsx or .csv), mapping its columns to a
questionnaire's items, and checking every row before anything is stored.

The file is read once into memory and never kept nor copied: only the checked answers, scored, go into the
vault (records/screening.py). Survey tools (问卷星, 腾讯问卷, Excel typed in from paper) export a header row
and one student a row; a column is named in messages by its letter and its header ("column F “Q4”"), a
row by its number as the spreadsheet shows it (the header is row 1).

An answer is accepted as the option's value (1, "1", 1.0) or as the option's label in either language
("是", "Yes"); anything else is a problem naming the row, the column and the answers the item takes.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import N_, tr_in
from .instruments import Instrument, Item, Number, show_number

MAX_FILE_BYTES = 64 * 1024 * 1024  # a cohort of 20,000 students with 90 answers is far below this
MAX_ROWS = 50_000
MAX_COLUMNS = 1_000
MAX_CELL = 500  # characters kept of one cell (a name, a class, an answer)
MAX_PROBLEMS_SHOWN = 500

# The student's own columns, besides the items: what a row says about who answered.
STUDENT_FIELDS = ("student_no", "name", "gender", "grade", "department", "class_name")
FIELD_LABELS = {"student_no": N_("Student number"), "name": N_("Name"), "gender": N_("Gender"),
                "grade": N_("Grade (year)"), "department": N_("Department"), "class_name": N_("Class")}
# Header words a column is recognised by when the mapping is first suggested.
_FIELD_WORDS = {
    "student_no": ("学号", "考号", "编号", "student number", "student no", "student id", "id"),
    "name": ("姓名", "name", "名字"),
    "gender": ("性别", "gender", "sex"),
    "grade": ("年级", "级别", "grade", "year", "入学年份"),
    "department": ("学院", "院系", "系别", "专业", "department", "school", "faculty"),
    "class_name": ("班级", "class"),
}
_GENDERS = {"男": "male", "m": "male", "male": "male", "男性": "male", "女": "female", "f": "female",
            "female": "female", "女性": "female", "其他": "other", "other": "other", "": ""}
# "1", "Q1", "q01", "第1题", "1.", "1、我…", "1. I…", "T1", "题目1"
_ITEM_HEADER = re.compile(r"^\s*(?:第\s*|q|t|题目|item\s*)?0*(\d{1,4})(?:\s*题)?(?:\s*[.、:：)）\s].*|\s*)$", re.I)


class ImportRefused(Exception):
    """The file cannot be read as a table of answers: `message` (a message id) says why."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, lang: str) -> str:
        return tr_in(lang, self.message, **self.values)


@dataclass(frozen=True)
class Table:
    """A sheet's header row and its data rows (row number as the spreadsheet shows it, cells as text)."""

    kind: str  # "xlsx" or "csv"
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def column(self, header: str) -> int:
        return self.headers.index(header)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as spreadsheets name columns)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL]


def _read_bytes(path: Path) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        raise ImportRefused(N_("The file could not be read. Check that it exists and that you may open it.")) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(N_("This is not a plain file. Choose the spreadsheet file itself."))
        if info.st_size > MAX_FILE_BYTES:
            raise ImportRefused(N_("The file is larger than 64 MB: too large for one cohort's answers."))
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ImportRefused(N_("The file is larger than 64 MB: too large for one cohort's answers."))
        return b"".join(chunks)
    except OSError:
        raise ImportRefused(N_("The file could not be read. Check that it exists and that you may open it.")) from None
    finally:
        os.close(fd)


Progress = Callable[[int, int], None]  # (rows read, rows in all; 0 when the file does not say), as the import's
READ_STEP = 250  # rows read between two progress reports


def _table(kind: str, raw_rows: Iterable[Sequence[object]], progress: Progress | None = None,
           expected: int = 0) -> Table:
    headers: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    number = 0
    for number, raw in enumerate(raw_rows, start=1):
        if progress is not None and number % READ_STEP == 0:
            progress(number, expected if expected >= number else 0)  # a wrong dimension: not known
        if len(raw) > MAX_COLUMNS:
            raise ImportRefused(N_("Row {row} has more than {max} columns: this is not a table of answers."),
                                row=number, max=MAX_COLUMNS)
        cells = tuple(_cell(v) for v in raw)
        if not any(cells):
            continue  # blank rows (and blank lines at the end of a sheet) are not students
        if headers is None:
            headers = cells
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(N_("The file has more than {max} rows of answers. Split the cohort into several "
                                   "files."), max=MAX_ROWS)
        rows.append((number, cells))
    if headers is None:
        raise ImportRefused(N_("The file is empty: it needs a header row and one row for each student."))
    seen: dict[str, int] = {}
    named: list[str] = []
    for i, h in enumerate(headers):
        name = h or column_letter(i)
        if name in seen:  # two columns with one header: the second is told apart by its letter
            name = f"{name} ({column_letter(i)})"
        seen[name] = i
        named.append(name)
    width = len(named)
    if progress is not None:
        progress(number, number)
    return Table(kind, tuple(named), tuple((n, c[:width] + ("",) * (width - len(c))) for n, c in rows))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves CSV as GBK (GB 18030 holds it)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(N_("The file is not text in UTF-8 or GBK. Save it again as CSV (UTF-8) or as .xlsx."))


def read_csv(data: bytes, progress: Progress | None = None) -> Table:
    text = _decode(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _table("csv", csv.reader(io.StringIO(text, newline=""), dialect), progress,
                      text.count("\n") + (not text.endswith("\n")) if progress is not None else 0)
    except csv.Error:
        raise ImportRefused(N_("The file could not be read as CSV. Save it again from the spreadsheet program as "
                               "CSV (UTF-8) or as .xlsx.")) from None


def read_xlsx(data: bytes, progress: Progress | None = None) -> Table:
    """The first sheet, read row by row (openpyxl's read-only mode); `progress(rows read, rows in all)` every
    few hundred rows, the total from the sheet's own dimension (0 when the file does not give one)."""
    import zipfile

    from openpyxl import load_workbook  # only here: the window starts without it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError):
        raise ImportRefused(N_("The file could not be read as an Excel workbook (.xlsx). Save it again from the "
                               "spreadsheet program, or as CSV.")) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportRefused(N_("The file is empty: it needs a header row and one row for each student."))
        expected = 0
        if progress is not None:
            try:
                expected = int(sheet.max_row or 0)  # the sheet's <dimension>, as the writing program set it
            except (TypeError, ValueError):
                expected = 0
        return _table("xlsx", sheet.iter_rows(values_only=True), progress, expected)
    except ImportRefused:
        raise
    except (ValueError, KeyError, TypeError, IndexError, OSError, zipfile.BadZipFile):
        raise ImportRefused(N_("The file could not be read as an Excel workbook (.xlsx). Save it again from the "
                               "spreadsheet program, or as CSV.")) from None
    finally:
        book.close()


def read_table(path: Path | str, progress: Progress | None = None) -> Table:
    """The answers file the counselor chose, read into memory (nothing is written anywhere). A large .xlsx
    takes seconds: `progress(rows read, rows in all)` reports as the rows are read (from the reading thread)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ImportRefused(N_("Choose an Excel workbook (.xlsx) or a CSV file (.csv). An old .xls file can be "
                               "saved as .xlsx from the spreadsheet program."))
    data = _read_bytes(path)
    return read_xlsx(data, progress) if suffix == ".xlsx" else read_csv(data, progress)


# -- the mapping of columns to fields and items -------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """Which column (by its header) holds each student field and each item's answer."""

    fields: dict[str, str] = field(default_factory=dict)  # student field -> header
    items: dict[int, str] = field(default_factory=dict)  # item number -> header

    def to_json(self) -> dict[str, object]:
        return {"fields": dict(self.fields), "items": {str(k): v for k, v in self.items.items()}}

    @classmethod
    def from_json(cls, doc: object) -> ColumnMapping:
        if not isinstance(doc, dict):
            return cls()
        fields_ = doc.get("fields", {})
        items = doc.get("items", {})
        return cls({str(k): str(v) for k, v in fields_.items() if k in STUDENT_FIELDS and isinstance(v, str)}
                   if isinstance(fields_, dict) else {},
                   {int(k): str(v) for k, v in items.items() if str(k).isdigit() and isinstance(v, str)}
                   if isinstance(items, dict) else {})

    def usable_for(self, table: Table) -> ColumnMapping:
        """This (saved) mapping, keeping only the columns the table has."""
        have = set(table.headers)
        return ColumnMapping({k: v for k, v in self.fields.items() if v in have},
                        {k: v for k, v in self.items.items() if v in have})


def suggest_mapping(table: Table, instrument: Instrument, saved: ColumnMapping | None = None) -> ColumnMapping:
    """A first mapping: the saved one where its columns are present, the rest guessed from the headers."""
    base = saved.usable_for(table) if saved else ColumnMapping()
    fields_ = dict(base.fields)
    items = dict(base.items)
    used = set(fields_.values()) | set(items.values())
    for name in STUDENT_FIELDS:
        if name in fields_:
            continue
        words = _FIELD_WORDS[name]
        for h in table.headers:
            if h not in used and h.strip().lower() in words:
                fields_[name] = h
                used.add(h)
                break
    numbers = set(instrument.numbers)
    for h in table.headers:
        if h in used:
            continue
        m = _ITEM_HEADER.match(h)
        if m is not None:
            number = int(m.group(1))
            if number in numbers and number not in items:
                items[number] = h
                used.add(h)
    return ColumnMapping(fields_, items)


# -- checking the rows --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """One bad value: its row, its column (letter and header, or "" for the whole row) and what is wrong."""

    row: int
    column: str
    header: str
    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        what = tr_in(lang, self.message, **self.values)
        if self.column:
            return tr_in(lang, N_("Row {row}, column {column} “{header}”: {what}"), row=self.row, column=self.column,
                         header=self.header, what=what)
        return tr_in(lang, N_("Row {row}: {what}"), row=self.row, what=what)


@dataclass(frozen=True)
class Student:
    """A checked row: who answered, and the answers by item number."""

    row: int
    student_no: str
    name: str
    gender: str
    grade: str
    department: str
    class_name: str
    answers: dict[int, Number]


@dataclass(frozen=True)
class CheckedFile:
    students: tuple[Student, ...]  # the rows without a problem
    problems: tuple[RowProblem, ...]  # every problem, row by row
    mapping_problems: tuple[str, ...]  # message ids: a mapping that cannot work (no student number column ...)
    unmapped_items: tuple[int, ...]

    @property
    def bad_rows(self) -> tuple[int, ...]:
        return tuple(sorted({p.row for p in self.problems}))

    @property
    def clean(self) -> bool:
        return not self.problems and not self.mapping_problems


def _answer_lookup(item: Item) -> dict[str, Number]:
    out: dict[str, Number] = {}
    for o in item.options:
        out[show_number(o.value)] = o.value
        for text in o.label.values():
            if text:
                out.setdefault(text.strip().lower(), o.value)
    return out


def _parse_answer(text: str, lookup: Mapping[str, Number]) -> Number | None:
    key = text.strip().lower()
    found = lookup.get(key)
    if found is not None:
        return found
    try:
        number = float(key)
    except ValueError:
        return None
    return lookup.get(show_number(number)) if number == number and abs(number) < 1e9 else None


def check_rows(table: Table, instrument: Instrument, mapping: ColumnMapping) -> CheckedFile:
    """Every row checked against the mapping and the questionnaire's answer options."""
    mapping_problems: list[str] = []
    if "student_no" not in mapping.fields:
        mapping_problems.append(N_("Choose the column that holds the student number."))
    unmapped = tuple(n for n in instrument.numbers if n not in mapping.items)
    if unmapped:
        mapping_problems.append(N_("Every item needs a column: choose the columns of the items still without one."))
    columns = list(mapping.fields.values()) + list(mapping.items.values())
    if len(set(columns)) != len(columns):
        mapping_problems.append(N_("One column is chosen for two items or fields: each column holds one answer."))
    if mapping_problems:
        return CheckedFile((), (), tuple(mapping_problems), unmapped)
    index = {h: i for i, h in enumerate(table.headers)}
    field_cols = {name: index[h] for name, h in mapping.fields.items()}
    item_cols = [(instrument.item(n), index[h], column_letter(index[h]), h) for n, h in sorted(mapping.items.items())]
    lookups = {it.number: _answer_lookup(it) for it, _c, _l, _h in item_cols if it is not None}
    allowed = {it.number: ", ".join(show_number(v) for v in it.values) for it, _c, _l, _h in item_cols
               if it is not None}
    no_col = field_cols["student_no"]
    no_letter, no_header = column_letter(no_col), table.headers[no_col]
    first_row: dict[str, int] = {}
    students: list[Student] = []
    problems: list[RowProblem] = []
    for row_number, cells in table.rows:
        found: list[RowProblem] = []
        student_no = cells[no_col]
        if not student_no:
            found.append(RowProblem(row_number, no_letter, no_header, N_("The student number is empty.")))
        elif student_no.lower() in first_row:
            found.append(RowProblem(row_number, no_letter, no_header,
                                    N_("The student number {number} is also in row {other}: each student once."),
                                    {"number": student_no, "other": first_row[student_no.lower()]}))
        else:
            first_row[student_no.lower()] = row_number
        gender = ""
        if "gender" in field_cols:
            raw = cells[field_cols["gender"]]
            g = _GENDERS.get(raw.strip().lower())
            if g is None:
                col = field_cols["gender"]
                found.append(RowProblem(row_number, column_letter(col), table.headers[col],
                                        N_("“{value}” is not a gender: write 男/女, male/female, or leave it empty."),
                                        {"value": raw}))
            else:
                gender = g
        answers: dict[int, Number] = {}
        for item, _col, letter, header in item_cols:
            assert item is not None
            text = cells[_col]
            if not text:
                found.append(RowProblem(row_number, letter, header, N_("No answer to item {number}."),
                                        {"number": item.number}))
                continue
            value = _parse_answer(text, lookups[item.number])
            if value is None:
                found.append(RowProblem(row_number, letter, header,
                                        N_("“{value}” is not an answer to item {number} (its answers are {allowed})."),
                                        {"value": text[:40], "number": item.number, "allowed": allowed[item.number]}))
            else:
                answers[item.number] = value
        if found:
            problems.extend(found)
            continue

        def get(name: str, cells: tuple[str, ...] = cells) -> str:
            return cells[field_cols[name]] if name in field_cols else ""

        students.append(Student(row_number, student_no, get("name"), gender, get("grade"), get("department"),
                                get("class_name"), answers))
    return CheckedFile(tuple(students), tuple(problems), (), unmapped)


__all__ = ["FIELD_LABELS", "STUDENT_FIELDS", "CheckedFile", "ImportRefused", "ColumnMapping", "RowProblem", "Student",
           "Table", "check_rows", "column_letter", "read_csv", "read_table", "read_xlsx", "suggest_mapping"]
