"""A one-line text prompt (rename a code) and a list chooser (which coding?)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class PromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 70; max-width: 95%; height: auto; border: thick $accent; background: $panel; padding: 1 2; }
    """

    def __init__(self, question: str, value: str = "", *, select: bool = True) -> None:
        """``select``: the value is selected (typing replaces it); else the cursor waits at
        its end (typing adds to a prefilled ``Parent/``)."""
        super().__init__()
        self.question, self.value, self.select = question, value, select

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(self.value, id="prompt-input", select_on_focus=self.select)
            yield Label("Enter save · Esc cancel", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooseScreen(ModalScreen[int | None]):
    """Choose one of several items (returns its index)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ChooseScreen { align: center middle; }
    ChooseScreen > Vertical { width: 80; max-width: 95%; height: auto; max-height: 80%; border: thick $accent; background: $panel; padding: 0 1; }
    ChooseScreen OptionList { height: auto; max-height: 20; border: none; }
    """

    def __init__(self, title: str, items: list[Text | str]) -> None:
        super().__init__()
        self.title_text, self.items = title, items

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*[Option(t, id=str(i)) for i, t in enumerate(self.items)])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
