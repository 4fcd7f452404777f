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
    "compaction": "whether recording a backup compacts the vault, which the backup page says before the pause",
    "restore": "restore",
    "media": "the removable media a backup goes to",
    "rotation": "re-encrypting under a new key from the backup page (it replaces the vault file: life cycle)",
}


def module_name(path: Path) -> str:
    """counselroom.gui.shell.main_window for src/counselroom/gui/shell/main_window.py."""
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def resolved_imports(source: str, module: str, package: bool = False) -> set[str]:
    """Every module a source imports (at any depth: lazy imports inside functions count too), with relative
    imports resolved against `module`; `from x import y` names x.y when y is a module of the program."""
    found: set[str] = set()
    base = module.split(".") if package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                relative = candidate.split(".")[1:]
                path = SRC.joinpath(*relative)
                if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
                    found.add(candidate)
    return found


def vault_imports_of(source: str, module: str = "counselroom.gui.page") -> set[str]:
    """The vault/ modules a gui module's source imports."""
    found: set[str] = set()
    for name in resolved_imports(source, module):
        parts = name.split(".")
        if parts[:2] == ["counselroom", "vault"] and len(parts) > 2:
            found.add(parts[2])
    return found


def forbidden_vault_imports(source: str, module: str = "counselroom.gui.page") -> set[str]:
    return vault_imports_of(source, module) - set(GUI_MAY_USE_FROM_VAULT)


def test_the_window_takes_from_the_vault_only_what_is_named() -> None:
    offenders = {str(p.relative_to(SRC)): sorted(bad) for p in (SRC / "gui").rglob("*.py")
                 if (bad := forbidden_vault_imports(p.read_text("utf-8"), module_name(p)))}
    assert not offenders, f"the window imports from vault/ what is not named in GUI_MAY_USE_FROM_VAULT: {offenders}"


def test_the_rule_names_the_offending_import() -> None:
    assert forbidden_vault_imports("from ..vault.connection import open_database\n") == {"connection"}
    assert forbidden_vault_imports("from ..vault import migrations, backup\n") == {"migrations"}
    assert forbidden_vault_imports("from ..vault.errors import VaultError\n") == set()
    # From a grouped folder, three dots reach the vault; the window's own vault/ folder is not the vault.
    assert forbidden_vault_imports("from ...vault.keyslots import KeySlots\n", "counselroom.gui.shell.main_window") == {
        "keyslots"}
    assert forbidden_vault_imports("from ..vault.backup_page import BackupPage\n",
                                   "counselroom.gui.shell.main_window") == set()


def program_modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


def import_graph() -> dict[str, set[str]]:
    modules = program_modules()
    return {name: {i for i in resolved_imports(p.read_text("utf-8"), name, is_package(p)) if i in modules and i != name}
            for name, p in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted: the import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    """Lazy imports inside functions count: a circle hidden in a function is still a circle. A package's
    __init__ is left out (importing a module imports its package anyway)."""
    modules = program_modules()
    graph = {m: {i for i in deps if not is_package(modules[i])} for m, deps in import_graph().items()}
    assert not circles(graph), f"import circles: {circles(graph)}"


def test_the_circle_finder_names_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_vault_never_imports_the_domain_or_the_documents() -> None:
    outside = ("counselroom.records", "counselroom.documents", "counselroom.gui")
    offenders = [f"{p.name}: {n}" for p in (SRC / "vault").rglob("*.py")
                 for n in sorted(resolved_imports(p.read_text("utf-8"), module_name(p), is_package(p)))
                 if n.startswith(outside)]
    assert not offenders, offenders
