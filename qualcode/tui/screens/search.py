"""Text search in the workbench: keyword in context for the open document (ctrl+f) or the
project (ctrl+shift+f); Enter opens a hit, space marks hits, `s` chooses what coding a hit
codes (as found, the whole words, the sentence, the paragraph — `qualcode search --unit`),
`c` codes the marked hits."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.tui.widgets.footer import KeyFooter

CONTEXT = 50


class SearchScreen(Screen[tuple[int, int, int] | None]):
    """Dismissed with ``(document id, start, end)`` of the hit to open, or None."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("space", "mark", "Mark hit"),
        Binding("c", "code_marked", "Code marked hits"),
        Binding("a", "mark_all", "Mark all", show=False),
        Binding("s", "next_unit", "Unit"),
    ]

    def __init__(
        self, doc_id: int | None = None, doc_name: str | None = None, pattern: str = ""
    ) -> None:
        super().__init__()
        self.doc_id, self.doc_name, self.pattern = doc_id, doc_name, pattern
        self.hits: list[dict] = []
        self.marked: set[int] = set()
        self.unit = "match"  # what `c` codes: as `qualcode search --code` by default

    def compose(self) -> ComposeResult:
        where = f"in {self.doc_name}" if self.doc_id is not None else "in all documents"
        yield Static(
            Text(f"Search {where} (plain text; re: for a regular expression)", style="bold"),
            id="search-title",
        )
        yield Input(self.pattern, placeholder="word or phrase, Enter searches", id="search-input")
        yield OptionList(id="search-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.pattern:
            self.run_search(self.pattern)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.pattern = event.value
            self.run_search(event.value)

    @work(thread=True, exclusive=True)
    def run_search(self, pattern: str) -> None:
        from qualcode.database import reading
        from qualcode.docsets import session_execute
        from qualcode.errors import QualcodeError
        from qualcode.search import search, search_rule

        regex = pattern.startswith("re:")
        try:
            rule = search_rule(pattern[3:] if regex else pattern, "regex" if regex else "text")
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                execute = session_execute(session)
                ids = None if self.doc_id is None else [self.doc_id]
                rows = search(execute, rule, doc_ids=ids, context=CONTEXT)
                names = dict((n, i) for i, n in execute("SELECT id, name FROM document"))
        except QualcodeError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        for r in rows:
            r["document_id"] = names[r["document"]]
        self.app.call_from_thread(self.show, rows)

    def show(self, rows: list[dict]) -> None:
        self.hits, self.marked = rows, set()
        self._title()
        self._draw()
        ol = self.query_one(OptionList)
        if rows:
            ol.highlighted = 0
            ol.focus()

    def _title(self) -> None:
        from qualcode.search import UNITS

        docs = len({r["document"] for r in self.hits})
        t = Text(f"{len(self.hits)} hits in {docs} documents for {self.pattern!r}", style="bold")
        t.append(f"   c codes: {UNITS[self.unit]} (s changes)", style="dim")
        self.query_one("#search-title", Static).update(t)

    def action_next_unit(self) -> None:
        """As found → word → sentence → paragraph → as found."""
        from qualcode.search import UNITS

        order = list(UNITS)
        self.unit = order[(order.index(self.unit) + 1) % len(order)]
        self._title()
        self.notify(f"coding a hit codes: {UNITS[self.unit]}", timeout=2)

    def _draw(self) -> None:
        ol = self.query_one(OptionList)
        keep = ol.highlighted
        ol.clear_options()
        for i, r in enumerate(self.hits):
            t = Text()
            t.append("✓ " if i in self.marked else "  ", style="green bold")
            t.append(f"{r['document']} {r['start']}–{r['end']}  ", style="dim")
            t.append(r["left"][-CONTEXT:], style="dim")
            t.append(r["text"], style="bold reverse")
            t.append(r["right"][:CONTEXT], style="dim")
            if r["code_paths"]:
                t.append(
                    "  [" + "; ".join(c.split("/")[-1] for c in r["code_paths"]) + "]",
                    style="italic cyan",
                )
            ol.add_option(Option(t, id=str(i)))
        if keep is not None and self.hits:
            ol.highlighted = min(keep, len(self.hits) - 1)

    def _current(self) -> int | None:
        ol = self.query_one(OptionList)
        return ol.highlighted if self.hits and ol.highlighted is not None else None

    def action_mark(self) -> None:
        i = self._current()
        if i is None:
            return
        self.marked ^= {i}
        self._draw()
        ol = self.query_one(OptionList)
        ol.highlighted = min(i + 1, len(self.hits) - 1)

    def action_mark_all(self) -> None:
        self.marked = set(range(len(self.hits))) if len(self.marked) < len(self.hits) else set()
        self._draw()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        r = self.hits[int(event.option.id or 0)]
        self.dismiss((r["document_id"], r["start"], r["end"]))

    def action_code_marked(self) -> None:
        chosen = sorted(self.marked) or ([self._current()] if self._current() is not None else [])
        if not chosen:
            return
        from qualcode.tui.screens.prompt import PromptScreen

        def done(path: str | None) -> None:
            if path and path.strip():
                self._code(path.strip(), [self.hits[i] for i in chosen])

        from qualcode.search import UNITS

        self.app.push_screen(
            PromptScreen(f"Code {len(chosen)} hits ({UNITS[self.unit]}) with (code path or name):"),
            done,
        )

    def _code(self, path: str, hits: list[dict]) -> None:
        from qualcode.search import UNITS, code_hits

        app = self.app
        unit = self.unit

        def run(session) -> int:
            from qualcode import audit

            r = code_hits(
                session,
                [(h["document_id"], h["start"], h["end"]) for h in hits],
                path,
                app.coder,  # type: ignore[attr-defined]
                unit,
            )
            audit.set_summary(
                session, f"search: {r['added']} hits ({UNITS[unit]}) coded with {path}"
            )
            return r["added"]

        ok, n = app.act(f"tui: code {len(hits)} search hits ({UNITS[unit]}) with {path}", run)  # type: ignore[attr-defined]
        if ok:
            app.notify(f"coded {n} hits ({UNITS[unit]}) with {path}")
            app.refresh_data()  # type: ignore[attr-defined]

    def reload_all(self) -> None:
        if self.pattern:
            self.run_search(self.pattern)

    def action_close(self) -> None:
        self.dismiss(None)
