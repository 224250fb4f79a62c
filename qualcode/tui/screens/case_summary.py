"""S: the case summary of a category in a document, written next to its segments there."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea


class CaseSummaryScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    CaseSummaryScreen { align: center middle; }
    CaseSummaryScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    CaseSummaryScreen Horizontal { height: 1fr; }
    CaseSummaryScreen #summary-segments { width: 1fr; border: round $primary; padding: 0 1; }
    CaseSummaryScreen #summary-text { width: 1fr; }
    CaseSummaryScreen .title { text-style: bold; }
    CaseSummaryScreen .hint { color: $text-muted; }
    """

    def __init__(self, doc_id: int, doc_name: str, code_id: int, code_path: str) -> None:
        super().__init__()
        self.doc_id, self.doc_name, self.code_id, self.code_path = (
            doc_id,
            doc_name,
            code_id,
            code_path,
        )

    def compose(self) -> ComposeResult:
        from qualcode.mayring.summaries import get_summary, segments_for

        segs, text = self.app.read(  # type: ignore[attr-defined]
            lambda s: (
                segments_for(s, self.doc_id, self.code_id),
                get_summary(s, self.doc_id, self.code_id),
            )
        )
        body = Text()
        for n, seg in enumerate(segs):
            if n:
                body.append("\n\n")
            body.append(f"{seg['start']}–{seg['end']}", style="dim")
            if seg["code"] != self.code_path:
                body.append("  " + seg["code"].rsplit("/", 1)[-1], style="dim italic")
            body.append("\n" + " ".join(seg["text"].split()))
        if not segs:
            body.append("no segments of this category in this document", style="italic dim")
        with Vertical():
            yield Label(f"Case summary: {self.code_path} in {self.doc_name}", classes="title")
            yield Label(
                f"{len(segs)} segment(s) · Ctrl+S save · Esc cancel (empty removes it)",
                classes="hint",
            )
            with Horizontal():
                with VerticalScroll(id="summary-segments"):
                    yield Static(body)
                yield TextArea(text, id="summary-text", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        from qualcode.mayring.summaries import set_summary

        text = self.query_one(TextArea).text
        coder = self.app.coder  # type: ignore[attr-defined]
        ok, res = self.app.act(  # type: ignore[attr-defined]
            f"tui: summary {self.code_path} in {self.doc_name}",
            lambda s: set_summary(s, self.doc_id, self.code_path, text, coder),
        )
        if ok:
            self.app.notify("summary removed" if res and not res["text"] else "summary saved")
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
