"""The dashboard (issue 7): time to first paint after unlock, and what each of its rules costs.

"After unlock" starts when the passphrase has been accepted (Argon2id is measured on its own by the key
derivation benchmark) and ends when the dashboard has been painted: opening the records services, building
the unlocked window (which builds the dashboard page; the others wait until first shown), reading every
dashboard rule and painting the page offscreen.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

from .registry import Context, Ratio, Row, Timings, benchmark, ms, timed


def _app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


@benchmark("dashboard first paint", needs_session=False)
def dashboard_first_paint(ctx: Context) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from counselroom.gui.shell.main_window import AppContext, MainWindow
    from counselroom.vault.media import FakeVolumes

    _app()
    window = MainWindow(AppContext(ctx.vault, remind_backup=False, volumes=FakeVolumes()))
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    total, services_open, shell, paint, unlock = Timings(), Timings(), Timings(), Timings(), Timings()
    from counselroom.records.services import Services

    for _ in range(ctx.repeat):
        t0 = time.perf_counter()
        session = ctx.vault.unlock(ctx.passphrase)
        t1 = time.perf_counter()
        Services.open(session)  # what _open() does first, timed on its own here
        t2 = time.perf_counter()
        window._open(session, None)  # noqa: SLF001 - the unlock screen's own path into the window
        t3 = time.perf_counter()
        page = window.shell.pages["dashboard"]
        page.repaint()
        page.grab()
        QApplication.processEvents()
        t4 = time.perf_counter()
        unlock.runs.append(t1 - t0)
        services_open.runs.append(t2 - t1)
        shell.runs.append(t3 - t2)
        paint.runs.append(t4 - t3)
        total.runs.append(t4 - t1)
        assert window.shell.current == "dashboard"
        window.lock()
        QApplication.processEvents()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    ctx.ratios.append(Ratio(f"dashboard painted after unlock ({ctx.size})", total.median, "the goal's 300 ms", 0.3,
                            "≤ 1x on large", f"spread {ms(total.low)}–{ms(total.high)}"))
    return [Row("unlock (Argon2id + open, not counted below)", ms(unlock.median), note=unlock.spread()),
            Row("after unlock: first paint of the dashboard", ms(total.median), note=total.spread()),
            Row("  of which: open the records services", ms(services_open.median), note="measured separately"),
            Row("  of which: build the unlocked window", ms(shell.median),
                note="services again, the dashboard page, every dashboard rule"),
            Row("  of which: paint the dashboard", ms(paint.median), note=paint.spread())]


@benchmark("dashboard rules")
def dashboard_rules(ctx: Context) -> list[Row]:
    services = ctx.open_services()
    now = datetime.now()
    rows = []
    every = timed(lambda: services.dashboard.lines(now), ctx.repeat)
    rows.append(Row("all rules", ms(every.median), note=every.spread()))
    for line in services.dashboard.lines(now):
        t = timed(lambda key=line.key: services.dashboard.line(key, now), ctx.repeat)
        rows.append(Row(f"  {line.key}", ms(t.median), note=f"counts {line.count}, max {ms(t.high)}"))
    return rows
