"""The pure helpers of `python -m qualcode.bench.semantic` on a tiny fixture."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.bench import semantic as sem

DOCS = {
    "a.txt": "Kopf a\n\nDer Haushalt wird beraten.\n\nDie Schule bekommt Personal.\n",
    "b.txt": "Kopf b\n\nDer Haushalt steigt.\n\nLehrkräfte fehlen an der Schule.\n",
    "c.txt": "Kopf c\n\nMittel im Haushalt fehlen.\n\nDie Schule sucht Lehrkräfte.\n",
    "d.txt": "Kopf d\n\nHaushalt und Mittel.\n\nSchule und Unterricht.\n",
}


def _corpus(tmp_path, quotes: bool = False):
    rows = []
    for name, text in DOCS.items():
        paras = [p for p in text.split("\n\n") if p.strip()][1:]
        for para, code in zip(paras, ("Haushalt", "Schule"), strict=True):
            s = text.index(para.strip())
            e = s + len(para.strip())
            if quotes:
                rows.append(f'{name},{code},anna,"{para.strip()}"')
                rows.append(f'{name},Andere,ben,"{para.strip()}"')
            else:
                rows.append(f"{name},{s},{e},{code},gold")
        (tmp_path / name).write_text(text, encoding="utf-8")
    head = "document,code,coder,quote" if quotes else "document,start,end,code,coder"
    (tmp_path / "codings.csv").write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return sem.load_corpus(tmp_path)


@pytest.mark.parametrize("quotes", [False, True])
def test_load_corpus_units_and_split(tmp_path, quotes):
    c = _corpus(tmp_path, quotes)
    assert c.coder == ("anna" if quotes else "gold")
    assert len(c.texts) == 8 and c.unlabelled == 4  # headers are not units
    assert c.labels[0] == frozenset({"Haushalt"}) and c.labels[1] == frozenset({"Schule"})
    tr, te = sem.split(c)
    assert {c.docs[i] for i in tr} == {"a.txt", "c.txt"}
    assert {c.docs[i] for i in te} == {"b.txt", "d.txt"}


def test_krr_matches_direct_solve():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 5))
    K = X @ X.T
    labels = [frozenset({"x"})] * 8 + [frozenset({"y"})] * 3 + [frozenset({"y", "z"})]
    Y, w = sem.encode_labels(labels, ["x", "y", "z"])
    assert np.allclose(w[:8], 12 / (2 * 8)) and np.allclose(w[8:], 12 / (2 * 4))
    assert Y[-1].tolist() == [0, 1, 1]
    D = np.diag(np.sqrt(w))
    for lam, a in zip((0.3, 3.0), sem.krr_alphas(K, Y, w, (0.3, 3.0)), strict=True):
        direct = D @ np.linalg.solve(D @ K @ D + lam * np.eye(12), D @ Y)
        assert np.allclose(a, direct)


def test_metrics_multilabel_rule():
    classes = ["a", "b", "c"]
    scores = np.array([[3, 2, 1], [1, 3, 2], [1, 2, 3]], dtype=float)
    gold = [frozenset({"a"}), frozenset({"a", "b"}), frozenset({"a", "b"})]
    m = sem.metrics(scores, classes, gold)
    assert m["top1"] == pytest.approx(2 / 3) and m["top3"] == 1.0
    # y_true = a, b (top-1 among gold), a (smallest gold); y_pred = a, b, c
    from sklearn.metrics import f1_score

    assert m["macro_f1"] == pytest.approx(
        f1_score(["a", "b", "a"], ["a", "b", "c"], average="macro")
    )


def test_cv_grid_and_choice_prefer_small_weight_on_ties(tmp_path):
    c = _corpus(tmp_path)
    emb = sem.l2rows(np.random.default_rng(1).normal(size=(len(c.texts), 4)))
    cv = sem.cv_grid(c.texts, c.labels, c.docs, emb, folds=2)
    assert set(cv) == {(w, lam) for w in sem.WEIGHTS for lam in sem.LAMBDAS}
    assert sem.choose({(0.0, 1.0): 0.5, (1.0, 0.3): 0.5, (0.5, 3.0): 0.4}) == (0.0, 1.0)
    assert sem.choose({(0.0, 1.0): 0.5, (1.0, 0.3): 0.6}, only_w0=True) == (0.0, 1.0)
    r = sem.evaluate_krr(c, emb, 0.5, 1.0)
    assert r["n"] == 4 and 0 <= r["macro_f1"] <= 1


def test_synthetic_passages_are_seeded():
    assert sem.synthetic_passages(3) == sem.synthetic_passages(3)
    assert len(sem.synthetic_passages(5)) == 5


def test_missing_corpus_is_skipped(tmp_path, capsys):
    assert (
        sem.main(
            [
                "--corpus",
                str(tmp_path / "nope"),
                "--cache",
                str(tmp_path / "c"),
                "--out",
                str(tmp_path / "o.md"),
                "--encoder",
                "use-m3",
            ]
        )
        == 0
    )
    assert "skipped" in capsys.readouterr().err
    assert not (tmp_path / "o.md").exists()


@pytest.mark.parametrize("name", sorted(sem.ENCODERS))
def test_encoder_embeds_offline(tmp_path, name):
    if not sem.encoder_available(name):
        pytest.skip(f"{sem.ENCODERS[name][1]} is not installed (optional, not a dependency)")
    E = sem.embed(name, ["Der Haushalt wird beraten.", "Die Schule sucht Lehrkräfte."], tmp_path)
    assert E.shape[0] == 2 and np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-4)
    assert list(tmp_path.glob(f"{name}-*.npy"))  # cached
