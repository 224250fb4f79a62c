"""F1 / ?: every key binding, collected from the binding tables of the screens and widgets."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_sections() -> list[tuple[str, str | None, list[Binding]]]:
    """``(section, palette target, bindings)``; the target is where the action runs."""
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.blind_check import BlindCheckScreen
    from qualcode.tui.screens.coding import CodingScreen
    from qualcode.tui.screens.disagreements import DisagreementScreen
    from qualcode.tui.screens.frequencies import FrequencyScreen
    from qualcode.tui.screens.mayring_coding import MayringCodingScreen
    from qualcode.tui.screens.retrieval import RetrievalScreen
    from qualcode.tui.widgets.code_picker import CodePicker
    from qualcode.tui.widgets.code_tree import CodeTree
    from qualcode.tui.widgets.document_list import DocumentOptions
    from qualcode.tui.widgets.document_view import DocumentView

    def only(bs) -> list[Binding]:
        return [b for b in bs if isinstance(b, Binding)]

    return [
        (
            "Everywhere",
            "app",
            only(QualcodeApp.BINDINGS) + [Binding("ctrl+p", "command_palette", "Command palette")],
        ),
        ("Coding screen", "screen", only(CodingScreen.BINDINGS)),
        ("Mayring's steps", "screen", only(MayringCodingScreen.BINDINGS)),
        (
            "Text",
            "#doc-view",
            only(DocumentView.BINDINGS)
            + [Binding("mouse drag", "", "Select any range (click: the passage)")],
        ),
        ("Code tree", "#code-tree", only(CodeTree.BINDINGS)),
        (
            "Documents",
            "#doc-options",
            only(DocumentOptions.BINDINGS) + [Binding("enter", "", "Open the document")],
        ),
        ("Retrieval", None, only(RetrievalScreen.BINDINGS)),
        ("Frequencies", None, only(FrequencyScreen.BINDINGS)),
        ("Blind check", None, only(BlindCheckScreen.BINDINGS)),
        ("Disagreements", None, only(DisagreementScreen.BINDINGS)),
        (
            "Code picker",
            None,
            only(CodePicker.BINDINGS)
            + [Binding("enter", "", "Apply / create the highlighted code")],
        ),
    ]


def _keys(b: Binding) -> str:
    keys = [k.strip() for k in b.key.split(",")]
    pretty = {"question_mark": "?", "slash": "/", "plus": "+", "delete": "Del"}
    return " / ".join(pretty.get(k, k) for k in keys)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Text(
                    "qualcode — keys (Esc closes; every action is also in the command palette, Ctrl+P)",
                    style="bold",
                )
            )
            for section, _target, bindings in binding_sections():
                table = Table(
                    title=section,
                    title_justify="left",
                    title_style="bold cyan",
                    show_header=False,
                    box=None,
                    padding=(0, 2),
                )
                table.add_column(style="bold yellow", no_wrap=True)
                table.add_column()
                seen = set()
                for b in bindings:
                    if b.action.startswith("recent("):
                        if "recent" in seen:
                            continue
                        seen.add("recent")
                        table.add_row("1 … 9", "Apply recent code 1–9")
                        continue
                    table.add_row(_keys(b), b.description)
                yield Static(table)
            yield Static(
                Text(
                    "Every action is saved at once and written to the audit log; u undoes (many levels, "
                    "also after a restart), U redoes. `qualcode log` shows the history.",
                    style="dim",
                )
            )

    def action_close(self) -> None:
        self.dismiss(None)
