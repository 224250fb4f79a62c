"""Bar charts of frequency tables (matplotlib, Agg backend, imported lazily).

One horizontal bar per category with codings (:func:`bar_rows`: the leaves of the shown
code tree, each with its sub-tree's figures, and a category with sub-categories that is
also coded itself as a bar of its own codings, "X (ohne Unterkategorien)"), in code-tree
order from top to bottom, coloured by
main category (the project's code colours); with groups (``--by``) grouped bars of
the column percentage (share of the group's documents) in the Okabe–Ito palette, so
groups of different size compare fairly. Size, fonts and files: :mod:`figures`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualcode.errors import InvalidInput
from qualcode.reports import figures
from qualcode.reports.numbers import num, pct, tr

CHART_SUFFIXES = figures.SUFFIXES
MAX_GROUPED_BARS = 6  # more groups: a heat map (codes × groups) instead of grouped bars
GROUP_COLORS = figures.OKABE_ITO
LABEL_CM = 5.2  # the width of the category labels left of the bars
TICK_PT = 7.5  # their font size (ytick.labelsize)
LINE_CM = 7.5 * 1.25 / 72 * 2.54 + 0.04  # the height of one line of a label, with a gap


def _leaves(rows: list[dict]) -> list[dict]:
    """Rows without a shown child (the bars), keeping tree order."""
    out = []
    for i, r in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if nxt is None or nxt["depth"] <= r["depth"]:
            out.append(r)
    return out


def own_label(name: str, lang: str = "de") -> str:
    """The label of the bar of a category's own codings (not those of its sub-categories)."""
    return f"{name} ({tr(lang, 'ohne Unterkategorien', 'without sub-categories')})"


def bar_rows(rows: list[dict], lang: str = "de") -> list[dict]:
    """The bars, in tree order: each leaf of the shown tree with its figures, and before
    the sub-categories of a category that is coded itself a bar of its own codings (the
    ``segments``/``documents``/``share`` of ``report freq --json`` in the ``total_*`` keys,
    the name from :func:`own_label`)."""
    leaves = {id(r) for r in _leaves(rows)}
    out = []
    for r in rows:
        if id(r) in leaves:
            out.append(r)
        elif r.get("segments"):
            own = {
                **r,
                "name": own_label(r["name"], lang),
                "own": True,
                "total_segments": r["segments"],
                "total_documents": r["documents"],
                "total_share": r["share"],
                "groups": {
                    g: {**v, **{f"total_{k}": v[k] for k in ("segments", "documents", "share")}}
                    for g, v in r.get("groups", {}).items()
                },
            }
            out.append(own)
    return out


def _rows_cm(row_cm: float, lines: list[int]) -> float:
    """The height of the bars' rows: each as high as a bar (group) or its label's lines."""
    return sum(max(row_cm, k * LINE_CM) for k in lines)


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
    if not bar_rows(table["rows"]):
        raise InvalidInput("there are no codes to chart", "create codes with `qualcode codes add`")
    with figures.style() as plt:
        fig = frequency_figure(plt, table, title=title, lang=lang)
        figures.save(fig, path, also=also)
    return path


def frequency_figure(plt: Any, table: dict, *, title: str | None = None, lang: str = "de"):
    """The laid-out figure of :func:`frequency_chart`."""
    from matplotlib.patches import Patch

    rows = bar_rows(table["rows"], lang)
    top = _top_of(table["rows"])
    groups = list(table["groups"])
    n_docs = table["documents"]
    labels = [figures.wrap(r["name"], LABEL_CM, TICK_PT) for r in rows]
    n = len(rows)
    if len(groups) > MAX_GROUPED_BARS:
        return _heatmap(plt, table, rows, labels, groups, title, lang)
    row_cm = 0.5 * (1 + 0.45 * max(len(groups) - 1, 0))  # a bar (or a group of bars)
    # each row as high as its label needs (a three-line label does not run into the next)
    extra = 4.2 if groups else 3.6
    fontsize, room = TICK_PT, figures.MAX_HEIGHT_CM - extra
    lines = [label.count("\n") + 1 for label in labels]
    while row_cm > LINE_CM and _rows_cm(row_cm, lines) > room:  # too tall: closer bars
        row_cm = max(row_cm * 0.95, LINE_CM)
    if _rows_cm(row_cm, lines) > room:  # still: smaller type (not below 60 %)
        scale = max(room / _rows_cm(row_cm, lines), 0.6)
        fontsize, row_cm = TICK_PT * scale, row_cm * scale
    slots = [max(1.0, k * LINE_CM * fontsize / TICK_PT / row_cm) for k in lines]
    ys = [sum(slots[:i]) + slots[i] / 2 - 0.5 for i in range(n)]
    fig, ax = figures.figure(plt, row_cm * sum(slots) + extra)
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
    ax.set_yticklabels(labels, fontsize=fontsize)
    ax.set_ylim(sum(slots) - 0.5, -0.5)  # top to bottom in tree order, no empty margins
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
    # slanted, in full (wrapped lines would run into the neighbouring column's label)
    col_labels = [f"{g} (n = {num(table['groups'][g], 0, lang)})" for g in groups]
    col_cm = max(figures.text_cm(c, 6.5) for c in col_labels) * 0.71  # sin 45°
    lines = sum(label.count("\n") for label in labels)
    fig, ax = figures.figure(plt, 0.55 * len(rows) + 0.3 * lines + 3.0 + col_cm)
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
