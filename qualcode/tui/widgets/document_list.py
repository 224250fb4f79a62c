"""Documents with a progress figure (share of passages coded) and the attributes of the highlighted one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

COMPACT = 300  # more documents than this: one line per entry


def progress_text(share: float, width: int = 5) -> Text:
    filled = round(share * width)
    t = Text()
    t.append("█" * filled, style="green")
    t.append("░" * (width - filled), style="dim")
    t.append(f"{round(share * 100):>4}%", style="dim")
    return t


class DocumentOptions(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Next document", show=False),
        Binding("k", "cursor_up", "Previous document", show=False),
        Binding("o", "screen.document_memo", "Document memo", show=False),
    ]


class DocumentList(Vertical):
    """List of documents; Enter or a click opens one."""

    DEFAULT_CSS = """
    DocumentList > DocumentOptions { height: 1fr; border: none; }
    DocumentList > DocumentOptions:focus { border: none; background-tint: $foreground 4%; }
    DocumentList > #doc-attrs { height: auto; max-height: 8; color: $text-muted; padding: 0 1; border-top: solid $primary-background; }
    """

    class Chosen(Message):
        def __init__(self, doc_id: int) -> None:
            super().__init__()
            self.doc_id = doc_id

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.docs: list[dict] = []
        self.current: int | None = None
        self.compact = False
        self.only: set[int] | None = None  # the documents of a set (ctrl+e), else all

    def compose(self) -> ComposeResult:
        yield DocumentOptions(id="doc-options")
        yield Static("", id="doc-attrs")

    @property
    def options(self) -> DocumentOptions:
        return self.query_one(DocumentOptions)

    def _prompt(self, d: dict) -> Text:
        t = Text()
        t.append("▸ " if d["id"] == self.current else "  ", style="bold")
        t.append(d["name"], style="bold" if d["id"] == self.current else "")
        if d.get("memo"):
            t.append(" ✎", style="yellow")
        if self.compact:  # thousands of documents: one line each (the list renders every entry)
            if d.get("progress") is not None:
                t.append(
                    f"  {round(d['progress'] * 100)}%", style="green" if d["progress"] else "dim"
                )
            return t
        t.append("\n  ")
        if d.get("progress") is None:
            t.append("counting…", style="dim italic")
        else:
            t.append_text(progress_text(d["progress"]))
            t.append(f"  {d['codings']} cod.", style="dim")
        return t

    def load(self, docs: list[dict], current: int | None = None) -> None:
        if self.only is not None:
            docs = [d for d in docs if d["id"] in self.only]
        self.docs = docs
        self.compact = len(docs) > COMPACT
        if current is not None:
            self.current = current
        ol = self.options
        keep = ol.highlighted
        ol.clear_options()
        ol.add_options([Option(self._prompt(d), id=str(d["id"])) for d in docs])
        if docs:
            idx = next((i for i, d in enumerate(docs) if d["id"] == self.current), None)
            ol.highlighted = (
                idx
                if keep is None and idx is not None
                else (keep if keep is not None and keep < len(docs) else 0)
            )
        self.show_attributes()

    def update_doc(self, doc_id: int, **fields: object) -> None:
        """Change one entry (progress after a coding) without rebuilding the list."""
        for i, d in enumerate(self.docs):
            if d["id"] == doc_id:
                d.update(fields)
                self.options.replace_option_prompt_at_index(i, self._prompt(d))
                if self.options.highlighted == i:
                    self.show_attributes()
                return

    def set_current(self, doc_id: int) -> None:
        old, self.current = self.current, doc_id
        for i, d in enumerate(self.docs):
            if d["id"] in (old, doc_id):
                self.options.replace_option_prompt_at_index(i, self._prompt(d))
            if d["id"] == doc_id:
                self.options.highlighted = i

    def show_attributes(self) -> None:
        ol = self.options
        attrs = self.query_one("#doc-attrs", Static)
        if ol.highlighted is None or not self.docs:
            attrs.update("")
            return
        d = self.docs[ol.highlighted]
        t = Text()
        for k, v in d["attributes"].items():
            t.append(f"{k}: ", style="bold")
            t.append(f"{v}\n")
        if d.get("progress") is not None:
            t.append(f"{d['coded_passages']}/{d['passages']} passages coded", style="italic")
        attrs.update(t)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.show_attributes()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(int(event.option.id)))

    @property
    def highlighted_doc(self) -> dict | None:
        i = self.options.highlighted
        return self.docs[i] if i is not None and i < len(self.docs) else None
