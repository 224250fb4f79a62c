"""Reading order on the coding screen: next passage to read, progress, "not relevant" marks.

A mixin of :class:`~qualcode.tui.screens.coding.CodingScreen`. Headings and metadata
lines are no work (:mod:`qualcode.structure`): `n` skips them, and passages marked not
relevant (`i`) count as read, so a document's progress reaches 100 %.
"""

from __future__ import annotations

from typing import Any


class ReadingActions:
    """`n`, `i` and the open document's progress figures (needs the screen's widgets)."""

    doc: Any
    view: Any
    doclist: Any
    app: Any

    def _update_current_progress(self) -> None:
        """After a coding action: the open document's figures from what the view already holds."""
        if self.doc is None:
            return
        n, done = self.doc.progress()
        self.doclist.update_doc(
            self.doc.id,
            passages=n,
            coded_passages=done,
            progress=round(done / n, 3) if n else 1.0,
            codings=len(self.doc.spans),
        )

    def action_next_uncoded(self) -> None:
        """The next passage still to read: content, neither coded nor marked not relevant;
        then the next document with such passages."""
        if self.doc is None:
            return
        todo = self.doc.todo(self.view.unit)
        for i in range(self.view.index + 1, len(todo)):
            if todo[i]:
                self.view.goto_passage(i)
                return
        docs = self.doclist.docs
        ids = [d["id"] for d in docs]
        pos = ids.index(self.doc.id) if self.doc.id in ids else -1
        for d in docs[pos + 1 :] + docs[: pos + 1]:
            if (d["progress"] is None or d["progress"] < 1) and d["id"] != self.doc.id:
                self.open_document(d["id"])  # type: ignore[attr-defined]
                todo = self.doc.todo(self.view.unit) if self.doc else []
                self.view.goto_passage(next((i for i, t in enumerate(todo) if t), 0))
                self.notify(f"{d['name']}: next passage to read")  # type: ignore[attr-defined]
                return
        self.notify(  # type: ignore[attr-defined]
            "every passage is coded or marked 🎉"
            if not any(todo)
            else "no passage to read after this one"
        )

    def action_mark_not_relevant(self) -> None:
        """Mark the selection not relevant (Mayring: outside the selection criterion), or
        take your mark away again; one audited action, `u` undoes it."""
        from qualcode.codings import mark_not_relevant, unmark
        from qualcode.structure import NOT_RELEVANT

        sel = self._need_selection()  # type: ignore[attr-defined]
        if sel is None:
            return
        doc_id, coder = self.doc.id, self.app.coder
        mine = [
            sp for sp in self.doc.spans_at(*sel) if sp.code == NOT_RELEVANT and sp.coder == coder
        ]
        if mine:
            ok, _ = self.app.act(
                "tui: unmark not relevant", lambda s: unmark(s, doc_id, *sel, coder)
            )
            message = "no longer marked not relevant"
        else:
            ok, _ = self.app.act(
                "tui: mark not relevant",
                lambda s: mark_not_relevant(s, doc_id, *sel, coder),
            )
            message = "marked not relevant (counts as read; u undoes it)"
        if ok:
            self.after_change()  # type: ignore[attr-defined]
            self.notify(message)  # type: ignore[attr-defined]
