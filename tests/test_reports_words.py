"""`report words`: lemma counts per category and the log-likelihood against the rest."""

from __future__ import annotations

import pytest

from qualcode.reports.words import log_likelihood
from tests.test_reports import build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    return build_small(cli, write_file, tmp_path)


def test_log_likelihood_known_answers():
    # 10 of 100 vs 5 of 1000: E1 = 1.3636, E2 = 13.636; G² = 2(10 ln(10/E1) + 5 ln(5/E2)) = 29.82
    assert log_likelihood(10, 5, 100, 1000) == 29.82
    assert log_likelihood(1, 20, 100, 1000) == -0.57  # under-represented: negative
    assert log_likelihood(0, 0, 100, 1000) == 0.0


def test_words_per_category(small, tmp_path):
    d = small.json("report", "words")
    assert (d["documents"], d["corpus_lemmas"]) == (4, 12)
    first = d["categories"][0]
    assert (first["code"], first["segments"], first["lemma_count"]) == ("Hindernisse", 4, 7)
    assert [(r["lemma"], r["count"], r["rest"], r["ll"]) for r in first["rows"]] == [
        ("eins", 3, 1, 0.49),
        ("alpha", 2, 1, 0.09),
        ("delta", 1, 0, 1.08),
        ("beta", 1, 1, -0.06),
    ]
    one = small.json("report", "words", "--code", "Zeit", "--stop", "Alpha", "--top", "1")
    assert [
        (c["code"], [(r["lemma"], r["count"]) for r in c["rows"]]) for c in one["categories"]
    ] == [("Hindernisse/Zeit", [("eins", 2)])]
    small.ok("config", "set", "words.stopwords", "eins, delta")
    ll = small.json("report", "words", "--code", "Zeit", "--sort", "ll")
    assert [r["lemma"] for r in ll["categories"][0]["rows"]] == ["alpha"]
    xlsx, png, cloud = tmp_path / "w.xlsx", tmp_path / "w.png", tmp_path / "c.png"
    small.ok("report", "words", "-o", str(xlsx), "--chart", str(png), "--cloud", str(cloud))
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["Wörter"]
    # words.stopwords leaves out eins and delta: alpha 2 of 3 lemmas, rest 1 of 4
    assert [c.value for c in ws[2]] == ["Hindernisse", "alpha", 2, 666.67, 1, 250, 0.69]
    assert png.read_bytes()[:4] == b"\x89PNG" and cloud.read_bytes()[:4] == b"\x89PNG"
    r = small("report", "words", "--sort", "x")
    assert r.exit_code == 2 and r.stderr.startswith("error: unknown sort 'x'")
