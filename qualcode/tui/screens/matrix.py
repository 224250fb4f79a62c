"""Code Matrix Browser: documents (or attribute values, or sets) × codes as a heat map."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from qualcode.tui.widgets.footer import KeyFooter

SHADES = ("#1b2433", "#1f3a5f", "#24508a", "#2f6db5", "#4a8fe0", "#7fb3f0")


def shade(value: int, top: int) -> str:
    """A background colour for ``value`` on a scale up to ``top`` (0: the darkest)."""
    if value <= 0 or top <= 0:
        return SHADES[0]
    return SHADES[min(len(SHADES) - 1, 1 + (len(SHADES) - 2) * value // top)]


def grouping_keys(session) -> list[str]:
    """Attributes that group documents (not one value per document, like Datum); Format first."""
    from sqlalchemy import func, select

    from qualcode.models import DocumentAttribute

    value = DocumentAttribute.value
    keys = [
        k
        for k, values, docs in session.execute(
            select(DocumentAttribute.key, func.count(value.distinct()), func.count())
            .group_by(DocumentAttribute.key)
            .order_by(DocumentAttribute.key)
        )
        if values < docs
    ]
    return sorted(keys, key=lambda k: k != "Format")


class MatrixScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("b", "cycle_rows", "Rows: documents / attribute / sets"),
        Binding("p", "toggle_presence", "Counts / presence"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.modes: list[str | None] = [None]  # None: documents; "sets"; else an attribute
        self.mode = 0
        self.presence = False

    def compose(self) -> ComposeResult:
        yield Static("", id="matrix-title")
        yield DataTable(id="matrix-table", zebra_stripes=False, cursor_type="cell")
        yield Static("", id="matrix-legend")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.query_one("#matrix-title", Static).update(
            Text("Code matrix — computing…", style="bold")
        )
        self.compute(self.modes[self.mode], self.presence)

    @work(thread=True, exclusive=True)
    def compute(self, rows: str | None, presence: bool) -> None:
        from qualcode.database import reading
        from qualcode.errors import QualcodeError
        from qualcode.reports.matrix import code_matrix

        try:
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                modes: list[str | None] = [None, *grouping_keys(session)]
                from qualcode.docsets import list_sets, session_execute

                if list_sets(session_execute(session)):
                    modes.append("sets")
                data = code_matrix(
                    session,
                    presence=presence,
                    by=rows if rows not in (None, "sets") else None,
                    sets=rows == "sets",
                )
        except QualcodeError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.show, data, modes)

    def show(self, data: dict, modes: list[str | None]) -> None:
        self.modes = modes
        grouped = data["rows_are"] != "documents"
        what = "documents with the code" if self.presence else "coded segments"
        self.query_one("#matrix-title", Static).update(
            Text(f"Code matrix: {data['rows_are']} × codes ({what})", style="bold")
        )
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("documents" if not grouped else data["rows_are"], key="row")
        for i, _ in enumerate(data["code_paths"]):
            table.add_column(str(i + 1), key=f"c{i}")
        table.add_column("Σ", key="total")
        top = max((v for r in data["rows"] for v in r["values"]), default=0)
        for r in data["rows"]:
            label = f"{r['group']} (n={r['documents']})" if grouped else r["document"]
            cells = [
                Text(f"{v:>3}" if v else "  ·", style=f"on {shade(v, top)}") for v in r["values"]
            ]
            table.add_row(Text(label), *cells, Text(str(r["total"]), style="bold"))
        legend = "   ".join(f"{i + 1} {n}" for i, n in enumerate(data["code_names"]))
        self.query_one("#matrix-legend", Static).update(Text(legend, style="dim"))
        table.focus()

    def action_cycle_rows(self) -> None:
        self.mode = (self.mode + 1) % max(len(self.modes), 1)
        self.load()

    def action_toggle_presence(self) -> None:
        self.presence = not self.presence
        self.load()

    def reload_all(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
