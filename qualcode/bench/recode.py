"""Benchmark of batch re-coding (issue 6): merge 1,000,000 codings, regex autocode over 100,000 passages.

    python -m qualcode.bench.recode                      # full size (1,000,000 codings / 100,000 passages)
    python -m qualcode.bench.recode --codings 100000 --docs 100   # smaller
    python -m qualcode.bench.recode --keep DIR           # keep the databases in DIR

Each timed step runs ``qualcode`` as its own process (start-up included):

- ``recode --from A --to B`` where A and B together have ``--codings`` codings
  (half each; ``--dup`` of A's are identical to one of B's and collapse), then
  ``undo`` of it;
- ``autocode --regex … --unit passage`` over ``--docs`` × 100 paragraphs, and
  the same with ``--unit match``.

The workload is written with plain SQL (building 1,000,000 codings through the
ORM would take minutes); it has the schema of the current qualcode.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

WORDS = (
    "die schule das jugendamt der verbund berichtet über fehlende personalressourcen zeitmangel kooperation "
    "fortbildung übergänge inklusion eltern beratung netzwerk treffen förderschule landkreis koordination"
).split()


def _qualcode() -> list[str]:
    exe = Path(sys.executable).with_name("qualcode")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "qualcode"]


CPU: dict[str, float] = {}


def run(db: Path, *args: str) -> tuple[float, str]:
    """Wall time of one ``qualcode`` process; its CPU time (user + sys) goes to ``CPU[args[0]…]``."""
    import resource

    env = {**os.environ, "QUALCODE_CODER": "bench"}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*_qualcode(), "--db", str(db), *args], capture_output=True, text=True, env=env
    )
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"qualcode {' '.join(args)} failed: {proc.stderr}")
    return dt, proc.stdout


def _timed(figures: dict, key: str, db: Path, *args: str) -> str:
    dt, out = run(db, *args)
    figures[key] = {"wall_s": round(dt, 2), "cpu_s": round(CPU["last"], 2)}
    return out


def build(
    db: Path, *, docs: int, paragraphs: int, codings: int, dup: float, seed: int = 1
) -> dict[str, int]:
    """Documents with paragraphs, codes A and B, ``codings`` codings (half each)."""
    from qualcode.codebook import add_code
    from qualcode.database import make_engine, transaction

    rng = random.Random(seed)
    engine = make_engine(str(db), create=True)
    with transaction(engine, "bench setup", "bench", record=False) as s:
        add_code(s, "Kategorie/A", definition="Definition A")
        add_code(s, "Kategorie/B", definition="Definition B")
    engine.dispose()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = "2026-01-01 00:00:00.000000"
    a_id, b_id = (
        r[0] for r in con.execute("SELECT id FROM code WHERE name IN ('A', 'B') ORDER BY name")
    )
    con.execute(
        "INSERT INTO coder (name, guid, created_at) VALUES ('anna', ?, ?)", (str(uuid.uuid4()), now)
    )
    coder_id = con.execute("SELECT id FROM coder WHERE name='anna'").fetchone()[0]
    doc_spans: list[list[tuple[int, int]]] = []
    for d in range(docs):
        paras, spans, pos = [], [], 0
        for _ in range(paragraphs):
            text = (
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "."
            )
            paras.append(text)
            spans.append((pos, pos + len(text)))
            pos += len(text) + 2
        text = "\n\n".join(paras)
        cur = con.execute(
            "INSERT INTO document (name, text, sha256, imported_at, guid) VALUES (?, ?, ?, ?, ?)",
            (f"protokoll_{d:05d}.txt", text, uuid.uuid4().hex * 2, now, str(uuid.uuid4())),
        )
        did = cur.lastrowid
        con.executemany(
            'INSERT INTO passage (document_id, start, "end", ordinal, unit) VALUES (?, ?, ?, ?, ?)',
            [(did, s, e, i, "paragraph") for i, (s, e) in enumerate(spans)],
        )
        doc_spans.append([(did, s, e) for s, e in spans])  # type: ignore[misc]
    flat = [x for spans in doc_spans for x in spans]
    half = codings // 2
    rows_b = []
    for i in range(codings - half):
        did, s, e = flat[i % len(flat)]
        rows_b.append((did, s, e - (i // len(flat)), b_id))
    n_dup = int(half * dup)
    rows_a = rows_b[:n_dup] + [
        (did, s + 1 + (i // len(flat)), e, a_id)
        for i, (did, s, e) in enumerate(flat[i % len(flat)] for i in range(half - n_dup))
    ]
    rows_a = [(did, s, e, a_id) for did, s, e, _ in rows_a]
    con.executemany(
        "INSERT INTO coding (document_id, start, \"end\", code_id, coder_id, memo, orphaned, guid, created_at) VALUES (?, ?, ?, ?, ?, '', 0, ?, ?)",
        ((did, s, e, cid, coder_id, str(uuid.uuid4()), now) for did, s, e, cid in rows_b + rows_a),
    )
    con.commit()
    con.close()
    return {
        "documents": docs,
        "passages": docs * paragraphs,
        "codings_a": len(rows_a),
        "codings_b": len(rows_b),
        "identical": n_dup,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--codings", type=int, default=1_000_000, help="codings of A and B together")
    ap.add_argument(
        "--dup", type=float, default=0.1, help="share of A's codings identical to one of B's"
    )
    ap.add_argument(
        "--docs", type=int, default=1000, help="documents (× 100 paragraphs) for autocode"
    )
    ap.add_argument("--keep", type=Path, help="keep the databases in this folder")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qualcode-bench-recode-"))
    figures: dict[str, object] = {}
    try:
        db = work / "merge.sqlite"
        t0 = time.perf_counter()
        # the merge workload: enough paragraphs to spread the codings
        size = build(
            db,
            docs=max(1, args.codings // 2000),
            paragraphs=100,
            codings=args.codings,
            dup=args.dup,
        )
        figures["merge_workload"] = {**size, "build_s": round(time.perf_counter() - t0, 1)}
        res = json.loads(
            _timed(
                figures,
                "recode_merge",
                db,
                "recode",
                "--from",
                "Kategorie/A",
                "--to",
                "Kategorie/B",
                "--json",
            )
        )
        figures["recode_merge_result"] = {
            k: res[k] for k in ("moved", "collapsed", "source_deleted")
        }
        _timed(figures, "undo_merge", db, "undo")
        _timed(
            figures,
            "recode_merge_dry_run",
            db,
            "recode",
            "--from",
            "Kategorie/A",
            "--to",
            "Kategorie/B",
            "--dry-run",
            "--json",
        )

        db2 = work / "autocode.sqlite"
        size = build(db2, docs=args.docs, paragraphs=100, codings=0, dup=0)
        figures["autocode_workload"] = {
            "documents": size["documents"],
            "passages": size["passages"],
        }
        out = _timed(
            figures,
            "autocode_regex_passage",
            db2,
            "autocode",
            "--code",
            "Kategorie/A",
            "--regex",
            r"personal\w*|zeitmangel",
            "--unit",
            "passage",
            "--json",
        )
        figures["autocode_regex_passage_added"] = json.loads(out)["totals"]["added"]
        out = _timed(
            figures,
            "autocode_regex_match",
            db2,
            "autocode",
            "--code",
            "Kategorie/B",
            "--regex",
            r"kooperation",
            "--unit",
            "match",
            "--json",
        )
        figures["autocode_regex_match_added"] = json.loads(out)["totals"]["added"]
        out = _timed(
            figures,
            "autocode_rerun",
            db2,
            "autocode",
            "--code",
            "Kategorie/A",
            "--regex",
            r"personal\w*|zeitmangel",
            "--unit",
            "passage",
            "--json",
        )
        figures["autocode_rerun_added"] = json.loads(out)["totals"]["added"]
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for f in work.glob("*.sqlite"):
                shutil.copy2(f, args.keep / f.name)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for k, v in figures.items():
            print(f"{k:32} {v}")


if __name__ == "__main__":
    main()
