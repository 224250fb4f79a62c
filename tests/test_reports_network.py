"""`report cooc --format graphml|dot|png`: the co-occurrence network."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.test_reports import build_small

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


@pytest.fixture
def small(cli, write_file, tmp_path):
    return build_small(cli, write_file, tmp_path)


def test_graphml_nodes_and_edges(small, tmp_path):
    out = tmp_path / "c.graphml"
    small.ok("report", "cooc", "-o", str(out))
    root = ET.parse(out).getroot()
    nodes = {
        n.get("id"): {d.get("key"): d.text for d in n.findall("g:data", NS)}
        for n in root.iter(f"{{{NS['g']}}}node")
    }
    assert [(v["code"], v["frequency"]) for v in nodes.values()] == [
        ("Hindernisse/Zeit", "3"),
        ("Hindernisse/Personal", "2"),
        ("Ziele", "1"),
        ("Ziele/Vernetzung", "2"),
    ]
    edges = [
        (nodes[e.get("source")]["label"], nodes[e.get("target")]["label"])
        + tuple(d.text for d in e.findall("g:data", NS))
        for e in root.iter(f"{{{NS['g']}}}edge")
    ]
    assert edges == [("Zeit", "Personal", "1", "0.25")]


def test_dot_and_png(small, tmp_path):
    dot = small.ok("report", "cooc", "--format", "dot").stdout
    assert dot.startswith("graph cooccurrence {")
    assert '  c2 -- c3 [weight=1, penwidth=5.50, label="1"];' in dot
    assert 'c2 [label="Zeit\\n3"' in dot
    png = tmp_path / "n.png"
    small.ok("report", "cooc", "-o", str(png))
    assert png.read_bytes()[:4] == b"\x89PNG"
    r = small("report", "cooc", "--format", "png")
    assert r.exit_code == 2 and r.stderr.startswith("error: a PNG needs a file")
