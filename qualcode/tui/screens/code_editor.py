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
    CodeEditorScreen #ce-error { color: $error; }
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
            yield Label("", id="ce-error")
            yield Checkbox(
                "codable (uncheck for a category that only groups codes)",
                self.code.get("codable", True),
                id="ce-codable",
            )

    def on_mount(self) -> None:
        # the fields in reading order, the first one focused: Tab walks them top to bottom
        self.query_one(f"#ce-{FIELDS[0][0]}", TextArea).focus()

    def action_save(self) -> None:
        """Save, unless the colour is invalid: then say so and keep everything typed."""
        from qualcode.codebook import validate_color
        from qualcode.errors import QualcodeError

        out: dict = {key: self.query_one(f"#ce-{key}", TextArea).text for key, _ in FIELDS}
        color = self.query_one("#ce-color", Input)
        try:
            out["color"] = validate_color(color.value) if color.value.strip() else None
        except QualcodeError as exc:
            self.query_one("#ce-error", Label).update(f"{exc} — nothing is lost, fix it and save")
            color.focus()
            return
        out["codable"] = self.query_one("#ce-codable", Checkbox).value
        self.dismiss(out)

    def action_cancel(self) -> None:
        self.dismiss(None)
