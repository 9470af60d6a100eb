"""The label editor: type action names, add, remove, reorder (drag or buttons), or pick an example set.

Typed labels are marked by what the model knows of them: a name the checkpoint was trained on, a name
that matches a known class of the prompt banks the model was not trained on, or pure zero-shot text.
(Whether a match also brings richer descriptions into scoring is the checkpoint's choice: its
`text_level`, shown in the model card.) A label taught by example shows its mark and its count of examples;
the Teach button and the list's context menu ask the window to record one more or delete them.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.labels import EXAMPLE_SETS, clean_labels
from fdsm.errors import FdsmError

MATCH_MARK = "\u2605"  # a star before labels that matched a known class
TRAINED_MARK = "\u25cf"  # a dot before labels the checkpoint was trained on
TAUGHT_MARK = "\u25c6"  # a diamond before labels taught by example
TEACH_SECONDS = 3  # default length of a recorded example
TEACH, CANCEL = "Teach", "Cancel teaching"
PICK_SET = "Example sets..."
REPLACE, ADD = "replace", "add"


def ask_replace_or_add(parent: QWidget, name: str, count: int) -> str | None:
    """Ask whether the example set replaces the user's own labels or is added to them; None = cancel."""
    box = QMessageBox(QMessageBox.Icon.Question, "Example set",
                      f"Add the {name!r} actions to your {count} labels, or replace them?", parent=parent)
    add = box.addButton("Add to my labels", QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(add)
    box.exec()
    return {id(add): ADD, id(replace): REPLACE}.get(id(box.clickedButton()))


class LabelEditor(QWidget):
    """Emits labelsChanged(list[str]) whenever the list changes (never with an empty list); teachRequested(label),
    teachCancelled() and forgetRequested(label, every example) ask the window to teach or delete examples."""

    labelsChanged = Signal(list)
    teachRequested = Signal(str)
    teachCancelled = Signal()
    forgetRequested = Signal(str, bool)

    def __init__(self, labels: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = QLineEdit(placeholderText="Type an action, press Enter (e.g. jump up)")
        self.add_button = QPushButton("Add")
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.remove_button, self.up_button, self.down_button = QPushButton("Remove"), QPushButton("\u2191"), \
            QPushButton("\u2193")
        self.examples = QComboBox()
        self.examples.addItems([PICK_SET, *EXAMPLE_SETS])
        self.match_note = QLabel()
        self.match_note.setWordWrap(True)
        self.match_note.setObjectName("matchNote")
        self.error_note = QLabel(wordWrap=True, objectName="labelError")
        self.error_note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)  # never clipped
        self.error_note.hide()
        self.ask = ask_replace_or_add  # replaceable (tests answer without a dialog)
        self.teach_button = QPushButton(TEACH, toolTip="record the selected action for a few seconds and teach it "
                                        "by that example (right-click a label to delete its examples)")
        self.teach_seconds = QSpinBox(minimum=1, maximum=10, value=TEACH_SECONDS, suffix=" s",
                                      toolTip="how long Teach records")
        self.teach_note = QLabel(wordWrap=True, objectName="teachNote")
        self.teach_note.hide()
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._matches: dict[str, str | None] = {}
        self._trained: frozenset[str] = frozenset()
        self._taught: dict[str, int] = {}

        entry_row = QHBoxLayout()
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.add_button)
        buttons = QHBoxLayout()
        for b in (self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.examples)
        teach_row = QHBoxLayout()
        teach_row.addWidget(self.teach_button)
        teach_row.addWidget(self.teach_seconds)
        teach_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(entry_row)
        layout.addWidget(self.error_note)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addLayout(teach_row)
        layout.addWidget(self.teach_note)
        layout.addWidget(self.match_note)

        self.entry.returnPressed.connect(self.add_typed)
        self.add_button.clicked.connect(self.add_typed)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.examples.activated.connect(self._pick_example)
        self.teach_button.clicked.connect(self._teach_clicked)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.model().rowsMoved.connect(lambda *_: self._changed())
        self.set_labels(labels, emit=False)

    def labels(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def set_labels(self, labels: list[str], emit: bool = True) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for label in clean_labels(labels):
            self.list.addItem(self._item(label))
        self.list.blockSignals(False)
        self.set_matches({})  # taught counts stay: they belong to the examples, not to this list
        if emit:
            self._changed()

    def add_typed(self) -> None:
        """Add what is in the entry box (commas separate several names); duplicates are ignored."""
        typed = [t for t in self.entry.text().split(",") if t.strip()]
        if not typed:
            return
        try:
            merged = clean_labels(self.labels() + typed)
        except FdsmError as exc:  # e.g. non-English characters: say so under the list, keep the text
            self.error_note.setText(str(exc))
            self.error_note.show()
            return
        self.error_note.hide()
        self.entry.clear()
        if merged != self.labels():
            self.set_labels(merged)

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0 or self.list.count() <= 1:  # the recognizer needs at least one label
            return
        self.list.takeItem(row)
        self._changed()

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        new = row + step
        if row < 0 or not 0 <= new < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(new, item)
        self.list.setCurrentRow(new)
        self._changed()

    def set_matches(self, matches: dict[str, str | None], trained: frozenset[str] = frozenset()) -> None:
        """Mark trained labels and labels that matched a known class (label -> class description, None when none)."""
        self._matches, self._trained = dict(matches), frozenset(trained)
        self._render()

    def set_taught(self, taught: dict[str, int]) -> None:
        """Mark the labels taught by example with their example counts (label -> count)."""
        self._taught = {label: n for label, n in taught.items() if n > 0}
        self._render()

    def taught(self) -> dict[str, int]:
        return dict(self._taught)

    def show_teaching(self, text: str | None) -> None:
        """Show what teaching is doing (the Teach button cancels meanwhile); None when it is not."""
        self.teach_note.setText(text or "")
        self.teach_note.setVisible(bool(text))
        self.teach_button.setText(CANCEL if text else TEACH)

    def menu_for(self, label: str) -> QMenu:
        """A label's context menu: teach it once more, delete its last example or all of them."""
        menu = QMenu(self)
        count = self._taught.get(label, 0)
        entries = ((f"Teach {label!r}: record {self.teach_seconds.value()} s", True,
                    lambda: self.teachRequested.emit(label)),
                   ("Delete last example", count > 0, lambda: self.forgetRequested.emit(label, False)),
                   (f"Delete all examples ({count})", count > 0, lambda: self.forgetRequested.emit(label, True)))
        for text, enabled, slot in entries:
            action = QAction(text, menu, enabled=enabled)
            action.triggered.connect(slot)
            menu.addAction(action)
        return menu

    def _render(self) -> None:
        """Item texts, tips and colours from the trained, matched and taught state."""
        known = {k: v for k, v in self._matches.items() if v and k not in self._trained}
        n_trained = n_taught = 0
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            item = self.list.item(i)
            label = item.data(Qt.ItemDataRole.UserRole)
            if (count := self._taught.get(label, 0)) > 0:  # scored by its examples, whatever its name is
                n_taught += 1
                text, tip, colour = (f"{TAUGHT_MARK} {label}  \u00b7  {count} example{'s' if count != 1 else ''}",
                                     f"taught by example: scored by how close the motion is to its {count} "
                                     "recorded example(s); right-click to teach more or delete", "#ffb347")
            elif label in self._trained:
                n_trained += 1
                text, tip, colour = (f"{TRAINED_MARK} {label}", "trained action: the model learned this name "
                                     "from motion data", "#5ab0ff")
            elif label in known:
                text, tip, colour = (f"{MATCH_MARK} {label}", f"matches the known class {known[label]}, which the "
                                     "model was not trained on: zero-shot", "#7ed957")
            else:
                text, tip, colour = label, "no known class: pure zero-shot on the typed name", "#ebeef3"
            item.setText(text)
            item.setToolTip(tip)
            item.setForeground(QColor(colour))
        self.list.blockSignals(False)
        parts = [f"{TAUGHT_MARK} taught by example ({n_taught})"] if n_taught else []
        parts += [f"{TRAINED_MARK} trained on ({n_trained})"] if n_trained else []
        parts += [f"{MATCH_MARK} matches a known class ({len(known)})"] if known else []
        self.match_note.setText(f"{', '.join(parts)} of {self.list.count()}; hover a label for more" if parts else "")

    def _teach_clicked(self) -> None:
        if self.teach_note.isVisible():
            self.teachCancelled.emit()
        elif (item := self.list.currentItem()) is not None:
            self.teachRequested.emit(item.data(Qt.ItemDataRole.UserRole))
        else:
            self.error_note.setText("Select the action to teach in the list first.")
            self.error_note.show()

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is not None:
            self.menu_for(item.data(Qt.ItemDataRole.UserRole)).exec(self.list.viewport().mapToGlobal(pos))

    def _item(self, label: str) -> QListWidgetItem:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, label)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
        return item

    def _pick_example(self, index: int) -> None:
        """Pick an example set: it replaces another example set at once, but the user's own labels only if asked."""
        name = self.examples.itemText(index)
        self.examples.setCurrentIndex(0)
        if name not in EXAMPLE_SETS:
            return
        current = self.labels()
        own = current and tuple(current) not in EXAMPLE_SETS.values()
        choice = self.ask(self, name, len(current)) if own else REPLACE
        if choice == REPLACE:
            self.set_labels(list(EXAMPLE_SETS[name]))
        elif choice == ADD:
            self.set_labels(current + list(EXAMPLE_SETS[name]))

    def _changed(self) -> None:
        self.error_note.hide()  # the list changed: an error about what was typed before no longer applies
        labels = self.labels()
        if labels:
            self.labelsChanged.emit(labels)
