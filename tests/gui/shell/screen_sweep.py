"""The window-wide checks of issue 13, shared by the sweep tests: walk a window's widgets and say what a
counselor would see wrong on a given screen.

- a top-level window (the main window, a dialog) whose minimum size or size does not fit the screen;
- text cut off: a label, button, check box or radio button narrower than its text (word-wrapped labels:
  lower than their text), unless the widget elides on purpose (`elided` property) and so has a tooltip;
- in Chinese, text still in English: a visible string that is an English message id with Latin letters,
  or a phrase of English words (audit details, field names), with an allow-list for names such as PHQ-9;
- two visible siblings on the same page with the same &-mnemonic.

`Sweep` drives the window: every section, every tab, a few clients' files with every tab, every dialog a
page's enabled buttons open, and every dialog those dialogs' own buttons open (a question inside the note
editor, a file chooser inside the import wizard), each checked with the above. Problems are
collected as short strings, so a test can compare them with a list of known ones.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QRadioButton,
    QTabBar,
    QTabWidget,
    QToolButton,
    QWidget,
)

from counselroom.i18n import catalogue


@dataclass(frozen=True)
class Screen:
    """A screen as the program sees it in logical pixels, less the task bar and a window title bar."""

    name: str
    width: int
    height: int
    scale: float = 1.0
    task_bar: int = 40
    title_bar: int = 30

    @property
    def usable(self) -> tuple[int, int]:
        return self.width, self.height - self.task_bar - self.title_bar


LAPTOP = Screen("1366x768 at 100%", 1366, 768)
# 1920x1080 at 150% is 1280x720 logical pixels: Qt lays a window out in logical pixels and scales fonts with
# the same factor, so at 150% a layout needs exactly the logical room it needs at 100%.
FULL_HD_150 = Screen("1920x1080 at 150%", 1280, 720, scale=1.5)

# Latin text that is right in a Chinese window: names of instruments and programs, units, codes.
ALLOWED_LATIN = re.compile(
    r"^(counselroom|English|PHQ-9|GAD-7|PHQ|GAD|SCL-90|UPI|SDS|SAS|PDF|CSV|XLSX|JSON|SQLite|SQLCipher|OK|Ctrl\+.*|F\d+|"
    r"Shift\+.*|Qt|USB|ID|Argon2id|AES-256|[A-Z]{1,3}-?\d.*|[\d\s:/.\-–—()%+#,]*)$")
# Two English words in a row ("how: paper", "previous_status: pending", "Exam stress group"); a word has a vowel, so
# a phone number pattern such as "0xx-xxxx xxxx" is not one.
PHRASE = re.compile(r"\b[A-Za-z]*[aeiouy][a-z]+(?:_[a-z]+)*(?::\s?| )[a-z]*[aeiouy][a-z]+\b")
MNEMONIC = re.compile(r"&([^&\s])")
LATIN = re.compile(r"[A-Za-z]{2,}")


def strip_mnemonic(text: str) -> str:
    text = re.sub(r"\(&.\)", "", text)  # Chinese style: 打开(&O)
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def mnemonic(text: str) -> str | None:
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def english_ids() -> frozenset[str]:
    """Every English message id that has a Chinese translation, without its &-letter."""
    found = catalogue("zh_CN")
    ids = found if isinstance(found, dict) else getattr(found, "_catalog", {})  # gettext keeps them there
    return frozenset(strip_mnemonic(k).strip() for k in ids if isinstance(k, str) and k)


def where(widget: QWidget) -> str:
    """A short, stable name for a widget: its window's class and its own class and text."""
    window = widget.window()
    title = window.windowTitle() or type(window).__name__
    own = widget.objectName() or type(widget).__name__
    return f"{title} / {own}"


def visible_texts(root: QWidget) -> Iterable[tuple[QWidget, str]]:
    """What the counselor reads in `root`: labels, buttons, titles, tabs, placeholders, list items, headers."""
    if root.isWindow():
        yield root, root.windowTitle()
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or not w.isVisible():
            continue
        if isinstance(w, QLabel):
            if w.textFormat() == Qt.TextFormat.RichText or w.text().lstrip().startswith("<"):
                yield w, re.sub(r"<[^>]+>", " ", w.text())
            else:
                yield w, w.text()
        elif isinstance(w, QAbstractButton):
            yield w, w.text()
        elif isinstance(w, QGroupBox):
            yield w, w.title()
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                yield w, w.tabText(i)
        elif isinstance(w, QLineEdit):
            yield w, w.placeholderText()
        elif isinstance(w, QComboBox):
            for i in range(min(w.count(), 30)):
                yield w, w.itemText(i)
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            for column in range(min(_count(model.columnCount), 12)):
                yield w, str(model.headerData(column, Qt.Orientation.Horizontal) or "")
                for row in range(min(_count(model.rowCount), 40)):
                    value = model.data(model.index(row, column, QModelIndex()))
                    if isinstance(value, str):
                        yield w, value


def _count(method: Callable[..., int]) -> int:
    """rowCount()/columnCount(), which some models take with and others without a parent index."""
    try:
        return int(method())
    except TypeError:
        try:
            return int(method(QModelIndex()))
        except TypeError:  # QAbstractListModel.columnCount is private in PySide6: a list has one column
            return 1


def untranslated(root: QWidget, ids: frozenset[str]) -> list[str]:
    problems = []
    for w, raw in visible_texts(root):
        for text in {line.strip() for line in strip_mnemonic(raw).splitlines()}:
            if not text or not LATIN.search(text) or ALLOWED_LATIN.match(text):
                continue
            stem = text.rstrip(".…:：").strip()
            if text in ids or stem in ids or f"{stem}…" in ids or PHRASE.search(text):
                problems.append(f"English in Chinese: {where(w)}: {text[:80]!r}")
    return problems


def untranslated_phrase_found(text: str) -> bool:
    """Whether `text` alone would be reported as English in the Chinese window (for the self-test)."""
    from PySide6.QtWidgets import QLabel

    box = QWidget()
    QLabel(text, box)
    box.show()
    try:
        return bool(untranslated(box, english_ids()))
    finally:
        box.close()
        box.deleteLater()


def _elides(widget: QWidget) -> bool:
    """A widget that cuts its text on purpose, with "…" and the whole text as tooltip (gui/common/elided.py)."""
    return bool(widget.property("elided")) or hasattr(widget, "shown_text")


def clipped(root: QWidget) -> list[str]:
    problems = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or _elides(w) or w.width() <= 0:
            continue
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                need = w.heightForWidth(w.width())
                if need > w.height() + 2:
                    problems.append(f"text cut off (height {w.height()} < {need}): {where(w)}: {w.text()[:60]!r}")
            elif w.sizeHint().width() > w.width() + 2:
                problems.append(f"text cut off (width {w.width()} < {w.sizeHint().width()}): {where(w)}: "
                                f"{w.text()[:60]!r}")
        elif isinstance(w, QPushButton | QToolButton) and w.text():
            metrics = w.fontMetrics()
            need = max(metrics.horizontalAdvance(line) for line in strip_mnemonic(w.text()).splitlines() or [""])
            if not w.icon().isNull():
                need += w.iconSize().width() + 4
            if need + 6 > w.width():
                problems.append(f"text cut off (width {w.width()} < {need + 6}): {where(w)}: {w.text()[:60]!r}")
        elif isinstance(w, QCheckBox | QRadioButton) and w.text() and w.sizeHint().width() > w.width() + 2:
            problems.append(f"text cut off (width {w.width()} < {w.sizeHint().width()}): {where(w)}: "
                            f"{w.text()[:60]!r}")
    return problems


def too_big(window: QWidget, screen: Screen) -> list[str]:
    width, height = screen.usable
    full_screen = bool(window.windowState() & Qt.WindowState.WindowFullScreen)
    if full_screen:  # the client's questionnaire: the whole screen, no task bar or title bar, whatever its size
        width, height = screen.width, screen.height
    minimum = window.minimumSize().expandedTo(window.minimumSizeHint())
    problems = []
    if minimum.width() > width or minimum.height() > height:
        problems.append(f"minimum size {minimum.width()}x{minimum.height()} exceeds {width}x{height} "
                        f"({screen.name}): {where(window)}")
    if (window is not window.window() or isinstance(window, QDialog)) and not full_screen:
        if window.width() > width or window.height() > height:
            problems.append(f"opens at {window.width()}x{window.height()}, beyond {width}x{height} "
                            f"({screen.name}): {where(window)}")
    return problems


def mnemonic_clashes(root: QWidget) -> list[str]:
    """Visible widgets of one page (the same window, the same tab page) with the same &-letter."""
    groups: dict[int, dict[str, list[str]]] = {}
    for w, text in _mnemonic_texts(root):
        letter = mnemonic(text)
        if letter is None:
            continue
        page = _page_of(w, root)
        groups.setdefault(id(page), {}).setdefault(letter, []).append(text)
    problems = []
    for letters in groups.values():
        for letter, texts in letters.items():
            if len(texts) > 1:
                problems.append(f"mnemonic {letter.upper()} twice in {root.windowTitle() or type(root).__name__}: "
                                f"{sorted(texts)}")
    return problems


def _mnemonic_texts(root: QWidget) -> Iterable[tuple[QWidget, str]]:
    bar = root.menuBar() if isinstance(root, QMainWindow) else None
    if bar is not None and bar.isVisible():  # Alt+V opens the Vault menu: no button may take V as well
        for action in bar.actions():
            if action.isVisible():
                yield bar, action.text()
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not w.isEnabled():
            continue
        if isinstance(w, QLabel) and w.buddy() is not None and w.buddy().isVisible():
            yield w, w.text()
        elif isinstance(w, QAbstractButton):
            yield w, w.text()
        elif isinstance(w, QGroupBox) and w.isCheckable():
            yield w, w.title()
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i) and w.isTabEnabled(i):
                    yield w, w.tabText(i)


def _page_of(widget: QWidget, root: QWidget) -> QWidget:
    """Mnemonics clash only within what is shown at once: the window. A tab bar belongs to its tab widget's
    surroundings; a widget inside a tab page competes with the window around it too, so the page is the
    window (a hidden tab page's widgets are not visible and take no part)."""
    return root


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # the windows and pages checked

    def add(self, items: Iterable[str]) -> None:
        for item in items:
            if item not in self.problems:
                self.problems.append(item)


def check(root: QWidget, screen: Screen, chinese: bool, ids: frozenset[str], findings: Findings,
          label: str) -> None:
    QApplication.processEvents()
    findings.seen.append(label)
    if root.isWindow():
        findings.add(too_big(root, screen))
    findings.add(clipped(root))
    findings.add(mnemonic_clashes(root.window()))
    if chinese:
        findings.add(untranslated(root, ids))


# Buttons the sweep never clicks: they leave the window (lock, quit) or act without asking first.
NEVER_CLICK = re.compile(r"lock|quit|退出|锁定|back up now|立即备份|print|打印|^\W*(?:back|返回)|discard|放弃",
                         re.IGNORECASE)


class DialogCatcher:
    """While armed, every modal dialog or new top-level window that appears is checked and closed.

    A dialog opened from inside a caught one needs a catcher of its own: Qt never runs a timer's slot again
    while it is still running, so the outer catcher cannot see what opens within its own check."""

    def __init__(self, on_window: Callable[[QWidget], None], limit: int = 12) -> None:
        self.on_window = on_window
        self.limit = limit
        self.count = 0
        self.before: set[int] = set()
        self.timer = QTimer()
        self.timer.setInterval(15)
        self.timer.timeout.connect(self.poll)

    def arm(self) -> None:
        self.count = 0
        self.before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
        self.timer.start()

    def disarm(self) -> None:
        self.timer.stop()
        self.poll()

    def new_windows(self) -> list[QWidget]:
        modal = QApplication.activeModalWidget()
        found = [modal] if modal is not None and modal.isVisible() else []
        for w in QApplication.topLevelWidgets():
            if w.isVisible() and id(w) not in self.before and w not in found and not isinstance(w, QMenu) \
                    and not w.inherits("QTipLabel") and w.isWindow() and w.windowType() != Qt.WindowType.Popup:
                found.append(w)
        return found

    def poll(self) -> None:
        for w in self.new_windows():
            if id(w) in self.before:
                continue
            self.count += 1
            try:
                if self.count <= self.limit:
                    self.on_window(w)
            finally:
                if isinstance(w, QDialog):
                    w.reject()
                else:
                    w.close()
                w.deleteLater()


def settle(seconds: float = 0.05) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def select_first_rows(root: QWidget) -> None:
    for view in root.findChildren(QAbstractItemView):
        model = view.model()
        if view.isVisible() and model is not None and _count(model.rowCount) > 0 \
                and not view.currentIndex().isValid():
            view.setCurrentIndex(model.index(0, 0))


def clickable(root: QWidget) -> list[QAbstractButton]:
    buttons = []
    for b in root.findChildren(QAbstractButton):
        if isinstance(b, QPushButton | QToolButton) and b.isVisible() and b.isEnabled() and b.text() \
                and not NEVER_CLICK.search(strip_mnemonic(b.text())) and b.window() is root.window():
            buttons.append(b)
    return buttons


# Inside a dialog the sweep clicks what opens more (Choose…, Preview, Show answers, Add…), not what would change
# the demo's records or write a file: the dialog's own OK, Save, Sign, Delete, Export (a button box's accept,
# yes, reject and destructive buttons included: closing is the catcher's work).
NEVER_CLICK_INSIDE = re.compile(r"save|sign|delete|destroy|remove|export|confirm|^\W*(?:yes|ok)\b|import|apply|"
                                r"close|cancel|restore|unlock|keep|undo|re-?encrypt|rotate|record|finish|submit|"
                                r"保存|签|删除|销毁|移除|导出|确认|确定|^\W*是|导入|应用|关闭|取消|恢复|解锁|保留|撤销|"
                                r"重新加密|记录|完成|提交", re.IGNORECASE)


def clickable_inside(dialog: QWidget) -> list[QAbstractButton]:
    """The buttons of a dialog that open more, without changing a record (see NEVER_CLICK_INSIDE)."""
    from PySide6.QtWidgets import QDialogButtonBox

    opens_more = (QDialogButtonBox.ButtonRole.ActionRole, QDialogButtonBox.ButtonRole.HelpRole)
    buttons = []
    for b in clickable(dialog):
        box = b.parent()
        if isinstance(box, QDialogButtonBox) and box.buttonRole(b) not in opens_more:
            continue
        if NEVER_CLICK_INSIDE.search(strip_mnemonic(b.text())):
            continue
        buttons.append(b)
    return buttons


def each_tab(root: QWidget) -> Iterable[tuple[QTabWidget, int]]:
    for tabs in root.findChildren(QTabWidget):
        if tabs.isVisible():
            for i in range(tabs.count()):
                if tabs.isTabEnabled(i) and tabs.isTabVisible(i):
                    tabs.setCurrentIndex(i)
                    settle(0.01)
                    yield tabs, i
