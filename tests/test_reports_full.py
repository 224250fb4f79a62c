"""`report full`: the whole analysis as HTML and DOCX, section by section."""

from __future__ import annotations

import re

import pytest

from tests.test_reports import build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    cli = build_small(cli, write_file, tmp_path)
    cli.ok("codes", "edit", "Hindernisse", "--definition", "Was die Arbeit erschwert")
    cli.ok("memo", "add", "--code", "Zeit", "Zeit fehlt überall")
    cli.ok("memo", "add", "Erste Runde abgeschlossen")
    return cli


def test_html_sections_and_segments(small, tmp_path):
    out = tmp_path / "r.html"
    info = small.json("report", "full", "-o", str(out), "--title", "Bericht")
    assert info == {"output": str(out), "format": "html", "sections": 5, "charts": 3, "segments": 8}
    html = out.read_text(encoding="utf-8")
    assert re.findall(r"<h1>(.*?)</h1>", html) == [
        "Bericht",
        "Methode",
        "Häufigkeiten im Überblick",
        "Hindernisse",
        "Ziele",
        "Memos",
    ]
    assert "<dt>Definition</dt><dd>Was die Arbeit erschwert</dd>" in html
    assert "<strong>Memo:</strong> Zeit fehlt überall" in html
    assert "<strong>Projekt:</strong> Erste Runde abgeschlossen" in html
    assert "<h2>Kodierte Segmente (5)</h2>" in html and "<h2>Kodierte Segmente (3)</h2>" in html
    assert '<p class="source">a.txt, Zeichen 0–11 · Zeit · anna, ben · Format: Präsenz</p>' in html
    assert html.count('src="data:image/png;base64,') == 3


def test_set_docx_and_hook(small, tmp_path, monkeypatch):
    from qualcode.reports import full

    monkeypatch.setattr(full, "OPTIONAL_SECTIONS", [lambda ctx: [("h1", "Forschungsfragen")]])
    small.ok("set", "add", "Web", "--rule", "Format=Web")
    out = tmp_path / "r.docx"
    info = small.json("report", "full", "-o", str(out), "--set", "Web", "--max-segments", "1")
    assert (info["format"], info["segments"]) == ("docx", 2)
    import docx

    d = docx.Document(str(out))
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert heads[:4] == [
        "Methode",
        "Kodierleitfaden",
        "Forschungsfragen",
        "Häufigkeiten im Überblick",
    ]
    assert any("Dokumentgruppe „Web“: 1 Dokumente" in p.text for p in d.paragraphs)
    r = small("report", "full", "-o", str(tmp_path / "r.pdf"))
    assert r.exit_code == 2 and r.stderr.startswith("error: cannot tell the format from 'r.pdf'")
