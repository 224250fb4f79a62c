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
    assert info == {
        "file": str(out.absolute()),
        "format": "html",
        "sections": 5,
        "charts": 3,
        # the sections' distinct spans: Hindernisse a 0-11, a 13-24 (Zeit and Personal: one
        # passage), b 0-10, d 0-11 = 4; Ziele a 26-37, b 12-22, c 0-11 = 3
        "segments": 7,
    }
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
    assert "<h2>Kodierte Segmente (4)</h2>" in html and "<h2>Kodierte Segmente (3)</h2>" in html
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
    assert any("Dokumentgruppe „Web“: 1 Dokument," in p.text for p in d.paragraphs)
    r = small("report", "full", "-o", str(tmp_path / "r.pdf"))
    assert r.exit_code == 2 and r.stderr.startswith("error: cannot tell the format from 'r.pdf'")


def test_research_questions_and_case_summaries(small, tmp_path):
    """Mayring's steps in the report: the questions after the method, the case summaries
    before the memos; --rq keeps one question's categories and summaries only."""
    small.ok("rq", "add", "F1", "-q", "Was erschwert die Arbeit?", "-c", "Hindernisse")
    small.ok("rq", "add", "F2", "-q", "Welche Ziele?", "-c", "Ziele")
    small.ok("summary", "set", "a.txt", "Hindernisse", "Zeit fehlt, Personal auch.")
    small.ok("summary", "set", "b.txt", "Ziele", "Vernetzung als Ziel.")
    out = tmp_path / "r.html"
    small.ok("report", "full", "-o", str(out), "--title", "Bericht")
    html = out.read_text(encoding="utf-8")
    assert re.findall(r"<h1>(.*?)</h1>", html) == [
        "Bericht",
        "Methode",
        "Fragestellungen",
        "Häufigkeiten im Überblick",
        "Hindernisse",
        "Ziele",
        "Fallzusammenfassungen",
        "Memos",
    ]
    assert "<h2>F1: Was erschwert die Arbeit?</h2>" in html
    assert "<dt>Selektionskriterium</dt>" not in html  # none was given: no empty field
    assert "Zeit fehlt, Personal auch." in html and "Vernetzung als Ziel." in html
    one = tmp_path / "f1.html"
    small.ok("report", "full", "-o", str(one), "--rq", "F1")
    html = one.read_text(encoding="utf-8")
    heads = re.findall(r"<h1>(.*?)</h1>", html)
    assert "Hindernisse" in heads and "Ziele" not in heads
    assert "F2:" not in html and "Vernetzung als Ziel." not in html
    assert "Zeit fehlt, Personal auch." in html
    bad = small("report", "full", "-o", str(tmp_path / "x.html"), "--rq", "F9")
    assert bad.exit_code == 2 and "unknown research question 'F9'" in bad.output
    assert not (tmp_path / "x.html").exists()
