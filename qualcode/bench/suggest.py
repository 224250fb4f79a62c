"""`make bench-suggest`: quality and speed of the suggestions engine.

    python -m qualcode.bench.suggest                              # demo corpus + corpus/codings.csv
    python -m qualcode.bench.suggest --corpus DIR --codings FILE  # any labelled corpus
    python -m qualcode.bench.suggest --speed 10000,100000         # synthetic speed benchmark

**Quality.** The documents are imported into a scratch project with the gold codings of
one coder (``--gold-coder``, default ``anna`` when present, else the most frequent one).
Every second document (name order, 1st, 3rd, …) is the training set; the engine suggests
codes for the coded spans of the others. Reported: top-1 accuracy (the first suggestion is
one of the gold codes), top-3 accuracy, macro-F1 of the first suggestion, and calibration
(reliability: mean score vs. accuracy per score bin, expected calibration error) — for
the engine, each signal switched on one at a time (ablation), and a plain baseline in
the same run: scikit-learn ``TfidfVectorizer()`` on the raw text + ``LogisticRegression()``
with default settings. A second scenario codes every second gold span of the test
documents too ("half-coded"), which is where the neighbours' codes can help.

**Speed.** A synthetic German-like corpus (seeded) of N paragraphs in documents of 50
paragraphs with agenda headings, 5 % of the paragraphs coded with 20 codes. Each size runs
in its own process under ``/usr/bin/time -v`` (peak RSS): index build (lemmas + TF-IDF),
model training, ``suggest`` for all uncoded paragraphs, ``similar`` warm (median of 50).

Results: ``bench/suggest_results.json`` and ``bench/suggest_results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "bench"
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0000001)


# --- quality -----------------------------------------------------------------------------


@dataclass
class Gold:
    train_docs: list[int]
    test_docs: list[int]
    codings: list[tuple[int, int, int, int]]  # gold coder's (doc, start, end, code)


def _make_project(corpus: Path, codings_csv: Path, workdir: Path):
    from qualcode import nlp
    from qualcode.codings import import_codings_csv
    from qualcode.database import make_engine, transaction
    from qualcode.documents import import_paths

    engine = make_engine(str(workdir / "bench-suggest.sqlite"))
    with transaction(engine, "bench import", "bench") as s:
        res = import_paths(s, [corpus], nlp_obj=nlp.load())
        if res.failed:
            raise SystemExit(f"import failed: {res.failed}")
        import_codings_csv(s, codings_csv, "gold", create_codes=True)
    return engine


def _gold(session, gold_coder: str | None) -> tuple[Gold, str]:
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
    return Gold(train, test, cod), gold_coder


def _units(codings, docs) -> tuple[list[tuple[int, int, int]], list[frozenset[int]]]:
    spans: dict[tuple[int, int, int], set[int]] = {}
    for d, s, e, c in codings:
        if d in docs:
            spans.setdefault((d, s, e), set()).add(c)
    keys = sorted(spans)
    return keys, [frozenset(spans[k]) for k in keys]


def _metrics(
    ranked: list[list[int]], scores: list[list[float]], gold: list[frozenset[int]]
) -> dict:
    from sklearn.metrics import f1_score

    n = len(gold)
    top1 = [r[0] if r else -99 for r in ranked]
    acc1 = sum(t in g for t, g in zip(top1, gold, strict=True)) / n
    acc3 = sum(bool(set(r[:3]) & g) for r, g in zip(ranked, gold, strict=True)) / n
    y_true = [t if t in g else min(g) for t, g in zip(top1, gold, strict=True)]
    labels = sorted(set(y_true) | {t for t in top1 if t != -99})
    f1 = f1_score(y_true, top1, labels=labels, average="macro", zero_division=0)
    s1 = [s[0] if s else 0.0 for s in scores]
    ok = [t in g for t, g in zip(top1, gold, strict=True)]
    return {"n": n, "top1": acc1, "top3": acc3, "macro_f1": float(f1), **_reliability(s1, ok)}


def _reliability(scores: list[float], ok: list[bool]) -> dict:
    s = np.asarray(scores, dtype=float)
    y = np.asarray(ok, dtype=float)
    bins = []
    ece = 0.0
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        m = (s >= lo) & (s < hi)
        if m.sum():
            bins.append(
                {
                    "bin": f"{lo:.1f}–{min(hi, 1.0):.1f}",
                    "n": int(m.sum()),
                    "mean_score": float(s[m].mean()),
                    "accuracy": float(y[m].mean()),
                }
            )
            ece += m.sum() / len(s) * abs(s[m].mean() - y[m].mean())
    return {"ece": float(ece), "reliability": bins}


def _engine_predict(
    session, index, nlp_obj, signals, train_codings, test_spans, *, context_codings=None
):
    from qualcode.suggest.model import Neighbours, score, span_units, train

    model = train(session, index, nlp_obj, signals, "bench", codings=train_codings)
    units = span_units(session, index, nlp_obj, test_spans)
    neigh = (
        Neighbours(context_codings if context_codings is not None else train_codings)
        if signals.neighbours
        else None
    )
    codes, M, _ = score(model, index, units, neigh)
    ranked, scores = [], []
    for r in range(M.shape[0]):
        order = np.argsort(-M[r], kind="stable")[:3]
        ranked.append([codes[j] for j in order])
        scores.append([float(M[r, j]) for j in order])
    return ranked, scores, model


def _baseline_predict(session, train_codings, test_spans):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sqlalchemy import select

    from qualcode.models import Document

    texts = dict(session.execute(select(Document.id, Document.text)).all())
    X_txt = [texts[d][s:e] for d, s, e, _ in train_codings]
    y = [c for *_, c in train_codings]
    vec = TfidfVectorizer()
    clf = LogisticRegression(max_iter=1000).fit(vec.fit_transform(X_txt), y)
    P = clf.predict_proba(vec.transform([texts[d][s:e] for d, s, e in test_spans]))
    ranked, scores = [], []
    for r in range(P.shape[0]):
        order = np.argsort(-P[r], kind="stable")[:3]
        ranked.append([int(clf.classes_[j]) for j in order])
        scores.append([float(P[r, j]) for j in order])
    return ranked, scores


def _all_passages_calibration(session, index, model, signals, gold: Gold, train_codings) -> dict:
    """Top-1 score vs. correctness over every content paragraph of the test documents
    (paragraphs the gold coder left uncoded count as wrong): what `suggest` shows."""
    from qualcode.suggest.model import Neighbours, Units, score

    rows = [
        i
        for d in gold.test_docs
        for i in range(*index.by_doc.get(d, (0, 0)))
        if not index.is_heading[i] and index.n_lemmas[i] > 0
    ]
    rows_a = np.asarray(rows, dtype=np.int64)
    units = Units(
        index.doc_ids[rows_a],
        index.starts[rows_a],
        index.ends[rows_a],
        index.X[rows_a],
        [index.context[i] for i in rows],
        index.relpos[rows_a],
    )
    codes, M, _ = score(
        model, index, units, Neighbours(train_codings) if signals.neighbours else None
    )
    by_doc: dict[int, list[tuple[int, int, int]]] = {}
    for d, s, e, c in gold.codings:
        by_doc.setdefault(d, []).append((s, e, c))
    sc, ok = [], []
    for k, i in enumerate(rows):
        j = int(np.argmax(M[k]))
        d, s, e = int(index.doc_ids[i]), int(index.starts[i]), int(index.ends[i])
        gold_codes = {c for gs, ge, c in by_doc.get(d, []) if gs < e and ge > s}
        sc.append(float(M[k, j]))
        ok.append(codes[j] in gold_codes)
    return {"n": len(rows), **_reliability(sc, ok)}


def quality(corpus: Path, codings_csv: Path, gold_coder: str | None = None) -> dict:
    from qualcode.database import reading
    from qualcode.suggest.index import build_index, get_nlp
    from qualcode.suggest.model import Signals

    with tempfile.TemporaryDirectory() as tmp:
        engine = _make_project(corpus, codings_csv, Path(tmp))
        with reading(engine) as session:
            gold, gold_coder = _gold(session, gold_coder)
            nlp_obj = get_nlp(session)
            t0 = time.perf_counter()
            idx_full = build_index(session, nlp_obj, "bench")
            idx_words = build_index(session, nlp_obj, "bench-words", use_chars=False)
            t_index = time.perf_counter() - t0
            train_cod = [c for c in gold.codings if c[0] in set(gold.train_docs)]
            test_spans, test_gold = _units(gold.codings, set(gold.test_docs))
            if not train_cod or not test_spans:
                raise SystemExit(
                    f"the gold coder {gold_coder!r} has {len(train_cod)} codings in the training documents and "
                    f"{len(test_spans)} in the test documents (every second document); both must be coded"
                )
            rows: list[dict] = []

            def run(name: str, index, signals: Signals, note: str) -> None:
                t = time.perf_counter()
                ranked, scores, model = _engine_predict(
                    session, index, nlp_obj, signals, train_cod, test_spans
                )
                m = _metrics(ranked, scores, test_gold)
                allp_row = _all_passages_calibration(
                    session, index, model, signals, gold, train_cod
                )
                rows.append(
                    {
                        "system": name,
                        "note": note,
                        "calibrated": model.calibrated,
                        "seconds": time.perf_counter() - t,
                        "ece_all": allp_row["ece"],
                        **m,
                    }
                )

            t = time.perf_counter()
            b_ranked, b_scores = _baseline_predict(session, train_cod, test_spans)
            rows.append(
                {
                    "system": "baseline",
                    "note": "TfidfVectorizer() on raw text + LogisticRegression()",
                    "calibrated": False,
                    "seconds": time.perf_counter() - t,
                    **_metrics(b_ranked, b_scores, test_gold),
                }
            )
            off = dict(heading=False, position=False, neighbours=False, none_class=False)
            run("lemmas", idx_words, Signals(**off), "lemma TF-IDF only")
            run("+ char n-grams", idx_full, Signals(**off), "lemmas + char_wb 3–5 n-grams")
            run(
                "+ heading",
                idx_full,
                Signals(**{**off, "heading": True}),
                "+ headings/agenda items above",
            )
            run(
                "+ position",
                idx_full,
                Signals(**{**off, "heading": True, "position": True}),
                "+ relative position",
            )
            run(
                "+ no-code class",
                idx_full,
                Signals(**{**off, "heading": True, "position": True, "none_class": True}),
                "+ uncoded paragraphs as 'no code'",
            )
            run(
                "engine (all signals)",
                idx_full,
                Signals(),
                "+ neighbours' codes (none in uncoded test documents)",
            )
            for r in rows:
                r["scenario"] = "uncoded test documents"
            # all-passages calibration of the full engine
            full_model = _engine_predict(
                session, idx_full, nlp_obj, Signals(), train_cod, test_spans[:1]
            )[2]
            allp = _all_passages_calibration(
                session, idx_full, full_model, Signals(), gold, train_cod
            )
            # half-coded scenario: every second gold span of the test documents is coded as well
            half_rows = []
            revealed = set(test_spans[0::2])
            ctx = train_cod + [c for c in gold.codings if (c[0], c[1], c[2]) in revealed]
            eval_spans = [sp for sp in test_spans if sp not in revealed]
            eval_gold = [
                g for sp, g in zip(test_spans, test_gold, strict=True) if sp not in revealed
            ]
            b_ranked, b_scores = _baseline_predict(session, ctx, eval_spans)
            half_rows.append(
                {
                    "system": "baseline",
                    "note": "",
                    "calibrated": False,
                    **_metrics(b_ranked, b_scores, eval_gold),
                }
            )
            for name, sig in (
                ("engine without neighbours", Signals(neighbours=False)),
                ("engine (all signals)", Signals()),
            ):
                ranked, scores, model = _engine_predict(
                    session, idx_full, nlp_obj, sig, ctx, eval_spans, context_codings=ctx
                )
                half_rows.append(
                    {
                        "system": name,
                        "note": "",
                        "calibrated": model.calibrated,
                        **_metrics(ranked, scores, eval_gold),
                    }
                )
            for r in half_rows:
                r["scenario"] = "half-coded test documents"
        engine.dispose()
    return {
        "corpus": str(corpus),
        "codings": str(codings_csv),
        "gold_coder": gold_coder,
        "train_documents": len(gold.train_docs),
        "test_documents": len(gold.test_docs),
        "train_spans": len(_units(train_cod, set(gold.train_docs))[0]),
        "test_spans": len(test_spans),
        "codes": len({c for *_, c in gold.codings}),
        "nlp": nlp_obj.name,
        "index_seconds": t_index,
        "results": rows + half_rows,
        "all_passages_calibration": allp,
    }


def quality_markdown(q: dict) -> str:
    lines = [
        f"Corpus `{Path(q['corpus']).name}/` with gold codings of **{q['gold_coder']}**: "
        f"{q['train_documents']} training documents ({q['train_spans']} coded spans), "
        f"{q['test_documents']} test documents ({q['test_spans']} coded spans), {q['codes']} codes; NLP: {q['nlp']}.",
        "",
        "| scenario | system | top-1 | top-3 | macro-F1 | ECE coded spans | ECE all paragraphs | calibrated |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in q["results"]:
        ece_all = f"{r['ece_all']:.3f}" if "ece_all" in r else "–"
        lines.append(
            f"| {r['scenario']} | {r['system']} | {r['top1']:.3f} | {r['top3']:.3f} | {r['macro_f1']:.3f} | {r['ece']:.3f} | {ece_all} | {'yes' if r['calibrated'] else 'no'} |"
        )
    lines += [
        "",
        "ECE = expected calibration error of the first suggestion's score (0 = a score of 0.8 is right 8 times in 10). "
        "'coded spans' scores only spans the gold coder coded; 'all paragraphs' scores every content paragraph of the "
        "test documents, where a paragraph the gold coder left uncoded counts as wrong — what `qualcode suggest` shows.",
    ]
    lines += [
        "",
        "Reliability of the engine's first suggestion (uncoded test documents, gold-coded spans):",
        "",
    ]
    full = [r for r in q["results"] if r["system"] == "engine (all signals)"][0]
    lines += _rel_table(full["reliability"])
    ap = q["all_passages_calibration"]
    lines += [
        "",
        f"Reliability over all {ap['n']} content paragraphs of the test documents (uncoded in gold = wrong; ECE {ap['ece']:.3f}):",
        "",
    ]
    lines += _rel_table(ap["reliability"])
    return "\n".join(lines)


def _rel_table(bins: list[dict]) -> list[str]:
    out = ["| score bin | n | mean score | accuracy |", "|---|---:|---:|---:|"]
    for b in bins:
        out.append(f"| {b['bin']} | {b['n']} | {b['mean_score']:.2f} | {b['accuracy']:.2f} |")
    return out


# --- speed -------------------------------------------------------------------------------

_SYL = "ver be ge ent er zer an auf aus ein mit nach vor zu ab um über unter halt stell setz leg bring nehm geb schul kind jug end hilf lehr kraft plan ziel weg rat amt bund netz werk arbeit gruppe raum zeit geld recht form stand haus hof tag land kreis stadt wahl frage lage".split()
_STOP = "der die das und in zu den von mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei".split()


def _words(rng: np.random.Generator, n: int) -> list[str]:
    out = set()
    while len(out) < n:
        k = int(rng.integers(2, 4))
        w = "".join(rng.choice(_SYL, k))
        if rng.random() < 0.3:
            w += str(rng.choice(["ung", "keit", "heit", "schaft", "en", "er"]))
        out.add(w)
    return sorted(out)


def synthetic(
    n_passages: int, seed: int = 42, per_doc: int = 50, n_codes: int = 20, coded: float = 0.05
):
    """Documents (name, text, [paragraph spans]) and codings (doc index, start, end, code index)."""
    rng = np.random.default_rng(seed)
    vocab = _words(rng, 6000)
    topics = [rng.choice(len(vocab), 40, replace=False) for _ in range(n_codes)]
    sections = [
        "TOP 1 Begrüßung",
        "TOP 2 Kurzvortrag",
        "TOP 3 Perspektivendiskussion",
        "TOP 4 Festlegungen",
        "TOP 5 Verschiedenes",
    ]
    docs, codings = [], []
    n_docs = max(1, n_passages // per_doc)
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    cdf = np.cumsum(zipf)
    for d in range(n_docs):
        parts, spans, pos = [], [], 0
        k = 0
        while k < per_doc:
            if k % 10 == 0:
                h = sections[(k // 10) % len(sections)]
                parts.append(h)
                spans.append((pos, pos + len(h)))
                pos += len(h) + 2
                k += 1
                continue
            code = int(rng.integers(n_codes)) if rng.random() < coded * 2 else None
            n_words = int(rng.integers(15, 60))
            r = rng.random(n_words)
            general = np.minimum(np.searchsorted(cdf, rng.random(n_words)), len(vocab) - 1)
            stop = rng.integers(len(_STOP), size=n_words)
            topical = topics[code][rng.integers(40, size=n_words)] if code is not None else general
            words = [
                _STOP[stop[i]]
                if r[i] < 0.45
                else vocab[topical[i]]
                if (code is not None and r[i] < 0.65)
                else vocab[general[i]]
                for i in range(n_words)
            ]
            words[0] = words[0].capitalize()
            text = " ".join(words) + "."
            parts.append(text)
            spans.append((pos, pos + len(text)))
            if code is not None and rng.random() < 0.5:
                codings.append((d, pos, pos + len(text), code))
            pos += len(text) + 2
            k += 1
        docs.append((f"synth_{d:05d}.txt", "\n\n".join(parts), spans))
    return docs, codings


def _speed_one(n: int, workdir: Path) -> dict:
    """Runs in its own process (see :func:`speed`)."""
    from sqlalchemy import insert

    from qualcode.database import make_engine, reading, transaction
    from qualcode.models import Code, Coder, Coding, Document, Passage, new_guid, utcnow
    from qualcode.suggest import similar, suggest
    from qualcode.suggest.index import clear_memory, get_index

    t0 = time.perf_counter()
    docs, codings = synthetic(n)
    db = workdir / f"speed-{n}.sqlite"
    engine = make_engine(str(db))
    with transaction(engine, "bench", "bench", record=False) as s:
        s.add(Coder(name="anna"))
        for i in range(20):
            s.add(Code(name=f"Code {i:02d}", name_key=f"code {i:02d}", position=i))
        s.flush()
        now = utcnow()
        doc_rows = [
            {
                "name": name,
                "text": text,
                "sha256": f"{hash(text) & 0xFFFFFFFF:08x}{k}",
                "imported_at": now,
                "guid": new_guid(),
            }
            for k, (name, text, _) in enumerate(docs)
        ]
        ids = (
            s.execute(
                insert(Document).returning(Document.id, sort_by_parameter_order=True), doc_rows
            )
            .scalars()
            .all()
        )
        prow = [
            {"document_id": ids[k], "start": a, "end": b, "ordinal": j, "unit": "paragraph"}
            for k, (_, _, spans) in enumerate(docs)
            for j, (a, b) in enumerate(spans)
        ]
        s.execute(insert(Passage), prow)
        crow = [
            {
                "document_id": ids[d],
                "start": a,
                "end": b,
                "code_id": c + 1,
                "coder_id": 1,
                "memo": "",
                "orphaned": False,
                "guid": new_guid(),
                "created_at": now,
            }
            for d, a, b, c in codings
        ]
        s.execute(insert(Coding), crow)
    t_gen = time.perf_counter() - t0
    out: dict = {
        "passages": sum(len(sp) for _, _, sp in docs),
        "documents": len(docs),
        "codings": len(codings),
        "generate_seconds": t_gen,
    }
    with reading(engine) as s:
        t, c = time.perf_counter(), time.process_time()
        index = get_index(s)
        out["index_build_seconds"] = time.perf_counter() - t
        out["index_build_cpu_seconds"] = time.process_time() - c
        out["index_features"] = int(index.X.shape[1])
        out["index_nnz"] = int(index.X.nnz)
    clear_memory()
    with reading(engine) as s:
        t = time.perf_counter()
        get_index(s)
        out["index_load_seconds"] = time.perf_counter() - t
        from qualcode.suggest import get_model

        t, c = time.perf_counter(), time.process_time()
        get_model(s)
        out["train_seconds"] = time.perf_counter() - t
        out["train_cpu_seconds"] = time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        rows = suggest(s)
        out["suggest_all_seconds"] = time.perf_counter() - t
        out["suggest_all_cpu_seconds"] = time.process_time() - c
        out["suggested_passages"] = len(rows)
        rng = np.random.default_rng(1)
        picks = rng.choice(len(index.starts), 51, replace=False)
        times, cpu = [], []
        for k, i in enumerate(picks):
            t, c = time.perf_counter(), time.process_time()
            similar(s, int(index.doc_ids[i]), int(index.starts[i]), int(index.ends[i]), 10)
            if k:
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        out["similar_warm_cpu_ms_median"] = 1000 * float(np.median(cpu))
        out["similar_warm_ms_median"] = 1000 * float(np.median(times))
        out["similar_warm_ms_p95"] = 1000 * float(np.percentile(times, 95))
    engine.dispose()
    return out


def speed(sizes: list[int]) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            out_file = Path(tmp) / f"r{n}.json"
            cmd = [
                sys.executable,
                "-m",
                "qualcode.bench.suggest",
                "--speed-one",
                str(n),
                "--workdir",
                tmp,
                "--out",
                str(out_file),
            ]
            timev = Path("/usr/bin/time")
            full = [str(timev), "-v", *cmd] if timev.exists() else cmd
            proc = subprocess.run(
                full,
                capture_output=True,
                text=True,
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
            )
            if proc.returncode != 0:
                raise SystemExit(f"speed run {n} failed:\n{proc.stderr[-3000:]}")
            r = json.loads(out_file.read_text())
            for line in proc.stderr.splitlines():
                if "Maximum resident set size" in line:
                    r["peak_rss_mb"] = int(line.split(":")[1]) / 1024
            results.append(r)
            print(json.dumps(r), flush=True)
    return results


def speed_markdown(rows: list[dict]) -> str:
    def pair(r: dict, key: str, fmt: str = ".1f") -> str:
        cpu = r.get(key.replace("_seconds", "_cpu_seconds"))
        return f"{r[key]:{fmt}}" + (f" ({cpu:{fmt}})" if cpu is not None else "")

    lines = [
        "Wall time, in brackets CPU time of the process (the machine is shared: wall time includes waiting for a core).",
        "",
        "| passages | documents | codings | index build s | index load s | train s | suggest all s | similar warm ms median / p95 (CPU) | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cpu_ms = (
            f" ({r['similar_warm_cpu_ms_median']:.1f})" if "similar_warm_cpu_ms_median" in r else ""
        )
        lines.append(
            f"| {r['passages']:,} | {r['documents']:,} | {r['codings']:,} | {pair(r, 'index_build_seconds')} | {r['index_load_seconds']:.1f} | "
            f"{pair(r, 'train_seconds')} | {pair(r, 'suggest_all_seconds')} | {r['similar_warm_ms_median']:.1f} / {r['similar_warm_ms_p95']:.1f}{cpu_ms} | "
            f"{r.get('peak_rss_mb', float('nan')):.0f} |"
        )
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        f = b["passages"] / a["passages"]

        def g(key: str) -> str:
            ck = key.replace("_seconds", "_cpu_seconds").replace("_ms_median", "_cpu_ms_median")
            k = ck if ck in a and ck in b else key
            return f"×{b[k] / max(a[k], 1e-9):.1f}"

        lines += [
            "",
            f"Growth {a['passages']:,} → {b['passages']:,} passages (×{f:.0f}, CPU time): index build {g('index_build_seconds')}, "
            f"training {g('train_seconds')}, suggest all {g('suggest_all_seconds')}, similar {g('similar_warm_ms_median')}, "
            f"peak RSS ×{b.get('peak_rss_mb', 1) / a.get('peak_rss_mb', 1):.1f}.",
        ]
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m qualcode.bench.suggest", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--corpus",
        type=Path,
        default=ROOT / "corpus",
        help="folder of documents (default: the demo corpus)",
    )
    p.add_argument(
        "--codings",
        type=Path,
        default=None,
        help="CSV of gold codings (default: CORPUS/codings.csv)",
    )
    p.add_argument(
        "--gold-coder",
        default=None,
        help="whose codings are gold (default: anna, else the most frequent coder)",
    )
    p.add_argument(
        "--speed",
        default=None,
        help="comma-separated passage counts for the synthetic speed benchmark, e.g. 10000,100000",
    )
    p.add_argument("--no-quality", action="store_true", help="only the speed benchmark")
    p.add_argument("--out-dir", type=Path, default=OUT_DIR)
    p.add_argument("--speed-one", type=int, help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.speed_one:
        a.out.write_text(json.dumps(_speed_one(a.speed_one, a.workdir)))
        return 0
    result: dict = {}
    md: list[str] = ["# Suggestions benchmark", ""]
    prev = a.out_dir / "suggest_results.json"
    if prev.exists():
        try:
            old = json.loads(prev.read_text())
        except ValueError:
            old = {}
    else:
        old = {}
    if not a.no_quality:
        codings = a.codings or a.corpus / "codings.csv"
        q = quality(a.corpus, codings, a.gold_coder)
        result["quality"] = q
        md += ["## Quality", "", quality_markdown(q), ""]
        print(quality_markdown(q))
    elif "quality" in old:
        result["quality"] = old["quality"]
        md += ["## Quality", "", quality_markdown(old["quality"]), ""]
    if a.speed:
        sizes = [int(x) for x in a.speed.split(",") if x.strip()]
        s = speed(sizes)
        result["speed"] = s
    elif "speed" in old:
        result["speed"] = old["speed"]
    if result.get("speed"):
        md += ["## Speed (synthetic corpus, 2 cores)", "", speed_markdown(result["speed"]), ""]
        print(speed_markdown(result["speed"]))
    a.out_dir.mkdir(parents=True, exist_ok=True)
    (a.out_dir / "suggest_results.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False)
    )
    (a.out_dir / "suggest_results.md").write_text("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
