"""Memo editor for a code or a document (one memo per target; empty text deletes it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


class MemoScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    MemoScreen { align: center middle; }
    MemoScreen > Vertical { width: 90%; max-width: 110; height: 80%; border: thick $accent; background: $panel; padding: 0 1; }
    MemoScreen TextArea { height: 1fr; }
    MemoScreen .title { text-style: bold; }
    MemoScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Label("Ctrl+S save · Esc cancel (an empty memo is deleted)", classes="hint")
            yield TextArea(self.text, id="memo-text", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
