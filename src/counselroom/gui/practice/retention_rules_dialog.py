"""The retention rules: for each kind of record, how many years it is kept and what the years count from.
Opened from the Retention page and from Settings."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QGridLayout, QSpinBox, QVBoxLayout, QWidget

from ...i18n import language, tr
from ...records.clients import ValidationError
from ...records.retention import ANCHOR_LABELS, ANCHORS, KIND_LABELS, KINDS, MAX_YEARS, MIN_YEARS, Rule
from ...records.retention_promise import GUIDANCE, promise
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import heading, message_label, paragraph, save_cancel_buttons, set_message


def rule_text(rule: Rule) -> str:
    """'Whole case file: 3 years after the case was closed' in words."""
    years = tr("1 year") if rule.years == 1 else tr("{count} years", count=rule.years)
    return tr("{kind}: {years} {anchor}", kind=tr(KIND_LABELS[rule.kind]), years=years,
              anchor=tr(ANCHOR_LABELS[rule.anchor]))


class RetentionRulesDialog(QDialog):
    """Public: `years[kind]` (spin boxes), `anchors[kind]` (combo boxes), `save()`; `saved` after accept()."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.saved = False
        self.setWindowTitle(tr("Retention rules"))
        self.years: dict[str, QSpinBox] = {}
        self.anchors: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Retention rules"), 1.2))
        layout.addWidget(paragraph(tr(
            "How long each kind of record is kept. When the time is up, the records appear on the Retention page "
            "for you to review; nothing is destroyed unless you confirm it there.")))
        grid = QGridLayout()
        rules = services.retention.rules()
        for row, kind in enumerate(KINDS):
            label = plain_label(tr(KIND_LABELS[kind]))
            spin = QSpinBox()
            spin.setRange(MIN_YEARS, MAX_YEARS)
            spin.setSuffix(tr(" years"))
            spin.setValue(rules[kind].years)
            spin.setAccessibleName(tr("Years to keep: {kind}", kind=tr(KIND_LABELS[kind])))
            label.setBuddy(spin)
            combo = QComboBox()
            for anchor in ANCHORS[kind]:
                combo.addItem(tr(ANCHOR_LABELS[anchor]), anchor)
            combo.setCurrentIndex(max(combo.findData(rules[kind].anchor), 0))
            combo.setAccessibleName(tr("Counted from: {kind}", kind=tr(KIND_LABELS[kind])))
            grid.addWidget(label, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(combo, row, 2)
            self.years[kind], self.anchors[kind] = spin, combo
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        # Which guidance the default follows, how schools differ, and what the consent form will promise (issue
        # 12.8): the form's words come from these rules, so they can never say something else.
        layout.addWidget(paragraph(tr(GUIDANCE)))
        self.promise_label = paragraph("")
        self.promise_label.setAccessibleName(tr("What the consent form will say"))
        self.promise_label.setStyleSheet("QLabel { background: #eef4fb; border: 1px solid #7aa7d9; border-radius: 4px;"
                                         " padding: 4px 8px; }")
        layout.addWidget(self.promise_label)
        for kind in KINDS:
            self.years[kind].valueChanged.connect(lambda _v: self._show_promise())
            self.anchors[kind].currentIndexChanged.connect(lambda _i: self._show_promise())
        self._show_promise()
        layout.addWidget(paragraph(tr(
            "A case that is open, or was reopened, is never past retention. \"After the client left\" counts "
            "from the leaving date recorded on the Retention page (such as graduation), or from the closing "
            "date if that is later or no leaving date is recorded. Destroying a whole case file destroys its "
            "tests too.")))
        self.message = message_label()
        layout.addWidget(self.message)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout.addWidget(box)
        self.resize(640, self.sizeHint().height())

    def _show_promise(self) -> None:
        rules = {kind: Rule(kind, self.years[kind].value(), str(self.anchors[kind].currentData())) for kind in KINDS}
        self.promise_label.setText(tr("The consent form will say: {promise}", promise=promise(rules, language())))

    def save(self) -> None:
        try:
            for kind in KINDS:
                self.services.retention.set_rule(kind, self.years[kind].value(),
                                                 str(self.anchors[kind].currentData()))
        except ValidationError as e:
            set_message(self.message, "\n".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        self.saved = True
        self.accept()
