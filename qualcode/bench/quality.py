"""Quality of the code suggestions on a labelled corpus, beside the strong baseline.

One corpus = a folder of documents and a CSV of gold codings. The documents are imported
into a scratch project with the gold codings. Every second document (name order: 1st,
3rd, …) is the training set; the systems score the others, which are uncoded for them.

* **strong baseline** — what a practitioner writes in two lines: ``make_union(
  TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)), TfidfVectorizer(sublinear_tf=True,
  analyzer="char_wb", ngram_range=(2, 5)))`` + ``LogisticRegression(C=10,
  class_weight="balanced", max_iter=3000)`` on the raw text of the coded spans;
* **engine** — :func:`qualcode.suggest.model.train` on the training documents' codings
  (it tunes itself on them), scored with :func:`~qualcode.suggest.model.score_spans`.

Reported per system: top-1 and top-3 accuracy and macro-F1 of the first suggestion on the
gold-coded spans of the test documents; ECE of the first suggestion's score over **all**
content paragraphs of the test documents (a paragraph the gold coder left uncoded counts
as wrong — what ``qualcode suggest`` shows) with its reliability table; precision and
coverage of ``suggest --apply --min-score 0.9`` on those paragraphs; and a learning curve:
whole training documents are coded in a seeded order until every code has at least
2, 5, 10, 20 examples (or the documents run out), then both systems are scored again.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0000001)
APPLY_AT = 0.9
CURVE = (2, 5, 10, 20)


def make_project(corpus: Path, codings_csv: Path, workdir: Path):
    from qualcode import nlp
    from qualcode.codings_io import import_codings_csv
    from qualcode.database import make_engine, transaction
    from qualcode.documents import import_paths

    engine = make_engine(str(workdir / "bench-suggest.sqlite"), create=True)
    with transaction(engine, "bench import", "bench") as s:
        res = import_paths(s, [corpus], nlp_obj=nlp.load_sentences())
        if res.failed:
            raise SystemExit(f"import failed: {res.failed}")
        import_codings_csv(s, codings_csv, "gold", create_codes=True)
    return engine


def embed_all(db: str) -> dict | None:
    """Embed every passage now (the semantic block), as the background embedder would have
    by the time a researcher asks for suggestions; None when no encoder is installed."""
    from qualcode.suggest import semantic

    if not semantic.enabled():
        return None
    return semantic.embed_missing(db)


def gold_codings(session, gold_coder: str | None):
    from sqlalchemy import select

    from qualcode.models import Coder, Coding, Document

    rows = session.execute(
        select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coder.name).join(
            Coder, Coder.id == Coding.coder_id
        )
    ).all()
    coders = Counter(r[4] for r in rows)
    if gold_coder is None:
        gold_coder = "anna" if "anna" in coders else coders.most_common(1)[0][0]
    cod = sorted({(d, s, e, c) for d, s, e, c, who in rows if who == gold_coder})
    names = sorted(session.execute(select(Document.name, Document.id)).all())
    train = [d for i, (_, d) in enumerate(names) if i % 2 == 0]
    test = [d for i, (_, d) in enumerate(names) if i % 2 == 1]
    return cod, train, test, gold_coder


def spans_of(codings, docs) -> tuple[list[tuple[int, int, int]], list[frozenset[int]]]:
    spans: dict[tuple[int, int, int], set[int]] = {}
    for d, s, e, c in codings:
        if d in docs:
            spans.setdefault((d, s, e), set()).add(c)
    keys = sorted(spans)
    return keys, [frozenset(spans[k]) for k in keys]


def reliability(scores, ok, weights=None) -> dict:
    s = np.asarray(scores, dtype=float)
    y = np.asarray(ok, dtype=float)
    w = np.ones(len(s)) if weights is None else np.asarray(weights, dtype=float)
    bins, ece = [], 0.0
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        m = (s >= lo) & (s < hi)
        if m.sum() and w[m].sum() > 0:
            mean_s = float(np.average(s[m], weights=w[m]))
            acc = float(np.average(y[m], weights=w[m]))
            bins.append(
                {
                    "bin": f"{lo:.1f}–{min(hi, 1.0):.1f}",
                    "n": int(m.sum()),
                    "mean_score": mean_s,
                    "accuracy": acc,
                }
            )
            ece += w[m].sum() / w.sum() * abs(mean_s - acc)
    return {"ece": float(ece), "reliability": bins}


def ranking_metrics(codes, M, gold: list[frozenset[int]]) -> dict:
    from sklearn.metrics import f1_score

    order = np.argsort(-M, axis=1, kind="stable")[:, :3]
    ranked = [[codes[j] for j in row] for row in order]
    top1 = [r[0] if r else -99 for r in ranked]
    n = len(gold)
    acc1 = sum(t in g for t, g in zip(top1, gold, strict=True)) / n
    acc3 = sum(bool(set(r) & g) for r, g in zip(ranked, gold, strict=True)) / n
    y_true = [t if t in g else min(g) for t, g in zip(top1, gold, strict=True)]
    labels = sorted(set(y_true) | set(top1))
    f1 = f1_score(y_true, top1, labels=labels, average="macro", zero_division=0)
    return {"n": n, "top1": acc1, "top3": acc3, "macro_f1": float(f1)}


def paragraph_metrics(codes, M, gold: list[set[int]], weights=None, apply_from=APPLY_AT) -> dict:
    """Calibration and `--apply --min-score 0.9` over all content paragraphs (``weights``:
    per paragraph, for :func:`qualcode.bench.agenda.mix_weights`; ``apply_from``: the score
    from which `--apply` writes, the engine's ``model.apply_from(0.9)``, None: nowhere)."""
    w = np.ones(len(gold)) if weights is None else np.asarray(weights, dtype=float)
    first = M.argmax(axis=1) if M.shape[1] else np.zeros(len(M), dtype=int)
    sc = M[np.arange(len(M)), first] if M.shape[1] else np.zeros(len(M))
    ok = [codes[j] in g for j, g in zip(first.tolist(), gold, strict=True)] if M.shape[1] else []
    rel = reliability(sc.tolist(), ok, w if len(ok) else None)
    applied = np.argwhere(M >= apply_from) if apply_from is not None else np.zeros((0, 2), int)
    right = sum(w[r] for r, j in applied if codes[j] in gold[r])
    n_w = sum(w[r] for r, _ in applied)
    coded = sum(w[i] for i, g in enumerate(gold) if g)
    return {
        "paragraphs": len(gold),
        "ece_all": rel["ece"],
        "reliability_all": rel["reliability"],
        "apply_n": int(len(applied)),
        "apply_weight": float(n_w),
        "apply_precision": float(right / n_w) if n_w else None,
        "apply_coverage": float(right / coded) if coded else 0.0,
        "apply_from": apply_from,
    }


class Baseline:
    """The strong baseline, scoring every span by its raw text."""

    def __init__(self, texts: list[str], labels: list[int]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        self.pipe = make_pipeline(
            make_union(
                TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
                TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)),
            ),
            LogisticRegression(C=10, class_weight="balanced", max_iter=3000),
        ).fit(texts, labels)
        self.codes = [int(c) for c in self.pipe.classes_]

    def score(self, texts: list[str]) -> np.ndarray:
        return self.pipe.predict_proba(texts)


def _baseline_train(layout_text, codings):
    keys, labels = spans_of(codings, {d for d, *_ in codings})
    texts, ys = [], []
    for (d, s, e), lab in zip(keys, labels, strict=True):
        for c in sorted(lab):
            texts.append(layout_text[d][s:e])
            ys.append(c)
    return Baseline(texts, ys)


def content_paragraphs(layouts, docs, codings):
    """Content paragraphs of the test documents (with words) and their gold codes."""
    from qualcode.suggest.service import _has_words

    by_doc: dict[int, list[tuple[int, int, int]]] = {}
    for d, s, e, c in codings:
        by_doc.setdefault(d, []).append((s, e, c))
    keys, gold = [], []
    for d in sorted(docs):
        lay = layouts[d]
        for i in lay.content:
            s, e = lay.starts[i], lay.ends[i]
            if not _has_words(lay.text[s:e]):
                continue
            keys.append((d, s, e))
            gold.append({c for gs, ge, c in by_doc.get(d, []) if gs < e and ge > s})
    return keys, gold


def evaluate_systems(session, layouts, train_cod, test_spans, test_gold, para_keys, para_gold):
    from qualcode.suggest.model import Coded, score_spans, train

    texts = {d: lay.text for d, lay in layouts.items()}
    out = {}
    t = time.perf_counter()
    base = _baseline_train(texts, train_cod)
    t_base = time.perf_counter() - t
    Mb = base.score([texts[d][s:e] for d, s, e in test_spans])
    Pb = base.score([texts[d][s:e] for d, s, e in para_keys])
    out["baseline"] = {
        **ranking_metrics(base.codes, Mb, test_gold),
        **paragraph_metrics(base.codes, Pb, para_gold),
        "train_seconds": t_base,
    }
    t = time.perf_counter()
    model = train(session, "bench", codings=train_cod)
    t_engine = time.perf_counter() - t
    coded = Coded(train_cod)
    codes, M = score_spans(session, model, test_spans, coded, layouts)
    codes_p, P = score_spans(session, model, para_keys, coded, layouts)
    out["engine"] = {
        **ranking_metrics(codes, M, test_gold),
        **paragraph_metrics(codes_p, P, para_gold, apply_from=model.apply_from(APPLY_AT)),
        "train_seconds": t_engine,
        "explain": model.explain,
    }
    return out


def curve_codings(train_cod, train_docs, k: int, seed: int = 0):
    """Whole training documents in a seeded order until every code has ``k`` examples."""
    rng = np.random.default_rng(seed)
    order = [train_docs[i] for i in rng.permutation(len(train_docs))]
    all_codes = {c for *_, c in train_cod}
    by_doc: dict[int, list] = {}
    for row in train_cod:
        by_doc.setdefault(row[0], []).append(row)
    chosen, counts = [], Counter()
    for d in order:
        if all(counts[c] >= k for c in all_codes):
            break
        rows = by_doc.get(d, [])
        chosen.extend(rows)
        counts.update(c for *_, c in rows)
    return chosen


def quality(
    corpus: Path,
    codings_csv: Path,
    gold_coder: str | None = None,
    *,
    curve=CURVE,
    next_sim: bool = False,
) -> dict:
    from qualcode.database import reading
    from qualcode.suggest.layout import load_layouts

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_project(corpus, codings_csv, Path(tmp))
        embedded = embed_all(str(Path(tmp) / "bench-suggest.sqlite"))
        with reading(engine) as session:
            cod, train_docs, test_docs, gold_coder = gold_codings(session, gold_coder)
            layouts = load_layouts(session, train_docs + test_docs)
            train_cod = [c for c in cod if c[0] in set(train_docs)]
            test_spans, test_gold = spans_of(cod, set(test_docs))
            if not train_cod or not test_spans:
                raise SystemExit(
                    f"the gold coder {gold_coder!r} has {len(train_cod)} codings in the training "
                    f"documents and {len(test_spans)} in the test documents (every second document); both must be coded"
                )
            para_keys, para_gold = content_paragraphs(layouts, test_docs, cod)
            main = evaluate_systems(
                session, layouts, train_cod, test_spans, test_gold, para_keys, para_gold
            )
            learning = []
            for k in curve:
                sub = curve_codings(train_cod, train_docs, k)
                if not sub:
                    continue
                codes_seen = {c for *_, c in sub}
                res = (
                    evaluate_systems(
                        session, layouts, sub, test_spans, test_gold, para_keys, para_gold
                    )
                    if len(codes_seen) >= 2
                    else None
                )
                if res is None:
                    continue
                learning.append(
                    {
                        "per_code": k,
                        "codings": len(sub),
                        "documents": len({d for d, *_ in sub}),
                        "baseline_macro_f1": res["baseline"]["macro_f1"],
                        "engine_macro_f1": res["engine"]["macro_f1"],
                        "baseline_top3": res["baseline"]["top3"],
                        "engine_top3": res["engine"]["top3"],
                        "engine_ece_all": res["engine"]["ece_all"],
                    }
                )
            neighbours = similar_precision(session, cod)
            sim = (
                simulate_next(
                    session,
                    layouts,
                    cod,
                    train_docs,
                    test_spans,
                    test_gold,
                    main["baseline"]["macro_f1"],
                )
                if next_sim
                else None
            )
        engine.dispose()
    return {
        "embedding": embedded,
        "similar": neighbours,
        "next_simulation": sim,
        "corpus": Path(corpus).name,
        "gold_coder": gold_coder,
        "train_documents": len(train_docs),
        "test_documents": len(test_docs),
        "train_spans": len(spans_of(train_cod, set(train_docs))[0]),
        "test_spans": len(test_spans),
        "test_paragraphs": len(para_keys),
        "codes": len({c for *_, c in cod}),
        "systems": main,
        "learning_curve": learning,
    }


def similar_precision(session, cod, k: int = 10) -> dict:
    """How often `similar` finds passages of the same code: for every coded paragraph, the
    share of its ``k`` most similar coded paragraphs *in other documents* that share one of
    its codes (precision@k) — the engine's index beside the strong baseline's vectors (the
    word + character TF-IDF union on the raw text, cosine)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union
    from sklearn.preprocessing import normalize

    from qualcode.suggest.index import get_index

    index = get_index(session)
    labels: dict[int, set[int]] = {}
    for d, s, e, c in cod:
        lo, hi = index.by_doc.get(d, (0, 0))
        for r in range(lo, hi):
            if index.starts[r] < e and index.ends[r] > s and not index.is_heading[r]:
                labels.setdefault(r, set()).add(c)
    rows = sorted(labels)
    if len(rows) < 2:
        return {"queries": 0, "engine": None, "baseline": None}
    texts = dict(_texts(session, sorted({int(index.doc_ids[r]) for r in rows})))
    raw = [texts[int(index.doc_ids[r])][index.starts[r] : index.ends[r]] for r in rows]
    union = make_union(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
        TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)),
    )
    B = normalize(union.fit_transform(raw))
    docs = index.doc_ids[rows]
    V = index.V[rows]

    def precision(sim: np.ndarray) -> float:
        sim = np.asarray(sim, dtype=np.float64)
        sim[docs[:, None] == docs[None, :]] = -np.inf  # other documents only
        top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        hits = [
            sum(1 for j in top[i] if labels[rows[j]] & labels[rows[i]] and np.isfinite(sim[i, j]))
            / k
            for i in range(len(rows))
        ]
        return float(np.mean(hits))

    from qualcode.suggest.index import db_url
    from qualcode.suggest.meaning import passage_meaning, similarity

    # what `similar` ranks by (:func:`qualcode.suggest.meaning.similarity`): the query
    # against the whole index (its neighbours lend theirs from there), read at the coded rows
    meaning = passage_meaning(db_url(session), index, lambda ids: dict(_texts(session, ids)))

    def engine_scores(r: int) -> np.ndarray:
        exclude = np.zeros(len(index.starts), dtype=bool)
        exclude[r] = True  # the query itself, as `similar` leaves it out
        qm = meaning.E[r] if meaning is not None and meaning.found[r] else None
        return similarity(index, index.V[[r]], exclude, meaning, qm)[rows]

    text_only = np.vstack([V.scores(V[[i]]) for i in range(len(rows))])
    return {
        "queries": len(rows),
        "k": k,
        "engine": precision(np.vstack([engine_scores(r) for r in rows])),
        "engine_text_only": precision(text_only),
        "meaning": meaning is not None and bool(meaning.found.all()),
        "baseline": precision((B @ B.T).toarray()),
    }


def _texts(session, doc_ids):
    from sqlalchemy import select

    from qualcode.models import Document

    return session.execute(select(Document.id, Document.text).where(Document.id.in_(doc_ids))).all()


# --- report ------------------------------------------------------------------------------


def _f(v, fmt=".3f") -> str:
    return "–" if v is None else format(v, fmt)


def _from(r: dict) -> str:
    """Where `--apply --min-score 0.9` wrote from, when the held-out documents moved it."""
    start = r.get("apply_from", APPLY_AT)
    if start is None:
        return ", nowhere"
    return "" if start == APPLY_AT else f", from {start:g}"


def summary_table(results: list[dict]) -> str:
    lines = [
        "| corpus | system | top-1 | top-3 | macro-F1 | ECE all paragraphs | `--apply` ≥ 0.9: precision / coverage (n) | train s |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for q in results:
        for name in ("baseline", "engine"):
            r = q["systems"][name]
            label = "strong baseline" if name == "baseline" else "**engine**"
            lines.append(
                f"| {q['corpus']} | {label} | {r['top1']:.3f} | {r['top3']:.3f} | {r['macro_f1']:.3f} | "
                f"{r['ece_all']:.3f} | {_f(r['apply_precision'], '.2f')} / {r['apply_coverage']:.2f} ({r['apply_n']}){_from(r)} | {r['train_seconds']:.1f} |"
            )
    return "\n".join(lines)


def similar_table(results: list[dict]) -> str:
    lines = [
        "| corpus | coded paragraphs | strong baseline P@10 | engine, text vectors only | **engine** P@10 | − baseline (≥ +0.05) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for q in results:
        r = q.get("similar") or {}
        if r.get("queries"):
            gain = r["engine"] - r["baseline"]
            lines.append(
                f"| {q['corpus']} | {r['queries']} | {r['baseline']:.3f} | {_f(r.get('engine_text_only'))} | "
                f"{r['engine']:.3f} | {gain:+.3f}{'' if gain >= 0.05 else ' ✗'} |"
            )
    return "\n".join(lines)


def next_table(results: list[dict]) -> str:
    """Paragraphs decided (codings made) until the engine reaches the strong baseline."""
    lines = [
        "| corpus | training paragraphs | target macro-F1 | document order | `qualcode next` order |",
        "|---|---:|---:|---:|---:|",
    ]

    def cell(v: dict) -> str:
        if v.get("paragraphs_to_target") is None:
            return "not reached"
        return f"{v['paragraphs_to_target']} ({v['codings_to_target']} codings)"

    for q in results:
        sim = q.get("next_simulation")
        if sim:
            lines.append(
                f"| {q['corpus']} | {sim['pool_paragraphs']} | {sim['target_macro_f1']:.3f} | "
                f"{cell(sim['document order'])} | {cell(sim['next'])} |"
            )
    return "\n".join(lines)


def embedding_table(results: list[dict]) -> str:
    """The background embedder's work per corpus (the semantic block), and what was chosen."""
    lines = [
        "| corpus | passages embedded | seconds | passages/s | semantic weight chosen |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in results:
        emb = q.get("embedding")
        if not emb:
            continue
        w = q["systems"]["engine"]["explain"]["blocks"].get("semantic", 0)
        rate = emb["embedded"] / emb["seconds"] if emb.get("seconds") else 0.0
        lines.append(
            f"| {q['corpus']} | {emb['embedded']:,} | {emb['seconds']:.0f} | {rate:.0f} | {w:g} |"
        )
    return "\n".join(lines)


def targets_table(results: list[dict]) -> str:
    lines = [
        "| corpus | macro-F1 − baseline (≥ +0.05) | top-3 − baseline (≥ 0) | ECE (≤ 0.05) | precision at 0.9 (≥ 0.9) |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in results:
        b, e = q["systems"]["baseline"], q["systems"]["engine"]
        d1 = e["macro_f1"] - b["macro_f1"]
        d3 = e["top3"] - b["top3"]
        p = e["apply_precision"]

        def mark(ok: bool) -> str:
            return "" if ok else " ✗"

        lines.append(
            f"| {q['corpus']} | {d1:+.3f}{mark(d1 >= 0.05)} | {d3:+.3f}{mark(d3 >= 0)} | "
            f"{e['ece_all']:.3f}{mark(e['ece_all'] <= 0.05)} | {_f(p, '.2f')}{_from(e)}{mark(p is None or p >= 0.9)} |"
        )
    return "\n".join(lines)


def corpus_markdown(q: dict) -> str:
    e = q["systems"]["engine"]
    ex = e["explain"]
    lines = [
        f"### `{q['corpus']}`",
        "",
        f"Gold coder **{q['gold_coder']}**: {q['train_documents']} training documents "
        f"({q['train_spans']} coded spans), {q['test_documents']} test documents ({q['test_spans']} coded spans, "
        f"{q['test_paragraphs']} content paragraphs), {q['codes']} codes.",
        "",
        f"Chosen by the engine: blocks {ex['blocks']}, λ = {ex['lambda']}, sequence stage "
        f"{'on' if ex['sequence'] else 'off'} ({ex['reason']}).",
        "",
        "Reliability of the engine's first suggestion over all content paragraphs of the test documents:",
        "",
        "| score | n | mean score | right |",
        "|---|---:|---:|---:|",
    ]
    for b in e["reliability_all"]:
        lines.append(f"| {b['bin']} | {b['n']} | {b['mean_score']:.2f} | {b['accuracy']:.2f} |")
    sim = q.get("next_simulation")
    if sim:

        def reach(v):
            if v["codings_to_target"] is None:
                return "not reached"
            return (
                f"{v['paragraphs_to_target']} paragraphs decided ({v['codings_to_target']} codings)"
            )

        lines += [
            "",
            f"What to code next (simulated researcher, {sim['pool_paragraphs']} paragraphs, target = strong baseline's macro-F1 {sim['target_macro_f1']:.3f}): "
            f"document order {reach(sim['document order'])}, `qualcode next` order {reach(sim['next'])}.",
        ]
    if q["learning_curve"]:
        lines += [
            "",
            "Learning curve (whole training documents coded until every code has ≥ k examples):",
            "",
            "| k | codings | documents | baseline macro-F1 | engine macro-F1 | baseline top-3 | engine top-3 | engine ECE |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in q["learning_curve"]:
            lines.append(
                f"| {r['per_code']} | {r['codings']} | {r['documents']} | {r['baseline_macro_f1']:.3f} | "
                f"{r['engine_macro_f1']:.3f} | {r['baseline_top3']:.3f} | {r['engine_top3']:.3f} | {r['engine_ece_all']:.3f} |"
            )
    return "\n".join(lines)


# --- what to code next: a simulated researcher ----------------------------------------------


def simulate_next(
    session, layouts, cod, train_docs, test_spans, test_gold, target: float, steps: int = 20
):
    """How much a simulated researcher must code to reach ``target`` macro-F1 on the test
    documents, deciding the training documents' paragraphs in document order versus in the
    order of ``qualcode next`` (:func:`qualcode.suggest.next.pick`). Each step decides an
    equal batch of paragraphs: their gold codings are added, and the paragraphs the gold coder
    left uncoded become explicit "no code" examples (as `i` marks them in the workbench) — the
    same information for both orders. The engine is retrained (reusing its tuned
    configuration) and scored after each step. Reported: paragraphs decided and codings made
    when the target is first reached."""
    from qualcode.suggest.model import Coded, score_spans, train
    from qualcode.suggest.next import pick as next_pick

    pool = []
    for d in train_docs:  # name order
        lay = layouts[d]
        pool += [(d, lay.starts[i], lay.ends[i]) for i in lay.content]
    by_para: dict[tuple[int, int, int], list] = {}
    for row in cod:
        d, s, e, c = row
        for k in pool:
            if k[0] == d and k[1] < e and k[2] > s:
                by_para.setdefault(k, []).append(row)
                break
    batch = max(5, len(pool) // steps)
    out = {}
    for order_name in ("document order", "next"):
        revealed: list[tuple[int, int, int]] = []
        left = list(pool)
        prior = None
        reached = None
        curve = []
        model = None
        while left:
            if order_name == "document order" or model is None:
                pick, left = left[:batch], left[batch:]
            else:
                codings = [r for k in revealed for r in by_para.get(k, [])]
                codes, M = score_spans(session, model, left, Coded(codings), layouts)
                chosen = [i for i, _ in next_pick(M, min(batch, len(left)), len(codings))[0]]
                pick = [left[i] for i in chosen]
                keep = set(chosen)
                left = [k for i, k in enumerate(left) if i not in keep]
            revealed += pick
            codings = [r for k in revealed for r in by_para.get(k, [])]
            if len({c for *_, c in codings}) < 2:
                continue
            negatives = [k for k in revealed if k not in by_para]
            model = train(session, "sim", codings=codings, prior=prior, negatives=negatives)
            prior = model.explain
            codes, M = score_spans(session, model, test_spans, Coded(codings), layouts)
            f1 = ranking_metrics(codes, M, test_gold)["macro_f1"]
            curve.append({"paragraphs": len(revealed), "codings": len(codings), "macro_f1": f1})
            if reached is None and f1 >= target:
                reached = {"paragraphs": len(revealed), "codings": len(codings)}
                break
        out[order_name] = {
            "paragraphs_to_target": reached and reached["paragraphs"],
            "codings_to_target": reached and reached["codings"],
            "curve": curve,
        }
    return {"target_macro_f1": target, "pool_paragraphs": len(pool), **out}
