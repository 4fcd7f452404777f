"""Every audit entry of the demo vault reads in Chinese in the Chinese window (issue 13: "item: guardian",
"how: paper", "previous_status: pending", "consent_template #1", "qualifications" were shown as stored)."""

from __future__ import annotations

import re
from pathlib import Path

from counselroom.app import make_demo_vault
from counselroom.gui.common.qt_models import AuditTableModel, detail_text
from counselroom.i18n import set_language
from counselroom.records.services import Services

# What may stay in Latin letters: fingerprints and client codes (hex and digits), the questionnaires' own
# short names, units, and a room's own questionnaire's id (it has no other name).
ALLOWED = re.compile(r"^(?:[0-9A-F]{1,4}(?:-[0-9A-F]{1,4})*|[A-Z]\d+|PHQ(?:-9)?|GAD(?:-7)?|SOAP|DAP|KiB|XLSX|CSV|"
                     r"room-wellbeing|[A-Z])$")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


def test_every_entry_of_the_demo_vault_reads_in_chinese(tmp_path: Path) -> None:
    vault, passphrase = make_demo_vault(tmp_path / "demo")
    session = vault.unlock(passphrase)
    try:
        services = Services.open(session)
        # the entries the demo does not make: a profile change, a signed-on-screen consent's details
        set_language("zh_CN")
        entries = services.audit.entries()
        codes = {c.id: c.code for c in services.clients.list(include_archived=True) if c.id is not None}
        model = AuditTableModel()
        model.set_entries(entries, codes)
        english: dict[str, str] = {}
        for entry in entries:
            for text in (detail_text(entry.detail, codes), model.entity_text(entry)):
                for word in LATIN.findall(re.sub(r"#\d+", "", text)):
                    if not ALLOWED.match(word):
                        english.setdefault(word, f"{entry.kind}: {text}")
        assert not english, "\n".join(f"{w!r} in {t}" for w, t in sorted(english.items()))
        kinds = {e.kind for e in entries}
        assert {"consent.signed", "consent.item_explained", "profile.updated", "referral.created"} <= kinds
        signed = next(e for e in entries if e.kind == "consent.signed")
        assert "在纸质" in detail_text(signed.detail, codes) or "屏幕" in detail_text(signed.detail, codes)
    finally:
        set_language("en")
        session.close()


def test_the_english_window_names_keys_and_values_in_words() -> None:
    set_language("en")
    text = detail_text({"client": 7, "item": "guardian", "how": "paper", "previous_status": "pending",
                        "fields": ["qualifications", "phone"], "share_info": True}, {7: "2026-014"})
    assert text == ("client: 2026-014; item: Guardian consent for minors; signed: on paper; "
                    "previous status: Pending; fields: Qualifications, Phone; information shared: yes")
