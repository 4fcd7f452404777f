"""The architecture holds: the domain and the vault never import Qt; the window never writes SQL."""

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "counselroom"
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
SQL = re.compile(r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
                 r"|PRAGMA\s+\w+|CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)|DROP\s+(TABLE|INDEX))", re.I | re.S)


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_vault_records_and_documents_import_no_qt() -> None:
    offenders = [str(p.relative_to(SRC)) for part in ("vault", "records", "documents")
                 for p in (SRC / part).rglob("*.py") if any(i.startswith(QT) for i in imports(p))]
    offenders += [f for f in ("cli.py", "config.py", "i18n.py") if any(i.startswith(QT) for i in imports(SRC / f))]
    assert not offenders


def test_the_gui_writes_no_sql_and_never_touches_the_database_driver() -> None:
    sql = SQL
    offenders = []
    for p in list((SRC / "gui").rglob("*.py")) + [SRC / "app.py"]:
        if not p.exists():
            continue
        if any(i.startswith(("sqlcipher3", "sqlite3")) for i in imports(p)):
            offenders.append(f"{p.name}: imports the database driver")
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and sql.match(node.value):
                offenders.append(f"{p.name}:{node.lineno}: SQL text")
            if isinstance(node, ast.Attribute) and node.attr in ("conn", "execute", "executemany"):
                offenders.append(f"{p.name}:{node.lineno}: .{node.attr}")
    assert not offenders


def test_the_sql_detector_knows_sql_from_prose() -> None:
    for text in ("SELECT id FROM clients", "update notes set x = 1", "DELETE FROM notes", "PRAGMA key",
                 "INSERT OR REPLACE INTO meta VALUES (1)", "  create table t (x)"):
        assert SQL.match(text), text
    for text in ("Delete this draft", "Update the client's file", "Select a client", "Create a vault"):
        assert not SQL.match(text), text


# What the window may take from vault/, each with its reason; anything else goes through records/.
GUI_MAY_USE_FROM_VAULT = {
    "errors": "the errors it shows to the counselor",
    "vault": "the session's life cycle: create, unlock, lock",
    "kdf": "the key-derivation parameters a new vault is made with (life cycle)",
    "passphrase_policy": "the strength feedback while a passphrase is typed (life cycle)",
    "location": "where a new vault may live (life cycle)",
    "backup": "backup",
    "restore": "restore",
    "media": "the removable media a backup goes to",
    "audit": "the audit entry and verification types the audit page shows",
    "safefile": "writing the locked export's encrypted bytes atomically",
}


def vault_imports_of(source: str, package: str) -> set[str]:
    """The vault/ modules a gui module's source imports (relative imports resolved from counselroom.gui)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 2 and package == "gui" and (module == "vault" or module.startswith("vault.")):
                parts = module.split(".")
                found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
            elif node.level == 0 and module.startswith("counselroom.vault"):
                parts = module.split(".")
                found |= {parts[2]} if len(parts) > 2 else {a.name for a in node.names}
    return found


def forbidden_vault_imports(source: str) -> set[str]:
    return vault_imports_of(source, "gui") - set(GUI_MAY_USE_FROM_VAULT)


def test_the_window_takes_from_the_vault_only_what_is_named() -> None:
    offenders = {str(p.relative_to(SRC)): sorted(bad) for p in (SRC / "gui").rglob("*.py")
                 if (bad := forbidden_vault_imports(p.read_text("utf-8")))}
    assert not offenders, f"the window imports from vault/ what is not named in GUI_MAY_USE_FROM_VAULT: {offenders}"


def test_the_rule_names_the_offending_import() -> None:
    assert forbidden_vault_imports("from ..vault.connection import open_database\n") == {"connection"}
    assert forbidden_vault_imports("from ..vault import migrations, backup\n") == {"migrations"}
    assert forbidden_vault_imports("from ..vault.errors import VaultError\n") == set()


def test_the_vault_never_imports_the_domain_or_the_documents() -> None:
    offenders = []
    for p in (SRC / "vault").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and (node.module or "").split(".")[0] in (
                    "records", "documents", "gui"):
                offenders.append(f"{p.name}:{node.lineno}: from {'.' * node.level}{node.module}")
        outside = ("counselroom.records", "counselroom.documents", "counselroom.gui")
        offenders += [f"{p.name}: {n}" for n in imports(p) if n.startswith(outside)]
    assert not offenders, offenders
