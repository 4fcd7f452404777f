"""Scaling (issue 14): search and the dashboard rules on the decade vault and on the large one (five times
the records), interleaved query by query so both see the same machine. Their floor is each other: the work
a counselor waits for should not grow with the years of records behind it.

Needs both demo vaults built (`--size decade` and `--size large` once each); says so otherwise.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from counselroom.records import demo
from counselroom.records import search as search_index
from counselroom.records.appointments import HELD
from counselroom.records.dashboard import KEYS, PUNCTUALITY_DAYS
from counselroom.records.services import Services
from counselroom.vault.vault import Vault

from .bench_notes import QUERIES
from .registry import Context, Ratio, Row, Timings, benchmark, ms

SIZES = ("decade", "large")
OPENED = ("consent", "dependency")  # the lines whose items are read only when the counselor opens them
_HELD = ", ".join(repr(h) for h in HELD)
# What the dashboard's lines must read, counted on each vault: the rows behind the growth of their time.
READ = {
    "open clients (consent, dependency, critical, referrals)": "SELECT count(*) FROM clients WHERE status != 'closed'",
    "sessions held by open clients (dependency)": f"SELECT count(*) FROM appointments WHERE attendance IN ({_HELD}) "
                                                  "AND client_id IN (SELECT id FROM clients WHERE status != 'closed')",
    "closed cases (retention)": "SELECT count(*) FROM clients WHERE status = 'closed'",
    f"sessions held in the last {PUNCTUALITY_DAYS} days (punctuality)":
        f"SELECT count(*) FROM appointments WHERE attendance IN ({_HELD}) AND planned_start >= ?",
}


def _vault(ctx: Context, size: str) -> Vault | None:
    base = ctx.vault.path.parent.parent / f"{size}-seed1"
    if not (base / "vault" / "vault.db").is_file() or not (base / "stamp.json").is_file():
        return None
    stamp = json.loads((base / "stamp.json").read_text())
    return Vault(base / "vault", base / "state") if stamp.get("size") == size else None


@benchmark("scaling: decade and large", needs_session=False)
def scaling(ctx: Context) -> list[Row]:
    vaults = {size: _vault(ctx, size) for size in SIZES}
    missing = [size for size, v in vaults.items() if v is None]
    if missing:
        return [Row("skipped", "", note=f"build the {' and '.join(missing)} vault first: "
                                       f"python3 dev.py bench --size {missing[0]}")]
    sessions = {size: v.unlock(demo.DEMO_PASSPHRASE) for size, v in vaults.items() if v is not None}
    try:
        services = {size: Services.open(s) for size, s in sessions.items()}
        clients = {size: s.clients.count() for size, s in services.items()}
        now = datetime.now()
        since = (now - timedelta(days=PUNCTUALITY_DAYS)).date().isoformat()
        read = {size: {what: int(sessions[size].conn.execute(sql, (since,) if "?" in sql else ()).fetchone()[0])
                       for what, sql in READ.items()} for size in SIZES}
        search = {size: Timings() for size in SIZES}
        counting = {size: Timings() for size in SIZES}  # the count alone, up to COUNT_CAP (search.count_matches)
        hits: dict[str, list[int]] = {size: [] for size in SIZES}
        for size in SIZES:  # the first round warms SQLCipher's cache, as a counselor's first search does
            for q in QUERIES:
                services[size].search.find(q)
                expression = search_index.match_expression(q, exact_pairs=True)
                hits[size].append(search_index.count_matches(services[size].store.conn, expression, cap=10 ** 9)
                                  if expression else 0)
        for _ in range(max(3, ctx.repeat)):
            for q in QUERIES:
                expression = search_index.match_expression(q, exact_pairs=True)
                for size in SIZES:
                    start = time.perf_counter()
                    services[size].search.find(q)
                    search[size].runs.append(time.perf_counter() - start)
                    if expression:
                        start = time.perf_counter()
                        search_index.count_matches(services[size].store.conn, expression)
                        counting[size].runs.append(time.perf_counter() - start)
        rules = {size: {key: Timings() for key in ("all", *KEYS)} for size in SIZES}
        opened = {size: {key: Timings() for key in OPENED} for size in SIZES}  # a line's items, when opened
        for size in SIZES:
            services[size].dashboard.lines(now)
        for _ in range(ctx.repeat):
            for size in SIZES:
                dash = services[size].dashboard
                start = time.perf_counter()
                dash.lines(now)
                rules[size]["all"].runs.append(time.perf_counter() - start)
                for key in KEYS:
                    start = time.perf_counter()
                    dash.line(key, now)
                    rules[size][key].runs.append(time.perf_counter() - start)
                for key in OPENED:
                    start = time.perf_counter()
                    dash.items(key, now)
                    opened[size][key].runs.append(time.perf_counter() - start)
    finally:
        for s in sessions.values():
            s.close()
    d, large = search["decade"], search["large"]
    first = next(iter(READ))
    grown = read["large"][first] / max(read["decade"][first], 1)
    rows = [Row("clients", f"{clients['decade']} / {clients['large']}", note="decade / large"),
            Row("matches per query (median)", f"{sorted(hits['decade'])[len(QUERIES) // 2]} / "
                                              f"{sorted(hits['large'])[len(QUERIES) // 2]}",
                note=f"counted in full here; the window counts up to {search_index.COUNT_CAP:,}"),
            Row("search, median", f"{ms(d.median)} / {ms(large.median)}", note=f"{large.median / d.median:.1f}x"),
            Row("search, 95th percentile", f"{ms(d.p95())} / {ms(large.p95())}", note=f"{large.p95() / d.p95():.1f}x"),
            Row(f"  of which: the count, up to {search_index.COUNT_CAP:,}", f"{ms(counting['decade'].median)} / "
                                                         f"{ms(counting['large'].median)}",
                note=f"{counting['large'].median / counting['decade'].median:.1f}x; timed alone, median"),
            Row("  search less the count (medians)", f"{ms(d.median - counting['decade'].median)} / "
                                                       f"{ms(large.median - counting['large'].median)}",
                note=f"{(large.median - counting['large'].median) / (d.median - counting['decade'].median):.1f}x; "
                     "the page of hits and its reads: difference of the medians")]
    for key in ("all", *KEYS):
        a, b = rules["decade"][key].median, rules["large"][key].median
        rows.append(Row(("all dashboard rules" if key == "all" else f"  {key}") + ", median",
                        f"{ms(a)} / {ms(b)}", note=f"{b / a:.1f}x" if a > 0.0005 else "under 0.5 ms"))
    rows.append(Row("what the lines read, decade / large", ""))
    for what in READ:
        a_rows, b_rows = read["decade"][what], read["large"][what]
        rows.append(Row(f"  {what}", f"{a_rows} / {b_rows}", note=f"{b_rows / max(a_rows, 1):.1f}x"))
    for key in OPENED:
        a, b = opened["decade"][key].median, opened["large"][key].median
        rows.append(Row(f"  opening the {key} line (its items), median", f"{ms(a)} / {ms(b)}",
                        note=f"{b / a:.1f}x; read only when the counselor opens it"))
    ctx.ratios += [
        Ratio("search median, large vs decade", large.median, "decade", d.median, "≤ 1.5x"),
        Ratio("search p95, large vs decade", large.p95(), "decade", d.p95(), "≤ 1.5x, p95 ≤ 30 ms on large"),
        Ratio("all dashboard rules, large vs decade", rules["large"]["all"].median, "decade",
              rules["decade"]["all"].median, "≤ 2x",
              "slowest on large: " + ", ".join(f"{k} {ms(rules['large'][k].median)}" for k in sorted(
                  KEYS, key=lambda k: -rules["large"][k].median)[:3])),
        Ratio("all dashboard rules, large vs decade", rules["large"]["all"].median,
              f"decade x the open clients' {grown:.1f}x", rules["decade"]["all"].median * grown, "",
              "1x: each line's cost follows the rows it must read"),
    ]
    return rows
