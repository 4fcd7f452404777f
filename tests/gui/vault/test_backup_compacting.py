"""A verified backup that also compacts the vault (monthly; seconds on a vault of ten years, on the window's
thread) first shows the page busy and says so: when the compaction starts, the page already shows
"Compacting the vault", the busy bar and cursor, and Back up now is off. Real vault, real compaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import compaction
from counselroom.vault.media import FakeVolumes, Volume
from counselroom.vault.vault import Vault


@pytest.fixture
def page(qtbot, services: Services, new_vault: tuple[Vault, str], tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from counselroom.gui.vault.backup_page import BackupPage

    usb = tmp_path / "media" / "STICK"
    usb.mkdir(parents=True)
    for n in range(3):
        services.clients.create(Client(code=f"G-{n}", name=f"王{n}"))
    p = BackupPage(services, new_vault[0], volumes=FakeVolumes([Volume(usb, "STICK", True)]))
    qtbot.addWidget(p)
    p.resize(760, 700)
    p.show()
    yield p


def test_the_page_says_it_is_compacting_before_the_pause(qtbot, page, services: Services,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, bool, bool, bool, bool]] = []
    real = compaction.compact

    def watched(session, reason):  # type: ignore[no-untyped-def]
        seen.append((page.result.text(), page.busy, page.progress.isVisible(), page.backup_button.isEnabled(),
                     QApplication.overrideCursor() is not None))
        return real(session, reason)

    monkeypatch.setattr(compaction, "compact", watched)
    assert compaction.due_after_backup(services.session)  # a new vault was never compacted
    page.backup_button.click()
    qtbot.waitUntil(lambda: "Backup verified" in page.result.text(), timeout=30_000)
    [(text, busy, bar, button, cursor)] = seen
    assert text.startswith("Compacting the vault") and busy and bar and not button and cursor
    assert compaction.last_compacted(services.session) is not None
    assert not page.busy and not page.progress.isVisible() and page.backup_button.isEnabled()
    assert QApplication.overrideCursor() is None

    seen.clear()  # compacted just now: the next backup records without it
    assert not compaction.due_after_backup(services.session)
    page.result.setText("")
    page.backup_button.click()
    qtbot.waitUntil(lambda: "Backup verified" in page.result.text(), timeout=30_000)
    assert seen == [] and not page.busy and QApplication.overrideCursor() is None
