"""The user guide in a window of its own: `resources/guide/<language>/guide.md`, rendered by Qt's own
Markdown support, with its headings as a table of contents beside it.

The guide holds no records, so the window may stay open while the vault is locked; locking closes it like
every other window, and it reopens on its next use. It never reaches a network: only files inside the
guide's folder are loaded, and a link to a web site is not followed (the window says so instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QImage,
    QKeySequence,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextImageFormat,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...i18n import LANGUAGES, language, tr
from ...shipped import resource

GUIDE_NAME = "guide.md"
TOC_LEVELS = 3  # headings down to ### are listed beside the text
IMAGE_MARGIN = 24  # keeps a fitted image clear of the scroll bar
OBJECT = "\ufffc"  # the character that stands for an image in a text block


def guide_folder() -> Path:
    return resource("guide")


def guide_path(lang: str) -> Path:
    """The guide in `lang` (zh_CN or en); English for any other."""
    return guide_folder() / (lang if lang in LANGUAGES else "en") / GUIDE_NAME


def slug(heading: str) -> str:
    """The anchor a Markdown viewer such as GitHub gives a heading: lower case, spaces to hyphens, other
    punctuation dropped (Chinese characters kept), so `[…](#backup-and-restore)` finds its heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    position: int  # where the heading's block starts in the document


class GuideBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing but local files inside the guide's folder and follows no link
    by itself; images are shrunk to the width of the view when it is narrower than they are."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)  # every click comes to HelpViewer.follow
        self.setSearchPaths([str(guide_folder())])
        self._natural: dict[str, QSize] = {}
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(60)
        self._fit_timer.timeout.connect(self.fit_images)

    def loadResource(self, kind: int, name: QUrl | str) -> object:  # noqa: N802 - Qt's name
        name = QUrl(name)
        url = self.source().resolved(name) if name.isRelative() else name
        if not url.isLocalFile():
            return None  # http, https, ftp, data…: nothing comes from outside the guide
        path = Path(url.toLocalFile()).resolve()
        if not path.is_relative_to(guide_folder().resolve()):
            return None
        return super().loadResource(kind, QUrl.fromLocalFile(str(path)))

    def images(self) -> list[tuple[int, int, QTextImageFormat]]:
        """(position, length, format) of every image in the document."""
        found = []
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().isImageFormat():
                    found.append((fragment.position(), fragment.length(), fragment.charFormat().toImageFormat()))
                it += 1
            block = block.next()
        return found

    def natural_size(self, name: str) -> QSize:
        if name not in self._natural:
            image = self.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
            size = QSize()
            if isinstance(image, (QImage, QPixmap)) and not image.isNull():
                ratio = image.devicePixelRatio() or 1.0
                size = QSize(round(image.width() / ratio), round(image.height() / ratio))
            self._natural[name] = size
        return self._natural[name]

    def fit_images(self) -> None:
        """Each image at its own size, or as wide as the view when that is narrower."""
        room = self.viewport().width() - 2 * int(self.document().documentMargin()) - IMAGE_MARGIN
        if room <= 0:
            return
        cursor = QTextCursor(self.document())
        for position, length, fmt in self.images():
            natural = self.natural_size(fmt.name())
            if natural.isEmpty():
                continue
            width = min(natural.width(), room)
            if abs(fmt.width() - width) < 1:
                continue
            fmt.setWidth(width)
            fmt.setHeight(natural.height() * width / natural.width())
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(fmt)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_timer.start()


class HelpViewer(QWidget):
    """The guide's window: contents on the left, the guide on the right, a find box above."""

    def __init__(self, lang: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.lang = lang or language()
        self.setWindowTitle(tr("counselroom user guide"))

        self.contents = QTreeWidget()
        self.contents.setHeaderHidden(True)
        self.contents.setAccessibleName(tr("Contents of the guide"))
        self.contents.itemActivated.connect(self._contents_chosen)
        self.contents.itemClicked.connect(self._contents_chosen)
        self.browser = GuideBrowser()
        self.browser.setAccessibleName(tr("User guide"))
        self.browser.anchorClicked.connect(self.follow)
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText(tr("Find in the guide"))
        self.find_box.setAccessibleName(tr("Find in the guide"))
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_next)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)

        find_label = QLabel(tr("&Find:"))
        find_label.setBuddy(self.find_box)
        top = QHBoxLayout()
        top.addWidget(find_label)
        top.addWidget(self.find_box, 1)
        splitter = QSplitter()
        splitter.addWidget(self.contents)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 1000])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.notice)
        for keys, slot in ((QKeySequence.StandardKey.Find, self._focus_find), (QKeySequence.StandardKey.FindNext,
                                                                                 self.find_next)):
            QShortcut(keys, self, slot)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.headings: list[Heading] = []
        self.load(self.lang)

    # --- loading --------------------------------------------------------------------------------
    def load(self, lang: str) -> None:
        self.lang = lang
        path = guide_path(lang)
        self.browser.setSource(QUrl.fromLocalFile(str(path)), QTextDocument.ResourceType.MarkdownResource)
        self._space_out()
        self.browser.fit_images()
        self.headings = self._read_headings()
        self._fill_contents()
        self.notice.clear()

    @property
    def title(self) -> str:
        """The guide's first heading."""
        return next((h.text for h in self.headings if h.level == 1), "")

    def _read_headings(self) -> list[Heading]:
        found = []
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if level:
                found.append(Heading(level, block.text().strip(), block.position()))
            block = block.next()
        return found

    def _fill_contents(self) -> None:
        self.contents.clear()
        parents: dict[int, QTreeWidgetItem] = {}
        for heading in self.headings:
            if heading.level == 1 or heading.level > TOC_LEVELS:
                continue
            parent = parents.get(heading.level - 1)
            item = QTreeWidgetItem([heading.text])
            item.setData(0, Qt.ItemDataRole.UserRole, heading.position)
            item.setToolTip(0, heading.text)
            if heading.level == 2:
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            if heading.level == 2 or parent is None:
                self.contents.addTopLevelItem(item)
            else:
                parent.addChild(item)
            parents[heading.level] = item
        self.contents.expandAll()

    def _space_out(self) -> None:
        """Qt sets Markdown tightly: give paragraphs and headings room, and Chinese lines some air."""
        document = self.browser.document()
        document.setDocumentMargin(16)
        cursor = QTextCursor(document)
        block = document.begin()
        while block.isValid():
            cursor.setPosition(block.position())
            if cursor.currentTable() is not None:  # table cells keep Qt's own, compact spacing
                block = block.next()
                continue
            fmt = block.blockFormat()
            level = fmt.headingLevel()
            fmt.setTopMargin({1: 4, 2: 22, 3: 14}.get(level, 14 if level else fmt.topMargin()))
            fmt.setBottomMargin(8 if level else max(fmt.bottomMargin(), 6))
            if not level and OBJECT not in block.text():  # an image's line keeps the image's own height
                fmt.setLineHeight(135, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
            if fmt.hasProperty(QTextFormat.Property.BlockCodeFence):
                fmt.setBackground(self.palette().alternateBase())
            cursor.setBlockFormat(fmt)
            block = block.next()

    # --- moving about ---------------------------------------------------------------------------
    def show_heading(self, heading: Heading) -> None:
        """Scroll so the heading is at the top of the view."""
        document = self.browser.document()
        block = document.findBlock(heading.position)
        top = document.documentLayout().blockBoundingRect(block).top()
        cursor = QTextCursor(block)
        self.browser.setTextCursor(cursor)
        self.browser.verticalScrollBar().setValue(int(top))

    def _contents_chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        position = item.data(0, Qt.ItemDataRole.UserRole)
        heading = next((h for h in self.headings if h.position == position), None)
        if heading is not None:
            self.show_heading(heading)

    def follow(self, url: QUrl) -> None:
        """A clicked link: a heading of this guide is shown; anything else is not opened."""
        if url.scheme() in ("", "file") and url.hasFragment():
            same_page = not url.path() or url.path().endswith(GUIDE_NAME)
            heading = next((h for h in self.headings if slug(h.text) == url.fragment()), None)
            if same_page and heading is not None:
                self.show_heading(heading)
                self.notice.clear()
                return
        self.notice.setText(tr("This link is not opened: counselroom never connects to a network. "
                               "The address is: {address}", address=url.toString()))

    def _focus_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def find_next(self) -> None:
        text = self.find_box.text().strip()
        if not text:
            return
        if self.browser.find(text):
            self.notice.clear()
            return
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)  # from the top again
        if self.browser.find(text):
            self.notice.clear()
        else:
            self.notice.setText(tr("“{text}” is not in the guide.", text=text))


def open_guide(owner: QWidget) -> HelpViewer:
    """Show the guide in the window's current language, reusing its window when it is still there (closing,
    or locking, only hides it)."""
    viewer = None
    for old in owner.findChildren(HelpViewer, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if old.lang == language() and viewer is None:
            viewer = old
        else:  # the language was changed since: a new window, with its own labels in the new language
            old.hide()
            old.setParent(None)
            old.deleteLater()
    if viewer is None:
        viewer = HelpViewer(language(), owner)
        width, height = 1280, 800
        screen = owner.screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 60)
        viewer.resize(width, height)
    viewer.show()
    viewer.raise_()
    viewer.activateWindow()
    return viewer
