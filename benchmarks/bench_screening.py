"""Cohort screening import (issue 15): 5,000 students' answers to a 60-item questionnaire, as .xlsx and as .csv,
with 20 bad rows skipped. Read the file, suggest the mapping, check every row, score and store (one
transaction, FULL sync, progress every 500 rows). Each imported screening is deleted again afterwards, so the
cached vault does not grow; the floor is reading the same file with openpyxl alone (or csv) and doing nothing
else."""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from counselroom.records.screening_import import read_table, suggest_mapping
from counselroom.shipped import resource

from .registry import Context, Ratio, Row, Timings, benchmark, ms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from screening_files import make_cohort, write_csv, write_xlsx  # noqa: E402

STUDENTS = 5000


@benchmark("cohort screening import")
def screening_import(ctx: Context) -> list[Row]:
    services = ctx.open_services()
    example = resource("instruments", "examples", "upi-style-rules.json").read_bytes()
    instrument_id = services.psychtests.import_definition(example).instrument.id
    instrument = services.psychtests.instrument(instrument_id)
    cohort = make_cohort(STUDENTS, bad_every=250)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        for kind, write in (("xlsx", write_xlsx), ("csv", write_csv)):
            path = write(cohort, Path(folder) / f"cohort.{kind}")  # type: ignore[operator]
            read, check, store, total, floor = Timings(), Timings(), Timings(), Timings(), Timings()
            for _ in range(max(1, ctx.repeat // 2)):
                t0 = time.perf_counter()
                if kind == "xlsx":
                    from openpyxl import load_workbook

                    book = load_workbook(path, read_only=True, data_only=True)
                    sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
                    book.close()
                else:
                    sum(1 for _ in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
                floor.runs.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                table = read_table(path)
                t1 = time.perf_counter()
                mapping = suggest_mapping(table, instrument)
                checked = services.screening.check(table, instrument_id, mapping)
                t2 = time.perf_counter()
                screening = services.screening.import_screening(
                    table, instrument_id, mapping, "benchmark cohort", date.today(), "benchmark consent text",
                    skip_rows=checked.bad_rows, checked=checked)
                t3 = time.perf_counter()
                services.screening.delete_screening(screening.id)
                read.runs.append(t1 - t0)
                check.runs.append(t2 - t1)
                store.runs.append(t3 - t2)
                total.runs.append(t3 - t0)
            size = path.stat().st_size / 1024
            rows += [Row(f"{kind}: {STUDENTS} students, 60 items ({size:.0f} KiB), 20 bad rows skipped", ""),
                     Row(f"  read the file ({kind}, median)", ms(read.median), note=read.spread()),
                     Row("  map and check every row (median)", ms(check.median), note=check.spread()),
                     Row("  score and store (median)", ms(store.median), note=store.spread()),
                     Row("  whole import (median)", ms(total.median), note=total.spread())]
            ctx.ratios.append(Ratio(f"screening import, {STUDENTS} students ({kind})", total.median,
                                    f"reading the {kind} alone", floor.median, "seconds, not minutes"))
    return rows
