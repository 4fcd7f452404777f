"""Adapting the room's consent form (or the group confidentiality agreement): each item's title and text in
Chinese and English. Saving makes a new version; consents signed under an older version keep it, and those
clients are asked to re-consent."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, language, tr
from ...records.clients import ValidationError
from ...records.consent import CONSENT, GROUP_AGREEMENT, PROFILE_PLACEHOLDERS, ConsentTemplate, TemplateItem
from ...records.services import Services
from ...vault.errors import VaultError
from ..common.widgets import confirm_destructive, heading, message_label, paragraph, set_message

KIND_LABELS = {CONSENT: N_("Consent form"), GROUP_AGREEMENT: N_("Group confidentiality agreement")}
LANGS = (("zh_CN", N_("Chinese")), ("en", N_("English")))


class ConsentTemplatePage(QWidget):
    """Public: `load(kind)`, `save()`, `discard()`, `dirty`; `kind_combo`, `items_list`, `title_edits` and
    `text_edits` (by language) for the selected item, `form_title_edits` (by language)."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.template: ConsentTemplate | None = None
        self.items: list[TemplateItem] = []
        self.titles: dict[str, str] = {}
        self._current = -1
        self._loading = False

        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName(tr("Which form"))
        for kind, label in KIND_LABELS.items():
            self.kind_combo.addItem(tr(label), kind)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.load(self.kind_combo.currentData()))
        self.version_label = QLabel()
        self.version_label.setTextFormat(Qt.TextFormat.PlainText)
        self.form_title_edits: dict[str, QLineEdit] = {}
        title_form = QFormLayout()
        for lang, name in LANGS:
            edit = QLineEdit()
            edit.setAccessibleName(tr("Form title in {language}", language=tr(name)))
            edit.textEdited.connect(self._edited)
            self.form_title_edits[lang] = edit
            title_form.addRow(tr("Title ({language}):", language=tr(name)), edit)

        self.items_list = QListWidget()
        self.items_list.setAccessibleName(tr("Items of the form"))
        self.items_list.currentRowChanged.connect(self._select)
        self.title_edits: dict[str, QLineEdit] = {}
        self.text_edits: dict[str, QPlainTextEdit] = {}
        editor = QWidget()
        editor_layout = QVBoxLayout(editor)
        for lang, name in LANGS:
            box = QGroupBox(tr(name))
            form = QFormLayout(box)
            title = QLineEdit()
            title.setAccessibleName(tr("Item title in {language}", language=tr(name)))
            title.textEdited.connect(self._edited)
            text = QPlainTextEdit()
            text.setAccessibleName(tr("Item text in {language}", language=tr(name)))
            text.textChanged.connect(self._edited)
            form.addRow(tr("Title:"), title)
            form.addRow(tr("Text:"), text)
            self.title_edits[lang] = title
            self.text_edits[lang] = text
            editor_layout.addWidget(box)
        hint = paragraph(tr("These words are filled in from your profile when the form is printed: {names}.",
                            names=", ".join("{" + p + "}" for p in PROFILE_PLACEHOLDERS)))
        editor_layout.addWidget(hint)
        splitter = QSplitter()
        splitter.addWidget(self.items_list)
        splitter.addWidget(editor)
        splitter.setStretchFactor(1, 3)

        self.message = message_label()
        self.save_button = QPushButton(tr("&Save as a new version…"))
        self.save_button.clicked.connect(self.save)
        self.discard_button = QPushButton(tr("&Discard changes"))
        self.discard_button.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.save_button)
        top = QHBoxLayout()
        top.addWidget(self.kind_combo)
        top.addWidget(self.version_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("The room's consent forms")))
        layout.addWidget(paragraph(tr("Adapt the forms to your room. Saving makes a new version: consents given "
                                      "under an older version keep it, and those clients are asked to consent "
                                      "again before their next session note.")))
        layout.addLayout(top)
        layout.addLayout(title_form)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.load(CONSENT)

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @property
    def dirty(self) -> bool:
        return self.template is not None and self.edited().content() != self.template.content()

    def load(self, kind: str) -> None:
        self._loading = True
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.kind_combo.blockSignals(False)
        self.template = t = self.services.consent.template(kind)
        self.items = list(t.items)
        self.titles = dict(t.titles)
        self.version_label.setText(tr("Version {version}, saved {date}", version=t.version, date=t.created_at[:10]))
        for lang, edit in self.form_title_edits.items():
            edit.setText(t.titles.get(lang, ""))
        self._current = -1
        self.items_list.clear()
        lang = language()
        for n, item in enumerate(self.items, start=1):
            self.items_list.addItem(f"{n}. {item.title(lang)}")
        self._loading = False
        self.items_list.setCurrentRow(0)
        self._update_buttons()

    def _select(self, row: int) -> None:
        self._current = row
        self._loading = True
        if 0 <= row < len(self.items):
            item = self.items[row]
            for lang, _name in LANGS:
                self.title_edits[lang].setText(item.titles.get(lang, ""))
                self.text_edits[lang].setPlainText(item.texts.get(lang, ""))
        self._loading = False

    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        self.titles = {lang: edit.text() for lang, edit in self.form_title_edits.items()}
        row = self._current
        if 0 <= row < len(self.items):
            item = self.items[row]
            self.items[row] = replace(
                item, titles={**item.titles, **{lang: e.text() for lang, e in self.title_edits.items()}},
                texts={**item.texts, **{lang: e.toPlainText() for lang, e in self.text_edits.items()}})
            list_item = self.items_list.item(row)
            if list_item is not None:
                list_item.setText(f"{row + 1}. {self.items[row].title(language())}")
        self._update_buttons()

    def edited(self) -> ConsentTemplate:
        assert self.template is not None
        return replace(self.template, titles=dict(self.titles), items=tuple(self.items))

    def _update_buttons(self) -> None:
        dirty = self.dirty
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        if dirty:
            set_message(self.message, "")

    def save(self) -> bool:
        if not self.dirty or self.template is None:
            return False
        edited = self.edited()
        affected = self.services.consent.signed_under_current() if self.kind == CONSENT else 0
        text = tr("Save the changes as version {version}?", version=self.template.version + 1)
        if affected:
            text += "\n\n" + tr("{count} clients signed the current version. They will be asked to consent again "
                                "before their next session note.", count=affected)
        if not confirm_destructive(self, tr("Save a new version?"), text, tr("Save new version")):
            return False
        try:
            saved = self.services.consent.save_template(edited)
        except ValidationError as e:
            set_message(self.message, "\n".join(dict.fromkeys(tr(m) for m in e.errors.values())))
            return False
        except VaultError as e:
            set_message(self.message, e.message())
            return False
        self.load(self.kind)
        set_message(self.message, tr("Saved as version {version}.", version=saved.version), "ok")
        return True

    def discard(self) -> None:
        self.load(self.kind)
        set_message(self.message, "")

    def shutdown(self) -> None:
        self.items_list.clear()
        for edit in [*self.title_edits.values(), *self.form_title_edits.values()]:
            edit.clear()
        for text in self.text_edits.values():
            text.blockSignals(True)
            text.clear()
