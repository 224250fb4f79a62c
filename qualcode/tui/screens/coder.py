"""Who is coding? Asked at start when the name would only be the login name and that is
no coder of the project (a shared ``root`` on a lab machine, a first start).

Lists the project's coders (most codings first) and the login name; a new name can be
typed. Returns the chosen name, or None (Esc: code under the login name this time, and
be asked again next time). The choice is remembered by :mod:`qualcode.coder`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class CoderScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    CoderScreen { align: center middle; }
    CoderScreen > Vertical { width: 72; max-width: 95%; height: auto; max-height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    CoderScreen #coder-title { text-style: bold; }
    CoderScreen #coder-why { color: $text-muted; margin-bottom: 1; }
    CoderScreen OptionList { height: auto; max-height: 12; border: none; }
    CoderScreen Input { margin-top: 1; }
    CoderScreen #coder-hint { color: $text-muted; }
    """

    def __init__(
        self,
        coders: list[tuple[str, int]],
        login: str,
        *,
        first: bool = True,
        current: str | None = None,
    ) -> None:
        """``coders``: the project's coders with their codings; ``first``: asked at start
        (else the user asked to change the coder, now ``current``)."""
        super().__init__()
        self.coders = [(n, c) for n, c in coders if n != login]
        self.login = login
        self.first = first
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Who is coding?", id="coder-title")
            why = (
                f"You are logged in as {self.login!r}, which is not a coder of this project yet. "
                if self.first
                else ""
            )
            yield Static(
                why + "Your codings are saved under the name you choose here; it is "
                "remembered for this project and this login.",
                id="coder-why",
            )
            options = []
            for name, n in self.coders:
                t = Text(name, style="bold")
                t.append(f"  {n} coding{'' if n == 1 else 's'}", style="dim")
                if name == self.current:
                    t.append("  ← now", style="bold cyan")
                options.append(Option(t, id="c:" + name))
            t = Text(self.login)
            t.append("  (your login name)", style="dim")
            if self.login == self.current and not self.first:
                t.append("  ← now", style="bold cyan")
            options.append(Option(t, id="c:" + self.login))
            yield OptionList(*options, id="coder-options")
            yield Input(placeholder="or type a new name and press Enter", id="coder-new")
            yield Label("Enter choose · Tab new name · Esc later", id="coder-hint")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
        now = "c:" + (self.current or "")
        ol.highlighted = ids.index(now) if now in ids else 0
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss((event.option.id or "c:")[2:])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if not name:
            self.notify("type a name, or choose one of the list", severity="warning")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
