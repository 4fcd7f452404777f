"""Session notes and search (issue 4): search latency in both languages, opening a client's file with its
notes, and saving a draft as the counselor types."""

from __future__ import annotations

import statistics
import time

from .registry import Context, Row, Timings, benchmark, ms, timed

QUERIES = ["焦虑", "失眠", "睡眠日记", "考试", "室友", "家庭", "放松训练", "转介", "anxiety", "sleep", "roommate",
           "homesick", "panic", "supervision", "exam stress", "焦虑 exam"]


def p95(t: Timings) -> float:
    runs = sorted(t.runs)
    return runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]


@benchmark("search notes")
def search_notes(ctx: Context) -> list[Row]:
    """Every query in QUERIES, several times each; the first round warms SQLCipher's page cache."""
    services = ctx.open_services()
    hits = {q: len(services.search.search(q)) for q in QUERIES}
    all_runs = Timings()
    by_lang = {"Chinese": Timings(), "English": Timings()}
    for _ in range(max(3, ctx.repeat)):
        for q in QUERIES:
            start = time.perf_counter()
            services.search.search(q)
            elapsed = time.perf_counter() - start
            all_runs.runs.append(elapsed)
            by_lang["English" if q.isascii() else "Chinese"].runs.append(elapsed)
    private = timed(lambda: services.search.search("督导", include_private=True), ctx.repeat)
    rows = [Row("queries", len(QUERIES), note=", ".join(QUERIES)),
            Row("search latency (median)", ms(all_runs.median), note=all_runs.spread()),
            Row("search latency (95th percentile)", ms(p95(all_runs)))]
    for lang, t in by_lang.items():
        rows.append(Row(f"  {lang} queries: median / p95", f"{ms(t.median)} / {ms(p95(t))}"))
    rows.append(Row("  hits per query (limit 100)", f"median {statistics.median(hits.values()):.0f}",
                    note=f"min {min(hits.values())}, max {max(hits.values())}"))
    rows.append(Row("search including private notes (median)", ms(private.median), note=private.spread()))
    return rows


@benchmark("open a client's file")
def open_client(ctx: Context) -> list[Row]:
    """What the client page reads: the client, every note with its addenda, appointments with punctuality,
    the dependency alert and the closure — for the client with the most notes."""
    services = ctx.open_services()
    row = services.store.conn.execute(
        "SELECT client_id, count(*) AS n FROM notes GROUP BY client_id ORDER BY n DESC LIMIT 1").fetchone()
    client_id, n_notes = int(row[0]), int(row[1])

    def open_page() -> None:
        services.clients.get(client_id)
        for note in services.notes.for_client(client_id):
            services.notes.addenda(note.id or 0)
        services.appointments.for_client(client_id)
        services.appointments.punctuality(client_id)
        services.dependency.alerts(client_id=client_id)
        services.closures.history(client_id)

    t = timed(open_page, ctx.repeat)
    one = timed(lambda: services.notes.get(services.notes.for_client(client_id)[0].id or 0), ctx.repeat)
    return [Row("client with the most notes", f"{n_notes} notes"),
            Row("open the client's file with its notes (median)", ms(t.median), note=t.spread()),
            Row("open one note (median)", ms(one.median), note=one.spread())]


@benchmark("draft save")
def draft_save(ctx: Context) -> list[Row]:
    """Saving a 1.5 KB draft as typing goes on (one committed transaction with FULL sync, the index entry and
    the coalesced audit entry). The draft is deleted afterwards; the vault keeps their audit entries."""
    services = ctx.open_services()
    client_id = next(c.id for c in services.clients.list() if c.id and services.consent.status(c.id) in
                     ("complete", "signed"))  # a note needs a complete consent
    note = services.notes.create_draft(client_id, "standard")
    assert note.id is not None
    text = "来访者谈到考试焦虑和失眠。 The client talked about exam stress and sleep. " * 20
    counter = iter(range(10 ** 6))
    try:
        t = timed(lambda: services.notes.save_draft(note.id or 0, {"discussed": text + str(next(counter))},
                                                    private_text="private"), max(10, ctx.repeat * 4))
    finally:
        services.notes.delete_draft(note.id)
    return [Row("draft size", f"{len(text.encode()) / 1024:.1f} KiB"),
            Row("draft save (median)", ms(t.median), note=t.spread()),
            Row("draft save (95th percentile)", ms(p95(t)))]
