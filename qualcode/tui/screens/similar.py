"""Similar passages (key P, and in the command palette): the passages most like the
selection, from the whole project, best first; Enter opens one.

The same engine as `qualcode similar` and the suggestions panel's lower half
(:func:`qualcode.suggest.similar`), computed in a worker with its own session; the
first call may build the passage index. Returns ``(document id, start, end)`` or None.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qualcode.tui.widgets.options import move_highlight, similar_line

TOP = 20


class SimilarScreen(ModalScreen[tuple[int, int, int] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]
    DEFAULT_CSS = """
    SimilarScreen { align: center middle; }
    SimilarScreen > Vertical { width: 90%; max-width: 120; height: auto; max-height: 85%; border: thick $accent; background: $panel; padding: 0 1; }
    SimilarScreen #similar-title { text-style: bold; }
    SimilarScreen OptionList, SimilarScreen OptionList:focus { height: auto; max-height: 30; border: none; }
    SimilarScreen #similar-hint { color: $text-muted; }
    """

    def __init__(self, doc_id: int, start: int, end: int, label: str) -> None:
        super().__init__()
        self.doc_id, self.start, self.end, self.label = doc_id, start, end, label
        self.items: list[dict] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Passages similar to {self.label}", id="similar-title")
            yield OptionList(id="similar-options")
            yield Label("finding similar passages…", id="similar-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.find()

    @work(thread=True, exclusive=True, group="similar")
    def find(self) -> None:
        from qualcode.database import reading
        from qualcode.documents import resolve_document
        from qualcode.errors import QualcodeError

        try:
            from qualcode.suggest import similar

            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                items = similar(session, self.doc_id, self.start, self.end, top=TOP)
                for it in items:  # the panel's items name the document; the screen opens it by id
                    if it.get("document_id") is None:
                        it["document_id"] = resolve_document(session, str(it["document"])).id
        except QualcodeError as exc:
            self.app.call_from_thread(self._show, [], str(exc))
            return
        except Exception as exc:  # a bug in the engine must not take the workbench down
            self.app.call_from_thread(self._show, [], f"similar passages failed: {exc}")
            return
        self.app.call_from_thread(self._show, items, None)

    def _show(self, items: list[dict], message: str | None) -> None:
        self.items = items
        ol = self.query_one(OptionList)
        ol.clear_options()
        for i, s in enumerate(items):
            ol.add_option(Option(similar_line(s, 70), id=str(i)))
        if items:
            ol.highlighted = 0
        hint = self.query_one("#similar-hint", Label)
        if message is not None:
            hint.update(message)
        elif not items:
            hint.update("no similar passages found")
        else:
            hint.update("Enter open · Esc close")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        s = self.items[int(event.option.id or 0)]
        self.dismiss((int(s["document_id"]), int(s["start"]), int(s["end"])))

    def action_move(self, step: int) -> None:
        move_highlight(self.query_one(OptionList), step)

    def action_cancel(self) -> None:
        self.dismiss(None)
