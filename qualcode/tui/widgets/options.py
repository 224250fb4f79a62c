"""Small pieces the option lists of the workbench share: a similar passage as one line,
and moving the highlight with the keys."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList


def similar_line(s: dict, width: int, *, stem: bool = False) -> Text:
    """``0.56 protokoll_07: Anwesend sind …  [Code, Code]`` — score, document (without its
    extension when ``stem``), the passage's first ``width`` characters, its codes."""
    t = Text()
    t.append(f"{s['score']:.2f} ", style="dim")
    doc = str(s["document"])
    t.append(f"{doc.rsplit('.', 1)[0] if stem else doc}: ", style="bold")
    snippet = " ".join(str(s.get("text", "")).split())
    t.append(snippet[:width] + ("…" if len(snippet) > width else ""))
    if s.get("codes"):
        t.append(
            "  [" + ", ".join(str(c).rsplit("/", 1)[-1] for c in s["codes"]) + "]",
            style="italic cyan",
        )
    return t


def move_highlight(ol: OptionList, step: int) -> None:
    """Move the highlight ``step`` options, staying inside the list."""
    if ol.option_count:
        cur = ol.highlighted if ol.highlighted is not None else -step
        ol.highlighted = max(0, min(cur + step, ol.option_count - 1))
