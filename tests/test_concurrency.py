"""Several coders (separate processes) write at once and nothing is lost — SQLite and PostgreSQL.

The workers call the core exactly like `qualcode code` does: one transaction (and one
audit entry) per coding. Throughput is printed (run with -s); see the README.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, Run, wait_for

pytestmark = pytest.mark.slow

WORKER = r"""
import json, os, sys, time
from qualcode.codings import add_coding
from qualcode.database import make_engine, transaction
from qualcode.errors import NotFound, QualcodeError

url, coder, n, paths, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split("|"), sys.argv[5]
engine = make_engine(url)
open(go + "." + coder + ".ready", "w").close()
while not os.path.exists(go):
    time.sleep(0.01)
t0 = time.time()
done, refused, busy = 0, [], 0
current = 0
for i in range(n):
    while True:
        try:
            with transaction(engine, f"code doc.txt --start {i}", coder) as session:
                add_coding(session, "doc.txt", i, i + 1, paths[current], coder)
            done += 1
            break
        except NotFound as exc:  # the code was merged or renamed meanwhile: a clear message
            refused.append(str(exc))
            current += 1
            if current == len(paths):
                raise
        except QualcodeError as exc:
            if "busy" not in exc.message:
                raise
            busy += 1  # waited longer than the busy timeout: try again
print(json.dumps({"coder": coder, "done": done, "refused": refused, "busy": busy, "t0": t0, "t1": time.time()}))
"""


def _start(url: str, coder: str, n: int, paths: list[str], go: Path) -> subprocess.Popen:
    env = {**os.environ, "QUALCODE_BUSY_TIMEOUT": "60", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, coder, str(n), "|".join(paths), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(procs: list[subprocess.Popen]) -> list[dict]:
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _setup(cli: Run, tmp_path: Path, codes: list[str]) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("x" * 600 + "\n\nZweiter Absatz.", encoding="utf-8")
    cli.ok("import", str(doc))
    for c in codes:
        cli.ok("codes", "add", c)


def _count(url: str) -> dict:
    from sqlalchemy import create_engine, text

    from qualcode.config import database_url

    eng = create_engine(database_url(url))
    try:
        with eng.connect() as conn:
            return {
                "codings": conn.execute(text("SELECT count(*) FROM coding")).scalar_one(),
                "distinct": conn.execute(
                    text(
                        'SELECT count(*) FROM (SELECT DISTINCT document_id, start, "end", code_id, coder_id FROM coding) d'
                    )
                ).scalar_one(),
                "dangling": conn.execute(
                    text(
                        "SELECT count(*) FROM coding LEFT JOIN code ON code.id = coding.code_id WHERE code.id IS NULL"
                    )
                ).scalar_one(),
                "entries": conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one(),
            }
    finally:
        eng.dispose()


def test_eight_writers_lose_nothing(any_cli: Run, tmp_path: Path, backend: str) -> None:
    writers, per_writer = 8, 500
    _setup(any_cli, tmp_path, ["Kat/A"])
    entries_before = _count(any_cli.db)["entries"]
    go = tmp_path / "go"
    procs = [_start(any_cli.db, f"coder{w}", per_writer, ["Kat/A"], go) for w in range(writers)]
    ready = [tmp_path / f"go.coder{w}.ready" for w in range(writers)]
    wait_for(lambda: all(p.exists() for p in ready), "every writer to start", limit=300)
    go.touch()
    results = _finish(procs)
    assert [r["done"] for r in results] == [per_writer] * writers
    assert all(r["refused"] == [] for r in results)
    counts = _count(any_cli.db)
    assert counts["codings"] == counts["distinct"] == writers * per_writer == 4000
    assert counts["dangling"] == 0
    assert counts["entries"] - entries_before == 4000  # one audit entry per coding
    span = max(r["t1"] for r in results) - min(r["t0"] for r in results)
    print(
        f"\n[{backend}] {writers} writers x {per_writer} codings: {4000 / span:.0f} codings/s ({span:.1f} s)"
    )
    coders = {c["coder"]: c["codings"] for c in any_cli.json("status")["by_coder"]}
    assert all(coders[f"coder{w}"] == per_writer for w in range(writers))
    assert any_cli.json("check")["ok"] is True


def test_merge_and_rename_while_others_code(any_cli: Run, tmp_path: Path) -> None:
    """Writers code onto Kat/A; meanwhile A is merged into B and B renamed to C."""
    writers, per_writer = 4, 150
    _setup(any_cli, tmp_path, ["Kat/A", "Kat/B"])
    go = tmp_path / "go"
    paths = ["Kat/A", "Kat/B", "Kat/C"]
    procs = [_start(any_cli.db, f"coder{w}", per_writer, paths, go) for w in range(writers)]
    go.touch()

    def wait_for_codings(n: int) -> None:
        deadline = time.time() + 300
        while _count(any_cli.db)["codings"] < n and time.time() < deadline:
            time.sleep(0.05)

    wait_for_codings(writers * per_writer // 4)
    merge = any_cli("recode", "--from", "Kat/A", "--to", "Kat/B")
    assert merge.exit_code == 0, merge.output
    wait_for_codings(writers * per_writer // 2)
    rename = any_cli("codes", "rename", "Kat/B", "C")
    assert rename.exit_code == 0, rename.output
    results = _finish(procs)

    assert [r["done"] for r in results] == [per_writer] * writers
    messages = [m for r in results for m in r["refused"]]
    # writers that came after a change got a clear message (and then coded onto the new code)
    assert all(m.startswith(("unknown code 'Kat/A'", "unknown code 'Kat/B'")) for m in messages), (
        messages
    )
    counts = _count(any_cli.db)
    assert counts["codings"] == writers * per_writer
    assert counts["dangling"] == 0
    codes = any_cli.json("codes", "list")
    assert [(c["code"], c["codings"]) for c in codes] == [
        ("Kat", 0),
        ("Kat/C", writers * per_writer),
    ]
    assert any_cli.json("check")["ok"] is True
