"""The engine as a coder (issue 25, 3): `agreement --coders anna,engine` compares a human with
the engine's out-of-sample first suggestions, in the same figures as two humans.

The figures are checked by hand on fixed predictions (the engine's model is replaced), the
out-of-sample rule on the calls the engine makes, and one run of the real engine."""

from __future__ import annotations

import json

import pytest
from conftest import import_codings, make_doc

from qualcode.agreement import codes_of

X, Y = "Kat/X", "Kat/Y"
P = [f"Absatz {i} über etwas ganz Bestimmtes, das hier steht." for i in range(4)]


def code_row(data: dict, code: str) -> dict:
    return next(c for c in data["rows"] if c["code"] == code)


@pytest.fixture
def two_docs(cli, write_file, tmp_path):
    """Two documents of four content paragraphs; anna codes d1: X, Y, –, –; d2: X, X, –, –."""
    d1 = make_doc(cli, write_file, "d1.txt", P)
    d2 = make_doc(cli, write_file, "d2.txt", P)
    import_codings(
        cli,
        tmp_path,
        [
            ("d1.txt", *d1[0], X, "anna"),
            ("d1.txt", *d1[1], Y, "anna"),
            ("d2.txt", *d2[0], X, "anna"),
            ("d2.txt", *d2[1], X, "anna"),
        ],
    )
    return d1, d2


def fixed_engine(monkeypatch, table: dict[tuple[str, int], tuple[str, float]]):
    """Replace the engine's models by fixed first suggestions per (document, paragraph)."""
    from qualcode.suggest import engine_coder

    calls = []

    def predict(session, units, groups):
        from sqlalchemy import select

        from qualcode.codebook import CodeTree
        from qualcode.models import Document

        names = dict(session.execute(select(Document.id, Document.name)).all())
        tree = CodeTree.load(session)
        calls.append(groups)
        out = {}
        for d, spans in units.items():
            for i, (s, e) in enumerate(spans):
                hit = table.get((names[d], i))
                if hit:
                    out[(d, s, e)] = (tree.resolve(hit[0]).id, hit[1])
        return out, {
            "folds": len(groups),
            "documents": len(units),
            "trained_on": {"min_documents": 1, "max_documents": 1},
        }

    monkeypatch.setattr(engine_coder, "_predict", predict)
    return calls


ENGINE = {
    ("d1.txt", 0): (X, 0.9),
    ("d1.txt", 1): (X, 0.7),
    ("d1.txt", 2): (Y, 0.4),  # below 0.5: no code (with --engine-min-score 0: Y)
    ("d2.txt", 0): (X, 0.6),
    ("d2.txt", 1): (Y, 0.8),
    ("d2.txt", 3): (Y, 0.55),
}


def test_engine_against_a_human_known_answer(cli, two_docs, monkeypatch):
    calls = fixed_engine(monkeypatch, ENGINE)
    data = cli.json("agreement", "--coders", "anna,engine")
    assert data["coders"] == ["anna", "engine"] and data["units"] == 8
    assert data["document_names"] == ["d1.txt", "d2.txt"]
    assert calls and [sorted(g) for g in calls[0]] == [[1], [2]]  # two documents: two groups
    # units:  d1: 1  2  3  4   d2: 5  6  7  8
    # anna:       X  Y  –  –       X  X  –  –
    # engine:     X  X  –  –       X  Y  –  Y
    x = code_row(data, X)
    # X: anna 1,0,0,0,1,1,0,0; engine 1,1,0,0,1,0,0,0 → po = 6/8 = 0.75;
    # both code X on 3 of 8 → pe = (3·3 + 5·5)/64 = 34/64; κ = (0.75 − 0.53125)/0.46875 = 7/15
    assert x["percent_agreement"] == 0.75
    assert x["expected_agreement"] == pytest.approx(0.5312, abs=1e-4)
    assert x["kappa"] == pytest.approx(7 / 15, abs=1e-4)
    assert (
        x["by_coder"] == [{"coder": "anna", "units": 3}, {"coder": "engine", "units": 3}]
        and x["coded_by_all"] == 2
    )
    y = code_row(data, Y)
    # Y: anna on unit 2 only, engine on 6 and 8 → po = 5/8; pe = (1·2 + 7·6)/64 = 44/64;
    # κ = (0.625 − 0.6875)/0.3125 = −0.2
    assert y["percent_agreement"] == 0.625
    assert y["kappa"] == pytest.approx(-0.2, abs=1e-4)
    assert y["by_coder"] == [{"coder": "anna", "units": 1}, {"coder": "engine", "units": 2}]
    o = data["overall"]
    # sets: agree on units 1, 3, 4, 5, 7 → po = 5/8; marginals anna X3 Y1 ∅4, engine X3 Y2 ∅3
    # → pe = (9 + 2 + 12)/64 = 23/64; κ = (40/64 − 23/64)/(41/64) = 17/41
    assert o["percent_agreement"] == 0.625 and o["units"] == 8
    assert o["kappa"] == pytest.approx(17 / 41, abs=1e-4)
    assert data["disagreement_count"] == 3
    assert data["engine"]["min_score"] == 0.5 and data["engine"]["units_coded"] == 5
    assert data["engine"]["folds"] == 2 and data["engine"]["units_scored"] == 8
    assert "first suggestion" in data["rule"]

    # 0 = the first suggestion on every unit it has one for: unit 3 becomes Y
    low = cli.json("agreement", "--coders", "anna,engine", "--engine-min-score", "0")
    o = low["overall"]
    # agree on 1, 4, 5, 7 → po = 0.5; engine X3 Y3 ∅2 → pe = (9 + 3 + 8)/64 = 20/64; κ = 3/11
    assert o["percent_agreement"] == 0.5 and o["kappa"] == pytest.approx(3 / 11, abs=1e-4)

    # the same figures in the side-by-side report and in the full report
    side = json.loads(
        cli.ok("report", "disagreements", "--coders", "anna,engine", "--format", "json").stdout
    )
    assert side["overall"] == data["overall"] and len(side["disagreements"]) == 3
    assert {codes_of(d, "engine")[0] for d in side["disagreements"]} == {X, Y}


def test_full_report_with_the_engine_as_a_coder(cli, two_docs, monkeypatch, tmp_path):
    fixed_engine(monkeypatch, ENGINE)
    out = tmp_path / "r.html"
    cli.ok("report", "full", "-o", str(out), "--agreement", "anna,engine")
    html = out.read_text(encoding="utf-8")
    assert "Intercoder-Übereinstimmung" in html and "Vorschlagsassistent (engine)" in html
    # overall: 62,5 % agreement, κ = 17/41 = 0,415
    row = html[html.index("Gesamt (Menge der Kategorien je Einheit)") :]
    assert "62,5 %" in row[:300] and "0,415" in row[:300]
    plain = tmp_path / "plain.html"
    cli.ok("report", "full", "-o", str(plain))
    assert "Intercoder-Übereinstimmung" not in plain.read_text(encoding="utf-8")


def test_every_prediction_comes_from_a_model_that_did_not_see_its_document(
    cli, write_file, tmp_path, monkeypatch
):
    """Six documents, five groups: each model is trained on the codings of the documents
    outside its group and scores only its group's units."""
    from qualcode.suggest import model as model_mod

    rows = []
    for k in range(6):
        spans = make_doc(cli, write_file, f"doc{k}.txt", P)
        rows += [(f"doc{k}.txt", *spans[0], X, "anna"), (f"doc{k}.txt", *spans[1], Y, "anna")]
        if k < 2:
            rows.append((f"doc{k}.txt", *spans[0], Y, "ben"))  # ben's codings train too
    import_codings(cli, tmp_path, rows)
    seen: list[tuple[set[int], set[int]]] = []

    class Fake:
        pass

    def fake_train(session, content_hash="", codings=None, prior=None, negatives=None, agenda=None):
        m = Fake()
        m.docs = {d for d, *_ in codings}  # type: ignore[attr-defined]
        assert all(d in m.docs for d, *_ in negatives or [])
        return m

    def fake_score(session, model, keys, coded=None, layouts=None, store=None):
        import numpy as np

        assert coded is not None and not coded.by_doc  # no codings of the scored documents
        seen.append((model.docs, {d for d, *_ in keys}))
        return [1], np.full((len(keys), 1), 0.9)

    monkeypatch.setattr(model_mod, "train", fake_train)
    monkeypatch.setattr(model_mod, "score_spans", fake_score)
    data = cli.json("agreement", "--coders", "anna,engine")
    assert data["engine"]["folds"] == 5 and len(seen) == 5
    scored = [d for _, docs in seen for d in docs]
    assert sorted(scored) == list(range(1, 7))  # every document scored exactly once
    for trained, docs in seen:
        assert not trained & docs and trained | docs == set(range(1, 7))
    # a second run on the unchanged project reuses the predictions (no training)
    seen.clear()
    again = cli.json("agreement", "--coders", "anna,engine")
    assert not seen and again["overall"] == data["overall"]


def test_the_real_engine_as_a_coder(cli, write_file, tmp_path):
    """Four documents with one vocabulary per code: the engine, trained on three of them each
    time, codes the fourth as anna did."""
    texts = {
        X: "Der Haushalt der Stadt ist knapp, die Finanzen reichen nicht für neue Ausgaben.",
        Y: "Die Schule braucht mehr Lehrkräfte und Unterricht für die Klassen.",
    }
    rows = []
    for k in range(4):
        paras = [texts[X], texts[Y], texts[X].replace("Stadt", "Gemeinde"), texts[Y]]
        spans = make_doc(cli, write_file, f"r{k}.txt", paras)
        for (s, e), code in zip(spans, (X, Y, X, Y), strict=True):
            rows.append((f"r{k}.txt", s, e, code, "anna"))
    import_codings(cli, tmp_path, rows)
    data = cli.json("agreement", "--coders", "anna,engine", "--engine-min-score", "0")
    assert data["engine"]["folds"] == 4 and data["engine"]["trained_on"] == {
        "min_documents": 3,
        "max_documents": 3,
    }
    assert data["units"] == 16 and data["overall"]["kappa"] == 1.0


def test_engine_is_a_reserved_coder_name(cli, two_docs, write_file):
    r = cli("code", "d1.txt", "--start", "0", "--end", "5", "--code", X, "--coder", "Engine")
    assert r.exit_code == 2 and "'engine' is reserved for the suggestions engine" in r.stderr
    r = cli("agreement", "--coders", "engine,ENGINE")
    assert r.exit_code == 2 and "at least two different coders" in r.stderr
    r = cli("agreement", "--coders", "anna,engine", "--engine-min-score", "2")
    assert r.exit_code == 2


def test_a_human_coder_named_engine_from_before_is_a_clear_conflict(cli, two_docs, db_path):
    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO coder (name, guid, created_at) VALUES ('engine', 'g', '2026-01-01')")
    con.commit()
    con.close()
    r = cli("agreement", "--coders", "anna,engine", "--json")
    assert r.exit_code == 2
    err = json.loads(r.stdout)
    assert "reserved name of the suggestions engine" in err["error"] and "rename" in err["hint"]


def test_the_engine_needs_another_document_to_learn_from(cli, write_file, tmp_path):
    spans = make_doc(cli, write_file, "only.txt", P)
    import_codings(cli, tmp_path, [("only.txt", *spans[0], X, "anna")])
    r = cli("agreement", "--coders", "anna,engine")
    assert r.exit_code == 2 and "nothing to learn from outside" in r.stderr
