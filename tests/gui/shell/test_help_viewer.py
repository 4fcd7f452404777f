"""The user guide in the Help menu: opened in the window's language (also while locked), its images load
from the guide's folder, its contents move to a heading, and nothing is fetched from a network."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QPixmap, QTextDocument
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMenu

from counselroom import i18n
from counselroom.app import install_qt_translations
from counselroom.gui.shell.help_viewer import HelpViewer
from counselroom.gui.shell.main_window import MainWindow
from counselroom.records.clients import Client
from counselroom.records.services import Services

PASS = "Quiet river 2026 lantern"
TITLES = {"zh_CN": "counselroom 用户指南", "en": "counselroom user guide"}


def help_action(window: MainWindow, text: str):  # type: ignore[no-untyped-def]
    """The action of the Help menu whose text (without its & marker) is `text`."""
    # The list of actions is held while their menus are used: on PySide6 6.9 the wrapper that QAction.menu()
    # returns is invalidated ("already deleted") once the action's own wrapper is collected (fine on 6.11).
    actions = window.menuBar().actions()
    menus = [menu for a in actions if isinstance(menu := a.menu(), QMenu)]
    help_menu = next(m for m in menus if m.title().replace("&", "") in ("Help", "帮助(H)"))
    return next(a for a in help_menu.actions() if a.text().replace("&", "") == text)


def open_viewer(qtbot, window: MainWindow, action_text: str) -> HelpViewer:  # type: ignore[no-untyped-def]
    help_action(window, action_text).trigger()
    viewer = window.findChild(HelpViewer)
    assert viewer is not None
    qtbot.waitUntil(viewer.isVisible)
    return viewer


def loaded_images(viewer: HelpViewer) -> list[str]:
    """Names of the document's images that Qt actually loaded (a null image is a missing file)."""
    document = viewer.browser.document()
    names = []
    for _position, _length, fmt in viewer.browser.images():
        image = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(fmt.name()))
        if isinstance(image, (QImage, QPixmap)) and not image.isNull():
            names.append(fmt.name())
    return names


def test_the_guide_opens_from_the_help_menu_in_each_language_while_locked(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    for lang, action_text in (("zh_CN", "用户指南(U)"), ("en", "User guide")):
        i18n.set_language(lang)
        install_qt_translations(lang)
        window = make_window(new_vault[0].path)
        assert not window.is_unlocked  # on the unlock screen: the guide holds no records
        viewer = open_viewer(qtbot, window, action_text)
        assert viewer.lang == lang
        assert viewer.title == TITLES[lang]
        assert viewer.windowTitle() == TITLES[lang]
        assert viewer.browser.toPlainText().startswith(TITLES[lang])
        assert viewer.browser.source().toLocalFile().endswith(f"guide/{lang}/guide.md")
        images = [fmt.name() for _p, _l, fmt in viewer.browser.images()]
        assert len(images) >= 5
        assert loaded_images(viewer) == images, "every image of the guide is loaded from its folder"
        assert all(f"{lang}-" in name for name in images), "the screenshots are in the guide's language"
        size = viewer.browser.natural_size(images[0])
        assert size.width() > 300 and size.height() > 200
        viewer.close()
        window.close()


def test_f1_opens_the_guide_and_shift_f1_the_shortcuts(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    viewer = window.findChild(HelpViewer)
    assert viewer is not None and viewer.isVisible()
    viewer.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QDialog) and w.isVisible() and w.windowTitle() == "Keyboard shortcuts")
    texts = [label.text() for label in box.findChildren(QLabel)]
    assert "User guide" in texts and "Keyboard shortcuts" in texts
    box.close()


def test_contents_and_links_within_the_guide_move_to_their_heading(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    viewer = open_viewer(qtbot, window, "User guide")
    viewer.resize(1000, 700)
    sections = [viewer.contents.topLevelItem(i).text(0) for i in range(viewer.contents.topLevelItemCount())]
    assert "Backup and restore" in sections and "If the passphrase is lost" in sections and "Printing" in sections
    bar = viewer.browser.verticalScrollBar()
    assert bar.value() == 0
    item = viewer.contents.topLevelItem(sections.index("Backup and restore"))
    viewer.contents.itemClicked.emit(item, 0)
    backup_top = bar.value()
    assert backup_top > 0
    assert viewer.browser.textCursor().block().text() == "Backup and restore"
    viewer.browser.anchorClicked.emit(QUrl("#keyboard-shortcuts"))  # a link in the guide's own text
    assert viewer.browser.textCursor().block().text() == "Keyboard shortcuts"
    assert bar.value() > backup_top or bar.value() == bar.maximum()
    assert viewer.notice.text() == ""


def test_links_to_the_web_are_not_followed_and_nothing_is_loaded_from_outside(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    viewer = open_viewer(qtbot, window, "User guide")
    browser = viewer.browser
    assert not browser.openExternalLinks() and not browser.openLinks()
    source = browser.source()
    text = browser.toPlainText()
    for address in ("https://example.com/counselroom", "http://192.0.2.1/x.md", "mailto:someone@example.com"):
        browser.anchorClicked.emit(QUrl(address))  # what clicking such a link does
        assert browser.source() == source and browser.toPlainText() == text
        assert address in viewer.notice.text() and "never connects to a network" in viewer.notice.text()
    for outside in ("https://example.com/picture.png", "file:///etc/passwd", "../../../../etc/hostname"):
        assert browser.loadResource(int(QTextDocument.ResourceType.ImageResource.value), QUrl(outside)) is None


def test_locking_closes_the_guide_and_it_opens_again_in_the_new_language(qtbot, make_window, new_vault, flush) -> None:  # type: ignore[no-untyped-def]
    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        Services.open(session).clients.create(Client(code="HV-7731", name="欧阳青"))
    window = make_window(vault.path)
    screen = window.unlock_screen
    screen.passphrase.setText(PASS)
    screen.try_unlock()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)
    window.go("clients")
    viewer = open_viewer(qtbot, window, "User guide")
    qtbot.keyClick(viewer.find_box, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # from the guide's window
    assert not window.is_unlocked
    assert not viewer.isVisible()
    flush()
    assert window.findChild(HelpViewer) is viewer, "locking hides the guide; it holds nothing to destroy"
    assert "HV-7731" not in viewer.browser.toPlainText() and "欧阳青" not in viewer.browser.toPlainText()

    window.apply_language("zh_CN")
    again = open_viewer(qtbot, window, "用户指南(U)")
    assert again.lang == "zh_CN" and again.title == TITLES["zh_CN"]
    flush()
    assert window.findChildren(HelpViewer) == [again], "the English window gave way to the Chinese one"

