"""The coding screen's suggestions: a worker per selection, outdated results marked.

A mixin of :class:`~qualcode.tui.screens.coding.CodingScreen` (kept apart so that the
screen stays readable): the suggestions for the selected passage are computed in a
thread worker with its own session (the model retrains or refits there when the codings
changed); a request made while one runs waits, and only the latest is shown. After a
coding the panel is marked outdated until the model has followed it.

What the coder does with the suggested codes is recorded (:mod:`qualcode.suggest.decisions`,
``qualcode suggest --stats``): the codes shown for a passage the coder has not decided on
are kept, and settled when the next suggestions are asked for — after a coding (accepted
or coded otherwise, read from the coder's codings on the passage) or when the selection
moved on without one (dismissed).
"""

from __future__ import annotations

from textual import work

from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel


class SuggestionsMixin:
    def on_suggestions_panel_accept(self, event: SuggestionsPanel.Accept) -> None:
        if event.kind == "code":
            if self.query_one(SuggestionsPanel).stale:
                self.notify(
                    "the suggestions are updating after your coding — a moment", severity="warning"
                )
                return
            self.apply_code(event.payload["code"], create=False)
        else:
            p = event.payload
            doc_id = p.get("document_id")
            if doc_id is None:
                from qualcode.documents import resolve_document

                doc_id = self.app.read(lambda s: resolve_document(s, str(p["document"])).id)  # type: ignore[attr-defined]
            self.open_document(int(doc_id), select=(int(p["start"]), int(p["end"])))
            self.view.focus()

    def _settle_shown(self) -> None:
        """Record the decision on the passage whose suggested codes were shown, once there
        is one (see the module doc); nothing while the same passage is still selected and
        uncoded. A failure here never reaches the coder: the record is only statistics."""
        shown = getattr(self, "_sugg_shown", None)
        if shown is None:
            return
        doc_id, start, end, codes = shown
        here = (self.doc.id, *self.view.sel) if self.doc is not None else None  # the selection now
        from sqlalchemy.exc import SQLAlchemyError

        from qualcode.database import transaction
        from qualcode.errors import QualcodeError
        from qualcode.suggest.decisions import coder_codes_on, record

        coder = self.app.coder  # type: ignore[attr-defined]
        try:
            with transaction(
                self.app.engine,  # type: ignore[attr-defined]
                command="tui: suggestion decision",
                coder=coder,
                record=False,
            ) as session:
                if here == (doc_id, start, end) and not coder_codes_on(
                    session, coder, doc_id, start, end
                ):
                    return  # still undecided
                record(session, coder, doc_id, start, end, codes)
        except (QualcodeError, SQLAlchemyError):
            pass
        self._sugg_shown = None

    def schedule_suggestions(self) -> None:
        self._settle_shown()
        if self._sugg_timer is not None:
            self._sugg_timer.stop()
        if not self.query_one("#sugg").display or self.doc is None:
            return
        if not getattr(self.app, "suggestions", True):
            self.query_one(SuggestionsPanel).show_message("suggestions are switched off")
            return
        self._sugg_timer = self.set_timer(0.35, self._start_suggestions)

    def _start_suggestions(self) -> None:
        if self.doc is None:
            return
        s, e = self.view.sel
        if e <= s:
            self.query_one(SuggestionsPanel).show_message("select a passage to see suggestions")
            return
        request = (self.doc.id, s, e)
        if self._sugg_busy:  # one computation at a time; the latest request waits
            self._sugg_pending = request
            return
        panel = self.query_one(SuggestionsPanel)
        if not panel.stale:  # outdated ones stay visible (marked) until the new ones arrive
            panel.show_loading()
        self._sugg_busy = True
        self._sugg_request = request
        self._sugg_changes = getattr(self, "_changes", 0)
        self.compute_suggestions(*request)

    @work(thread=True, group="suggestions")
    def compute_suggestions(self, doc_id: int, start: int, end: int) -> None:
        from qualcode.errors import QualcodeError

        try:
            from qualcode.suggest import similar, suggest_for_span  # type: ignore[import-not-found]
        except ImportError:
            self.app.call_from_thread(
                self._show_suggestions,
                None,
                None,
                "no suggestions available (the suggestions engine is not installed)",
            )
            return
        try:
            from qualcode.database import reading

            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                try:  # no codings yet: no code suggestions, but similar passages still help
                    codes, note = suggest_for_span(session, doc_id, start, end, top=3), None
                except QualcodeError as exc:
                    codes, note = [], str(exc)
                sims = similar(session, doc_id, start, end, top=10)
                from qualcode.suggest.decisions import is_open

                # a passage the coder has not decided on: what they do next is recorded
                undecided = bool(codes) and is_open(
                    session,
                    self.app.coder,  # type: ignore[attr-defined]
                    doc_id,
                    start,
                    end,
                )
        except QualcodeError as exc:
            self.app.call_from_thread(self._show_suggestions, None, None, str(exc))
            return
        except Exception as exc:  # a bug in the engine must not take the workbench down
            self.app.call_from_thread(
                self._show_suggestions, None, None, f"suggestions failed: {exc}"
            )
            return
        if note and not sims:
            self.app.call_from_thread(self._show_suggestions, None, None, note)
            return
        self.app.call_from_thread(self._show_suggestions, codes, sims, None, note, undecided)

    def _show_suggestions(
        self,
        codes: list[dict] | None,
        sims: list[dict] | None,
        message: str | None,
        note: str | None = None,
        undecided: bool = False,
    ) -> None:
        self._sugg_busy = False
        pending, self._sugg_pending = self._sugg_pending, None
        if pending is not None and pending != self._sugg_request:
            self._start_suggestions()  # the selection moved on meanwhile
            return
        if getattr(self, "_sugg_changes", 0) != getattr(self, "_changes", 0):
            self._start_suggestions()  # computed before the last coding: never shown as fresh
            return
        panel = self.query_one(SuggestionsPanel)
        if message is not None:
            panel.show_message(message)
            return
        colors = {r["path"]: r["color"] for r in self.code_rows}
        panel.show(codes or [], sims or [], colors, note)
        if undecided and panel.codes and self._sugg_request is not None:
            self._settle_shown()  # a passage shown before (should already be settled)
            doc_id, start, end = self._sugg_request
            shown = [{"code": c["code"], "score": c["score"]} for c in panel.codes]
            self._sugg_shown = (doc_id, start, end, shown)

    def action_accept_suggestion(self) -> None:
        panel = self.query_one(SuggestionsPanel)
        if panel.stale:
            self.notify(
                "the suggestions are updating after your coding — a moment", severity="warning"
            )
            return
        if (
            self.doc is None
            or self._sugg_busy
            or self._sugg_request != (self.doc.id, *self.view.sel)
        ):
            # the panel still shows another passage's suggestions: never code this one with them
            self.notify(
                "the suggestions for this passage are still coming — a moment", severity="warning"
            )
            return
        if not panel.codes:
            self.notify("no suggested code for this passage", severity="warning")
            return
        self.apply_code(panel.codes[0]["code"])

    def action_next_to_code(self) -> None:
        """Jump to the passage the engine would learn most from (`qualcode next`)."""
        self.notify("finding what to code next…")
        self.find_next_to_code()

    @work(thread=True, group="next", exclusive=True)
    def find_next_to_code(self) -> None:
        from qualcode.database import reading
        from qualcode.documents import resolve_document
        from qualcode.errors import QualcodeError
        from qualcode.suggest.next import next_passages

        try:
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                rows = next_passages(session, None, 1)
                target = (
                    (resolve_document(session, rows[0]["document"]).id, rows[0]) if rows else None
                )
        except QualcodeError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        except Exception as exc:  # a bug in the engine must not take the workbench down
            self.app.call_from_thread(self.notify, f"next failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self._go_next_to_code, target)

    def _go_next_to_code(self, target) -> None:
        if target is None:
            self.notify("every passage is coded or marked")
            return
        doc_id, row = target
        self.open_document(int(doc_id), select=(int(row["start"]), int(row["end"])))
        self.view.focus()
        why = (
            "the engine is least sure here"
            if row["reason"] == "uncertain"
            else "next in reading order"
        )
        self.notify(f"{row['document']}: {why}")
