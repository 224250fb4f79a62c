"""SIGKILL in the middle of an import and of a large recode: the project holds the state
before (or after), never half — and `qualcode check` passes. SQLite and PostgreSQL.

The command runs in a child process that pauses inside its transaction (after a given
SQL statement ran, e.g. the 15th document insert) and is then killed with SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, Run, db_snapshot

pytestmark = pytest.mark.slow

CHILD = r"""
import os, re, sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine

pattern = re.compile(os.environ["PAUSE_SQL"], re.I)
after = int(os.environ["PAUSE_AFTER"])
seen = [0]

@event.listens_for(Engine, "after_cursor_execute")
def _pause(conn, cursor, statement, params, context, executemany):
    if pattern.search(statement):
        seen[0] += 1
        if seen[0] == after:
            open(os.environ["MARKER"], "w").close()
            time.sleep(600)

from qualcode.cli import main
sys.argv = ["qualcode", *sys.argv[1:]]
main()
"""


def kill_in_the_middle(tmp_path: Path, args: list[str], pause_sql: str, after: int) -> None:
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        "PAUSE_SQL": pause_sql,
        "PAUSE_AFTER": str(after),
        "MARKER": str(marker),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 300
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the command ended before the pause ({proc.returncode}): {out}{err}")
        if time.time() > deadline:
            proc.kill()
            pytest.fail("the command did not reach the pause")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _folder(tmp_path: Path, copies: int) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for src in sorted(CORPUS.glob("protokoll_*")):
        for k in range(copies):
            shutil.copy(src, folder / f"{src.stem}_{k}{src.suffix}")
    return folder


def _state(db: str) -> dict:
    snap = db_snapshot(db)
    snap.pop("suggest_cache", None)
    return snap


def test_sigkill_during_import(any_cli: Run, tmp_path: Path) -> None:
    cli = any_cli
    first = tmp_path / "first.txt"
    first.write_text("Ein Protokoll vorher.\n\nZweiter Absatz.", encoding="utf-8")
    cli.ok("import", str(first))
    cli.ok("codes", "add", "Kat/A")
    cli.ok("code", "first.txt", "--start", "0", "--end", "5", "--code", "Kat/A")
    folder = _folder(tmp_path, 2)  # 28 protocols
    before = _state(cli.db)

    kill_in_the_middle(
        tmp_path, ["--db", cli.db, "import", str(folder)], r"^INSERT INTO document\b", 15
    )

    assert _state(cli.db) == before
    check = cli.json("check")
    assert check["ok"] is True, check["problems"]
    assert check["checked"]["documents"] == 1
    # the interrupted import can simply be repeated
    result = cli.json("import", str(folder))
    assert result["imported"] == 28
    assert cli.json("check")["ok"] is True


def test_sigkill_during_large_recode(any_cli: Run, tmp_path: Path) -> None:
    cli = any_cli
    text = "\n\n".join(f"Absatz {i} mit etwas Text darin." for i in range(1000))
    doc = tmp_path / "gross.txt"
    doc.write_text(text, encoding="utf-8")
    cli.ok("import", str(doc))
    cli.ok("codes", "add", "Kat/A")
    cli.ok("codes", "add", "Kat/B")
    paras = cli.json("passages", "--doc", "gross.txt")
    rows = ["document,start,end,code,coder"]
    for p in paras:
        rows.append(f"gross.txt,{p['start']},{p['end']},Kat/A,anna")
        rows.append(f"gross.txt,{p['start']},{p['start'] + 6},Kat/A,ben")
    csv = tmp_path / "codings.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert cli.json("codings", "import", str(csv))["codings"] == 2000
    before = _state(cli.db)

    # pause after the first bulk UPDATE of codings (the move of A's codings to B)
    kill_in_the_middle(
        tmp_path,
        ["--db", cli.db, "recode", "--from", "Kat/A", "--to", "Kat/B"],
        r"^UPDATE coding\b",
        1,
    )

    assert _state(cli.db) == before
    assert cli.json("check")["ok"] is True
    assert [(c["code"], c["codings"]) for c in cli.json("codes", "list")] == [
        ("Kat", 0),
        ("Kat/A", 2000),
        ("Kat/B", 0),
    ]

    # and a large bulk delete killed half-way
    kill_in_the_middle(
        tmp_path,
        ["--db", cli.db, "codes", "delete", "Kat/A", "--force"],
        r"^DELETE FROM coding\b",
        1,
    )
    assert _state(cli.db) == before
    assert cli.json("check")["ok"] is True

    # done without interruption, the after-state is complete
    cli.ok("recode", "--from", "Kat/A", "--to", "Kat/B")
    assert [(c["code"], c["codings"]) for c in cli.json("codes", "list")] == [
        ("Kat", 0),
        ("Kat/B", 2000),
    ]
    assert cli.json("check")["ok"] is True
