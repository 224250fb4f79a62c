"""Code relations as a network: the co-occurrence matrix as GraphML, Graphviz DOT or PNG.

Nodes are the codes that occur (size: the number of units with the code, the matrix
diagonal; colour: the code's colour), edges the pairs that co-occur (weight: the
number of units with both, plus their Jaccard index). GraphML opens in Gephi, yEd and
Cytoscape (``weight`` is Gephi's edge weight); DOT in Graphviz (``neato -Tsvg``); the
PNG is drawn with matplotlib on a circle, nodes in code-tree order. Each says how the
codings were paired (within one coder, the default, or across coders).
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

from qualcode.errors import InvalidInput

FORMATS = ("graphml", "dot", "png", "svg")


def _pairing(data: dict, lang: str = "en") -> str:
    from qualcode.reports.cooccore import PAIRING_DE, PAIRING_TEXT

    pairing = data.get("pairing", "within-coder")
    return (PAIRING_DE if lang == "de" else PAIRING_TEXT)[pairing]


def graph(data: dict, colors: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """``(nodes, edges)`` of the co-occurring codes (codes that never occur are left out)."""
    colors = colors or {}
    nodes = [
        {
            "id": f"c{i + 1}",
            "code": path,
            "label": data["code_names"][i],
            "frequency": data["matrix"][i][i],
            "color": colors.get(path, "#888888"),
        }
        for i, path in enumerate(data["code_paths"])
        if data["matrix"][i][i] > 0
    ]
    ids = {n["code"]: n["id"] for n in nodes}
    edges = [
        {
            "source": ids[p["a"]],
            "target": ids[p["b"]],
            "weight": p["units"],
            "jaccard": p["jaccard"],
        }
        for p in data["pairs"]
        if p["units"] > 0 and p["a"] in ids and p["b"] in ids
    ]
    return nodes, edges


def to_graphml(data: dict, colors: dict[str, str] | None = None, lang: str = "de") -> str:
    nodes, edges = graph(data, colors)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
        '  <key id="code" for="node" attr.name="code" attr.type="string"/>',
        '  <key id="frequency" for="node" attr.name="frequency" attr.type="int"/>',
        '  <key id="color" for="node" attr.name="color" attr.type="string"/>',
        '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>',
        '  <key id="jaccard" for="edge" attr.name="jaccard" attr.type="double"/>',
        '  <graph id="cooccurrence" edgedefault="undirected">',
        f"    <desc>{_esc(_describe(data, lang))}</desc>",
    ]
    for n in nodes:
        out.append(f"    <node id={quoteattr(n['id'])}>")
        for k in ("label", "code", "frequency", "color"):
            out.append(f'      <data key="{k}">{_esc(str(n[k]))}</data>')
        out.append("    </node>")
    for j, e in enumerate(edges):
        out.append(
            f'    <edge id="e{j + 1}" source={quoteattr(e["source"])} target={quoteattr(e["target"])}>'
        )
        out.append(f'      <data key="weight">{e["weight"]}</data>')
        out.append(f'      <data key="jaccard">{e["jaccard"]}</data>')
        out.append("    </edge>")
    out += ["  </graph>", "</graphml>"]
    return "\n".join(out) + "\n"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _describe(data: dict, lang: str) -> str:
    if lang == "de":
        unit = "Absatz" if data["unit"] == "passage" else "Dokument"
        return f"Überschneidungen je {unit}, {_pairing(data, 'de')}"
    return f"co-occurrence per {data['unit']}, {_pairing(data)}"


def to_dot(data: dict, colors: dict[str, str] | None = None, lang: str = "de") -> str:
    nodes, edges = graph(data, colors)
    top_n = max((n["frequency"] for n in nodes), default=1)
    top_e = max((e["weight"] for e in edges), default=1)
    out = [
        "graph cooccurrence {",
        "  graph [layout=neato, overlap=false, splines=true, "
        f"label={_dot_str(_describe(data, lang))}];",
        '  node [shape=circle, style=filled, fontname="Helvetica", fontsize=10];',
    ]
    for n in nodes:
        size = 0.4 + 1.2 * math.sqrt(n["frequency"] / top_n)
        out.append(
            f'  {n["id"]} [label={_dot_str(n["label"])[:-1]}\\n{n["frequency"]}", '
            f"tooltip={_dot_str(n['code'])}, width={size:.2f}, fillcolor={_dot_str(n['color'])}];"
        )
    for e in edges:
        pen = 0.5 + 5 * e["weight"] / top_e
        out.append(
            f"  {e['source']} -- {e['target']} [weight={e['weight']}, penwidth={pen:.2f}, "
            f'label="{e["weight"]}"];'
        )
    out.append("}")
    return "\n".join(out) + "\n"


def network_layout(
    nodes: list[dict], edges: list[dict], *, r_min: float = 0.03, r_max: float = 0.12
) -> tuple[dict[str, tuple[float, float]], dict[str, float], list[list[tuple[float, float]]]]:
    """``(position, radius per node, points of each edge)`` of the drawing.

    Nodes sit on the unit circle in code-tree order; an edge is a quadratic curve bent
    towards the centre (a straight chord between near neighbours passes the node between
    them closely). A node's radius follows its frequency (area ∝ frequency) but stays
    below 80 % of its distance to every edge that does not end in it and below 45 % of
    its distance to the next node, so no edge runs through an unrelated node."""
    n = len(nodes)
    pos = {
        node["id"]: (
            math.cos(2 * math.pi * k / n + math.pi / 2),
            math.sin(2 * math.pi * k / n + math.pi / 2),
        )
        for k, node in enumerate(nodes)
    }
    index = {node["id"]: k for k, node in enumerate(nodes)}
    curves = []
    for e in edges:
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        steps = abs(index[e["source"]] - index[e["target"]])
        bend = 0.0 if min(steps, n - steps) <= 1 else 0.5  # neighbours: nothing in between
        cx, cy = (x1 + x2) / 2 * (1 - bend), (y1 + y2) / 2 * (1 - bend)
        curves.append(
            [
                (
                    (1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t**2 * x2,
                    (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t**2 * y2,
                )
                for t in (i / 40 for i in range(41))
            ]
        )
    top = max((x["frequency"] for x in nodes), default=1) or 1
    radius = {}
    for node in nodes:
        x, y = pos[node["id"]]
        limit = r_max
        for other in nodes:
            if other is not node:
                ox, oy = pos[other["id"]]
                limit = min(limit, 0.45 * math.hypot(x - ox, y - oy))
        for e, pts in zip(edges, curves, strict=True):
            if node["id"] in (e["source"], e["target"]):
                continue
            limit = min(limit, 0.8 * min(math.hypot(x - px, y - py) for px, py in pts))
        want = r_min + (r_max - r_min) * math.sqrt(node["frequency"] / top)
        radius[node["id"]] = min(want, limit)
    return pos, radius, curves


def draw_network(
    data: dict,
    path: str | Path,
    colors: dict[str, str] | None = None,
    *,
    lang: str = "de",
    also: bool = True,
) -> Path:
    """The network on a circle (PNG/SVG/PDF, with ``also`` all three): node area ∝ frequency,
    edge width ∝ co-occurrences, node colour = the code's colour."""
    from qualcode.reports import figures

    path = Path(path)
    if path.suffix.lower() not in figures.SUFFIXES:
        raise InvalidInput(
            f"cannot draw the network as {path.name!r}", "give -o FILE.png, FILE.svg or FILE.pdf"
        )
    nodes, edges = graph(data, colors)
    if not nodes:
        raise InvalidInput("no codes occur, so there is no network", "code some passages first")
    with figures.style() as plt:
        fig = network_figure(plt, data, nodes, edges, lang)
        figures.save(fig, path, also=also)
    return path


def network_title(data: dict, lang: str) -> str:
    from qualcode.reports.numbers import tr

    if data["unit"] == "passage":
        unit = tr(lang, "Absätze", "paragraphs")
    else:
        unit = tr(lang, "Dokumente", "documents")
    return tr(
        lang,
        f"Überschneidungen von Kategorien ({unit}; Linienstärke = gemeinsame {unit}; "
        f"{_pairing(data, 'de')})",
        f"Co-occurring categories ({unit}; line width = shared {unit}; {_pairing(data, 'en')})",
    )


def network_figure(plt, data: dict, nodes: list[dict], edges: list[dict], lang: str = "de"):
    """The laid-out figure of :func:`draw_network`."""
    import textwrap

    from matplotlib.patches import Circle

    from qualcode.reports import figures
    from qualcode.reports.numbers import num

    pos, radius, curves = network_layout(nodes, edges)
    top_e = max((e["weight"] for e in edges), default=1)
    # labels sit outside the circle, within the axes: x ±1.75 (3 cm of label each side)
    fig, ax = figures.figure(plt, figures.WIDTH_CM * 2.7 / 3.5 + 1.6)
    labels: list = []
    spots: list[tuple[float, float, float]] = []
    order = sorted(range(len(edges)), key=lambda k: edges[k]["weight"])
    for k in order:
        w = edges[k]["weight"] / top_e
        xs, ys = zip(*curves[k], strict=True)
        ax.plot(xs, ys, color="#555555", alpha=0.2 + 0.55 * w, lw=0.4 + 3.5 * w, zorder=1)
    for node in nodes:
        x, y = pos[node["id"]]
        r = radius[node["id"]]
        ax.add_patch(
            Circle(
                (x, y),
                r,
                facecolor=figures.color_of(node["color"], "#888888"),
                edgecolor="white",
                lw=0.8,
                zorder=2,
            )
        )
        ha = "left" if x > 0.05 else "right" if x < -0.05 else "center"
        va = "center" if ha != "center" else ("bottom" if y > 0 else "top")
        label = "\n".join(textwrap.wrap(node["label"], 22, break_long_words=False))
        labels.append(
            ax.text(
                x * (1 + r + 0.04),
                y * (1 + r + 0.04),
                f"{label} ({num(node['frequency'], 0, lang)})",
                fontsize=6.5,
                ha=ha,
                va=va,
                zorder=3,
            )
        )
        spots.append((x, y, r))
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    figures.title(fig, network_title(data, lang))
    figures.layout(fig, lang)
    _separate(fig, labels, spots)
    return fig


def _separate(fig, labels: list, spots: list[tuple[float, float, float]]) -> None:
    """Check + nudge: a label that overlaps an earlier one moves outwards along its radius
    until it is clear (at most 6 steps, and never out of the figure)."""
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox
    for _ in range(6):
        boxes = [t.get_window_extent(renderer) for t in labels]
        moved = False
        for j in range(len(labels)):
            if any(boxes[j].overlaps(boxes[i]) for i in range(len(labels)) if i != j):
                if j == 0 or not any(boxes[j].overlaps(boxes[i]) for i in range(j)):
                    continue  # the earlier label of a pair stays
                x, y, _r = spots[j]
                old = labels[j].get_position()
                d = math.hypot(*old) + 0.07
                labels[j].set_position((x * d, y * d))
                box = labels[j].get_window_extent(renderer)
                if (
                    box.x0 < inside.x0
                    or box.x1 > inside.x1
                    or box.y0 < inside.y0
                    or box.y1 > inside.y1
                ):
                    labels[j].set_position(old)  # no room further out
                    continue
                boxes[j] = box
                moved = True
        if not moved:
            break
