"""An audit entry's details and subject in the window's language (issue 13: the Chinese window showed "item:
guardian", "how: paper", "previous_status: pending", "consent_template #1", field names like
"qualifications").

The trail stores codes (a field's name, a reason's key); here each key and each coded value is named with the
label the rest of the program uses for it. What has no label (a number, a date, a fingerprint, a client's
code) is shown as stored.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ...i18n import N_, language, tr
from ...records import (
    appointments,
    casework,
    consent,
    liaison,
    psychtests,
    referrals,
    retention,
    risk,
    screening,
    training,
)
from ...records.clients import GENDER_LABELS, STATUS_LABELS
from ...records.instruments import builtin
from ...records.templates import template

KEYS = {
    "fields": N_("fields"), "key": N_("setting"), "count": N_("count"), "with": N_("with"),
    "from": N_("from version"), "to": N_("to version"), "kdf": N_("key derivation"), "client": N_("client"),
    "template": N_("template"), "fingerprint": N_("fingerprint"), "reason": N_("reason"), "closure": N_("closure"),
    "level": N_("level"), "version": N_("version"), "lang": N_("language"), "exception": N_("exception"),
    "notified": N_("notified"), "measure": N_("measure"), "review_in_days": N_("review in days"),
    "share_info": N_("information shared"), "consent": N_("consent"), "outcome": N_("outcome"),
    "number": N_("number"), "follow_up": N_("follow-up"), "year": N_("year"), "hours": N_("hours"),
    "kind": N_("kind"), "rows": N_("records"), "tables": N_("records by table"),
    "exports_unlinked": N_("export register lines unlinked"), "confirmation": N_("confirmed with"),
    "years": N_("years"), "anchor": N_("counted from"), "instrument": N_("questionnaire"), "items": N_("items"),
    # issue 13: the keys that were shown as stored
    "item": N_("item"), "how": N_("signed"), "previous_status": N_("previous status"),
    "items_changed": N_("items changed"), "scope": N_("covers"), "withdrawal": N_("withdrawal"),
    "signature": N_("signature"), "agreement": N_("agreement"), "note": N_("session note"),
    "status": N_("status"), "party": N_("who"), "attendance": N_("attendance"), "group": N_("group"),
    "recording": N_("audio and video recording"),
    # cohort screening and liaison (issue 15)
    "basis": N_("basis"), "method": N_("by"), "concerns": N_("concerns"), "appointment": N_("appointment"),
    "file_kind": N_("file"), "flagged": N_("flagged"), "skipped": N_("rows skipped"), "screening": N_("screening"),
}

FIELD_LABELS = {
    # the counselor's profile
    "name": N_("Name"), "qualifications": N_("Qualifications"), "certificate_no": N_("Certificate number"),
    "institution": N_("Institution"), "room": N_("Counseling room"), "contact": N_("Contact"),
    # an appointment
    "planned_start": N_("Planned start"), "planned_end": N_("Planned end"), "actual_start": N_("Actual start"),
    "actual_end": N_("Actual end"), "attendance": N_("Attendance"), "late_party": N_("Who was late"),
    "location": N_("Location"), "remarks": N_("Remarks"), "client_id": N_("Client"),
}

SETTING_LABELS = {
    "risk.crisis_contacts": N_("Crisis contacts"),
    "dependency.max_in_window": N_("Dependency: sessions in the window"),
    "dependency.max_total": N_("Dependency: sessions in all"),
    "dependency.window_weeks": N_("Dependency: window in weeks"),
}

SCREENING_MAPPING = "screening.mapping."  # a setting per questionnaire: how a file's columns map to its items
HOW_LABELS = {"paper": N_("on paper"), "screen": N_("on screen")}
WITH_LABELS = {"passphrase": N_("passphrase"), "recovery": N_("recovery key"), "recovery_key": N_("recovery key")}
TEMPLATE_KINDS = {consent.CONSENT: N_("Consent form"), consent.GROUP_AGREEMENT: N_("Group confidentiality agreement")}

ENTITY_LABELS = {"consent": N_("Consent"), "consent_template": N_("Consent form"), "group": N_("Group"),
                 "guardian_signature": N_("Guardian's signature")}


@cache
def _consent_items(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in (consent.GROUP_AGREEMENT, consent.CONSENT):
        for item in consent.builtin_template(kind).items:
            out[item.id] = item.title(lang)
    return out


def _item(value: str) -> str | None:
    return _consent_items(language()).get(value)


def _msgid(labels: dict[str, str]) -> Callable[[str], str | None]:
    return lambda value: tr(labels[value]) if value in labels else None


def _note_template(value: str) -> str | None:
    try:
        return template(value).title()
    except (KeyError, LookupError, ValueError):
        return None


@cache
def _instrument_title(value: str, lang: str) -> str | None:
    found = builtin(value)
    return found.title_in(lang) if found is not None else None


def _instrument(value: str) -> str | None:
    return _instrument_title(value, language())


def _field(value: str) -> str | None:
    return tr(FIELD_LABELS[value]) if value in FIELD_LABELS else None


_REASONS = {**referrals.REASON_LABELS, **casework.CLOSURE_LABELS, **retention.LEAVING_LABELS}
_KINDS = {**training.KIND_LABELS, **TEMPLATE_KINDS, **retention.KIND_LABELS, **appointments.KIND_LABELS}
_STATUSES = {**consent.STATUS_LABELS, **STATUS_LABELS}
VALUES: dict[str, Callable[[str], str | None]] = {
    "item": _item, "items_changed": _item, "items": _item,
    "how": _msgid(HOW_LABELS), "with": _msgid(WITH_LABELS),
    "previous_status": _msgid(_STATUSES), "status": _msgid(_STATUSES),
    "scope": _msgid(consent.SCOPE_LABELS), "reason": _msgid(_REASONS), "closure": _msgid(casework.CLOSURE_LABELS),
    "outcome": _msgid({**referrals.OUTCOME_LABELS, **screening.OUTCOME_LABELS}), "kind": _msgid(_KINDS),
    "level": _msgid(risk.LEVEL_LABELS),
    "exception": _msgid(risk.EXCEPTION_LABELS), "notified": _msgid(risk.PARTY_LABELS),
    "template": _note_template, "instrument": _instrument, "fields": _field, "key": _msgid(SETTING_LABELS),
    "anchor": _msgid(retention.ANCHOR_LABELS), "attendance": _msgid(appointments.ATTENDANCE_LABELS),
    "party": _msgid({**appointments.LATE_PARTY_LABELS, **liaison.PARTY_LABELS}),
    "late_party": _msgid(appointments.LATE_PARTY_LABELS),
    "basis": _msgid(liaison.BASIS_LABELS), "method": _msgid(liaison.METHOD_LABELS),
    "gender": _msgid(GENDER_LABELS), "mode": _msgid(psychtests.MODE_LABELS),
}


def key_text(key: str) -> str:
    return tr(KEYS[key]) if key in KEYS else key


def value_text(key: str, value: object, client_codes: dict[int, str],
               field_labels: dict[str, str] | None = None) -> str:
    if key == "client" and isinstance(value, int) and value in client_codes:
        return client_codes[value]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if key == "file_kind" and isinstance(value, str):
        return value.upper()  # XLSX, CSV
    if key == "key" and isinstance(value, str) and value.startswith(SCREENING_MAPPING):
        return tr("Cohort screening: the columns of {questionnaire}",
                  questionnaire=_instrument(value[len(SCREENING_MAPPING):]) or value[len(SCREENING_MAPPING):])
    if key == "kdf" and isinstance(value, dict):
        return tr("memory {memory} KiB, {passes} passes, {lanes} lanes", memory=value.get("m_kib", "?"),
                  passes=value.get("t", "?"), lanes=value.get("p", "?"))
    if key == "tables" and isinstance(value, dict):
        return tr(", ").join(f"{tr(retention.table_label(str(k)))} {v}" for k, v in value.items())
    if isinstance(value, dict):
        return tr(", ").join(f"{key_text(str(k))} {value_text(str(k), v, client_codes, field_labels)}"
                             for k, v in value.items())
    if isinstance(value, list):
        return tr(", ").join(value_text(key, v, client_codes, field_labels) for v in value)
    if isinstance(value, str):
        if key == "fields" and field_labels and value in field_labels:
            return tr(field_labels[value])
        name = VALUES.get(key)
        shown = name(value) if name is not None else None
        if shown:
            return shown
    return str(value)


def detail_text(detail: dict[str, object], client_codes: dict[int, str] | None = None,
                field_labels: dict[str, str] | None = None) -> str:
    """An entry's details in words (field names and counts; the trail holds no record content). `field_labels`
    names a client's fields (the window's CLIENT_FIELD_LABELS) before the others."""
    codes = client_codes or {}
    return tr("; ").join(f"{key_text(key)}{tr(': ')}{value_text(key, value, codes, field_labels)}"
                         for key, value in detail.items())


def entity_label(entity: str) -> str | None:
    return tr(ENTITY_LABELS[entity]) if entity in ENTITY_LABELS else None
