"""Anchor examples copied from the material do not leak into the cross-validation.

Researchers copy anchor examples verbatim from their documents (all of the demo's). Such an
agenda unit belongs to the documents it was copied from: every fold that holds one of them
out leaves it off its training side too, else the held-out passage is predicted from
itself, labelled with its code — in `agreement --coders anna,engine`, in the search, the
nested estimate of `suggest --explain`, and the calibration."""

from __future__ import annotations

import numpy as np
from conftest import import_codings, make_doc, rows
from sqlmodel import Session, create_engine

from qualcode.suggest import agenda as agenda_mod
from qualcode.suggest import engine_coder, tune

X, Y, Z = "Kat/X", "Kat/Y", "Kat/Z"
TEXTS = {
    X: "Der Haushalt der Stadt ist knapp, die Finanzen reichen nicht für neue Ausgaben.",
    Y: "Die Schule braucht mehr Lehrkräfte und Unterricht für die Klassen.",
}
# coded Z in r0 only: the code's one passage, and its anchor example
ZP = "Der Bürgermeister eröffnet feierlich das neue Feuerwehrhaus am Marktplatz."
ZP_ANCHOR = "Der  Bürgermeister eröffnet feierlich\tdas neue Feuerwehrhaus am Marktplatz. "


def _project(cli, write_file, tmp_path) -> dict[str, list[tuple[int, int]]]:
    """Four documents of X and Y paragraphs; r0 also has ZP, anna's only Z coding."""
    out, codings = {}, []
    for k in range(4):
        paras = [TEXTS[X], TEXTS[Y], TEXTS[X].replace("Stadt", "Gemeinde"), TEXTS[Y]]
        codes = [X, Y, X, Y]
        if k == 0:
            paras.insert(2, ZP)
            codes.insert(2, Z)
        spans = make_doc(cli, write_file, f"r{k}.txt", paras)
        out[f"r{k}.txt"] = spans
        codings += [(f"r{k}.txt", s, e, c, "anna") for (s, e), c in zip(spans, codes, strict=True)]
    import_codings(cli, tmp_path, codings)
    return out


def _session(db: str) -> Session:
    return Session(create_engine(f"sqlite:///{db}"))


def _engine_predictions(db: str, spans) -> engine_coder.Predictions:
    with _session(db) as session:
        ids = {n: d for d, n in rows(db, "SELECT id, name FROM document")}
        units = {ids[n]: list(s) for n, s in spans.items()}
        groups = engine_coder.folds_of(sorted(units), {d: n for n, d in ids.items()})
        return engine_coder._predict(session, units, groups)[0]


def test_an_anchor_belongs_to_the_documents_it_was_copied_from(cli, write_file, tmp_path):
    spans = _project(cli, write_file, tmp_path)
    cli.ok("codes", "edit", Z, "--definition", "Feierliche Eröffnungen öffentlicher Gebäude.")
    cli.ok("codes", "edit", Z, "--anchor", f"{ZP_ANCHOR}\nEin Satz, der nirgends steht.")
    # an anchor copied from every document (whitespace aside), and the chosen anchor coding
    cli.ok("codes", "edit", X, "--anchor", "Der Haushalt der Stadt ist knapp,")
    (y_coding,) = rows(
        cli.db,
        "SELECT c.id FROM coding c JOIN code k ON k.id = c.code_id JOIN document d "
        "ON d.id = c.document_id WHERE k.name = 'Y' AND d.name = 'r2.txt' AND c.start = ?",
        spans["r2.txt"][1][0],
    )
    cli.ok("codes", "edit", Y, "--anchor", "Eine Schule braucht Lehrer.")
    cli.ok("codes", "anchor", Y, "--coding", str(y_coding[0]))
    ids = {n: d for d, n in rows(cli.db, "SELECT id, name FROM document")}
    with _session(cli.db) as session:
        ag = agenda_mod.load(session)
    got = {(t, tuple(sorted(d))) for t, d in zip(ag.texts, ag.docs, strict=True)}
    assert got == {
        ("Z: Feierliche Eröffnungen öffentlicher Gebäude.", ()),  # a definition: no document
        (" ".join(ZP_ANCHOR.split()), (ids["r0.txt"],)),
        ("Ein Satz, der nirgends steht.", ()),
        ("Der Haushalt der Stadt ist knapp,", tuple(sorted(ids.values()))),
        ("Eine Schule braucht Lehrer.", (ids["r2.txt"],)),  # the anchor coding's document
    }
    # a model that must not see r1 has no X anchor (every document holds it)
    kept = ag.without({ids["r1.txt"]})
    assert "Der Haushalt der Stadt ist knapp," not in kept.texts and len(kept) == 4
    assert kept.docs == [d for t, d in zip(ag.texts, ag.docs, strict=True) if t in kept.texts]


def test_the_engine_does_not_learn_a_held_out_passage_from_its_own_anchor(
    cli, write_file, tmp_path
):
    """Z is coded in r0 only: the model that did not see r0 has nothing but the anchor to
    learn Z from, and the anchor is r0's own passage. Its prediction for r0 must be the one
    it makes without the anchor (before the fix: Z, from the passage itself)."""
    spans = _project(cli, write_file, tmp_path)
    ids = {n: d for d, n in rows(cli.db, "SELECT id, name FROM document")}
    without = _engine_predictions(cli.db, spans)
    cli.ok("codes", "edit", Z, "--anchor", ZP_ANCHOR)
    with_anchor = _engine_predictions(cli.db, spans)
    r0 = [(ids["r0.txt"], s, e) for s, e in spans["r0.txt"]]
    assert {k: with_anchor.get(k) for k in r0} == {k: without.get(k) for k in r0}
    ((z_id,),) = rows(cli.db, "SELECT id FROM code WHERE name = 'Z'")
    assert with_anchor.get(r0[2], (None,))[0] != z_id
    # the other documents' models learn from it, and so does the project's model
    assert with_anchor != without
    ex = cli.json("suggest", "--explain")
    assert ex["agenda"]["units"] == 1


def _data(seed: int = 0):
    """Six documents of four units, codes 0 and 1; unit 2 of document 0 alone has code 2."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 8))
    doc, y = np.repeat(np.arange(6), 4), np.tile([0, 1, 0, 1], 6)
    y[2] = 2
    F = centres[y] + 0.3 * rng.normal(size=(len(y), 8))
    return F, y, doc


def _blocks(F: np.ndarray) -> dict[str, np.ndarray]:
    return {"words": F @ F.T, "chars": np.tanh(F) @ np.tanh(F).T}


def test_the_folds_leave_out_an_anchor_copied_from_a_held_out_document():
    """The anchor is unit 2 of document 0, copied: with ``owners`` the held-out scores of
    document 0 are those of the same cross-validation without the anchor at all."""
    F, y, doc = _data()
    n = len(y)
    Y = np.eye(3)[y]
    labels = [frozenset({int(c)}) for c in y]
    is_code = np.ones(3, dtype=bool)
    Fa = np.vstack([F, F[2:3]])  # the anchor: the passage itself, labelled with its code
    Ya = np.vstack([Y, Y[2:3]])
    doc_a = np.append(doc, -1)
    agw = np.append(np.zeros(n), 1.0)
    owners = [frozenset[int]()] * n + [frozenset({0})]
    folds = tune.folds_by_document(doc)
    k0 = next(k for k, f in enumerate(folds) if 0 in doc[f])
    held0 = folds[k0]
    leave = tune.left_out(folds, doc_a, owners)
    assert [list(x) for x in leave] == [[n] if k == k0 else [] for k in range(len(folds))]
    assert list(tune.training_side(n + 1, held0, leave[k0])) == [
        i for i in range(n) if i not in held0
    ]
    # oof_scores: the same training side as without the anchor
    K, Ka = F @ F.T, Fa @ Fa.T
    w = tune.sample_weights(Y)
    wa = tune.sample_weights(Ya, agw, 1.0)
    assert np.allclose(w, wa[:n])  # the units weigh the same (an anchor is no example)
    plain = tune.oof_scores(K, Y, w, folds, [1.0])[1.0]
    fixed = tune.oof_scores(Ka, Ya, wa, folds, [1.0], leave)[1.0]
    leaky = tune.oof_scores(Ka, Ya, wa, folds, [1.0])[1.0]
    assert np.allclose(fixed[held0], plain[held0])
    assert leaky[2].argmax() == 2 and fixed[2, 2] == 0  # before: from its own anchor
    # nested: the search of the fold holding document 0 does not see the anchor either
    mine = doc == 0
    S0 = tune.nested(_blocks(F), Y, labels, is_code, doc)[0]
    S = tune.nested(_blocks(Fa), Ya, labels + [labels[2]], is_code, doc_a, agw, owners)[0]
    assert np.allclose(S[mine], S0[mine])
    seen = tune.nested(_blocks(Fa), Ya, labels + [labels[2]], is_code, doc_a, agw, owners)[2]
    assert not seen[2] and seen[mine].sum() == 3  # code 2 was on no fold's training side
    # search: the anchor's weight is judged without it predicting its own passage
    res = tune.search(_blocks(Fa), Ya, labels + [labels[2]], is_code, doc_a, agw, owners)
    assert res.oof is not None and res.oof[2, 2] == 0


def test_on_the_demo_anchors_do_not_raise_the_expected_f1(demo_db, tmp_path):
    """Every anchor of the demo's starter codebook is a passage of its corpus: the expected
    macro-F1 with them is not above the one without them (before: 0.924 against 0.886).
    Two copies of the project, so that neither model reuses the other's tuning."""
    import sqlite3

    from conftest import Run

    bare = str(tmp_path / "bare.sqlite")
    src, dst = sqlite3.connect(demo_db), sqlite3.connect(bare)
    with dst:
        src.backup(dst)
        dst.execute("UPDATE code SET anchor = ''")
    src.close()
    dst.close()
    assert rows(bare, "SELECT count(*) FROM code WHERE anchor != ''") == [(0,)]
    assert rows(demo_db, "SELECT count(*) FROM code WHERE anchor != ''")[0][0] >= 24
    with_anchors = Run(demo_db).json("suggest", "--explain")
    without = Run(bare).json("suggest", "--explain")
    assert with_anchors["agenda"]["units"] == 2 * without["agenda"]["units"]
    assert with_anchors["expected"]["macro_f1"] <= without["expected"]["macro_f1"]
