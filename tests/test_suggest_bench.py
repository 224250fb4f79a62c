"""The suggestions benchmark runs end to end on any folder + CSV (small corpus, seconds)."""

from __future__ import annotations

import csv
import json

from test_suggest import CODED, DOCS, _span


def _corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    extra = {  # a second pair, so that both halves have coded documents
        "p5.md": DOCS["p3.md"].replace("Verbund C", "Verbund E"),
        "p6.md": DOCS["p2.md"].replace("Verbund B", "Verbund F"),
    }
    docs = {**DOCS, **extra}
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    rows = [(d, code, "anna", DOCS[d][slice(*_span(DOCS[d], prefix))]) for d, prefix, code in CODED]
    rows += [
        ("p3.md", code, "anna", DOCS["p3.md"][slice(*_span(DOCS["p3.md"], p))])
        for p, code in (
            ("Unbesetzte Stellen", "Hindernisse/Personal"),
            ("Für Teamabsprachen", "Hindernisse/Zeitmangel"),
            ("Differenzierungsräume fehlen", "Hindernisse/Räume"),
        )
    ]
    rows += [
        (new, code, "anna", quote)
        for new, old in (("p5.md", "p3.md"), ("p6.md", "p2.md"))
        for d, code, _, quote in rows
        if d == old
    ]
    path = tmp_path / "codings.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["document", "code", "coder", "quote"])
        w.writerows(rows)
    return folder, path


def test_quality_benchmark_on_any_corpus(tmp_path):
    from qualcode.bench.suggest import main

    folder, codings = _corpus(tmp_path)
    out = tmp_path / "out"
    args = ["--corpus", str(folder), "--codings", str(codings), "--out-dir", str(out)]
    assert main([*args, "--curve", "2"]) == 0
    (result,) = json.loads((out / "suggest_results.json").read_text())["quality"]
    assert result["gold_coder"] == "anna" and result["corpus"] == "corpus"
    assert result["train_documents"] == 3 and result["test_documents"] == 3
    assert set(result["systems"]) == {"baseline", "engine"}
    for r in result["systems"].values():
        assert 0 <= r["top1"] <= r["top3"] <= 1 and 0 <= r["macro_f1"] <= 1
        assert r["n"] == result["test_spans"] and 0 <= r["ece_all"] <= 1
        assert sum(b["n"] for b in r["reliability_all"]) == result["test_paragraphs"]
        assert r["apply_n"] >= 0 and 0 <= r["apply_coverage"] <= 1
    assert result["systems"]["engine"]["top1"] >= 0.75
    assert [c["per_code"] for c in result["learning_curve"]] == [2]
    assert result["peak_rss_mb"] is None or result["peak_rss_mb"] > 10
    md = (out / "suggest_results.md").read_text()
    assert "| corpus | strong baseline |" in md and "| corpus | **engine** |" in md
    assert "Targets (engine − strong baseline, same run)" in md


def test_quality_benchmark_refuses_a_folder_without_codings(tmp_path, capsys):
    from qualcode.bench.suggest import main

    assert main(["--corpus", str(tmp_path), "--out-dir", str(tmp_path / "out")]) == 2
    assert "codings.csv" in capsys.readouterr().err


def test_synthetic_corpus_is_deterministic():
    from qualcode.bench.suggest import synthetic

    a_docs, a_cod = synthetic(300, seed=7)
    b_docs, b_cod = synthetic(300, seed=7)
    assert a_docs == b_docs and a_cod == b_cod
    assert sum(len(spans) for _, _, spans in a_docs) == 300
    for _name, text, spans in a_docs:
        assert text.startswith("TOP 1 Begrüßung")
        assert all(text[s:e].strip() == text[s:e] and e > s for s, e in spans)
    assert synthetic(300, seed=8)[0] != a_docs


def test_small_projects_reweight_the_other_documents_to_the_training_mix_of_codes():
    import numpy as np

    from qualcode.bench.agenda import mix_weights
    from qualcode.bench.quality import paragraph_metrics

    train = [{1}, {1}, {2}, set()]  # shares: code 1 1/2, code 2 1/4, no code 1/4
    test = [{1}, {2}, {2}, {2}, set(), {1, 2}]  # code 1 1.5/6, code 2 3.5/6, no code 1/6
    w = mix_weights(train, test)
    want = [2.0, 0.25 / (3.5 / 6), 0.25 / (3.5 / 6), 0.25 / (3.5 / 6), 1.5]
    want.append((2.0 + 0.25 / (3.5 / 6)) / 2)
    assert np.allclose(w, want)
    # --apply precision counts each paragraph with its weight: right on code 1 (weight 2),
    # wrong on code 2 (weight 1/2) → 2 / 2.5; unweighted 1 / 2
    M = np.asarray([[0.95, 0.0], [0.95, 0.0]])
    assert paragraph_metrics([1, 2], M, [{1}, {2}])["apply_precision"] == 0.5
    got = paragraph_metrics([1, 2], M, [{1}, {2}], np.asarray([2.0, 0.5]))
    assert abs(got["apply_precision"] - 0.8) < 1e-12
    # ECE: one bin (0.95), weighted accuracy 0.8 → 0.15; unweighted 0.45
    assert abs(got["ece_all"] - 0.15) < 1e-12
    assert abs(paragraph_metrics([1, 2], M, [{1}, {2}])["ece_all"] - 0.45) < 1e-12


def test_small_projects_measure_what_apply_writes():
    import numpy as np

    from qualcode.bench.agenda import small_table, summarise_small
    from qualcode.bench.quality import paragraph_metrics

    M = np.asarray([[0.95, 0.0], [0.91, 0.0], [0.0, 0.97]])
    gold = [{1}, {2}, {2}]
    # from 0.93 (the model's apply_from): rows 1 and 3, both right; from 0.9 also row 2
    assert paragraph_metrics([1, 2], M, gold, apply_from=0.93)["apply_precision"] == 1.0
    assert paragraph_metrics([1, 2], M, gold)["apply_precision"] == 2 / 3
    nowhere = paragraph_metrics([1, 2], M, gold, apply_from=None)
    assert nowhere["apply_n"] == 0 and nowhere["apply_precision"] is None
    row = {
        "train_documents": 8,
        "coded_passages": 100,
        "reported": 0.5,
        "interval": [0.4, 0.6],
        "cv_chosen": 0.55,
        "measured": 0.45,
        "top3": 0.7,
        "ece_all": 0.04,
        "ece_mix": 0.04,
        "apply_precision_mix": None,
        "apply_weight_mix": 0.0,
    }
    rows = [
        {**row, "apply_from": 0.93, "apply_n": 2, "apply_precision": 1.0},
        {**row, "apply_from": None, "apply_n": 0, "apply_precision": None},
        {**row, "apply_from": 0.9, "apply_n": 3, "apply_precision": 2 / 3},
    ]
    s = summarise_small(rows)
    assert s["apply_n"] == 5 and abs(s["apply_precision"] - 4 / 5) < 1e-12
    assert s["apply_from"] == [0.9, 0.93] and s["apply_nowhere"] == 1
    line = small_table([{"corpus": "c", "small": {"summary": s, "draws": rows}}]).splitlines()[2]
    assert "| 0.80 (5) ✗ | 1 |" in line
