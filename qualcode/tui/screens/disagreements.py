"""F8: the disagreements of a check sample side by side, resolved with one key each.

`1` keeps the reference coding, `2` adopts the blind re-coding (the reference coder's
codings of the passage change to it); either is one audited action (`u` undoes it).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

CHOICES = {"reference": "kept the reference coding", "check": "adopted the re-coding"}


class DisagreementScreen(Screen[None]):
    BINDINGS = [
        Binding("1", "resolve('reference')", "Keep the reference coding"),
        Binding("2", "resolve('check')", "Adopt the re-coding"),
        Binding("j,n,down", "move(1)", "Next disagreement"),
        Binding("k,p,up", "move(-1)", "Previous disagreement"),
        Binding("escape,q,f8", "close", "Close"),
    ]
    DEFAULT_CSS = """
    DisagreementScreen > Vertical { padding: 0 2; }
    DisagreementScreen #dis-title { text-style: bold; background: $boost; padding: 0 1; }
    DisagreementScreen #dis-figures { color: $text-muted; padding: 0 1; }
    DisagreementScreen #dis-scroll { height: 1fr; border: round $accent; padding: 0 1; }
    DisagreementScreen Horizontal { height: auto; max-height: 12; }
    DisagreementScreen .side { width: 1fr; border: round $primary; padding: 0 1; height: auto; }
    DisagreementScreen #dis-state { padding: 0 1; }
    DisagreementScreen #dis-keys { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, sample: str) -> None:
        super().__init__()
        self.sample = sample
        self.data: dict = {}
        self.index = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="dis-title")
            yield Static("", id="dis-figures")
            with VerticalScroll(id="dis-scroll"):
                yield Static("", id="dis-text")
            with Horizontal():
                yield Static("", id="dis-left", classes="side")
                yield Static("", id="dis-right", classes="side")
            yield Static("", id="dis-state")
            yield Static(
                "1 keep the reference coding · 2 adopt the re-coding · j/k next/previous · u undo · Esc close",
                id="dis-keys",
            )

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        from qualcode.mayring.consensus import sample_agreement

        self.data = self.app.read(lambda s: sample_agreement(s, self.sample))  # type: ignore[attr-defined]
        self.index = min(self.index, max(len(self.data["disagreements"]) - 1, 0))
        self.show()

    reload_all = load

    def show(self) -> None:
        d = self.data
        o = d["overall"]
        fmt = lambda x: "—" if x is None else f"{x:.3f}"  # noqa: E731
        from qualcode.agreement import codes_of
        from qualcode.reports.units import unit_statement

        self.query_one("#dis-figures", Static).update(
            f"agreement {o['percent_agreement']:.0%}, kappa {fmt(o['kappa'])}, "
            f"alpha {fmt(o['alpha'])} on {unit_statement(d)}"
        )
        dis = d["disagreements"]
        title = self.query_one("#dis-title", Static)
        if not dis:
            title.update(f"check sample {self.sample}: no disagreements")
            for w in ("#dis-text", "#dis-left", "#dis-right", "#dis-state"):
                self.query_one(w, Static).update("")
            return
        x = dis[self.index]
        open_ = sum(1 for y in dis if not y["resolution"])
        title.update(
            f"check sample {self.sample} · disagreement {self.index + 1}/{len(dis)} · "
            f"{x['document']} {x['start']}–{x['end']} · {open_} open"
        )
        self.query_one("#dis-text", Static).update(Text(x["text"]))
        for wid, name in zip(("#dis-left", "#dis-right"), d["coders"], strict=True):
            t = Text()
            t.append(f"{name}\n", style="bold")
            t.append("\n".join(codes_of(x, name)) or "(no code)")
            self.query_one(wid, Static).update(t)
        state = Text()
        if x["resolution"]:
            state.append("resolved: " + CHOICES[x["resolution"]], style="green")
        else:
            state.append("open", style="yellow")
        self.query_one("#dis-state", Static).update(state)

    def action_resolve(self, choice: str) -> None:
        from qualcode.mayring.consensus import resolve

        dis = self.data.get("disagreements") or []
        if not dis:
            return
        pid = dis[self.index]["passage_id"]
        ok, _ = self.app.act(
            f"tui: consensus {self.sample} {choice}", lambda s: resolve(s, pid, choice)
        )  # type: ignore[attr-defined]
        if not ok:
            return
        self.notify(CHOICES[choice])
        self.load()
        if choice == "check":  # the workbench shows the changed codings
            self.app.refresh_data()  # type: ignore[attr-defined]
        if self.index < len(self.data["disagreements"]) - 1:
            self.index += 1
            self.show()

    def action_move(self, step: int) -> None:
        dis = self.data.get("disagreements") or []
        if dis:
            self.index = max(0, min(len(dis) - 1, self.index + step))
            self.show()

    def action_close(self) -> None:
        self.app.pop_screen()
