"""Blind mode: re-code a check sample without seeing any earlier coding.

The screen covers the workbench: it shows one drawn passage at a time, its text only —
no highlights, no code tree counts, no suggestions, neither the colleague's codings nor
one's own earlier ones. The codes given here are stored apart from the analysis'
codings (:mod:`qualcode.mayring.samples`); each is one audited action (`u` undoes it).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static


class BlindCheckScreen(Screen[None]):
    BINDINGS = [
        Binding("c,enter", "code", "Code…"),
        Binding("space", "no_code", "No code here"),
        Binding("x", "clear", "Clear codes"),
        Binding("j,n,down", "move(1)", "Next passage"),
        Binding("k,p,up", "move(-1)", "Previous passage"),
        Binding("escape,q", "leave", "Leave blind mode"),
    ]
    DEFAULT_CSS = """
    BlindCheckScreen > Vertical { padding: 0 2; }
    BlindCheckScreen #blind-title { text-style: bold; background: $boost; padding: 0 1; }
    BlindCheckScreen #blind-note { color: $text-muted; padding: 0 1; }
    BlindCheckScreen #blind-scroll { height: auto; max-height: 70%; border: round $accent; padding: 0 1; }
    BlindCheckScreen #blind-codes { height: auto; padding: 0 1; }
    BlindCheckScreen #blind-keys { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, sample: str) -> None:
        super().__init__()
        self.sample = sample
        self.passages: list[dict] = []
        self.index = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="blind-title")
            yield Static(
                "blind mode: earlier codings (yours and others') and suggestions are hidden",
                id="blind-note",
            )
            with VerticalScroll(id="blind-scroll"):
                yield Static("", id="blind-text")
            yield Static("", id="blind-codes")
            yield Static(
                "c code · space no code here · x clear · j/k next/previous · u undo · Esc leave",
                id="blind-keys",
            )

    def on_mount(self) -> None:
        self.load(first=True)

    def load(self, *, first: bool = False) -> None:
        from qualcode.mayring.samples import sample_passages

        self.passages = self.app.read(lambda s: sample_passages(s, self.sample))  # type: ignore[attr-defined]
        if first:
            self.index = next((i for i, p in enumerate(self.passages) if not p["done"]), 0)
        self.index = min(self.index, max(len(self.passages) - 1, 0))
        self.show()

    reload_all = load  # after undo/redo the app reloads every screen

    @property
    def current(self) -> dict | None:
        return self.passages[self.index] if self.passages else None

    def show(self) -> None:
        p = self.current
        done = sum(1 for q in self.passages if q["done"])
        title = self.query_one("#blind-title", Static)
        if p is None:
            title.update(f"check sample {self.sample}: no passages")
            return
        title.update(
            f"check sample {self.sample} · passage {self.index + 1}/{len(self.passages)} · "
            f"{p['document']} {p['start']}–{p['end']} · re-coded {done}/{len(self.passages)}"
        )
        self.query_one("#blind-text", Static).update(Text(p["text"]))
        codes = Text()
        if p["codes"]:
            codes.append("your codes here: ", style="bold")
            codes.append("; ".join(p["codes"]))
        elif p["done"]:
            codes.append("no code here", style="italic")
        else:
            codes.append("not re-coded yet", style="italic dim")
        self.query_one("#blind-codes", Static).update(codes)

    def _save(self, paths: list[str], what: str) -> None:
        from qualcode.mayring.samples import set_check_codes

        p = self.current
        if p is None:
            return
        pid = p["id"]
        ok, _ = self.app.act(
            f"tui: check {self.sample} {what}", lambda s: set_check_codes(s, pid, paths)
        )  # type: ignore[attr-defined]
        if ok:
            self.load()

    def action_code(self) -> None:
        if self.current is None:
            return
        from qualcode.tui import data
        from qualcode.tui.widgets.code_picker import CodePicker

        rows = self.app.query_data(data.code_rows)  # type: ignore[attr-defined]
        picker = CodePicker(
            [r for r in rows if r["path"] != "Nicht relevant"],
            title="Code the passage (blind)",
            recent=[],
            allow_create=False,
        )
        self.app.push_screen(picker, self._picked)

    def _picked(self, result: dict | None) -> None:
        p = self.current
        if not result or not result.get("path") or p is None:
            return
        if result["path"] in p["codes"]:
            self.notify(f"already given: {result['path']}")
            return
        self._save([*p["codes"], result["path"]], f"code {result['path']}")

    def action_no_code(self) -> None:
        p = self.current
        if p is None:
            return
        if p["codes"]:
            self.notify("this passage has codes — x clears them first", severity="warning")
            return
        self._save([], "no code")
        self.action_move(1)

    def action_clear(self) -> None:
        p = self.current
        if p is not None and p["codes"]:
            self._save([], "clear")

    def action_move(self, step: int) -> None:
        if self.passages:
            self.index = max(0, min(len(self.passages) - 1, self.index + step))
            self.show()
            self.query_one("#blind-scroll").scroll_home(animate=False)

    def action_leave(self) -> None:
        done = sum(1 for q in self.passages if q["done"])
        self.app.pop_screen()
        self.app.notify(
            f"left blind mode: {done}/{len(self.passages)} passages of {self.sample} re-coded"
            + (f" — `qualcode agreement --sample {self.sample}`" if done else "")
        )
