"""Bar charts of frequency tables (matplotlib, Agg backend, imported lazily).

One horizontal bar per category (the leaves of the shown code tree, each with
its sub-tree's figures), in code-tree order from top to bottom, coloured by
main category; with groups (``--by``) grouped bars of the column percentage
(share of the group's documents), so groups of different size compare fairly.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from qualcode.errors import InvalidInput

CHART_SUFFIXES = (".png", ".svg", ".pdf")
MAX_GROUPED_BARS = 6  # more groups: a heat map (codes × groups) instead of grouped bars
GROUP_COLORS = (
    "#4C72B0",
    "#DD8452",
    "#55A868",
    "#C44E52",
    "#8172B3",
    "#937860",
    "#DA8BC3",
    "#8C8C8C",
    "#CCB974",
    "#64B5CD",
)


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


def frequency_chart(table: dict, path: str | Path, *, title: str | None = None) -> Path:
    """Draw ``table`` (from :func:`~qualcode.reports.frequency.frequency_table`) to PNG/SVG/PDF."""
    path = Path(path)
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise InvalidInput(
            f"cannot draw a chart as {path.name!r}", "give a file ending in .png, .svg or .pdf"
        )
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = _leaves(table["rows"])
    if not rows:
        raise InvalidInput("there are no codes to chart", "create codes with `qualcode codes add`")
    top = _top_of(table["rows"])
    groups = list(table["groups"])
    n_docs = table["documents"]
    labels = ["\n".join(textwrap.wrap(r["name"], 38)) or r["name"] for r in rows]
    n = len(rows)
    if len(groups) > MAX_GROUPED_BARS:
        return _heatmap(table, rows, labels, groups, path, title)
    height = max(3.0, 0.32 * n * (1 + 0.35 * max(len(groups) - 1, 0)) + 1.6)
    fig, ax = plt.subplots(figsize=(9.0, height), dpi=150)
    try:
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
                    label=f"{g} (n = {size})",
                )
            ax.set_xlabel("Anteil der Dokumente der Gruppe mit dieser Kategorie (%)")
            ax.set_xlim(0, 105)
            ax.legend(
                title=table["by"], loc="lower right", fontsize=8, title_fontsize=9, frameon=False
            )
        else:
            palette = {r["code"]: r.get("color") or "#4C72B0" for r in table["rows"]}
            cols = [palette.get(top[r["code"]]["code"], "#4C72B0") for r in rows]
            vals = [r["total_documents"] for r in rows]
            bars = ax.barh(ys, vals, height=0.7, color=cols)
            for bar, r in zip(bars, rows, strict=True):
                pct = r["total_share"] * 100
                ax.text(
                    bar.get_width() + max(n_docs, 1) * 0.01,
                    bar.get_y() + bar.get_height() / 2,
                    f"{r['total_documents']} ({pct:.0f} %)".replace(".", ","),
                    va="center",
                    fontsize=7.5,
                )
            ax.set_xlabel(f"Dokumente mit dieser Kategorie (von {n_docs})")
            ax.set_xlim(0, max(n_docs, 1) * 1.12)
            tops: list = []
            for r in rows:
                t = top[r["code"]]
                if t["code"] not in [x["code"] for x in tops]:
                    tops.append(t)
            if len(tops) > 1 and palette:
                handles = [
                    Patch(color=palette.get(t["code"], "#4C72B0"), label=t["name"]) for t in tops
                ]
                ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_ylim(n - 0.5, -0.5)  # top to bottom in tree order, no empty margins
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(title or _default_title(table), fontsize=11, loc="left")
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path


def _default_title(table: dict) -> str:
    title = (
        f"{table['code']}: Häufigkeiten" if table.get("code") else "Kategorienhäufigkeiten"
    ) + (f" nach {table['by']}" if table.get("by") else "")
    if table.get("coder"):
        title += f" (Kodierer/in: {table['coder']})"
    return title


def _heatmap(
    table: dict,
    rows: list[dict],
    labels: list[str],
    groups: list[str],
    path: Path,
    title: str | None,
) -> Path:
    """Codes × groups, cell colour and label = share of the group's documents with the code."""
    import matplotlib.pyplot as plt

    values = [[r["groups"][g]["total_share"] * 100 for g in groups] for r in rows]
    col_labels = [
        textwrap.shorten(f"{g} (n = {table['groups'][g]})", 44, placeholder="…") for g in groups
    ]
    width = min(max(7.0, 3.2 + 0.75 * len(groups)), 30.0)
    height = max(3.0, 0.3 * len(rows) + 2.2)
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    try:
        im = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=100)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(col_labels, fontsize=7, rotation=45, ha="right", rotation_mode="anchor")
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                ax.text(
                    j,
                    i,
                    f"{v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if v > 60 else "#333333",
                )
        cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
        cbar.set_label("Anteil der Dokumente der Gruppe (%)", fontsize=8)
        ax.set_title(title or _default_title(table), fontsize=11, loc="left")
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
