"""`make bench-suggest`: quality and speed of the suggestions engine.

    python -m qualcode.bench.suggest                     # demo corpus + every corpus in ../shared/corpora
    python -m qualcode.bench.suggest --corpus DIR ...    # any labelled corpora (folder + codings.csv)
    python -m qualcode.bench.suggest --speed 10000,100000  # synthetic speed benchmark

**Quality** (:mod:`qualcode.bench.quality`): per corpus, in a process of its own, the
engine beside the strong baseline on the same split — top-1, top-3, macro-F1, ECE over all
paragraphs with the reliability table, precision and coverage of ``--apply --min-score
0.9``, and a learning curve. The default corpora are the demo corpus and, when the folder
exists, each corpus in ``../shared/corpora`` (public German material with human labels;
the project runs and tests without it).

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
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "bench"
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0000001)


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
    engine = make_engine(str(db), create=True)
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
        out["index_features"] = int(index.V.W.shape[1] + index.V.Z.shape[1])
        out["index_nnz"] = int(index.V.W.nnz + index.V.Z.size)
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
    out["refresh_after_coding_seconds"] = _refresh_after_coding(engine, index)
    engine.dispose()
    return out


def _refresh_after_coding(engine, index, rounds: int = 3) -> list[float]:
    """What the workbench does after each coding: one coding in its own transaction, then the
    refreshed suggestions for another passage (warm refit with the tuned configuration)."""
    from qualcode.codings import add_coding
    from qualcode.database import reading, transaction
    from qualcode.suggest import suggest_for_span

    out = []
    rows = np.random.default_rng(2).choice(len(index.starts), 2 * rounds, replace=False)
    for k in range(rounds):
        i, j = int(rows[2 * k]), int(rows[2 * k + 1])
        with transaction(engine, "bench: code", "anna", record=False) as w:
            name = index.doc_names[int(index.doc_ids[i])]
            add_coding(w, name, int(index.starts[i]), int(index.ends[i]), f"Code {k:02d}", "anna")
        with reading(engine) as s:
            t = time.perf_counter()
            suggest_for_span(s, int(index.doc_ids[j]), int(index.starts[j]), int(index.ends[j]))
            out.append(time.perf_counter() - t)
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
                env={
                    **os.environ,
                    "OPENBLAS_NUM_THREADS": "1",
                    "QUALCODE_SEMANTIC_BACKGROUND": "off",
                },
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
        "| passages | documents | codings | index build s | index load s | train s | suggest all s | similar warm ms median / p95 (CPU) | refresh after a coding s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        refresh = r.get("refresh_after_coding_seconds") or []
        refresh_s = " / ".join(f"{x:.1f}" for x in refresh) or "–"
        cpu_ms = (
            f" ({r['similar_warm_cpu_ms_median']:.1f})" if "similar_warm_cpu_ms_median" in r else ""
        )
        lines.append(
            f"| {r['passages']:,} | {r['documents']:,} | {r['codings']:,} | {pair(r, 'index_build_seconds')} | {r['index_load_seconds']:.1f} | "
            f"{pair(r, 'train_seconds')} | {pair(r, 'suggest_all_seconds')} | {r['similar_warm_ms_median']:.1f} / {r['similar_warm_ms_p95']:.1f}{cpu_ms} | "
            f"{refresh_s} | {r.get('peak_rss_mb', float('nan')):.0f} |"
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


def _shared_corpora() -> Path:
    """``../shared/corpora`` of the checkout, or of a folder above it (a git worktree)."""
    for base in ROOT.parents:
        if (base / "shared" / "corpora").is_dir():
            return base / "shared" / "corpora"
    return ROOT.parent / "shared" / "corpora"


SHARED_CORPORA = _shared_corpora()


def default_corpora() -> list[Path]:
    out = [ROOT / "corpus"]
    if SHARED_CORPORA.is_dir():
        out += sorted(p for p in SHARED_CORPORA.iterdir() if (p / "codings.csv").is_file())
    return out


def _time_v(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float | None]:
    timev = Path("/usr/bin/time")
    full = [str(timev), "-v", *cmd] if timev.exists() else cmd
    proc = subprocess.run(
        full,
        capture_output=True,
        text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "QUALCODE_SEMANTIC_BACKGROUND": "off"},
    )
    rss = None
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.split(":")[1]) / 1024
    return proc, rss


def quality_all(
    corpora: list[Path], codings: Path | None, gold_coder, curve, next_sim: bool = False
) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, corpus in enumerate(corpora):
            out_file = Path(tmp) / f"q{k}.json"
            cmd = [sys.executable, "-m", "qualcode.bench.suggest", "--quality-one", str(corpus)]
            cmd += ["--out", str(out_file), "--curve", ",".join(map(str, curve))]
            cmd.append("--next-sim" if next_sim else "--no-next-sim")
            if codings is not None:
                cmd += ["--codings", str(codings)]
            if gold_coder:
                cmd += ["--gold-coder", gold_coder]
            t = time.perf_counter()
            proc, rss = _time_v(cmd)
            if proc.returncode != 0:
                raise SystemExit(f"quality run on {corpus} failed:\n{proc.stderr[-3000:]}")
            r = json.loads(out_file.read_text())
            r["peak_rss_mb"] = rss
            r["process_seconds"] = time.perf_counter() - t
            results.append(r)
            print(f"{corpus.name}: done in {r['process_seconds']:.0f} s", flush=True)
    return results


def agenda_all(corpora: list[Path], codings: Path | None, small: int, draws: int) -> list[dict]:
    """:func:`qualcode.bench.agenda.run` per corpus, each in a process of its own."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, corpus in enumerate(corpora):
            out_file = Path(tmp) / f"a{k}.json"
            cmd = [sys.executable, "-m", "qualcode.bench.suggest", "--agenda-one", str(corpus)]
            cmd += ["--out", str(out_file), "--small-draws", str(small)]
            cmd += ["--agenda-draws", str(draws)]
            if codings is not None:
                cmd += ["--codings", str(codings)]
            t = time.perf_counter()
            proc = subprocess.run(
                cmd, capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}
            )
            if proc.returncode != 0:
                raise SystemExit(f"agenda run on {corpus} failed:\n{proc.stderr[-3000:]}")
            r = json.loads(out_file.read_text())
            r["process_seconds"] = time.perf_counter() - t
            results.append(r)
            print(
                f"{corpus.name} (agenda, small projects): done in {r['process_seconds']:.0f} s",
                flush=True,
            )
    return results


def quality_markdown(results: list[dict]) -> str:
    from qualcode.bench.quality import (
        corpus_markdown,
        embedding_table,
        next_table,
        similar_table,
        summary_table,
        targets_table,
    )

    parts = [
        "Every second document (name order) trains, the others are scored uncoded. Strong baseline = "
        "word 1–2-gram + char_wb 2–5-gram TF-IDF (sublinear) + LogisticRegression(C=10, balanced) "
        "on the raw text, in the same process.",
        "",
        summary_table(results),
        "",
        "Targets (engine − strong baseline, same run):",
        "",
        targets_table(results),
        "",
        "Similar passages (`qualcode similar`): of the 10 most similar coded paragraphs in *other* "
        "documents, the share that shares a code with the query paragraph — the engine's index "
        "beside the strong baseline's word + character TF-IDF vectors (cosine):",
        "",
        similar_table(results),
        "",
        "Semantic block: every passage embedded first (as the background embedder would have "
        "done by then), the weight the engine chose by cross-validation:",
        "",
        embedding_table(results),
        "",
        "What to code next (simulated researcher; paragraphs decided until the engine reaches the "
        "strong baseline's macro-F1, both orders with the same information):",
        "",
        next_table(results),
    ]
    for q in results:
        parts += ["", corpus_markdown(q)]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m qualcode.bench.suggest", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=None,
        help="folder of documents with codings.csv (repeatable; default: demo + ../shared/corpora/*)",
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
        "--curve", default="2,5,10,20", help="learning curve: examples per code (empty: none)"
    )
    p.add_argument(
        "--speed",
        default=None,
        help="comma-separated passage counts for the synthetic speed benchmark, e.g. 10000,100000",
    )
    p.add_argument("--no-quality", action="store_true", help="only the speed benchmark")
    p.add_argument(
        "--next-sim",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="simulate a researcher coding in `qualcode next` order vs document order (default: on)",
    )
    p.add_argument(
        "--agenda",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="issue 25: learning curve with the coding agenda and small-project draws (default: on)",
    )
    p.add_argument(
        "--only-agenda",
        action="store_true",
        help="only the issue-25 benchmarks (the quality tables are kept from the last run)",
    )
    p.add_argument("--small-draws", type=int, default=10, help="small-project draws per corpus")
    p.add_argument(
        "--agenda-draws", type=int, default=3, help="draws per step of the agenda learning curve"
    )
    p.add_argument("--out-dir", type=Path, default=OUT_DIR)
    p.add_argument("--agenda-one", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--quality-one", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--speed-one", type=int, help=argparse.SUPPRESS)
    p.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    curve = tuple(int(x) for x in a.curve.split(",") if x.strip())
    if a.speed_one:
        a.out.write_text(json.dumps(_speed_one(a.speed_one, a.workdir)))
        return 0
    if a.agenda_one:
        from qualcode.bench.agenda import run

        r = run(
            a.agenda_one,
            a.codings or a.agenda_one / "codings.csv",
            draws_curve=a.agenda_draws,
            draws_small=a.small_draws,
        )
        a.out.write_text(json.dumps(r, default=str))
        return 0
    if a.quality_one:
        from qualcode.bench.quality import quality

        q = quality(
            a.quality_one,
            a.codings or a.quality_one / "codings.csv",
            a.gold_coder,
            curve=curve,
            next_sim=a.next_sim,
        )
        a.out.write_text(json.dumps(q, default=str))
        return 0
    result: dict = {}
    md: list[str] = ["# Suggestions benchmark", ""]
    prev = a.out_dir / "suggest_results.json"
    try:
        old = json.loads(prev.read_text()) if prev.exists() else {}
    except ValueError:
        old = {}
    corpora = a.corpus or default_corpora()
    if not a.no_quality and not a.only_agenda:
        missing = [
            c for c in corpora if not (c.is_dir() and ((a.codings or c / "codings.csv").is_file()))
        ]
        if missing:
            print(
                f"error: {missing[0]} is not a folder with codings.csv (give --codings FILE)",
                file=sys.stderr,
            )
            return 2
        q = quality_all(corpora, a.codings, a.gold_coder, curve, a.next_sim)
        result["quality"] = q
        md += ["## Quality", "", quality_markdown(q), ""]
        print(quality_markdown(q))
    elif "quality" in old:
        result["quality"] = old["quality"]
        md += ["## Quality", "", quality_markdown(old["quality"]), ""]
    if (a.agenda and not a.no_quality) or a.only_agenda:
        from qualcode.bench.agenda import markdown as agenda_markdown

        result["agenda"] = agenda_all(corpora, a.codings, a.small_draws, a.agenda_draws)
        for r in result["agenda"]:  # the raw (score, first, right) pairs of the prior map's fit
            (r.get("agenda_curve") or {}).pop("pairs", None)  # stay in `--agenda-one`'s output
    elif "agenda" in old:
        result["agenda"] = old["agenda"]
    if result.get("agenda"):
        from qualcode.bench.agenda import markdown as agenda_markdown

        md += [
            "## Coding agenda and small projects (issue 25)",
            "",
            agenda_markdown(result["agenda"]),
            "",
        ]
        print(agenda_markdown(result["agenda"]))
    if a.speed:
        sizes = [int(x) for x in a.speed.split(",") if x.strip()]
        result["speed"] = speed(sizes)
    elif "speed" in old:
        result["speed"] = old["speed"]
    if result.get("speed"):
        md += ["## Speed (synthetic corpus, 2 cores)", "", speed_markdown(result["speed"]), ""]
        print(speed_markdown(result["speed"]))
    a.out_dir.mkdir(parents=True, exist_ok=True)
    (a.out_dir / "suggest_results.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False, default=str)
    )
    (a.out_dir / "suggest_results.md").write_text("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
