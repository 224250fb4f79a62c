"""Retrieval: every segment of a code across documents, with attributes and context."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from qualcode.textutil import quotation
from qualcode.tui.widgets.footer import KeyFooter

CONTEXT = 80


class RetrievalScreen(Screen[tuple[int, int, int] | None]):
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("s", "toggle_children", "With sub-codes"),
        Binding("enter", "open", "Open in document", show=False),
        Binding("slash", "query", "Query (A AND B …)"),
        Binding("c", "toggle_coders", "Query pairs: one coder / across coders", show=False),
    ]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.with_children = False
        self.bool_query: str | None = None  # a boolean query replaces the code
        self.across_coders = False  # a query's segments meet only when one coder coded both
        self.segments: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="ret-title")
        yield OptionList(id="ret-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()
        self.query_one(OptionList).focus()

    def load(self) -> None:
        self.query_one("#ret-title", Static).update(
            Text(f"Segments of {self.bool_query or self.path} — loading…", style="bold")
        )
        self.fetch(self.path, self.with_children)

    @work(thread=True, exclusive=True)
    def fetch(self, path: str, with_children: bool) -> None:
        from sqlalchemy import select

        from qualcode.codebook import show_code
        from qualcode.database import reading
        from qualcode.documents import attributes_of
        from qualcode.errors import QualcodeError
        from qualcode.models import Document

        try:
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                if self.bool_query is not None:  # a boolean query, as `qualcode retrieve`
                    from qualcode.docsets import session_execute
                    from qualcode.reports.segcore import pairing_note
                    from qualcode.retrieve import retrieve

                    data = retrieve(
                        session_execute(session), self.bool_query, across_coders=self.across_coders
                    )
                    info = {
                        "path": self.bool_query,
                        "color": "",
                        "definition": "",
                        "pairing": pairing_note(data, "en"),
                    }
                    rows = data["segments"]
                else:
                    from qualcode.reports.segments import coded_segments

                    info = show_code(session, path)
                    # segments as `report segments` and `retrieve` count them: a span coded
                    # alike by several coders is one segment (with its coders)
                    rows = coded_segments(session, path, children=with_children)["segments"]
                names = {r["document"] for r in rows}
                docs = {
                    n: (i, t)
                    for i, n, t in session.execute(
                        select(Document.id, Document.name, Document.text).where(
                            Document.name.in_(names)
                        )
                    )
                }  # type: ignore[attr-defined]
                attrs = attributes_of(session, [i for i, _ in docs.values()])
        except QualcodeError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        except Exception as exc:  # a failing query must not take the workbench down
            self.app.call_from_thread(self.app.notify, f"retrieval failed: {exc}", severity="error")
            return
        segs = []
        for r in rows:
            did, text = docs[r["document"]]
            segs.append(
                {
                    **r,
                    "document_id": did,
                    "attributes": attrs.get(did, {}),
                    "before": text[max(0, r["start"] - CONTEXT) : r["start"]],
                    "after": text[r["end"] : r["end"] + CONTEXT],
                }
            )
        self.app.call_from_thread(self.show, info, segs)

    def show(self, info: dict, segs: list[dict]) -> None:
        self.segments = segs
        ndocs = len({s["document"] for s in segs})
        t = Text()
        t.append("■ ", style=info["color"] or "default")
        t.append(f"{info['path']}", style="bold")
        t.append(
            f"  {len(segs)} segments in {ndocs} documents"
            + (" (with sub-codes)" if self.with_children else "")
            + info.get("pairing", ""),
            style="dim",
        )
        if info.get("definition"):
            d = " ".join(str(info["definition"]).split())
            limit = max(self.app.size.width * 2 - 20, 60)
            t.append(f"\nDefinition: {d[:limit]}{'…' if len(d) > limit else ''}", style="italic")
        self.query_one("#ret-title", Static).update(t)
        ol = self.query_one(OptionList)
        ol.clear_options()
        if not segs:
            ol.add_option(
                Option(
                    Text("no segments coded with this code yet", style="dim italic"), disabled=True
                )
            )
            return
        for i, s in enumerate(segs):
            t = Text()
            t.append(s["document"], style="bold")
            attrs = " · ".join(
                f"{k}: {v}"
                for k, v in s["attributes"].items()
                if k in ("Format", "Region", "Datum")
            )
            if attrs:
                t.append("  " + attrs, style="dim")
            t.append(f"  {s['coder']}", style="cyan")
            if self.with_children and s["code"] != self.path:
                t.append(f"  [{s['code']}]", style="italic")
            t.append("\n")
            t.append("…" + " ".join(s["before"].split()) + " ", style="dim")
            t.append(
                " ".join(quotation(s["text"], s["document"]).split()),
                style=f"bold on {info['color']}" if info.get("color") else "bold",
            )
            t.append(" " + " ".join(s["after"].split()) + "…", style="dim")
            ol.add_option(Option(t, id=str(i)))
            ol.add_option(Option(Text(""), disabled=True))
        ol.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(int(event.option.id or 0))

    def action_open(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None:
            oid = ol.get_option_at_index(ol.highlighted).id
            if oid is not None:
                self._open(int(oid))

    def _open(self, i: int) -> None:
        if i < len(self.segments):
            s = self.segments[i]
            self.dismiss((s["document_id"], s["start"], s["end"]))

    def action_query(self) -> None:
        from qualcode.tui.screens.prompt import PromptScreen

        def done(q: str | None) -> None:
            if q and q.strip():
                self.bool_query = q.strip()
                self.with_children = True
                self.load()

        self.app.push_screen(
            PromptScreen(
                "Segments by query (A AND B, A NOT B, A OR B, A NEAR/2 B):",
                self.bool_query or self.path,
            ),
            done,
        )

    def action_toggle_coders(self) -> None:
        """A query's segments: of one coder (the default) or of any coders."""
        self.across_coders = not self.across_coders
        if self.bool_query is not None:
            self.load()
        self.notify(
            "query pairs " + ("across coders" if self.across_coders else "within one coder")
        )

    def action_toggle_children(self) -> None:
        self.with_children = not self.with_children
        self.load()

    def reload_all(self) -> None:
        """After undo/redo."""
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)
