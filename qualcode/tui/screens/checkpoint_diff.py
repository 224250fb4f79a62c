"""F7: what changed in the category system since the last checkpoint (as `checkpoint diff`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class CheckpointDiffScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f7", "close", "Close")]
    DEFAULT_CSS = """
    CheckpointDiffScreen { align: center middle; }
    CheckpointDiffScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    CheckpointDiffScreen DataTable { height: 1fr; }
    CheckpointDiffScreen #diff-moved { height: auto; max-height: 12; }
    CheckpointDiffScreen .title { text-style: bold; }
    CheckpointDiffScreen .hint { color: $text-muted; }
    """

    def __init__(self, diff: dict) -> None:
        super().__init__()
        self.diff = diff

    def compose(self) -> ComposeResult:
        d = self.diff
        with Vertical():
            yield Label(
                f"Since checkpoint {d['from']}: {d['codes_before']} → {d['codes_after']} codes, "
                f"{d['codings_before']} → {d['codings_after']} codings",
                classes="title",
            )
            if not d["changes"]:
                yield Label("the category system is unchanged")
            yield DataTable(id="diff-changes", cursor_type="row", zebra_stripes=True)
            if d["codings_moved"]:
                yield Label("codings moved", classes="title")
                yield DataTable(id="diff-moved", cursor_type="row")
            yield Label("Esc close · `qualcode checkpoint diff` prints the same", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#diff-changes", DataTable)
        table.add_columns("change", "category", "detail")
        for c in self.diff["changes"]:
            table.add_row(c["change"], c["code"], c["detail"])
        if self.diff["codings_moved"]:
            moved = self.query_one("#diff-moved", DataTable)
            moved.add_columns("codings", "from", "to")
            for m in self.diff["codings_moved"]:
                moved.add_row(str(m["codings"]), m["from"], m["to"])
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
