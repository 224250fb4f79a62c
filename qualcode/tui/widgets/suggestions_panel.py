"""Suggestions for the selected passage: suggested codes and similar passages, with scores."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qualcode.tui.widgets.options import similar_line

MIN_CODE_SCORE = 0.05


class SuggestionOptions(OptionList):
    BINDINGS = [Binding("enter", "select", "Accept / open", show=False)]


class SuggestionsPanel(Vertical):
    DEFAULT_CSS = """
    SuggestionsPanel > #sugg-title { text-style: bold; padding: 0 1; background: $primary-background; width: 100%; }
    SuggestionsPanel > SuggestionOptions { height: 1fr; border: none; }
    SuggestionsPanel > SuggestionOptions.-stale { opacity: 50%; }
    """

    class Accept(Message):
        """A suggested code (``kind == "code"``) or a similar passage (``"passage"``) was chosen."""

        def __init__(self, kind: str, payload: dict) -> None:
            super().__init__()
            self.kind = kind
            self.payload = payload

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.codes: list[dict] = []
        self.similar: list[dict] = []
        self.stale = False  # the codings changed since these suggestions were computed

    def compose(self) -> ComposeResult:
        yield Label("Suggestions", id="sugg-title")
        yield SuggestionOptions(id="sugg-options")

    def _message(self, text: str, style: str = "dim italic") -> None:
        ol = self.query_one(SuggestionOptions)
        ol.clear_options()
        ol.add_option(Option(Text(text, style=style), disabled=True))

    def _title(self, stale: bool) -> None:
        self.stale = stale
        self.query_one("#sugg-title", Label).update(
            "Suggestions — outdated, updating after your coding…" if stale else "Suggestions"
        )
        self.query_one(SuggestionOptions).set_class(stale, "-stale")

    def mark_stale(self) -> None:
        """The codings changed: what is shown no longer reflects them (until :meth:`show`)."""
        self._title(True)

    def show_message(self, text: str) -> None:
        self.codes, self.similar = [], []
        self._title(False)
        self._message(text)

    def show_loading(self) -> None:
        self._message("computing suggestions… (the first time builds the index)")

    def show(
        self,
        codes: list[dict],
        similar: list[dict],
        colors: dict[str, str],
        note: str | None = None,
    ) -> None:
        # A code scored near zero is no suggestion: don't offer it (nor let `A` apply it).
        codes = [c for c in codes if c.get("score", 0) >= MIN_CODE_SCORE]
        self.codes, self.similar = codes, similar
        self._title(False)
        ol = self.query_one(SuggestionOptions)
        ol.clear_options()
        if not codes and not similar:
            self._message(note or "no suggestions for this passage")
            return
        if note:  # e.g. no codes to learn from yet: similar passages only
            ol.add_option(Option(Text(note, style="dim italic"), disabled=True))
        for i, c in enumerate(codes):
            t = Text()
            t.append("A " if i == 0 else "  ", style="bold yellow")
            t.append("■ ", style=colors.get(c["code"], "white"))
            t.append(f"{c['score']:.2f} ", style="dim")
            t.append(str(c["code"]).rsplit("/", 1)[-1])
            ol.add_option(Option(t, id=f"code:{i}"))
        if similar:
            ol.add_option(Option(Text("similar passages", style="bold"), disabled=True))
        for i, s in enumerate(similar):
            ol.add_option(Option(similar_line(s, 60, stem=True), id=f"similar:{i}"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _, idx = (event.option.id or "").partition(":")
        if kind == "code":
            self.post_message(self.Accept("code", self.codes[int(idx)]))
        elif kind == "similar":
            self.post_message(self.Accept("passage", self.similar[int(idx)]))
