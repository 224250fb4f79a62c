"""Bar charts of frequency tables (matplotlib, Agg backend, imported lazily).

One horizontal bar per category (the leaves of the shown code tree, each with
its sub-tree's figures), in code-tree order from top to bottom, coloured by
main category (the project's code colours); with groups (``--by``) grouped bars of
the column percentage (share of the group's documents) in the Okabe–Ito palette, so
groups of different size compare fairly. Size, fonts and files: :mod:`figures`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from qualcode.errors import InvalidInput
from qualcode.reports import figures
from qualcode.reports.numbers import num, pct, tr

CHART_SUFFIXES = figures.SUFFIXES
MAX_GROUPED_BARS = 6  # more groups: a heat map (codes × groups) instead of grouped bars
GROUP_COLORS = figures.OKABE_ITO


def _leaves(rows: list[dict]) -> list[dict]:
    """Rows without a shown child (the bars), keeping tree order."""
    out = []
    for i, r in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if nxt is None or nxt["depth"] <= r["depth"]:
            out.append(r)
    return out


def _top_of(rows: list[dict]) -> dict[str, dict]:
    top: dict[str, dict] = {}
    current = None
    for r in rows:
        if r["depth"] == 1:
            current = r
        top[r["code"]] = current or r
    return top


def check_suffix(path: Path, what: str = "a chart") -> None:
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise InvalidInput(
            f"cannot draw {what} as {path.name!r}", "give a file ending in .png, .svg or .pdf"
        )


def frequency_chart(
    table: dict,
    path: str | Path,
    *,
    title: str | None = None,
    lang: str = "de",
    also: bool = True,
) -> Path:
    """Draw ``table`` (from :func:`~qualcode.reports.frequency.frequency_table`) to PNG/SVG/PDF
    (with ``also`` the other two formats beside it)."""
    path = Path(path)
    check_suffix(path)
    if not _leaves(table["rows"]):
        raise InvalidInput("there are no codes to chart", "create codes with `qualcode codes add`")
    with figures.style() as plt:
        fig = frequency_figure(plt, table, title=title, lang=lang)
        figures.save(fig, path, also=also)
    return path


def frequency_figure(plt: Any, table: dict, *, title: str | None = None, lang: str = "de"):
    """The laid-out figure of :func:`frequency_chart`."""
    from matplotlib.patches import Patch

    rows = _leaves(table["rows"])
    top = _top_of(table["rows"])
    groups = list(table["groups"])
    n_docs = table["documents"]
    labels = ["\n".join(textwrap.wrap(r["name"], 34)) or r["name"] for r in rows]
    n = len(rows)
    if len(groups) > MAX_GROUPED_BARS:
        return _heatmap(plt, table, rows, labels, groups, title, lang)
    lines = sum(label.count("\n") + 1 for label in labels)
    row_cm = 0.5 * (1 + 0.45 * max(len(groups) - 1, 0))  # a bar (or a group of bars)
    height = row_cm * n + 0.35 * (lines - n) + (4.2 if groups else 3.6)
    fig, ax = figures.figure(plt, height)
    ys = list(range(n))
    if groups:
        bar_h = 0.8 / len(groups)
        for gi, g in enumerate(groups):
            size = table["groups"][g]
            vals = [r["groups"][g]["total_share"] * 100 for r in rows]
            offs = [y - 0.4 + bar_h * (gi + 0.5) for y in ys]
            ax.barh(
                offs,
                vals,
                height=bar_h * 0.92,
                color=GROUP_COLORS[gi % len(GROUP_COLORS)],
                label=f"{g} (n = {num(size, 0, lang)})",
            )
        ax.set_xlabel(
            tr(
                lang,
                "Anteil der Dokumente der Gruppe mit dieser Kategorie (%)",
                "Share of the group's documents with this category (%)",
            )
        )
        ax.set_xlim(0, 100)
        fig.legend(
            title=table["by"],
            loc="outside lower center",
            ncol=min(len(groups), 3),
            frameon=False,
        )
    else:
        palette = {r["code"]: figures.color_of(r.get("color")) for r in table["rows"]}
        cols = [palette.get(top[r["code"]]["code"], GROUP_COLORS[0]) for r in rows]
        vals = [r["total_documents"] for r in rows]
        bars = ax.barh(ys, vals, height=0.7, color=cols)
        for bar, r in zip(bars, rows, strict=True):
            ax.text(
                bar.get_width() + max(n_docs, 1) * 0.01,
                bar.get_y() + bar.get_height() / 2,
                f"{num(r['total_documents'], 0, lang)} ({pct(r['total_share'], 0, lang)})",
                va="center",
                fontsize=7,
            )
        ax.set_xlabel(
            tr(
                lang,
                f"Dokumente mit dieser Kategorie (von {num(n_docs, 0, lang)})",
                f"Documents with this category (of {num(n_docs, 0, lang)})",
            )
        )
        ax.set_xlim(0, max(n_docs, 1) * 1.18)  # room for the labels beside the bars
        from matplotlib.ticker import MaxNLocator

        ticks = MaxNLocator(integer=True).tick_values(0, max(n_docs, 1))
        ax.set_xticks([t for t in ticks if 0 <= t <= max(n_docs, 1)])
        ax.spines["bottom"].set_bounds(0, max(n_docs, 1))
        tops: list = []
        for r in rows:
            t = top[r["code"]]
            if t["code"] not in [x["code"] for x in tops]:
                tops.append(t)
        if len(tops) > 1:
            handles = [Patch(color=palette[t["code"]], label=t["name"]) for t in tops]
            fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.set_ylim(n - 0.5, -0.5)  # top to bottom in tree order, no empty margins
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    figures.title(fig, title or default_title(table, lang))
    figures.layout(fig, lang)
    return fig


def default_title(table: dict, lang: str = "de") -> str:
    by = f" {tr(lang, 'nach', 'by')} {table['by']}" if table.get("by") else ""
    if table.get("code"):
        title = f"{table['code']}: {tr(lang, 'Häufigkeiten', 'frequencies')}{by}"
    else:
        title = tr(lang, "Kategorienhäufigkeiten", "Category frequencies") + by
    if table.get("coder"):
        title += f" ({tr(lang, 'Kodierer/in', 'coder')}: {table['coder']})"
    return title


def _heatmap(
    plt: Any,
    table: dict,
    rows: list[dict],
    labels: list[str],
    groups: list[str],
    title: str | None,
    lang: str,
):
    """Codes × groups, cell colour and label = share of the group's documents with the code."""
    values = [[r["groups"][g]["total_share"] * 100 for g in groups] for r in rows]
    col_labels = [
        textwrap.shorten(f"{g} (n = {num(table['groups'][g], 0, lang)})", 32, placeholder="…")
        for g in groups
    ]
    fig, ax = figures.figure(plt, 0.55 * len(rows) + 6.0)
    im = ax.imshow(values, aspect="auto", cmap=figures.HEAT_CMAP, vmin=0, vmax=100)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(col_labels, fontsize=6.5, rotation=45, ha="right", rotation_mode="anchor")
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            ax.text(
                j,
                i,
                num(v, 0, lang),
                ha="center",
                va="center",
                fontsize=6,
                color="white" if v > 60 else "#333333",
            )
    cbar = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cbar.set_label(
        tr(lang, "Anteil der Dokumente der Gruppe (%)", "Share of the group's documents (%)")
    )
    figures.title(fig, title or default_title(table, lang))
    figures.layout(fig, lang)
    return fig
