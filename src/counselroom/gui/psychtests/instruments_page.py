"""The instruments: built-in and imported questionnaires, and importing the room's own.

The list shows every questionnaire the counselor can give; the right side shows one in full (items, answer
options, scores, cut-offs, critical items, screening rules), in words. "Import definition file…" reads a
JSON definition (the format: docs/instruments/README.md) and either stores it in the vault or lists every
mistake with its place.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.instruments import (
    EXAMPLE_FILE,
    DefinitionInvalid,
    Instrument,
    Option,
    read_definition_file,
    show_number,
)
from ...records.psychtests import InstrumentInfo
from ...records.services import Services
from ...vault.errors import VaultError
from ..common.folders import start_folder, start_path
from ..common.widgets import StoreWatcher, heading, message_label, paragraph, set_message

FORMAT_DOC = "docs/instruments/README.md"
log = logging.getLogger(__name__)


def choose_file(parent: QWidget) -> str:
    """Ask for a definition file (tests replace this)."""
    path, _filter = QFileDialog.getOpenFileName(parent, tr("Import a questionnaire definition"), str(start_folder()),
                                                tr("Questionnaire definitions (*.json);;All files (*)"))
    return path


def choose_save_path(parent: QWidget) -> str:
    """Ask where to save the example file (tests replace this)."""
    path, _filter = QFileDialog.getSaveFileName(parent, tr("Save the example definition"),
                                                start_path("example-room-instrument.json"),
                                                tr("Questionnaire definitions (*.json)"))
    return path


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def describe(instrument: Instrument, info: InstrumentInfo | None, lang: str) -> str:
    """The questionnaire in full, as HTML made only of escaped text."""
    def options_text(options: tuple[Option, ...]) -> str:
        return ", ".join(f"{o.text(lang)} = {show_number(o.value)}" for o in options)

    out = [f"<h2>{_esc(instrument.title_in(lang))}</h2>"]
    kind = tr("Built in") if info is not None and info.builtin else tr("The room's own (imported)")
    facts = [tr("Id: {id}", id=instrument.id), tr("Version {version}", version=instrument.version), kind]
    if info is not None:
        facts.append(tr("Used in {count} test(s)", count=info.administrations))
    out.append(f"<p>{_esc(' · '.join(facts))}</p>")
    if instrument.source.get(lang):
        out.append(f"<p><i>{_esc(instrument.source[lang])}</i></p>")
    sections = [(tr("Purpose (the explanation before the test starts from it)"), instrument.purpose.get(lang, "")),
                (tr("Instructions"), instrument.instructions.get(lang, ""))]
    for title, text in sections:
        out.append(f"<h3>{_esc(title)}</h3><p>{_esc(text)}</p>")
    common = instrument.items[0].options if instrument.items else ()
    out.append(f"<h3>{_esc(tr('Items'))}</h3>")
    out.append(f"<p>{_esc(tr('Answers: {options}', options=options_text(common)))}</p><ol>")
    for item in instrument.items:
        notes = [tr("reversed")] if item.reversed else []
        if item.options != common:
            notes.append(tr("answers: {options}", options=options_text(item.options)))
        extra = f" <span style='color:#5b6272'>({_esc('; '.join(notes))})</span>" if notes else ""
        out.append(f"<li value='{item.number}'>{_esc(item.text_in(lang))}{extra}</li>")
    out.append(f"</ol><h3>{_esc(tr('Scores'))}</h3><ul>")
    for score in instrument.scores:
        items = (tr("all items") if score.items == instrument.numbers
                 else tr("items {numbers}", numbers=", ".join(str(n) for n in score.items)))
        method = tr("sum") if score.method == "sum" else tr("mean")
        line = _esc(tr("{score}: {method} of {items}", score=score.text(lang), method=method, items=items))
        if score.bands:
            bands = "; ".join(f"{show_number(b.low)}–{show_number(b.high)} {b.text(lang)}" for b in score.bands)
            line += "<br>" + _esc(tr("Cut-offs: {bands}", bands=bands))
        out.append(f"<li>{line}</li>")
    out.append("</ul>")
    if instrument.critical_items:
        out.append(f"<h3>{_esc(tr('Critical items (a risk prompt at once)'))}</h3><ul>")
        for c in instrument.critical_items:
            out.append("<li>" + _esc(tr("Item {number}, answer {condition}: {message}", number=c.item,
                                        condition=c.when.show(), message=c.text(lang))) + "</li>")
        out.append("</ul>")
    if instrument.screening:
        out.append(f"<h3>{_esc(tr('Screening rules'))}</h3><ul>")
        for rule in instrument.screening:
            when = tr("positive when {rule}", rule=instrument.describe_rule(rule, lang))
            message = f"<br>{_esc(rule.message[lang])}" if rule.message.get(lang) else ""
            out.append(f"<li><b>{_esc(rule.text(lang))}</b>: {_esc(when)}{message}</li>")
        out.append("</ul>")
    out.append(f"<p><b>{_esc(tr('Every result is a screening result, not a diagnosis.'))}</b></p>")
    return "".join(out)


class InstrumentsPage(QWidget):
    """Public: `refresh()`, `import_file(path=None)`, `save_example(path=None)`, `shutdown()`; `list` (the
    questionnaires), `view` (the one shown), `problems` (the mistakes of a refused file)."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.infos: list[InstrumentInfo] = []

        self.list = QListWidget()
        self.list.setAccessibleName(tr("Questionnaires"))
        self.list.setStyleSheet("QListWidget::item { padding: 4px 2px; }")
        self.list.currentRowChanged.connect(lambda _row: self._show_current())
        self.import_button = QPushButton(tr("&Import definition file…"))
        self.import_button.setAccessibleName(tr("Import the room's own questionnaire from a definition file"))
        self.import_button.clicked.connect(lambda: self.import_file())
        self.example_button = QPushButton(tr("Save an &example file…"))
        self.example_button.setAccessibleName(tr("Save an example definition file to start from"))
        self.example_button.clicked.connect(lambda: self.save_example())
        self.format_label = paragraph(tr(
            "The room's own questionnaires and screening rules (for example those a school uses for UPI or "
            "SCL-90) are imported from a definition file: JSON with every text in Chinese and English. The format "
            "is described in {doc} in counselroom's documentation; the example file shows every part.",
            doc=FORMAT_DOC))
        self.format_label.setStyleSheet("color: #4a5263;")
        self.message = message_label()
        self.problems_title = paragraph("")
        self.problems_title.setStyleSheet("color: #b00020; font-weight: bold;")
        self.problems = QTableWidget(0, 2)
        self.problems.setAccessibleName(tr("Mistakes in the definition file"))
        self.problems.setHorizontalHeaderLabels([tr("Where"), tr("What is wrong")])
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.setWordWrap(True)
        self.problems.verticalHeader().hide()
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._show_problems([])

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.example_button)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.format_label)

        self.view = QTextBrowser()
        self.view.setAccessibleName(tr("The questionnaire"))
        self.view.setOpenLinks(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Test instruments")))
        layout.addWidget(self.message)
        layout.addWidget(self.problems_title)
        layout.addWidget(self.problems)
        layout.addWidget(splitter, 1)

        self.watcher = StoreWatcher(self, services.store, self.refresh,
                                    wants=lambda entity, _id: entity in ("instrument", "test"))
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        self.watcher.mark_fresh()
        current = select or self._current_id()
        self.infos = self.services.psychtests.instruments()
        lang = language()
        self.list.blockSignals(True)
        self.list.clear()
        for info in self.infos:
            i = info.instrument
            kind = tr("built in") if info.builtin else tr("the room's own, version {version}", version=i.version)
            item = QListWidgetItem(f"{i.short_in(lang)} — {i.title_in(lang)}\n{kind} · "
                                   + tr("used in {count} test(s)", count=info.administrations))
            item.setData(Qt.ItemDataRole.UserRole, i.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        ids = [info.instrument.id for info in self.infos]
        self.list.setCurrentRow(ids.index(current) if current in ids else 0)
        self._show_current()

    def _current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _show_current(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.infos):
            self.view.clear()
            return
        info = self.infos[row]
        self.view.setHtml(describe(info.instrument, info, language()))

    def _show_problems(self, rows: list[tuple[str, str]]) -> None:
        self.problems.setRowCount(len(rows))
        for n, (where, what) in enumerate(rows):
            self.problems.setItem(n, 0, QTableWidgetItem(where))
            self.problems.setItem(n, 1, QTableWidgetItem(what))
        self.problems.resizeRowsToContents()
        height = self.problems.horizontalHeader().sizeHint().height() + 2 * self.problems.frameWidth() + 2
        height += sum(self.problems.rowHeight(n) for n in range(len(rows)))
        self.problems.setFixedHeight(min(height, self.fontMetrics().lineSpacing() * 14))
        self.problems.setVisible(bool(rows))
        self.problems_title.setVisible(bool(rows))

    def import_file(self, path: str | None = None) -> None:
        path = path if path is not None else choose_file(self)
        if not path:
            return
        set_message(self.message, "")
        self._show_problems([])
        lang = language()
        name = Path(path).name
        try:
            # A folder, a FIFO or a device chosen by mistake is refused without reading it (no hang).
            data = read_definition_file(path)
        except DefinitionInvalid as e:
            set_message(self.message, " ".join(p.what(lang) for p in e.problems))
            return
        try:
            outcome = self.services.psychtests.import_definition(data)
        except DefinitionInvalid as e:
            self.problems_title.setText(tr("{file} was not imported. Correct these places in the file and import it "
                                           "again:", file=name))
            self._show_problems([(p.where(lang), p.what(lang)) for p in e.problems])
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        except Exception:  # noqa: BLE001 - never nothing on screen; the details only at debug level
            log.error("importing a definition file failed")
            log.debug("importing a definition file failed", exc_info=True)
            set_message(self.message, tr("{file} could not be imported because of an unexpected problem in "
                                         "counselroom. Nothing was imported. Check the file against the example file; "
                                         "if it looks right, tell whoever looks after counselroom in your room.",
                                         file=name))
            return
        i = outcome.instrument
        title = i.title_in(language())
        text = {"imported": tr("Imported “{title}”, version {version}.", title=title, version=i.version),
                "replaced": tr("Version {version} of “{title}” was replaced: no test had used it yet.", title=title,
                               version=i.version),
                "unchanged": tr("“{title}”, version {version}, is already in the vault, unchanged.", title=title,
                                version=i.version)}[outcome.outcome]
        set_message(self.message, text, "ok")
        self.refresh(select=i.id)

    def save_example(self, path: str | None = None) -> None:
        path = path if path is not None else choose_save_path(self)
        if not path:
            return
        try:
            Path(path).write_bytes(EXAMPLE_FILE.read_bytes())
        except OSError:
            set_message(self.message, tr("The example file could not be saved there. Choose another folder."))
            return
        set_message(self.message, tr("Example saved: {path}", path=path), "ok")

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
        self.watcher.stop()
        self.infos = []
        self.list.clear()
        self.view.clear()
        self._show_problems([])
        set_message(self.message, "")
