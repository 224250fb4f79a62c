"""Edit a code's description, definition, anchor example, coding rule and colour (Mayring's coding guide)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, TextArea

FIELDS = (
    ("description", "Description"),
    ("definition", "Definition"),
    ("anchor", "Anchor example"),
    ("rule", "Coding rule"),
)


class CodeEditorScreen(ModalScreen[dict | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    CodeEditorScreen { align: center middle; }
    CodeEditorScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    CodeEditorScreen TextArea { height: 5; }
    CodeEditorScreen Label.field { margin-top: 1; text-style: bold; }
    CodeEditorScreen #ce-title { text-style: bold; }
    CodeEditorScreen .hint { color: $text-muted; }
    """

    def __init__(self, code: dict) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"Code {self.code['path']}", id="ce-title")
            yield Label("Ctrl+S save · Esc cancel", classes="hint")
            for key, label in FIELDS:
                yield Label(label, classes="field")
                yield TextArea(self.code.get(key) or "", id=f"ce-{key}", soft_wrap=True)
            yield Label("Colour (#RRGGBB)", classes="field")
            yield Input(self.code.get("color") or "", id="ce-color")
            yield Checkbox(
                "codable (uncheck for a category that only groups codes)",
                self.code.get("codable", True),
                id="ce-codable",
            )

    def on_mount(self) -> None:
        self.query_one("#ce-definition", TextArea).focus()

    def action_save(self) -> None:
        out: dict = {key: self.query_one(f"#ce-{key}", TextArea).text for key, _ in FIELDS}
        out["color"] = self.query_one("#ce-color", Input).value.strip() or None
        out["codable"] = self.query_one("#ce-codable", Checkbox).value
        self.dismiss(out)

    def action_cancel(self) -> None:
        self.dismiss(None)
