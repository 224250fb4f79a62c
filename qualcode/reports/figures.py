"""What every figure of the reports shares: size, fonts, colours, number format, saving.

* Sized for the text column of an A4 page: 16 cm wide (:data:`WIDTH_CM`); the height
  follows the content.
* Fonts: DejaVu Sans (ships with matplotlib). PDF embeds it as TrueType
  (``pdf.fonttype`` 42: selectable text); SVG draws the glyphs as paths
  (``svg.fonttype`` ``path``), so the SVG looks the same on a machine without the font.
* Colours: the project's code colours where a bar or node stands for a code; where
  colours are chosen for the reader (groups, coders) the colour-blind safe
  Okabe–Ito palette (:data:`OKABE_ITO`); heat maps a one-hue sequential scale.
* Numbers in labels and ticks in the report language (:mod:`qualcode.reports.numbers`).
* :func:`save` lays the figure out so that no text is cut off (:func:`outside_texts`
  finds any that is) and writes PNG (300 dpi), SVG and PDF side by side.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CM = 1 / 2.54  # inches
WIDTH_CM = 16.0
MAX_HEIGHT_CM = 24.0  # a figure with its caption fits an A4 page with 2.5 cm margins
DPI = 300
SUFFIXES = (".png", ".svg", ".pdf")
# Okabe & Ito (2008), in an order that keeps neighbours apart; yellow late (weak on white).
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
NEUTRAL = "#BBBBBB"
HEAT_CMAP = "Blues"
RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}


@contextmanager
def style() -> Iterator[Any]:
    """``matplotlib.pyplot`` (Agg backend) with the report style; closes every figure."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from cycler import cycler

    rc: Any = {**RC, "axes.prop_cycle": cycler(color=OKABE_ITO)}
    with matplotlib.rc_context(rc):
        try:
            yield plt
        finally:
            plt.close("all")


def figure(plt: Any, height_cm: float, width_cm: float = WIDTH_CM, **kw: Any):
    """``(fig, axes)`` of the column width and ``height_cm`` (kept between 5 and 24 cm), with
    matplotlib's constrained layout (axes shrink so that labels, titles and legends fit)."""
    height_cm = min(max(height_cm, 5.0), MAX_HEIGHT_CM)
    return plt.subplots(figsize=(width_cm * CM, height_cm * CM), layout="constrained", **kw)


def color_of(value: str | None, fallback: str = OKABE_ITO[0]) -> str:
    """A code's colour when it has one (``#RRGGBB``), else ``fallback``."""
    v = (value or "").strip()
    return v if v.startswith("#") and len(v) in (4, 7) else fallback


def wrap(text: str, width_cm: float, fontsize: float) -> str:
    """``text`` wrapped to lines that fit ``width_cm`` at ``fontsize`` points (DejaVu Sans
    averages about 0.55 em per character), never shortened: a word longer than a line
    keeps a line of its own."""
    chars = max(int(width_cm * CM * 72 / (fontsize * 0.55)), 10)
    return "\n".join(textwrap.wrap(text, chars, break_long_words=False)) or text


def text_cm(text: str, fontsize: float) -> float:
    """About how long the longest line of ``text`` is at ``fontsize`` points, in cm."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    return longest * fontsize * 0.55 / 72 / CM


def title(fig: Any, text: str, fontsize: float = 9.5) -> None:
    """The figure's title, left-aligned on the figure (not the axes), wrapped to its width."""
    fig.suptitle(
        wrap(text, fig.get_figwidth() / CM - 0.6, fontsize), x=0.01, ha="left", fontsize=fontsize
    )


def tick_number(value: float, lang: str) -> str:
    from qualcode.reports.numbers import num

    for decimals in (0, 1, 2):
        if abs(value * 10**decimals - round(value * 10**decimals)) < 1e-6:
            return num(value, decimals, lang)
    return num(value, 2, lang)


def localize(fig: Any, lang: str) -> None:
    """Numeric tick labels in the report language's number format (0,5 / 1.000)."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    fmt = FuncFormatter(lambda v, _pos: tick_number(v, lang))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(fmt)


def texts(fig: Any) -> list[Any]:
    """Every visible, non-empty text of the figure that is drawn (titles, labels, ticks,
    annotations; not the tick labels matplotlib leaves out beyond an axis' view)."""
    from matplotlib.text import Text

    hidden: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - span <= tick.get_loc() <= hi + span:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden
    ]


def outside_texts(fig: Any, tolerance: float = 0.5) -> list[str]:
    """The texts whose bounding box reaches beyond the figure (would be cut off when saved)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    out = []
    for t in texts(fig):
        bb = t.get_window_extent(renderer)
        if (
            bb.x0 < -tolerance
            or bb.y0 < -tolerance
            or bb.x1 > w + tolerance
            or bb.y1 > h + tolerance
        ):
            out.append(t.get_text())
    return out


def layout(fig: Any, lang: str | None = None) -> None:
    """Number format, then the layout (constrained: run by drawing once)."""
    if lang is not None:
        localize(fig, lang)
    fig.canvas.draw()


def paths_for(path: str | Path) -> list[Path]:
    """The files one figure is written to: ``path`` and the other two of PNG, SVG and PDF."""
    path = Path(path)
    return [path] + [path.with_suffix(s) for s in SUFFIXES if s != path.suffix.lower()]


def save(fig: Any, path: str | Path, *, also: bool = True) -> list[Path]:
    """Write the laid-out figure to ``path`` (PNG at 300 dpi, SVG or PDF) and, with ``also``,
    the other two formats beside it. Returns the files written."""
    targets = paths_for(path) if also else [Path(path)]
    for p in targets:
        meta = {"Date": None} if p.suffix.lower() == ".svg" else None
        if p.suffix.lower() == ".pdf":
            meta = {"CreationDate": None}
        fig.savefig(p, dpi=DPI, metadata=meta)
    return targets
