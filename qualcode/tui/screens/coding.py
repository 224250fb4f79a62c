"""The main screen: documents | text | code tree + suggestions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Input, Static

from qualcode.textutil import plural
from qualcode.tui import data
from qualcode.tui.data import DocData, Span
from qualcode.tui.screens.coding_memo import CodingMemoActions
from qualcode.tui.screens.reading import ReadingActions
from qualcode.tui.screens.suggestions import SuggestionsMixin
from qualcode.tui.widgets.code_tree import CodeTree, CodeTreePanel
from qualcode.tui.widgets.document_list import DocumentList
from qualcode.tui.widgets.document_view import DocumentView
from qualcode.tui.widgets.footer import KeyFooter
from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel

SYNC_DOCS = 300  # up to this many documents the progress figures are counted before first paint
NARROW = 110  # below this width the document list starts hidden
SHORT = 30  # below this height the suggestions panel starts hidden


class CodingScreen(SuggestionsMixin, ReadingActions, CodingMemoActions, Screen):
    # The text has the focus from the start: focusing it in on_mount instead (after Textual
    # focused the first widget) changed the focus twice and rebuilt the footer once more.
    AUTO_FOCUS = "#doc-view"
    BINDINGS = [
        Binding("c", "code", "Code…"),
        *[Binding(str(i), f"recent({i})", f"Recent code {i}", show=False) for i in range(1, 10)],
        Binding("x", "uncode", "Uncode"),
        Binding("C", "change_coding", "Change coding", show=False),
        Binding("n", "next_uncoded", "Next uncoded"),
        Binding("i", "mark_not_relevant", "Not relevant", show=False),
        Binding("ctrl+r", "reload", "Reload (colleagues' changes)", show=False),
        Binding("A", "accept_suggestion", "Accept suggestion", show=False),
        Binding("N", "next_to_code", "What to code next (the engine's pick)", show=False),
        Binding("v", "retrieve", "Segments", show=False),
        Binding("P", "similar_passages", "Similar passages (to the selection)", show=False),
        Binding("plus", "add_code", "New code", show=False),
        Binding("O", "document_memo", "Document memo", show=False),
        Binding("o", "coding_memo", "Memo on the coding", show=False),
        Binding("slash", "filter_codes", "Filter codes", show=False),
        Binding("f2", "toggle_panel('docs')", "Documents panel", key_display="F2"),
        Binding("f3", "toggle_panel('codes')", "Codes panel", key_display="F3", show=False),
        Binding("f4", "toggle_panel('sugg')", "Suggestions panel", key_display="F4", show=False),
        Binding("f5", "frequencies", "Frequencies", key_display="F5"),
        Binding("f6", "retrieve", "Retrieval", key_display="F6", show=False),
        Binding("g", "focus_view", "Focus text", show=False),
        Binding("D", "focus_documents", "Focus documents", show=False),
        Binding("T", "focus_tree", "Focus code tree", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.doc: DocData | None = None
        self.recent: list[str] = []
        self.code_rows: list[dict] = []
        self._sugg_timer = None
        self._user_toggled: set[str] = set()
        self._sugg_busy = False
        self._sugg_pending: tuple[int, int, int] | None = None
        self._sugg_request: tuple[int, int, int] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield DocumentList(id="docs")
            with Vertical(id="center"):
                yield Static("", id="doc-title")
                yield DocumentView(id="doc-view")
                yield Static("", id="status")
            with Vertical(id="right"):
                yield CodeTreePanel(id="codes")
                yield SuggestionsPanel(id="sugg")
        yield KeyFooter()

    # --- widgets -------------------------------------------------------------------------------

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)

    @property
    def tree(self) -> CodeTree:
        return self.query_one(CodeTree)

    @property
    def doclist(self) -> DocumentList:
        return self.query_one(DocumentList)

    @property
    def coder(self) -> str:
        return self.app.coder  # type: ignore[attr-defined]

    # --- loading -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._auto_panels(self.app.size.width, self.app.size.height)
        self.recent = self.app.query_data(lambda s: data.recent_codes(s, self.coder))  # type: ignore[attr-defined]
        self.reload_codes()
        docs = self.reload_docs(first=True)
        first = getattr(self.app, "open_document", None) or next(
            (d["id"] for d in docs if d["progress"] is None or d["progress"] < 1), None
        )
        if first is None and docs:
            first = docs[0]["id"]
        if first is not None:
            self.open_document(first)
        self.view.focus()
        if not docs:
            self.view.set_document(None)
            self.update_status()
            self.notify(
                "this project has no documents yet: `qualcode import PATH` adds some", timeout=8
            )

    def _auto_panels(self, width: int, height: int) -> None:
        from textual.css.query import NoMatches

        try:
            docs, sugg, right = (self.query_one(f"#{i}") for i in ("docs", "sugg", "right"))
        except NoMatches:
            return  # not composed yet, or being taken down (the app quits while it opens)
        if "docs" not in self._user_toggled:
            docs.display = width >= NARROW
        if "sugg" not in self._user_toggled:
            sugg.display = height >= SHORT
        right.styles.width = 46 if width >= 150 else 36
        docs.styles.width = 32 if width >= 150 else 28

    def on_resize(self, event: Resize) -> None:
        self._auto_panels(event.size.width, event.size.height)

    def reload_codes(self) -> None:
        self.code_rows = self.app.query_data(data.code_rows)  # type: ignore[attr-defined]
        self.tree.recent = self.recent
        self.tree.load(self.code_rows)

    def reload_docs(self, *, first: bool = False) -> list[dict]:
        """The document list; progress figures of big projects are counted in a worker."""
        docs = self.app.query_data(partial(data.documents, progress=False))  # type: ignore[attr-defined]
        if len(docs) <= SYNC_DOCS:
            docs = self._with_progress(docs, self.app.query_data(data.progress_figures))  # type: ignore[attr-defined]
        elif not first:  # keep the figures we have until the new ones arrive
            known = {d["id"]: d for d in self.doclist.docs}
            docs = [
                {**known.get(d["id"], {}), **d, "progress": known.get(d["id"], {}).get("progress")}
                for d in docs
            ]
        self.doclist.load(docs, self.doc.id if self.doc else None)
        if len(docs) > SYNC_DOCS:  # after the next frame: the first one is not held up
            self.call_after_refresh(self.count_progress)
        return docs

    @staticmethod
    def _with_progress(docs: list[dict], figures: dict[int, dict]) -> list[dict]:
        keys = ("progress", "passages", "coded_passages", "codings")
        return [
            {**d, **{k: figures[d["id"]][k] for k in keys}} if d["id"] in figures else d
            for d in docs
        ]

    @work(thread=True, exclusive=True, group="progress")
    def count_progress(self) -> None:
        from qualcode.database import reading

        try:
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                figures = data.progress_figures(session)
        except Exception as exc:  # the list still works without the figures
            self.app.call_from_thread(
                self.notify, f"cannot count progress: {exc}", severity="warning"
            )
            return
        self.app.call_from_thread(self._progress_ready, figures)

    def _progress_ready(self, figures: dict[int, dict]) -> None:
        self.doclist.load(self._with_progress(self.doclist.docs, figures))
        self.update_title()

    def reload_doc(self, select: tuple[int, int] | None = None) -> None:
        if self.doc is None:
            return
        doc_id = self.doc.id
        try:
            self.doc = self.app.query_data(lambda s: data.load_document(s, doc_id))  # type: ignore[attr-defined]
        except Exception:
            self.doc = None
        self.view.set_document(self.doc, keep=True, select=select)
        self.update_title()
        self.update_status()

    def reload_all(self) -> None:
        self.reload_codes()
        self.reload_docs()
        self.recent = [p for p in self.recent if any(r["path"] == p for r in self.code_rows)]
        self.reload_doc()

    def action_reload(self) -> None:
        """Re-read everything: codes, documents and the open document (team projects)."""
        self.reload_all()
        self.notify("reloaded from the database")

    def after_change(self) -> None:
        """Refresh after a coding action (document, counts, progress); the suggestions on
        screen are marked outdated until the model has followed the change."""
        self.reload_codes()
        self.reload_doc()
        self._update_current_progress()
        self.update_title()
        self._changes = getattr(self, "_changes", 0) + 1
        self.query_one(SuggestionsPanel).mark_stale()
        self.schedule_suggestions()

    def open_document(self, doc_id: int, select: tuple[int, int] | None = None) -> None:
        from qualcode.errors import QualcodeError

        try:
            self.doc = self.app.query_data(lambda s: data.load_document(s, doc_id))  # type: ignore[attr-defined]
        except QualcodeError as exc:
            self.notify(str(exc), severity="error")
            return
        self.view.set_document(self.doc, select=select)
        self.doclist.set_current(doc_id)
        self.update_title()
        self.update_status()
        self.schedule_suggestions()
        if self.doc.orphaned:
            self.notify_orphaned()

    def notify_orphaned(self) -> None:
        """Codings whose text was changed away (`import --update`) are listed for review."""
        assert self.doc is not None
        lines = [
            f"■ {o['code'].rsplit('/', 1)[-1]} ({o['coder']}): "
            + (" ".join(o["text"].split())[:60] or "(text unknown)")
            for o in self.doc.orphaned[:5]
        ]
        more = len(self.doc.orphaned) - len(lines)
        self.notify(
            "\n".join(lines)
            + (f"\n… and {more} more" if more > 0 else "")
            + "\nRe-code them or remove them; `qualcode check` lists them all.",
            title=f"{len(self.doc.orphaned)} orphaned coding(s): their text was changed",
            severity="warning",
            timeout=12,
        )

    def update_title(self) -> None:
        title = self.query_one("#doc-title", Static)
        if self.doc is None:
            title.update("")
            return
        t = Text()
        t.append(self.doc.name, style="bold")
        attrs = " · ".join(
            f"{v}" for k, v in self.doc.attributes.items() if k in ("Format", "Region", "Datum")
        )
        if attrs:
            t.append("  " + attrs, style="dim")
        info = next((d for d in self.doclist.docs if d["id"] == self.doc.id), None)
        if info and info.get("progress") is not None:
            t.append(f"  {round(info['progress'] * 100)}% coded", style="green")
        title.update(t)

    def _status_head(self) -> Text:
        """Who is coding (and a read-only project), at the start of the status line."""
        t = Text()
        if getattr(self.app, "read_only", False):
            t.append("read-only ", style="bold red")
        t.append(f"{self.coder} ", style="bold cyan")
        return t

    def coder_changed(self) -> None:
        """The app's coder changed (who is coding?): recent codes and the status line follow."""
        self.recent = self.app.query_data(lambda s: data.recent_codes(s, self.coder))  # type: ignore[attr-defined]
        self.reload_codes()
        self.update_status()

    def update_status(self) -> None:
        status = self.query_one("#status", Static)
        t = self._status_head()
        if self.doc is None:
            status.update(t)
            return
        s, e = self.view.sel
        units = self.view.units
        sym = "¶" if self.view.unit == "paragraph" else "§"
        t.append(f"{sym}{self.view.index + 1}/{len(units)} ", style="bold")
        t.append(f"{s}–{e} ", style="dim")
        here = self.doc.spans_at(s, e) if e > s else self.doc.spans_at(s, s)
        if here:
            seen: list[str] = []
            for sp in here:
                label = sp.code.rsplit("/", 1)[-1] + (
                    f" ({sp.coder})" if sp.coder != self.coder else ""
                )
                if label not in seen:
                    seen.append(label)
                    t.append("■ ", style=sp.color)
                    t.append(label + "  ")
        else:
            t.append("uncoded", style="italic dim")
        status.update(t)

    # --- events --------------------------------------------------------------------------------

    def on_document_view_selection_changed(self, _event: DocumentView.SelectionChanged) -> None:
        self.update_status()
        self.schedule_suggestions()

    def on_document_view_sentences_needed(self, _event: DocumentView.SentencesNeeded) -> None:
        if self.doc is None:
            return
        self.notify("splitting the document into sentences…")
        self.split_sentences(self.doc.id)

    @work(thread=True, exclusive=True, group="nlp")
    def split_sentences(self, doc_id: int) -> None:
        """spaCy in a worker thread: the UI keeps responding while the pipeline loads."""
        from qualcode.documents import unsplit_sentences

        try:  # the project's configured pipeline, as `passages --unit sentence` uses
            spans = self.app.read(lambda s: unsplit_sentences(s, [doc_id]).get(doc_id, []))  # type: ignore[attr-defined]
        except Exception as exc:  # no pipeline: stay with paragraphs
            self.app.call_from_thread(
                self.notify, f"cannot split sentences: {exc}", severity="error"
            )
            return
        self.app.call_from_thread(self._sentences_ready, doc_id, spans)

    def _sentences_ready(self, doc_id: int, spans: list[tuple[int, int]]) -> None:
        if self.doc is None or self.doc.id != doc_id:
            return
        self.doc.sentences = [(s, e) for s, e in spans]
        if self.doc.sentences:
            self.view.action_toggle_unit()

    def on_document_list_chosen(self, event: DocumentList.Chosen) -> None:
        self.open_document(event.doc_id)
        self.view.focus()

    # --- coding actions ------------------------------------------------------------------------

    def _need_selection(self) -> tuple[int, int] | None:
        if self.doc is None:
            self.notify("open a document first", severity="warning")
            return None
        s, e = self.view.sel
        if e <= s:
            self.notify(
                "select a passage first (j/k, shift+arrows or the mouse)", severity="warning"
            )
            return None
        return s, e

    def _category_for_new(self) -> str | None:
        """Where an in-vivo code goes: under the highlighted category (or the parent of a highlighted leaf)."""
        cid = self.tree.highlighted_id
        if cid is None or cid not in self.tree.by_id:
            return None
        row = self.tree.by_id[cid]
        has_children = any(r["parent"] == row["path"] for r in self.code_rows)
        if has_children or not row["codable"]:
            return row["path"]
        return row["parent"]

    def action_code(self) -> None:
        if self._need_selection() is None:
            return
        from qualcode.tui.widgets.code_picker import CodePicker

        picker = CodePicker(
            self.code_rows,
            recent=self.recent,
            parent=self._category_for_new(),
            suggested=self._suggested_codes(),
        )
        self.app.push_screen(picker, self._picked)

    def _suggested_codes(self) -> list[tuple[str, float]]:
        """The codes the suggestions panel shows for exactly this selection (up to date),
        with their scores: the picker lists them first."""
        panel = self.query_one(SuggestionsPanel)
        if self.doc is None or self._sugg_busy or panel.stale or not panel.codes:
            return []
        if self._sugg_request != (self.doc.id, *self.view.sel):
            return []
        return [(str(c["code"]), float(c.get("score", 0))) for c in panel.codes]

    def _picked(self, result: dict | None) -> None:
        if result and result.get("path"):
            path = result["path"]
            if result.get("create"):
                self.confirm_near_duplicate(
                    path, lambda force: self.apply_code(path, create=True, force=force)
                )
            else:
                self.apply_code(path)

    def confirm_near_duplicate(
        self, path: str, go: Callable[[bool], object], *, rename_of: str | None = None
    ) -> None:
        """``go(force)``: at once when the new code ``path`` (or the new name ``path`` of
        the code ``rename_of``) is no near duplicate of an existing code; else only after
        the user confirms, naming the existing code(s) — then with ``force``."""
        from qualcode.codebook import near_duplicate_paths

        near = self.app.read(lambda s: near_duplicate_paths(s, path, rename_of=rename_of))  # type: ignore[attr-defined]
        if not near:
            go(False)
            return
        from qualcode.tui.screens.confirm import ConfirmScreen

        listed = ", ".join(repr(p) for p in near[:3]) + (" …" if len(near) > 3 else "")
        name = path.rsplit("/", 1)[-1]
        verb = "Rename it" if rename_of else "Create it"
        self.app.push_screen(
            ConfirmScreen(
                f"{name!r} is nearly the same as the existing code {listed}"
                f" (case, accents or one typing slip apart). {verb} anyway?",
                yes="Yes, anyway (y)",
            ),
            lambda yes: go(True) if yes else None,
        )

    def apply_code(self, path: str, *, create: bool = False, force: bool = False) -> bool:
        sel = self._need_selection()
        if sel is None or self.doc is None:
            return False
        from qualcode.codings import add_coding

        doc_id = self.doc.id
        ok, res = self.app.act(  # type: ignore[attr-defined]
            f"tui: code {path}" if not create else f"tui: new code {path}",
            lambda s: add_coding(
                s, doc_id, sel[0], sel[1], path, self.coder, create_code=create, force=force
            ),
        )
        if not ok:
            return False
        self.recent = [path, *[p for p in self.recent if p != path]][:9]
        _coding, created = res  # type: ignore[misc]
        self.after_change()
        if create:
            code_id = next(
                (r["id"] for r in self.code_rows if r["path"].casefold() == path.casefold()), None
            )
            if code_id is not None:
                self.tree.select_id(code_id)
        self.notify(
            ("coded: " if created else "already coded: ") + path + (" (new code)" if create else "")
        )
        return True

    def action_recent(self, n: int) -> None:
        if n > len(self.recent):
            self.notify(f"no recent code {n} yet (codes you apply land on 1–9)", severity="warning")
            return
        self.apply_code(self.recent[n - 1])

    def _choose_span(self, title: str, callback) -> None:
        if self.doc is None:
            return
        s, e = self.view.sel
        spans = self.doc.spans_at(s, e)
        if not spans:
            self.notify("no coding here", severity="warning")
            return
        if len(spans) == 1:
            callback(spans[0])
            return
        from qualcode.tui.screens.prompt import ChooseScreen

        items = []
        for sp in spans:
            t = Text()
            t.append("■ ", style=sp.color)
            t.append(sp.code)
            snippet = " ".join(self.doc.text[sp.start : sp.end].split())
            t.append(f"  {sp.coder} · {snippet[:50]}", style="dim")
            items.append(t)
        self.app.push_screen(
            ChooseScreen(title, items), lambda i: callback(spans[i]) if i is not None else None
        )

    def action_uncode(self) -> None:
        self._choose_span("Remove which coding?", self._remove_span)

    def _remove_span(self, sp: Span, confirmed: bool = False) -> None:
        from qualcode.codings import remove_codings

        assert self.doc is not None
        doc_id = self.doc.id
        if sp.coder != self.coder and not confirmed:  # a colleague's work: ask first
            from qualcode.tui.screens.confirm import ConfirmScreen

            self.app.push_screen(
                ConfirmScreen(f"Remove {sp.coder}'s coding {sp.code!r}?"),
                lambda yes: self._remove_span(sp, True) if yes else None,
            )
            return
        ok, _ = self.app.act(
            f"tui: uncode {sp.code}",
            lambda s: remove_codings(s, doc_id, sp.start, sp.end, sp.code, sp.coder),
        )  # type: ignore[attr-defined]
        if ok:
            self.after_change()
            self.notify(f"removed: {sp.code}")

    def action_change_coding(self) -> None:
        self._choose_span("Change which coding?", self._change_span)

    def _change_span(self, sp: Span, confirmed: bool = False) -> None:
        from qualcode.tui.widgets.code_picker import CodePicker

        if sp.coder != self.coder and not confirmed:  # a colleague's work: ask first, as `x`
            from qualcode.tui.screens.confirm import ConfirmScreen

            self.app.push_screen(
                ConfirmScreen(
                    f"Change {sp.coder}'s coding {sp.code!r}? It is removed and coded again"
                    f" under {self.coder!r}."
                ),
                lambda yes: self._change_span(sp, True) if yes else None,
            )
            return

        def done(result: dict | None) -> None:
            if not result or not result.get("path"):
                return
            from qualcode.codings import add_coding, remove_codings

            assert self.doc is not None
            doc_id, path, create = self.doc.id, result["path"], bool(result.get("create"))

            def change(force: bool) -> None:
                def run(s):
                    remove_codings(s, doc_id, sp.start, sp.end, sp.code, sp.coder)
                    return add_coding(
                        s,
                        doc_id,
                        sp.start,
                        sp.end,
                        path,
                        self.coder,
                        create_code=create,
                        force=force,
                    )

                ok, _ = self.app.act(f"tui: recode {sp.code} -> {path}", run)  # type: ignore[attr-defined]
                if ok:
                    self.recent = [path, *[p for p in self.recent if p != path]][:9]
                    self.after_change()
                    self.notify(f"changed {sp.code} → {path}")

            if create:
                self.confirm_near_duplicate(path, change)
            else:
                change(False)

        self.app.push_screen(
            CodePicker(
                self.code_rows,
                title=f"Change {sp.code} to…",
                recent=self.recent,
                parent=self._category_for_new(),
                exclude={sp.code},
            ),
            done,
        )

    # --- code tree actions ---------------------------------------------------------------------

    def _highlighted(self) -> dict | None:
        cid = self.tree.highlighted_id
        row = self.tree.by_id.get(cid) if cid is not None else None
        if row is None:
            self.notify(
                "highlight a code in the code tree first (T focuses it)", severity="warning"
            )
            self.action_focus_tree()
        return row

    def action_apply_highlighted(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        if not row["codable"]:
            node = self.tree.cursor_node
            if node is not None:
                node.toggle()
            return
        self.apply_code(row["path"])

    def action_add_code(self) -> None:
        from qualcode.tui.screens.prompt import PromptScreen

        parent = self._category_for_new()

        def done(path: str | None) -> None:
            if not path or not path.strip() or path.strip().endswith("/"):
                return
            path = path.strip()

            def create(force: bool) -> None:
                from qualcode.codebook import add_code

                ok, code = self.app.act(
                    f"tui: add code {path}", lambda s: add_code(s, path, force=force)
                )  # type: ignore[attr-defined]
                if ok:
                    self.reload_codes()
                    self.tree.select_id(code.id)  # type: ignore[union-attr]
                    self.notify(f"new code {path}")

            self.confirm_near_duplicate(path, create)

        # The parent stays: the cursor waits after "Parent/" (typing must not replace it).
        self.app.push_screen(
            PromptScreen(
                "New code (path, Parent/Child):", (parent + "/") if parent else "", select=False
            ),
            done,
        )

    def action_rename_code(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        from qualcode.tui.screens.prompt import PromptScreen

        def done(name: str | None) -> None:
            if name is None or name.strip() == row["name"]:
                return

            def rename(force: bool) -> None:
                from qualcode.codebook import rename_code

                ok, _ = self.app.act(
                    f"tui: rename {row['path']} -> {name.strip()}",
                    lambda s: rename_code(s, row["path"], name, force=force),
                )  # type: ignore[attr-defined]
                if ok:
                    self.recent = self.app.query_data(lambda s: data.recent_codes(s, self.coder))  # type: ignore[attr-defined]
                    self.after_change()

            self.confirm_near_duplicate(name.strip(), rename, rename_of=row["path"])

        self.app.push_screen(PromptScreen(f"Rename {row['path']}:", row["name"]), done)

    def action_move_code(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        from qualcode.tui.widgets.code_picker import CodePicker

        own = row["path"]
        exclude = {
            r["path"] for r in self.code_rows if r["path"] == own or r["path"].startswith(own + "/")
        }

        def done(result: dict | None) -> None:
            if not result:
                return
            target = None if result.get("extra") == "top" else result.get("path")
            from qualcode.codebook import move_code

            ok, _ = self.app.act(
                f"tui: move {own} -> {target or '/'}", lambda s: move_code(s, own, target)
            )  # type: ignore[attr-defined]
            if ok:
                self.recent = self.app.query_data(lambda s: data.recent_codes(s, self.coder))  # type: ignore[attr-defined]
                self.after_change()
                self.notify(f"moved {own} under {target or 'the top level'}")

        self.app.push_screen(
            CodePicker(
                self.code_rows,
                title=f"Move {own} under…",
                allow_create=False,
                only_codable=False,
                exclude=exclude,
                extra=[("top", "(top level)")],
            ),
            done,
        )

    def similar_names(self, row: dict) -> list[str]:
        """Near-duplicate code names (rapidfuzz), e.g. "Zeitmangel" ~ "Zeit-Mangel"."""
        from rapidfuzz import fuzz, utils

        def norm(s: str) -> str:
            return utils.default_process(s).replace(" ", "")

        me = norm(row["name"])
        scored = []
        for r in self.code_rows:
            if r["id"] == row["id"] or r["path"].startswith(row["path"] + "/"):
                continue
            score = fuzz.ratio(me, norm(r["name"]))
            if score >= 80:
                scored.append((score, r["path"]))
        return [p for _, p in sorted(scored, reverse=True)]

    def action_merge_code(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        try:
            from qualcode.recode.merge import merge_codes  # type: ignore[import-not-found]
        except ImportError:
            self.notify(
                "merging needs qualcode.recode, which is not installed yet", severity="warning"
            )
            return
        from qualcode.tui.screens.confirm import ConfirmScreen
        from qualcode.tui.widgets.code_picker import CodePicker

        src = row["path"]
        exclude = {
            r["path"] for r in self.code_rows if r["path"] == src or r["path"].startswith(src + "/")
        }

        def confirmed(yes: bool | None, target: str) -> None:
            if not yes:
                return
            ok, res = self.app.act(
                f"tui: merge {src} -> {target}", lambda s: merge_codes(s, src, target)
            )  # type: ignore[attr-defined]
            if ok:
                self.recent = [target if p == src else p for p in self.recent]
                self.after_change()
                tid = next((r["id"] for r in self.code_rows if r["path"] == target), None)
                if tid is not None:
                    self.tree.select_id(tid)
                moved = (
                    (res or {}).get("moved", (res or {}).get("codings", ""))
                    if isinstance(res, dict)
                    else ""
                )
                self.notify(
                    f"merged {src} into {target}"
                    + (f" ({plural(moved, 'coding')})" if isinstance(moved, int) else "")
                )

        def picked(result: dict | None) -> None:
            if not result or not result.get("path"):
                return
            target = result["path"]
            n = row["codings"]
            self.app.push_screen(
                ConfirmScreen(
                    f"Merge {src!r} ({plural(n, 'coding')}) into {target!r}?\n{src!r} is removed; its codings, memos and sub-codes go to {target!r}."
                ),
                lambda yes: confirmed(yes, target),
            )

        self.app.push_screen(
            CodePicker(
                self.code_rows,
                title=f"Merge {src} into…",
                allow_create=False,
                only_codable=False,
                exclude=exclude,
                hints=self.similar_names(row),
            ),
            picked,
        )

    def action_delete_code(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        from qualcode.tui.screens.confirm import ConfirmScreen

        path = row["path"]
        subs = [r for r in self.code_rows if r["path"].startswith(path + "/")]
        n = row["codings"] + sum(r["codings"] for r in subs)
        question = f"Delete code {path!r}?"
        if n or subs:
            question += (
                f"\nThis also deletes {plural(n, 'coding')}"
                + (f" and {plural(len(subs), 'sub-code')}" if subs else "")
                + ". (u undoes it.)"
            )

        def done(yes: bool | None) -> None:
            if not yes:
                return
            from qualcode.codebook import delete_code

            ok, _ = self.app.act(
                f"tui: delete code {path}", lambda s: delete_code(s, path, force=True)
            )  # type: ignore[attr-defined]
            if ok:
                self.recent = [p for p in self.recent if p != path and not p.startswith(path + "/")]
                self.after_change()
                self.notify(f"deleted {path}")

        self.app.push_screen(ConfirmScreen(question), done)

    def action_edit_code(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        from qualcode.codebook import show_code
        from qualcode.tui.screens.code_editor import CodeEditorScreen

        path = row["path"]
        info = self.app.read(lambda s: show_code(s, path))  # type: ignore[attr-defined]

        def done(fields: dict | None) -> None:
            if fields is None:
                return
            from qualcode.codebook import edit_code

            changed = {k: v for k, v in fields.items() if v is not None and info.get(k) != v}
            if not changed:
                return
            ok, _ = self.app.act(f"tui: edit code {path}", lambda s: edit_code(s, path, **changed))  # type: ignore[attr-defined]
            if ok:
                self.after_change()
                self.notify(f"saved {path}: " + ", ".join(changed))
            else:  # the error was shown; what was typed comes back to be fixed
                self.app.push_screen(CodeEditorScreen({**info, **changed}), done)

        self.app.push_screen(CodeEditorScreen(info), done)

    def _memo(self, target_type: str, ref: str, target_id: int, label: str) -> None:
        from qualcode.memos import get_memo_text
        from qualcode.tui.screens.memo import MemoScreen

        text = self.app.read(lambda s: get_memo_text(s, target_type, target_id))  # type: ignore[attr-defined]

        def done(new: str | None) -> None:
            if new is None or new == text:
                return
            from qualcode.codings import get_coder
            from qualcode.memos import set_memo

            ok, _ = self.app.act(  # type: ignore[attr-defined]
                f"tui: memo {target_type} {label}",
                lambda s: set_memo(s, target_type, ref, new, coder_id=get_coder(s, self.coder).id),
            )
            if ok:
                self.notify(f"memo saved ({label})" if new.strip() else f"memo deleted ({label})")
                self.reload_codes() if target_type == "code" else self.reload_docs()

        self.app.push_screen(MemoScreen(f"Memo on {target_type} {label}", text), done)

    def action_code_memo(self) -> None:
        row = self._highlighted()
        if row is not None:
            self._memo("code", row["path"], row["id"], row["path"])

    def action_document_memo(self) -> None:
        d = self.doclist.highlighted_doc if self.app.focused is self.doclist.options else None
        if d is None and self.doc is not None:
            d = {"id": self.doc.id, "name": self.doc.name}
        if d is None:
            return
        self._memo("document", str(d["id"]), d["id"], d["name"])

    # --- views ---------------------------------------------------------------------------------

    def action_retrieve(self) -> None:
        """Segments of the code under the cursor (text) or the highlighted code (tree)."""
        path = None
        if self.app.focused is not self.tree and self.doc is not None:
            here = self.doc.spans_at(*self.view.sel)
            if here:
                path = here[0].code
        if path is None:
            row = self._highlighted()
            path = row["path"] if row else None
        if path is None:
            return
        from qualcode.tui.screens.retrieval import RetrievalScreen

        def done(result: tuple[int, int, int] | None) -> None:
            if result:
                doc_id, s, e = result
                self.open_document(doc_id, select=(s, e))
                self.view.focus()

        self.app.push_screen(RetrievalScreen(path), done)

    def action_similar_passages(self) -> None:
        """The passages most like the selection, from the whole project; Enter opens one."""
        sel = self._need_selection()
        if sel is None or self.doc is None:
            return
        from qualcode.tui.screens.similar import SimilarScreen

        sym = "¶" if self.view.unit == "paragraph" else "§"
        label = f"{self.doc.name} {sym}{self.view.index + 1}"

        def done(hit: tuple[int, int, int] | None) -> None:
            if hit:
                self.open_document(hit[0], select=(hit[1], hit[2]))
                self.view.focus()

        self.app.push_screen(SimilarScreen(self.doc.id, sel[0], sel[1], label), done)

    def action_frequencies(self) -> None:
        from qualcode.tui.screens.frequencies import FrequencyScreen

        self.app.push_screen(FrequencyScreen())

    def action_toggle_panel(self, which: str) -> None:
        panel = self.query_one(f"#{which}")
        panel.display = not panel.display
        self._user_toggled.add(which)
        if which == "sugg" and panel.display:
            self.schedule_suggestions()
        if (
            not panel.display
            and self.app.focused is not None
            and panel in self.app.focused.ancestors_with_self
        ):
            self.view.focus()

    def action_focus_view(self) -> None:
        self.view.focus()

    def action_focus_documents(self) -> None:
        self.query_one("#docs").display = True
        self.doclist.options.focus()

    def action_focus_tree(self) -> None:
        self.query_one("#codes").display = True
        self.tree.focus()

    def action_filter_codes(self) -> None:
        self.query_one("#codes").display = True
        self.query_one("#code-filter", Input).focus()
