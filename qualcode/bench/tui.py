"""Benchmark of the coding workbench (headless, ``App.run_test``).

    python -m qualcode.bench.tui              # demo project + a 50-page protocol with 1,000 codings
    python -m qualcode.bench.tui --runs 5

Each run is a fresh process (:func:`probe`) on a fresh copy of the project, which
opens it the way ``qualcode`` does (:func:`qualcode.tui.app.make_app`). Measured, each
as the median of ``--runs``:

* ``first paint`` — from the moment the process is started (interpreter start-up,
  imports and opening the project included) until the first frame that shows the
  documents, the text of the first document, the code tree and the footer;
* ``engine``      — until SQLAlchemy and the engine are ready (a worker opens them after
  the first frame; informative);
* ``import``      — importing Textual and the workbench inside that process;
* ``open big``    — opening a 50-page protocol with 1,000 codings (load + wrap + paint);
* ``page down``   — one page of scrolling through that protocol;
* ``code``        — one coding action on it (audited transaction + refresh of all panels).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGES = 50
CODINGS = 1000


def build_demo(path: Path) -> None:
    from qualcode.database import make_engine, transaction
    from qualcode.demo import build_demo as demo

    engine = make_engine(str(path), create=True)
    with transaction(engine, "bench: demo build", "bench") as session:
        demo(session)
    engine.dispose()


def add_big_document(path: Path, seed: int = 7) -> int:
    """A 50-page protocol (~3,000 characters a page) with 1,000 codings spread over it."""
    from qualcode.codebook import CodeTree
    from qualcode.codings import bulk_insert_codings, get_coder
    from qualcode.database import make_engine, transaction
    from qualcode.documents import add_text_document

    rng = random.Random(seed)
    words = (
        "Die Schulleitungen berichten über fehlende Zeit für Absprachen mit der Jugendhilfe "
        "und wünschen sich einen regelmäßigen Austausch im Kooperationsverbund sowie "
        "gemeinsame Fortbildungen zur inklusiven Unterrichtsgestaltung an den Oberschulen"
    ).split()
    paras = []
    while sum(len(p) + 2 for p in paras) < PAGES * 3000:
        n = rng.randint(30, 120)
        paras.append(" ".join(rng.choice(words) for _ in range(n)) + ".")
    text = "\n\n".join(paras)
    engine = make_engine(str(path))
    with transaction(engine, "bench: big document", "bench") as session:
        doc = add_text_document(session, "bench_50_seiten.txt", text, {"Format": "Web"})
        tree = CodeTree.load(session)
        codes = [c.id for c in tree.by_id.values() if c.codable]
        coder = get_coder(session, "bench").id
        rows = []
        for _ in range(CODINGS):
            s = rng.randrange(0, len(text) - 400)
            rows.append(
                {
                    "document_id": doc.id,
                    "start": s,
                    "end": s + rng.randint(20, 400),
                    "code_id": rng.choice(codes),
                    "coder_id": coder,
                }
            )
        bulk_insert_codings(session, rows)
        doc_id = int(doc.id)  # type: ignore[arg-type]
    engine.dispose()
    return doc_id


def load_average() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.1f}"
    except OSError:
        return ""


def _painted(app) -> bool:
    """Whether the coding screen shows what its first frame must: documents, the wrapped
    text of a document, the code tree and the footer keys."""
    screen = app.screen
    if type(screen).__name__ != "CodingScreen" or getattr(screen, "doc", None) is None:
        return False
    footer = screen.query("KeyFooter")
    return bool(
        screen.view._lines
        and screen.doclist.docs
        and screen.code_rows
        and footer
        and footer.first().children
    )


async def measure(db: Path, big: int) -> dict[str, float]:
    """In the probe process: first frame, engine, then the big document (timestamps are
    ``time.monotonic()``, comparable with the parent's; durations in seconds)."""
    t = time.perf_counter()
    import textual.app  # noqa: F401

    from qualcode.tui.app import make_app

    out: dict[str, float] = {"import": time.perf_counter() - t}
    app = make_app(str(db), "bench", suggestions=False)
    display = app._display

    def spy(screen, renderable) -> None:
        display(screen, renderable)
        if "paint_at" not in out and _painted(app):
            out["paint_at"] = time.monotonic()
            out["first paint (CPU)"] = time.process_time()

    app._display = spy  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 60
        while "paint_at" not in out or not app.engine_ready:
            if time.monotonic() > deadline:
                raise RuntimeError("no complete first frame / engine within 60 s")
            await asyncio.sleep(0.005)
        out["engine_at"] = time.monotonic()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        t, c = time.perf_counter(), time.process_time()
        screen.open_document(big)  # type: ignore[attr-defined]
        await pilot.pause()
        out["open big"] = time.perf_counter() - t
        out["open big (CPU)"] = time.process_time() - c
        assert len(screen.doc.spans) == CODINGS  # type: ignore[attr-defined]
        screen.view.focus()  # type: ignore[attr-defined]
        t = time.perf_counter()
        for _ in range(10):
            await pilot.press("pagedown")
        out["page down"] = (time.perf_counter() - t) / 10
        await pilot.press("j")
        t = time.perf_counter()
        await pilot.press("1" if screen.recent else "x")  # type: ignore[attr-defined]
        await pilot.pause()
        out["code"] = time.perf_counter() - t
    return out


def probe() -> None:
    """``python -c "from qualcode.bench.tui import probe; probe()" DB BIG``: one run, JSON out."""
    import json

    out = asyncio.run(measure(Path(sys.argv[1]), int(sys.argv[2])))
    print(json.dumps(out))


PROBE = "from qualcode.bench.tui import probe; probe()"


def figures(data: dict[str, float], started: float) -> dict[str, float]:
    """The probe's output as durations; ``started`` is ``time.monotonic()`` at the spawn."""
    out = {"first paint": data["paint_at"] - started, "engine": data["engine_at"] - started}
    return out | {k: float(v) for k, v in data.items() if not k.endswith("_at")}


def run_probe(db: Path, big: int) -> dict[str, float]:
    import json

    env = dict(os.environ)
    env["QUALCODE_SEMANTIC_BACKGROUND"] = "off"  # no embedder beside the timed workbench
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have byte-code caches
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(db), str(big)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return figures(json.loads(proc.stdout.strip().splitlines()[-1]), started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite"
        build_demo(db)
        big = add_big_document(db)
        results: dict[str, list[float]] = {}
        for _ in range(args.runs):
            run_db = Path(tmp) / "run.sqlite"  # a fresh copy: the coding step changes it
            for f in Path(tmp).glob("run.sqlite*"):
                f.unlink()
            src, dst = sqlite3.connect(db), sqlite3.connect(run_db)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            for k, v in run_probe(run_db, big).items():
                results.setdefault(k, []).append(v)
    print(
        f"TUI benchmark ({args.runs} runs, 160×48, headless; big = {PAGES} pages, "
        f"{CODINGS} codings; {os.cpu_count()} CPUs, {load_average()})"
    )
    for k, vs in results.items():
        print(
            f"  {k:<18} median {statistics.median(vs) * 1000:7.0f} ms   (min {min(vs) * 1000:.0f}, max {max(vs) * 1000:.0f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
