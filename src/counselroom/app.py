"""The composition root: reads the command line, builds the vault object, the translations and the
window, runs the event loop, and cleans up (a demo vault is deleted at exit).

    counselroom                     the vault (the first-run wizard, which may choose its folder, when none)
    counselroom --vault PATH        another vault folder
    counselroom --demo              a throwaway vault with made-up records, deleted at exit
    counselroom --lang zh_CN|en     the language for this run (Settings changes it for good)
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .config import AppConfig
from .i18n import LANGUAGES, N_, language, set_language, tr
from .input_method import use_ibus_for_fcitx
from .vault.vault import Vault, default_vault_path

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)
_qt_translator: object | None = None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="counselroom", description=tr(N_("Open the counselroom window.")))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--vault", type=Path, metavar="PATH", help=tr(N_("the vault folder to open")))
    where.add_argument("--demo", action="store_true",
                       help=tr(N_("open a throwaway vault with made-up records, deleted at exit")))
    parser.add_argument("--lang", choices=LANGUAGES, help=tr(N_("the language for this run")))
    return parser.parse_args(list(argv))


_qt_supplement: object | None = None


def _qt_supplement_translator(lang: str, parent: object) -> object | None:
    """Qt's words its own catalogue lacks (Qt 6 gave the file dialog's "&Look in:" a mnemonic, and
    qtbase_zh_CN.qm still has only "Look in:"): resources/i18n/qt/<lang>.json, by Qt context."""
    import json

    from PySide6.QtCore import QTranslator

    from .shipped import resource

    path = resource("i18n", "qt", f"{lang}.json")
    if not path.is_file():
        return None
    words = {context: entries for context, entries in json.loads(path.read_text(encoding="utf-8")).items()
             if isinstance(entries, dict)}

    class Supplement(QTranslator):
        def translate(self, context: str, source: str, disambiguation: str | None = None,
                      n: int = -1) -> str | None:
            # None, not "": Qt takes an empty string as the translation and asks no other catalogue (the
            # key names of every shortcut came out empty, "Alt+1" as "1").
            return words.get(context, {}).get(source)

        def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
            return not words

    return Supplement(parent)  # type: ignore[arg-type]


def install_qt_translations(lang: str) -> None:
    """Load Qt's own catalogue (standard buttons, file and print dialogs) for `lang`, with the few words it
    lacks; English needs none."""
    global _qt_translator, _qt_supplement
    from PySide6.QtCore import QLibraryInfo, QTranslator
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for old in (_qt_translator, _qt_supplement):
        if old is not None:
            app.removeTranslator(old)  # type: ignore[arg-type]
    _qt_translator = _qt_supplement = None
    if lang == "en":
        return
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{lang}", folder):
        app.installTranslator(translator)
        _qt_translator = translator
    else:
        log.info("Qt's own %s translations were not found", lang)
    supplement = _qt_supplement_translator(lang, app)
    if supplement is not None:
        app.installTranslator(supplement)  # type: ignore[arg-type]  # installed last, asked first
        _qt_supplement = supplement


def make_demo_vault(folder: Path, lang: str | None = None) -> tuple[Vault, str]:
    """A vault with synthetic records inside `folder` (floor key-derivation cost: it holds nothing real), written
    in `lang` (the program's language by default): Chinese in Chinese, English in English."""
    from .records.demo import DEMO_PASSPHRASE, populate
    from .records.services import Services
    from .vault.kdf import FLOOR

    vault, _key = Vault.create(folder / "vault", DEMO_PASSPHRASE, kdf_params=FLOOR, state_dir=folder / "state")
    with vault.unlock(DEMO_PASSPHRASE) as session:
        populate(Services.open(session), size="small", lang=lang or language())
    return vault, DEMO_PASSPHRASE


def _close_on_signals(window: QWidget) -> None:
    """On SIGTERM (logout, shutdown) or Ctrl+C, close the window as the counselor would: the vault is
    locked and a demo folder deleted. Qt's loop keeps Python from running signal handlers, so a timer
    hands control back to Python a few times a second."""
    from PySide6.QtCore import QTimer

    def close(_signum: int, _frame: object) -> None:
        window.close()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, close)
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="counselroom: %(levelname)s: %(message)s")
    config_path = AppConfig.default_path()
    config = AppConfig.load(config_path)
    set_language(args.lang or config.language or None)

    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QApplication

    from .gui.shell.application import prepare_application
    from .gui.shell.main_window import AppContext, MainWindow

    use_ibus_for_fcitx(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))  # before Qt reads QT_IM_MODULE
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "counselroom"])
    assert isinstance(app, QApplication)
    prepare_application(app)
    app.setQuitOnLastWindowClosed(True)
    install_qt_translations(language())

    demo_dir: Path | None = None
    try:
        demo_passphrase = None
        if args.demo:
            demo_dir = Path(tempfile.mkdtemp(prefix="counselroom-demo-"))  # 0700, private to this user
            vault, demo_passphrase = make_demo_vault(demo_dir)
        else:
            vault = Vault(args.vault or config.vault_path() or default_vault_path())
        ctx = AppContext(vault=vault, config=config, config_path=config_path, demo_passphrase=demo_passphrase,
                         on_language=install_qt_translations,
                         remind_backup=demo_passphrase is None)  # a throwaway demo vault needs no backup
        window = MainWindow(ctx)
        window.show()
        _close_on_signals(window)
        return int(app.exec())
    finally:
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
