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


def to_graphml(data: dict, colors: dict[str, str] | None = None) -> str:
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
        f"    <desc>co-occurrence per {_esc(data['unit'])}, {_pairing(data)}</desc>",
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


def to_dot(data: dict, colors: dict[str, str] | None = None) -> str:
    nodes, edges = graph(data, colors)
    top_n = max((n["frequency"] for n in nodes), default=1)
    top_e = max((e["weight"] for e in edges), default=1)
    out = [
        "graph cooccurrence {",
        "  graph [layout=neato, overlap=false, splines=true, "
        f'label="Überschneidungen von Kategorien ({_pairing(data, "de")})"];',
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


def draw_network(data: dict, path: str | Path, colors: dict[str, str] | None = None) -> Path:
    """The network on a circle (PNG/SVG): node area ∝ frequency, edge width ∝ co-occurrences."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput(
            f"cannot draw the network as {path.name!r}", "give -o FILE.png or FILE.svg"
        )
    nodes, edges = graph(data, colors)
    if not nodes:
        raise InvalidInput("no codes occur, so there is no network", "code some passages first")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    n = len(nodes)
    pos = {
        node["id"]: (
            math.cos(2 * math.pi * k / n + math.pi / 2),
            math.sin(2 * math.pi * k / n + math.pi / 2),
        )
        for k, node in enumerate(nodes)
    }
    top_n = max(x["frequency"] for x in nodes)
    top_e = max((e["weight"] for e in edges), default=1)
    fig, ax = plt.subplots(figsize=(11, 11), dpi=150)
    try:
        for e in sorted(edges, key=lambda e: e["weight"]):
            (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
            w = e["weight"] / top_e
            ax.plot(
                [x1, x2], [y1, y2], color="#555555", alpha=0.15 + 0.6 * w, lw=0.5 + 6 * w, zorder=1
            )
        for node in nodes:
            x, y = pos[node["id"]]
            ax.scatter(
                [x],
                [y],
                s=120 + 1800 * node["frequency"] / top_n,
                color=node["color"],
                edgecolors="white",
                linewidths=1.5,
                zorder=2,
            )
            ha = "left" if x > 0.05 else "right" if x < -0.05 else "center"
            ax.annotate(
                f"{node['label']} ({node['frequency']})",
                (x * 1.12, y * 1.12),
                fontsize=7,
                ha=ha,
                va="center",
                zorder=3,
            )
        ax.set_xlim(-1.7, 1.7)
        ax.set_ylim(-1.4, 1.4)
        ax.axis("off")
        unit = "Absätze" if data["unit"] == "passage" else "Dokumente"
        ax.set_title(
            f"Überschneidungen von Kategorien ({unit}; Linienstärke = gemeinsame {unit}; "
            f"{_pairing(data, 'de')})",
            fontsize=11,
            loc="left",
        )
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
