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
