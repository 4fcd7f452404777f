"""Clients: the file's first page. A client may be pseudonymous (a code and nothing else)."""

from __future__ import annotations

import builtins
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from pypinyin import Style, lazy_pinyin

from ..i18n import N_
from ..vault.audit import now_utc
from . import search
from .store import Store

STATUSES = ("intake", "active", "referred", "closed")
STATUS_LABELS = {"intake": N_("Intake"), "active": N_("Active"), "referred": N_("Referred"),
                 "closed": N_("Closed")}
GENDERS = ("", "female", "male", "other")
GENDER_LABELS = {"": N_("Not recorded"), "female": N_("Female"), "male": N_("Male"), "other": N_("Other")}
ADULT_AGE = 18
_PHONE = re.compile(r"^[0-9+()\- ]{3,30}$")
_CODE = re.compile(r"^[A-Za-z0-9._\-]{1,32}$")


@dataclass
class Client:
    code: str
    name: str = ""
    gender: str = ""
    date_of_birth: date | None = None
    phone: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""
    school: str = ""
    department: str = ""
    class_name: str = ""
    status: str = "intake"
    risk_flag: bool = False
    notes: str = ""
    id: int | None = None
    archived_at: str | None = None
    created_at: str = ""
    updated_at: str = ""
    name_initials: str = field(default="", compare=False)

    @property
    def display_name(self) -> str:
        return self.name or self.code

    def age(self, today: date | None = None) -> int | None:
        if self.date_of_birth is None:
            return None
        today = today or date.today()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))

    def is_minor(self, today: date | None = None) -> bool:
        age = self.age(today)
        return age is not None and age < ADULT_AGE


EDITABLE = [f.name for f in fields(Client) if f.name not in
            {"id", "archived_at", "created_at", "updated_at", "name_initials"}]
_COLUMNS = [*EDITABLE, "id", "archived_at", "created_at", "updated_at", "name_initials"]


class ValidationError(Exception):
    """Field name -> message id (translated where it is shown)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, so 张小明 is found by 'zhangxiaoming' and by 'zxm' (and Emily Chen by 'ec')."""
    words = [w.lower() for segment in lazy_pinyin(name, style=Style.NORMAL, errors="default")
             for w in segment.split()]
    return "".join(words), "".join(w[0] for w in words)


def _row_to_client(row: tuple[object, ...]) -> Client:
    values = dict(zip(_COLUMNS, row, strict=True))
    dob = values["date_of_birth"]
    values["date_of_birth"] = date.fromisoformat(str(dob)) if dob else None
    values["risk_flag"] = bool(values["risk_flag"])
    return Client(**values)  # type: ignore[arg-type]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class ClientService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _select(self, where: str = "1 = 1", args: tuple[object, ...] = ()) -> list[Client]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM clients WHERE {where} ORDER BY code COLLATE NOCASE"
        return [_row_to_client(r) for r in self.store.conn.execute(sql, args)]

    def get(self, client_id: int) -> Client:
        found = self._select("id = ?", (client_id,))
        if not found:
            raise KeyError(client_id)
        return found[0]

    def list(self, status: str | None = None, include_archived: bool = False, query: str = "") -> list[Client]:
        where, args = ["1 = 1"], []
        if status:
            where.append("status = ?")
            args.append(status)
        if not include_archived:
            where.append("archived_at IS NULL")
        q = query.strip().lower()
        if q:
            compact = q.replace(" ", "")
            where.append("(code LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' "
                         "OR name_pinyin LIKE ? ESCAPE '\\' OR name_initials LIKE ? ESCAPE '\\')")
            args += [_like(q), _like(q), _like(compact), _like(compact)]
        return self._select(" AND ".join(where), tuple(args))

    def count(self) -> int:
        return int(self.store.conn.execute("SELECT count(*) FROM clients").fetchone()[0])

    def validate(self, client: Client, today: date | None = None) -> dict[str, str]:
        errors: dict[str, str] = {}
        code = client.code.strip()
        if not code:
            errors["code"] = N_("Enter a client code. A client may go by a code alone.")
        elif not _CODE.match(code):
            errors["code"] = N_("A client code uses letters, digits, '.', '-' or '_' (up to 32).")
        else:
            row = self.store.conn.execute("SELECT id FROM clients WHERE code = ? AND id IS NOT ?",
                                          (code, client.id)).fetchone()
            if row:
                errors["code"] = N_("Another client already has this code.")
        today = today or date.today()
        if client.date_of_birth is not None:
            if client.date_of_birth > today:
                errors["date_of_birth"] = N_("The date of birth is in the future.")
            elif client.date_of_birth.year < 1900:
                errors["date_of_birth"] = N_("The date of birth is too far in the past.")
        for name in ("phone", "guardian_phone", "emergency_phone"):
            value = getattr(client, name).strip()
            if value and not _PHONE.match(value):
                errors[name] = N_("A phone number uses digits, spaces, '+', '-' and brackets.")
        if client.status not in STATUSES:
            errors["status"] = N_("Choose a status.")
        if client.gender not in GENDERS:
            errors["gender"] = N_("Choose a gender or leave it unrecorded.")
        if len(client.name) > 100:
            errors["name"] = N_("The name is too long.")
        return errors

    def warnings(self, client: Client, today: date | None = None) -> builtins.list[str]:
        """Things to confirm, not to refuse: a likely duplicate, a minor without a guardian."""
        out: list[str] = []
        if self.likely_duplicates(client):
            out.append(N_("A client with the same name and date of birth or phone may already exist."))
        if client.is_minor(today) and not client.guardian_name.strip():
            out.append(N_("This client is a minor and has no guardian recorded."))
        return out

    def likely_duplicates(self, client: Client) -> builtins.list[Client]:
        name = client.name.strip()
        if not name:
            return []
        conds: list[str] = []
        args: list[object] = [name]
        if client.date_of_birth:
            conds.append("date_of_birth = ?")
            args.append(client.date_of_birth.isoformat())
        if client.phone.strip():
            conds.append("phone = ?")
            args.append(client.phone.strip())
        where = "name = ?" + (f" AND ({' OR '.join(conds)})" if conds else "") + " AND id IS NOT ?"
        args.append(client.id)
        return self._select(where, tuple(args))

    def _values(self, client: Client) -> dict[str, object]:
        values = {k: v for k, v in asdict(client).items() if k in EDITABLE}
        for k, v in values.items():
            if isinstance(v, str):
                values[k] = v.strip()
        values["date_of_birth"] = client.date_of_birth.isoformat() if client.date_of_birth else None
        values["risk_flag"] = int(client.risk_flag)
        pinyin, initials = pinyin_keys(str(values["name"]))
        values["name_pinyin"], values["name_initials"] = pinyin, initials
        return values

    @staticmethod
    def _index(conn: object, client_id: int, values: dict[str, object]) -> None:
        text = " ".join(str(values[k] or "") for k in ("code", "name", "name_pinyin", "name_initials", "school",
                                                          "department", "class_name", "notes"))
        search.index(conn, "client", client_id, client_id, text)

    def create(self, client: Client) -> Client:
        errors = self.validate(client)
        if errors:
            raise ValidationError(errors)
        values = self._values(client)
        now = now_utc()
        values["created_at"] = values["updated_at"] = now
        cols = list(values)
        with self.store.write() as conn:
            cur = conn.execute(f"INSERT INTO clients ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                               [values[c] for c in cols])
            new_id = int(cur.lastrowid)
            self._index(conn, new_id, values)
            self.store.changed("client.created", "client", new_id)
        return self.get(new_id)

    def update(self, client: Client) -> Client:
        if client.id is None:
            raise ValueError("update needs a saved client")
        errors = self.validate(client)
        if errors:
            raise ValidationError(errors)
        old = self._values(self.get(client.id))
        values = self._values(client)
        del values["risk_flag"]  # the flag has its own history: records/risk.py raises and clears it
        changed = [k for k in EDITABLE if k in values and old[k] != values[k]]
        if not changed:
            return self.get(client.id)
        values["updated_at"] = now_utc()
        sets = ", ".join(f"{c} = ?" for c in values)
        with self.store.write() as conn:
            conn.execute(f"UPDATE clients SET {sets} WHERE id = ?", [*values.values(), client.id])
            self._index(conn, client.id, values)
            self.store.changed("client.updated", "client", client.id, {"fields": changed})
        return self.get(client.id)

    def archive(self, client_id: int) -> None:
        with self.store.write() as conn:
            conn.execute("UPDATE clients SET archived_at = ?, updated_at = ? WHERE id = ? AND archived_at IS NULL",
                         (now_utc(), now_utc(), client_id))
            self.store.changed("client.archived", "client", client_id)

    def unarchive(self, client_id: int) -> None:
        with self.store.write() as conn:
            conn.execute("UPDATE clients SET archived_at = NULL, updated_at = ? WHERE id = ?", (now_utc(), client_id))
            self.store.changed("client.unarchived", "client", client_id)
