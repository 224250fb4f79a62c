"""Audit log, `undo --steps N`, `redo`, atomicity of batch commands (issue 6)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import sqlite_dump

H = "Herausforderungen und Hindernisse"
DATA = ("coder", "document", "document_attribute", "code", "passage", "coding", "memo", "meta")


def dump(db: str) -> dict[str, list[tuple]]:
    return sqlite_dump(db, DATA)


def test_log_json_and_undo_steps_on_the_demo_project(demo_cli, demo_db):
    before = dump(demo_db)
    n_before = len(demo_cli.json("log", "--limit", "0"))
    demo_cli.ok(
        "--coder", "clara", "recode", "--from", f"{H}/Zeitmangel", "--to", f"{H}/Personalmangel"
    )
    demo_cli.ok(
        "--coder", "clara", "autocode", "--code", f"{H}/Personalmangel", "--regex", "Fachkr[aä]ft"
    )
    demo_cli.ok(
        "--coder",
        "clara",
        "autocode",
        "--code",
        f"{H}/Personalmangel",
        "--regex",
        "gibt es nicht im Text",
    )
    log = demo_cli.json("log", "--limit", "0")
    assert len(log) == n_before + 3  # every command is one entry, also one that changed nothing
    newest = log[:3]
    assert [e["coder"] for e in newest] == ["clara"] * 3 and all(
        e["state"] == "done" for e in newest
    )
    assert newest[2]["command"].startswith("qualcode recode --from")
    assert "codings moved" in newest[2]["summary"] and newest[2]["row_changes"] >= 9
    assert (
        newest[0]["summary"] == "autocode: 0 codings added (0 existed)"
        and newest[0]["row_changes"] == 0
    )
    assert set(newest[0]) == {
        "id",
        "created_at",
        "coder",
        "command",
        "summary",
        "state",
        "row_changes",
    }
    after = dump(demo_db)
    undone = demo_cli.json("undo", "--steps", "3", "--force")
    assert [u["id"] for u in undone] == [e["id"] for e in newest]
    assert dump(demo_db) == before
    assert [e["state"] for e in demo_cli.json("log", "--limit", "3")] == ["undone"] * 3
    demo_cli.ok("redo", "--steps", "3")
    assert dump(demo_db) == after
    changes = demo_cli.json("log", "--entry", str(newest[2]["id"]))
    ops = {(c["table"], c["op"]) for c in changes}
    assert ("coding", "update_many") in ops and ("code", "delete") in ops


def test_batch_commands_are_quiet_when_piped(demo_cli):
    r = demo_cli.ok(
        "autocode", "--code", f"{H}/Personalmangel", "--regex", "Personal", "--unit", "sentence"
    )
    assert r.stderr == ""  # no progress bar: stderr is not a terminal
    r = demo_cli.ok("recode", "--from", f"{H}/Zeitmangel", "--to", f"{H}/Personalmangel", "--json")
    assert r.stderr == "" and r.stdout.lstrip().startswith("{")


@pytest.mark.parametrize("where", ["after_merge", "after_autocode"])
def test_sigkill_in_the_middle_leaves_the_database_as_before(demo_db, where):
    before = dump(demo_db)
    script = textwrap.dedent(
        f"""
        import os, signal
        from qualcode.database import make_engine, transaction
        from qualcode.recode import merge_codes
        from qualcode.recode.autocode import AutoRule, autocode
        engine = make_engine({demo_db!r})
        with transaction(engine, "killed", "tester") as session:
            merge_codes(session, "{H}/Zeitmangel", "{H}/Personalmangel")
            if {where!r} == "after_autocode":
                autocode(session, [AutoRule(code="{H}/Personalmangel", regex="Personal")])
            session.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    assert dump(demo_db) == before
