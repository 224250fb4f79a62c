"""The one-key code picker: fuzzy search (rapidfuzz) over code paths; a new name creates the code.

A typo must not create a near-duplicate: an existing code whose name nearly equals the
typed one ("Zeitmangle" ≈ "Zeitmangel") is listed first, so Enter codes with it. Creating a
code takes Enter twice (the second confirms, naming the place), so stray keys create nothing.

Returns ``{"path": …, "create": bool}`` or ``None`` when cancelled.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.codematch import rank
from qualcode.textutil import join_path, split_path
from qualcode.tui.widgets.options import move_highlight

__all__ = ["CodePicker", "rank"]


def _where(path: str) -> str:
    """``'Name' in 'Parent'`` or ``'Name' at the top level``: where a new code would go."""
    names = split_path(path)
    if len(names) == 1:
        return f"{names[0]!r} at the top level"
    return f"{names[-1]!r} in {join_path(names[:-1])!r}"


class CodePicker(ModalScreen[dict | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    DEFAULT_CSS = """
    CodePicker { align: center middle; }
    CodePicker > Vertical { width: 80%; max-width: 90; height: 80%; max-height: 30; border: thick $accent; background: $panel; padding: 0 1; }
    CodePicker #picker-title { text-style: bold; margin-bottom: 1; }
    CodePicker OptionList { height: 1fr; border: none; }
    CodePicker #picker-hint { color: $text-muted; }
    """

    def __init__(
        self,
        codes: list[dict],
        *,
        title: str = "Code the selection",
        recent: list[str] | None = None,
        parent: str | None = None,
        allow_create: bool = True,
        only_codable: bool = True,
        hints: list[str] | None = None,
        extra: list[tuple[str, str]] | None = None,
        exclude: set[str] | None = None,
        suggested: list[tuple[str, float]] | None = None,
    ) -> None:
        """``suggested``: the codes the suggestions engine proposes for the selection, with
        their scores (listed first, before the recent codes)."""
        super().__init__()
        self.codes = [
            c
            for c in codes
            if (c["codable"] or not only_codable) and c["path"] not in (exclude or set())
        ]
        self.code_colors = {c["path"]: c["color"] for c in codes}
        self.known = {c["path"].casefold() for c in codes}
        self.title_text = title
        self.recent = [r for r in (recent or []) if r in self.code_colors]
        self.parent_path = parent
        self.allow_create = allow_create
        self.hints = [h for h in (hints or []) if h in self.code_colors]
        self.suggested = [(p, sc) for p, sc in (suggested or []) if p in self.code_colors]
        self.extra = extra or []
        self.armed: str | None = None  # a new code's path after the first Enter on it

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="picker-title")
            yield Input(
                placeholder="type to search"
                + ("; a new name creates a code" if self.allow_create else ""),
                id="picker-input",
            )
            yield OptionList(id="picker-options")
            yield Label(self._hint(), id="picker-hint")

    def _hint(self) -> str:
        hint = "Enter choose · Esc cancel"
        if self.allow_create:
            hint += " · new name: Enter twice"
        return hint

    def on_mount(self) -> None:
        self.refill("")
        self.query_one(Input).focus()

    def _option(self, path: str, prefix: str = "", score: float | None = None) -> Option:
        t = Text()
        t.append("■ ", style=self.code_colors.get(path, "white"))
        if prefix:
            t.append(prefix, style="bold yellow")
        t.append(path)
        if score is not None and score < 100:
            t.append(f"  {score:.0f}", style="dim")
        return Option(t, id="c:" + path)

    def near_duplicate(self, name: str) -> str | None:
        """An existing code whose name differs only slightly (e.g. "Zeit-Mangel" ~ "Zeitmangel")."""
        from rapidfuzz import fuzz, utils

        def norm(x: str) -> str:
            return utils.default_process(x).replace(" ", "")

        me = norm(name)
        best = max(
            ((fuzz.ratio(me, norm(c["path"].rsplit("/", 1)[-1])), c["path"]) for c in self.codes),
            default=(0, None),
        )
        return best[1] if best[0] >= 85 else None

    def _create_option(self, path: str, near: str | None, bold: bool = False) -> Option:
        t = Text(f"+ new code {_where(path)}", style="bold green" if bold else "green")
        if near:
            t.append(f"  ≈ {near} exists", style="yellow")
        return Option(t, id="n:" + path)

    def refill(self, query: str) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        paths = [c["path"] for c in self.codes]
        options: list[Option] = []
        used: set[str] = set()
        q = query.strip()
        if not q:
            for key, label in self.extra:
                options.append(Option(Text(label, style="italic"), id="x:" + key))
            for h in self.hints:
                options.append(self._option(h, "≈ similar name: "))
                used.add(h)
            for p, sc in self.suggested:
                if p in paths and p not in used:
                    options.append(self._option(p, f"suggested {sc:.2f}  "))
                    used.add(p)
            for i, r in enumerate(self.recent[:9]):
                if r in paths and r not in used:
                    options.append(self._option(r, f"{i + 1} "))
                    used.add(r)
            for p in paths:
                if p not in used:
                    options.append(self._option(p))
        else:
            ranked = rank(q, paths)
            for p, s in ranked:
                options.append(self._option(p, score=s))
            top = ranked[0][0].casefold() if ranked else ""
            strong = bool(ranked) and (
                q.casefold() in top
                or all(word in top for word in q.casefold().split())  # "zeit mang" → Zeitmangel
                or ranked[0][1] >= 90
            )
            creates: list[Option] = []
            if self.allow_create:
                try:
                    names = split_path(q)
                except Exception:
                    names = []
                if names:
                    near = self.near_duplicate(names[-1])
                    new_top = join_path(names)
                    if self.parent_path and "/" not in q:
                        under = self.parent_path + "/" + join_path(names)
                        if under.casefold() not in self.known:
                            creates.append(self._create_option(under, near, bold=True))
                    if new_top.casefold() not in self.known:
                        creates.append(self._create_option(new_top, near))
                    if near is not None and near in paths:  # a typo of an existing code
                        options = [
                            self._option(near, "≈ "),
                            *(o for o in options if o.id != "c:" + near),
                        ]
                        strong = True
            # a loose fuzzy match must not win Enter over creating the typed name
            options = options[:1] + creates + options[1:] if strong else creates + options
            for key, label in self.extra:
                options.append(Option(Text(label, style="italic"), id="x:" + key))
        ol.add_options(options)
        if options:
            ol.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._disarm()
        self.refill(event.value)

    def _disarm(self) -> None:
        if self.armed is not None:
            self.armed = None
            self.query_one("#picker-hint", Label).update(self._hint())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None:
            return
        self._choose(ol.get_option_at_index(ol.highlighted).id or "")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id or "")

    def _choose(self, oid: str) -> None:
        kind, _, path = oid.partition(":")
        if kind == "x":
            self.dismiss({"path": None, "extra": path, "create": False})
        elif kind == "n" and self.armed != path:  # the first Enter on a new name asks
            self.armed = path
            self.query_one("#picker-hint", Label).update(
                Text(f"Enter again to create the new code {_where(path)} · Esc cancels", "bold")
            )
        else:
            self.dismiss({"path": path, "create": kind == "n"})

    def action_move(self, step: int) -> None:
        move_highlight(self.query_one(OptionList), step)

    def action_cancel(self) -> None:
        self.dismiss(None)
