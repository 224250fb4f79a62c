"""Issue 25: suggestions from the coding agenda, and honest figures on small projects.

Two benchmarks per labelled corpus (run by ``python -m qualcode.bench.suggest``, one
process per corpus, beside :mod:`qualcode.bench.quality`):

* **Learning curve with the agenda** (:func:`agenda_curve`). The agenda of each corpus was
  written from the category names alone (``qualcode/bench/agendas/<corpus>.toml``: a
  definition and a coding rule per code, no anchor examples; for the demo corpus the
  definitions and rules of ``codebooks/starter.toml``, without its anchors). Same split as
  the quality benchmark (every second document trains). For 0, 1, 3, 10 codings per code
  (drawn at random from the training documents' gold codings, ``draws`` seeded draws per
  step): the engine with the agenda, the engine without it, the strong baseline on the same
  codings, the strong baseline on the codings plus the definitions as extra training texts,
  and (at 0) a plain sentence-encoder cosine between passage and "name: definition".
  Macro-F1 and top-3 of the first suggestion on the test documents' coded spans; ECE of the
  engine's first score over all their content paragraphs. No "no code" examples are given
  (the draws say nothing about the paragraphs around them).
* **Small projects** (:func:`small_projects`). ``draws`` random draws of 8–15 training
  documents (seeded; at most as many as leave 4 documents and a third of the corpus for
  measuring: 8–9 of the demo's 14); the engine trains on their gold codings (no agenda) and is scored on
  every other document: ECE over all content paragraphs, precision of ``--apply
  --min-score 0.9``, and |reported − measured| macro-F1, where *reported* is the expected
  macro-F1 of ``suggest --explain`` (nested cross-validation) and *measured* the macro-F1
  on the other documents' coded spans. ECE and ``--apply`` precision are also given with
  the other documents reweighted to the training documents' mix of codes
  (:func:`mix_weights`): the corpora are small and balanced by label (the plenary corpus
  keeps at most 8 agenda items per label), so a code drawn into many training documents
  has few left among the others, and a code drawn into few has many — a shift a project
  whose coded documents are a sample of many does not have.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

AGENDAS = Path(__file__).resolve().parent / "agendas"
CURVE_K = (0, 1, 3, 10)
SMALL_DOCS = (8, 15)
MIN_TEST_DOCS = 4


def agenda_file(corpus: Path) -> Path | None:
    name = Path(corpus).name
    if name == "corpus":  # the demo corpus: the project's own starter codebook
        p = Path(__file__).resolve().parents[2] / "codebooks" / "starter.toml"
        return p if p.exists() else None
    p = AGENDAS / f"{name}.toml"
    return p if p.exists() else None


def write_agenda(session, path: Path) -> int:
    """Definitions and rules (never anchors) of the file's codes, onto the project's codes
    of the same path. Returns how many codes got one."""
    from qualcode.codebook import CodeTree

    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("codes", [])
    tree = CodeTree.load(session)
    n = 0
    for e in entries:
        code = tree.find(e["path"])
        if code is None or not e.get("definition"):
            continue
        code.definition = " ".join(e["definition"].split())
        code.rule = " ".join((e.get("rule") or "").split())
        code.anchor = ""
        session.add(code)
        n += 1
    session.flush()
    return n


def _draw_per_code(train_cod, k: int, seed: int):
    """``k`` coded spans per code from the training codings (all codes of a drawn span)."""
    rng = np.random.default_rng(seed)
    by_code: dict[int, list[tuple[int, int, int]]] = {}
    for d, s, e, c in train_cod:
        by_code.setdefault(c, []).append((d, s, e))
    pick: set[tuple[int, int, int]] = set()
    for c in sorted(by_code):
        spans = sorted(set(by_code[c]))
        for i in rng.permutation(len(spans))[:k]:
            pick.add(spans[i])
    return [r for r in train_cod if (r[0], r[1], r[2]) in pick]


PASSAGES = "40 passages"


def _draw_passages(train_cod, n: int, seed: int):
    """``n`` coded spans drawn at random from the training codings (all codes of each)."""
    rng = np.random.default_rng(seed)
    spans = sorted({(d, s, e) for d, s, e, _ in train_cod})
    pick = {spans[i] for i in rng.permutation(len(spans))[:n]}
    return [r for r in train_cod if (r[0], r[1], r[2]) in pick]


def _cosine_baseline(session, ag, spans_texts, codes_order):
    """A plain sentence-encoder cosine between each passage and "name: definition"."""
    from qualcode.suggest import semantic
    from qualcode.suggest.index import db_url

    if not semantic.enabled():
        return None
    store = semantic.Store.open(db_url(session))
    first = {}
    for c, t in zip(ag.codes, ag.texts, strict=True):
        first.setdefault(c, t)
    defs = [first[c] for c in codes_order]
    V, found = store.lookup(spans_texts)
    D, fd = store.lookup(defs)
    if not fd.all():
        D[~fd] = semantic.load_encoder()([d for d, f in zip(defs, fd, strict=True) if not f])
    return V @ D.T


def agenda_curve(session, layouts, cod, train_docs, test_docs, *, draws: int = 3, ks=CURVE_K):
    from qualcode.bench.quality import (
        Baseline,
        content_paragraphs,
        paragraph_metrics,
        ranking_metrics,
        spans_of,
    )
    from qualcode.suggest import agenda as agenda_mod
    from qualcode.suggest.model import Coded, score_spans, train

    ag = agenda_mod.load(session)
    if not len(ag):
        return None
    texts = {d: lay.text for d, lay in layouts.items()}
    train_cod = [c for c in cod if c[0] in set(train_docs)]
    test_spans, test_gold = spans_of(cod, set(test_docs))
    para_keys, para_gold = content_paragraphs(layouts, test_docs, cod)
    span_texts = [texts[d][s:e] for d, s, e in test_spans]
    rows: list[dict] = []
    pairs: dict[str, list] = {}
    for k in (*ks, PASSAGES):
        per: dict[str, list[dict]] = {}
        for r in range(draws if k else 1):
            if k == PASSAGES:  # a project of 40 coded passages (issue 25, point 4)
                sub = _draw_passages(train_cod, 40, seed=200 + r)
            else:
                sub = _draw_per_code(train_cod, k, seed=100 + r) if k else []
            got: dict[str, dict] = {}
            for name, agenda in (("engine + agenda", ag), ("engine", agenda_mod.Agenda())):
                if not sub and not len(agenda):
                    continue
                if sub and len({c for *_, c in sub}) < 2 and not len(agenda):
                    continue
                model = train(session, "bench", codings=sub, negatives=[], agenda=agenda)
                codes, M = score_spans(session, model, test_spans, Coded(sub), layouts)
                codes_p, P = score_spans(session, model, para_keys, Coded(sub), layouts)
                if k in (0, 1):  # for the prior calibration map
                    pairs.setdefault(f"{name} k={k}", []).extend(
                        _raw_pairs(model, codes_p, P, para_gold)
                    )
                got[name] = {
                    **ranking_metrics(codes, M, test_gold),
                    **paragraph_metrics(codes_p, P, para_gold, apply_from=model.apply_from(0.9)),
                    # the first score's ECE over the coded passages (over all content
                    # paragraphs every one without a code counts as wrong: the draws give no
                    # "no code" examples, so a model of the curve cannot know them)
                    "ece_coded": paragraph_metrics(codes, M, test_gold)["ece_all"],
                    "agenda_weight": model.explain.get("agenda", {}).get("weight"),
                    "blocks": model.explain.get("blocks"),
                }
            base_t, base_y = [], []
            keys, labels = spans_of(sub, {d for d, *_ in sub})
            for (d, s, e), lab in zip(keys, labels, strict=True):
                for c in sorted(lab):
                    base_t.append(texts[d][s:e])
                    base_y.append(c)
            if len(set(base_y)) >= 2:
                b = Baseline(base_t, base_y)
                got["strong baseline"] = ranking_metrics(b.codes, b.score(span_texts), test_gold)
            b2 = Baseline(base_t + ag.texts, base_y + ag.codes)
            got["strong baseline + definitions"] = ranking_metrics(
                b2.codes, b2.score(span_texts), test_gold
            )
            if k == 0:
                order = ag.code_ids
                C = _cosine_baseline(session, ag, span_texts, order)
                if C is not None:
                    got["encoder cosine"] = ranking_metrics(order, C, test_gold)
            for name, v in got.items():
                per.setdefault(name, []).append(v)
        row = {"per_code": k, "draws": draws if k else 1}
        for name, vs in per.items():
            row[name] = {
                m: float(np.mean([v[m] for v in vs if v.get(m) is not None]))
                for m in ("macro_f1", "top3", "ece_all", "ece_coded", "apply_precision")
                if any(v.get(m) is not None for v in vs)
            }
            row[name]["agenda_weights"] = [v.get("agenda_weight") for v in vs]
        rows.append(row)
    return {"rows": rows, "pairs": pairs}


def _raw_pairs(model, codes, P, gold, limit: int = 1500):
    """``(probability, first, right)`` of each paragraph's three first codes (the model's
    scores before any calibration map: the softmax at its temperature)."""
    out = []
    for r in range(min(len(P), limit)):
        order = np.argsort(-P[r], kind="stable")[:3]
        for rank, j in enumerate(order):
            out.append((float(P[r, j]), int(rank == 0), int(codes[j] in gold[r])))
    return out


def mix_weights(train_gold: list, test_gold: list) -> np.ndarray:
    """Per test paragraph: the share its codes (or "no code") have among the training
    documents' content paragraphs, over their share among the test documents' — so that the
    test paragraphs count with the training documents' mix of codes (importance weights for
    a shift in the codes' shares alone; a paragraph of a code no training document has
    weighs 0). A paragraph with several codes takes the mean of theirs."""

    def shares(gold) -> dict:
        out: dict = {}
        for g in gold:
            for c in g or (None,):
                out[c] = out.get(c, 0.0) + 1.0 / max(1, len(g))
        total = sum(out.values()) or 1.0
        return {c: v / total for c, v in out.items()}

    tr, te = shares(train_gold), shares(test_gold)
    return np.asarray(
        [float(np.mean([tr.get(c, 0.0) / te[c] for c in (g or (None,))])) for g in test_gold]
    )


def small_projects(session, layouts, cod, docs, *, draws: int = 5, size=SMALL_DOCS, seed=7):
    """Random draws of ``size`` training documents: reported vs measured (see module doc)."""
    from qualcode.bench.quality import (
        content_paragraphs,
        paragraph_metrics,
        ranking_metrics,
        spans_of,
    )
    from qualcode.suggest import agenda as agenda_mod
    from qualcode.suggest.model import Coded, score_spans, train

    rng = np.random.default_rng(seed)
    coded_docs = sorted({d for d, *_ in cod})
    out = []
    for _ in range(draws):
        n = int(rng.integers(size[0], size[1] + 1))
        # at least 4 documents (and a third of the corpus) stay for measuring
        n = max(2, min(n, len(coded_docs) - max(MIN_TEST_DOCS, len(coded_docs) // 3)))
        train_docs = sorted(rng.choice(coded_docs, n, replace=False))
        test_docs = [d for d in docs if d not in set(train_docs)]
        sub = [c for c in cod if c[0] in set(train_docs)]
        test_spans, test_gold = spans_of(cod, set(test_docs))
        para_keys, para_gold = content_paragraphs(layouts, test_docs, cod)
        mix = mix_weights(content_paragraphs(layouts, train_docs, cod)[1], para_gold)
        model = train(session, "bench", codings=sub, agenda=agenda_mod.Agenda())
        codes, M = score_spans(session, model, test_spans, Coded(sub), layouts)
        codes_p, P = score_spans(session, model, para_keys, Coded(sub), layouts)
        measured = ranking_metrics(codes, M, test_gold)
        start = model.apply_from(0.9)
        para = paragraph_metrics(codes_p, P, para_gold, apply_from=start)
        para_mix = paragraph_metrics(codes_p, P, para_gold, mix, apply_from=start)
        exp = model.explain.get("expected") or {}
        out.append(
            {
                "train_documents": len(train_docs),
                "coded_passages": model.explain["training"]["coded_passages"],
                "reported": exp.get("macro_f1"),
                "interval": exp.get("interval"),
                "cv_chosen": (model.explain["cross_validation"].get("chosen") or {}).get(
                    "macro_f1"
                ),
                "measured": measured["macro_f1"],
                "top3": measured["top3"],
                "ece_all": para["ece_all"],
                "apply_n": para["apply_n"],
                "apply_from": start,
                "apply_precision": para["apply_precision"],
                "ece_mix": para_mix["ece_all"],
                "apply_precision_mix": para_mix["apply_precision"],
                "apply_weight_mix": para_mix["apply_weight"],
                "blocks": model.explain["blocks"],
            }
        )
    return out


def summarise_small(rows: list[dict]) -> dict:
    gaps = [abs(r["reported"] - r["measured"]) for r in rows if r["reported"] is not None]
    cv = [abs(r["cv_chosen"] - r["measured"]) for r in rows if r["cv_chosen"] is not None]
    inside = [r["interval"][0] <= r["measured"] <= r["interval"][1] for r in rows if r["interval"]]
    n_apply = sum(r["apply_n"] for r in rows)
    right = sum((r["apply_precision"] or 0) * r["apply_n"] for r in rows)
    w_mix = sum(r.get("apply_weight_mix", 0.0) for r in rows)
    right_mix = sum(
        (r.get("apply_precision_mix") or 0) * r.get("apply_weight_mix", 0.0) for r in rows
    )
    mixed = [r["ece_mix"] for r in rows if r.get("ece_mix") is not None]
    starts = [r["apply_from"] for r in rows if r.get("apply_from") is not None]
    return {
        "draws": len(rows),
        "ece_all": float(np.mean([r["ece_all"] for r in rows])),
        "apply_n": n_apply,
        "apply_precision": (right / n_apply) if n_apply else None,
        # the score from which `--apply --min-score 0.9` wrote, over the draws (and how
        # many draws it wrote nothing: no level the held-out documents bear out)
        "apply_from": [min(starts), max(starts)] if starts else None,
        "apply_nowhere": sum("apply_from" in r and r["apply_from"] is None for r in rows),
        "ece_mix": float(np.mean(mixed)) if mixed else None,
        "apply_precision_mix": (right_mix / w_mix) if w_mix else None,
        "gap": float(np.mean(gaps)) if gaps else None,
        "gap_plain_cv": float(np.mean(cv)) if cv else None,
        "reported": float(np.mean([r["reported"] for r in rows if r["reported"] is not None]))
        if gaps
        else None,
        "measured": float(np.mean([r["measured"] for r in rows])),
        "in_interval": float(np.mean(inside)) if inside else None,
    }


def run(corpus: Path, codings_csv: Path, *, draws_curve=3, draws_small=5, ks=CURVE_K) -> dict:
    """Both benchmarks on one corpus, in a scratch project (see :mod:`.quality`)."""
    import tempfile

    from qualcode.bench.quality import embed_all, gold_codings, make_project
    from qualcode.database import reading, transaction
    from qualcode.suggest.layout import load_layouts

    out: dict = {"corpus": Path(corpus).name}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_project(corpus, codings_csv, Path(tmp))
        path = agenda_file(corpus)
        if path is not None:
            with transaction(engine, "bench agenda", "bench", record=False) as s:
                out["agenda_codes"] = write_agenda(s, path)
        embed_all(str(Path(tmp) / "bench-suggest.sqlite"))
        with reading(engine) as session:
            cod, train_docs, test_docs, _ = gold_codings(session, None)
            docs = sorted(train_docs + test_docs)
            layouts = load_layouts(session, docs)
            if draws_small:
                rows = small_projects(session, layouts, cod, docs, draws=draws_small)
                out["small"] = {"draws": rows, "summary": summarise_small(rows)}
            if draws_curve and path is not None:
                out["agenda_curve"] = agenda_curve(
                    session, layouts, cod, train_docs, test_docs, draws=draws_curve, ks=ks
                )
        engine.dispose()
    return out


# --- report ------------------------------------------------------------------------------


def _f(v, fmt=".3f") -> str:
    return "–" if v is None else format(v, fmt)


def _mark(ok: bool) -> str:
    return "" if ok else " ✗"


def small_table(results: list[dict]) -> str:
    lines = [
        "| corpus | draws | training documents | coded passages | reported (nested CV) | measured | \\|reported − measured\\| (≤ 0.05) | \\|plain CV − measured\\| | measured inside the 90 % interval | ECE all paragraphs (≤ 0.05) | `--apply` 0.9 precision (n) (≥ 0.9) | draws where `--apply` 0.9 wrote nothing | ECE / `--apply` 0.9 precision, the training documents' mix of codes |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for q in results:
        sm = q.get("small")
        if not sm:
            continue
        s, rows = sm["summary"], sm["draws"]
        docs = [r["train_documents"] for r in rows]
        coded = [r["coded_passages"] for r in rows]
        p = s["apply_precision"]
        lines.append(
            f"| {q['corpus']} | {s['draws']} | {min(docs)}–{max(docs)} | {min(coded)}–{max(coded)} | "
            f"{_f(s['reported'])} | {s['measured']:.3f} | {_f(s['gap'])}{_mark(s['gap'] is not None and s['gap'] <= 0.05)} | "
            f"{_f(s['gap_plain_cv'])} | {_f(s['in_interval'], '.0%')} | "
            f"{s['ece_all']:.3f}{_mark(s['ece_all'] <= 0.05)} | {_f(p, '.2f')} ({s['apply_n']}){_mark(p is None or p >= 0.9)} | "
            f"{s.get('apply_nowhere', 0)} | {_f(s.get('ece_mix'))} / {_f(s.get('apply_precision_mix'), '.2f')} |"
        )
    return "\n".join(lines)


SYSTEMS = (
    "engine + agenda",
    "engine",
    "strong baseline",
    "strong baseline + definitions",
    "encoder cosine",
)


def _ece(v: dict) -> str:
    if v.get("ece_coded") is None:
        return _f(v.get("ece_all"))
    return f"{_f(v.get('ece_coded'))} ({_f(v.get('ece_all'))})"


def curve_table(results: list[dict]) -> str:
    lines = [
        "| corpus | codings per code | "
        + " | ".join(SYSTEMS)
        + " | ECE on the coded passages (all paragraphs): engine + agenda / engine |",
        "|---|---|" + "---:|" * len(SYSTEMS) + "---:|",
    ]
    for q in results:
        ac = q.get("agenda_curve")
        if not ac:
            continue
        for row in ac["rows"]:
            cells = []
            for name in SYSTEMS:
                v = row.get(name)
                cells.append("–" if not v else f"{v['macro_f1']:.3f} ({v['top3']:.3f})")
            e1, e2 = row.get("engine + agenda") or {}, row.get("engine") or {}
            k = row["per_code"]
            lines.append(
                f"| {q['corpus']} | {k if k != PASSAGES else '40 passages'} | "
                + " | ".join(cells)
                + f" | {_ece(e1)} / {_ece(e2)} |"
            )
    return "\n".join(lines)


def targets_table(results: list[dict]) -> str:
    lines = [
        "| corpus | 0 codings: agenda − max(baseline on 1 per code, encoder cosine) (≥ +0.05) | 1 per code: agenda − codings alone (≥ +0.05) | 3 per code: agenda − codings alone (≥ +0.05) | 40 passages: top-3 engine + agenda − baseline (≥ +0.05) | 40 passages: top-3 engine − baseline (≥ +0.05) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for q in results:
        ac = q.get("agenda_curve")
        if not ac:
            continue
        by = {r["per_code"]: r for r in ac["rows"]}

        def f1(k, name, m="macro_f1", by=by):
            v = (by.get(k) or {}).get(name)
            return None if not v else v[m]

        cells = []
        z = f1(0, "engine + agenda")
        ref = [v for v in (f1(1, "strong baseline"), f1(0, "encoder cosine")) if v is not None]
        if z is not None and ref:
            d = z - max(ref)
            cells.append(f"{d:+.3f}{_mark(d >= 0.05)}")
        else:
            cells.append("–")
        for k in (1, 3):
            a, b = f1(k, "engine + agenda"), f1(k, "engine")
            cells.append("–" if a is None or b is None else f"{a - b:+.3f}{_mark(a - b >= 0.05)}")
        b3 = f1(PASSAGES, "strong baseline", "top3")
        for name in ("engine + agenda", "engine"):
            a3 = f1(PASSAGES, name, "top3")
            cells.append(
                "–" if a3 is None or b3 is None else f"{a3 - b3:+.3f}{_mark(a3 - b3 >= 0.05)}"
            )
        lines.append(f"| {q['corpus']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(results: list[dict]) -> str:
    return "\n".join(
        [
            "Small projects: random draws of 8–15 training documents per corpus (no agenda), "
            "scored on every other document.",
            "",
            small_table(results),
            "",
            "Learning curve with the coding agenda (written from the category names alone), "
            "same split as above; macro-F1 (top-3) of the first suggestion on the test documents:",
            "",
            curve_table(results),
            "",
            "Targets:",
            "",
            targets_table(results),
        ]
    )


if __name__ == "__main__":  # a quick look at one corpus: python -m qualcode.bench.agenda DIR
    import json
    import sys

    corpus = Path(sys.argv[1])
    ds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    dsm = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    print(
        json.dumps(run(corpus, corpus / "codings.csv", draws_curve=ds, draws_small=dsm), indent=1)
    )
