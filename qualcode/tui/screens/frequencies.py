"""Category frequencies: codings, documents, share of documents, with a bar chart; by attribute."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from qualcode.textutil import plural
from qualcode.tui.widgets.footer import KeyFooter

BAR = 20
GROUP_BAR = 8


def bar(share: float, width: int, color: str) -> Text:
    cells = share * width
    full = int(cells)
    t = Text("█" * full, style=color)
    rest = cells - full
    if rest >= 0.5 and full < width:
        t.append("▌", style=color)
        full += 1
    t.append(" " * (width - full))
    return t


class FrequencyScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("b", "cycle_by", "By attribute"),
        Binding("l", "cycle_level", "Levels"),
        Binding("c", "toggle_by_coder", "By coder"),
        Binding("a", "toggle_auto", "Auto codings", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by: str | None = None
        self.level: int | None = None
        self.include_auto = False
        self.by_coder = False
        self.keys: list[str] = []
        self.data: dict | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="freq-title")
        with VerticalScroll(id="freq-scroll"):
            yield Static("", id="freq-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        from sqlalchemy import func, select

        from qualcode.models import DocumentAttribute

        def keys(s):
            # attributes that group documents: not one of its own per document (Datum)
            value = DocumentAttribute.value
            return [
                k
                for k, values, docs in s.execute(
                    select(DocumentAttribute.key, func.count(value.distinct()), func.count())
                    .group_by(DocumentAttribute.key)
                    .order_by(DocumentAttribute.key)
                )
                if values < docs or docs < 2
            ]

        self.keys = self.app.read(keys)  # type: ignore[attr-defined]
        if "Format" in self.keys:  # the usual grouping of the protocols first
            self.keys.remove("Format")
            self.keys.insert(0, "Format")
        self.load()

    def load(self) -> None:
        self.query_one("#freq-title", Static).update(Text("Frequencies — computing…", style="bold"))
        self.compute(self.by, self.level, self.include_auto, self.by_coder)

    @work(thread=True, exclusive=True)
    def compute(
        self, by: str | None, level: int | None, include_auto: bool, by_coder: bool = False
    ) -> None:
        from qualcode.database import reading
        from qualcode.errors import QualcodeError

        try:
            from qualcode.reports.frequency import frequency_table
        except ImportError:
            self.app.call_from_thread(
                self.show_message, "the frequency report is not installed yet"
            )
            return
        try:
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                table = frequency_table(
                    session, by=by, level=level, include_auto=include_auto, by_coder=by_coder
                )
        except QualcodeError as exc:
            self.app.call_from_thread(self.show_message, str(exc))
            return
        except Exception as exc:  # a failing report must not take the workbench down
            self.app.call_from_thread(self.show_message, f"the frequency table failed: {exc}")
            return
        self.app.call_from_thread(self.show, table)

    def show_message(self, text: str) -> None:
        self.query_one("#freq-title", Static).update(Text("Frequencies", style="bold"))
        self.query_one("#freq-table", Static).update(Text(text, style="italic"))

    def on_resize(self) -> None:
        if self.data is not None:
            self.show(self.data)

    def show(self, data: dict) -> None:
        self.data = data
        title = Text("Frequencies", style="bold")
        title.append(f"  {data['documents']} documents", style="dim")
        title.append(f"  · by: {data['by'] or '—'} (b)", style="cyan")
        title.append(f"  · levels: {self.level or 'all'} (l)", style="cyan")
        from qualcode.reports.freqcore import counted

        title.append(f"\n{counted(data, split='c')}", style="dim")
        if data["by"]:
            title.append(
                "\n" + "  ".join(f"{g}: {plural(n, 'doc')}" for g, n in data["groups"].items()),
                style="dim",
            )
        self.query_one("#freq-title", Static).update(title)
        groups = list(data["groups"]) if data["by"] else []
        width = max(self.app.size.width - 4, 40)  # padding and scrollbar
        longest = max((2 * (r["depth"] - 1) + 2 + len(r["name"]) for r in data["rows"]), default=10)
        cat_w = min(longest, max(int(width * 0.38), 18))
        ncols = 4 + max(len(groups), 1)
        rest = width - cat_w - (5 + 5 + 6) - 2 * ncols - 4
        numbers_only = False
        if groups:
            group_bar = max(2, min(GROUP_BAR * 2, rest // len(groups) - 5))
            if rest // len(groups) < 8:  # many groups (Region): the column % without bars
                numbers_only = True
                cat_w = max(18, min(cat_w, width - 16 - 2 * ncols - 4 - 5 * len(groups)))
        else:
            main_bar = max(5, min(BAR * 2, rest))
        table = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
        table.add_column("Category", no_wrap=True, overflow="ellipsis", width=cat_w)
        table.add_column("Cod.", justify="right", width=5)
        table.add_column("Docs", justify="right", width=5)
        table.add_column("%docs", justify="right", width=6)
        if groups:
            for g in groups:
                table.add_column(
                    f"{g} ({data['groups'][g]})",
                    no_wrap=True,
                    width=5 if numbers_only else group_bar + 5,
                    overflow="ellipsis" if numbers_only else "crop",
                    justify="right" if numbers_only else "left",
                )
        else:
            table.add_column("share of documents", no_wrap=True, width=main_bar, overflow="crop")
        for r in data["rows"]:
            name = Text("  " * (r["depth"] - 1))
            name.append("■ ", style=r["color"])
            name.append(r["name"], style="bold" if r["depth"] == 1 else "")
            share = r["total_share"]
            cells = [
                name,
                str(r["total_segments"]),
                str(r["total_documents"]),
                f"{share * 100:.0f}%",
            ]
            if groups:
                for g in groups:
                    c = r["groups"].get(g, {})
                    t = (
                        Text()
                        if numbers_only
                        else bar(c.get("total_share", 0.0), group_bar, r["color"])
                    )
                    t.append(f"{c.get('total_share', 0.0) * 100:>4.0f}%", style="dim")
                    cells.append(t)
            else:
                cells.append(bar(share, main_bar, r["color"]))
            table.add_row(*cells)
        self.query_one("#freq-table", Static).update(table)

    def action_cycle_by(self) -> None:
        options: list[str | None] = [None, *self.keys]
        self.by = (
            options[(options.index(self.by) + 1) % len(options)] if self.by in options else None
        )
        self.by_coder = False
        self.load()

    def action_toggle_by_coder(self) -> None:
        self.by_coder = not self.by_coder
        if self.by_coder:
            self.by = None
        self.load()

    def action_cycle_level(self) -> None:
        options: list[int | None] = [None, 1, 2]
        self.level = options[(options.index(self.level) + 1) % len(options)]
        self.load()

    def action_toggle_auto(self) -> None:
        self.include_auto = not self.include_auto
        self.notify("auto codings " + ("included" if self.include_auto else "excluded"))
        self.load()

    def reload_all(self) -> None:
        """After undo/redo."""
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
