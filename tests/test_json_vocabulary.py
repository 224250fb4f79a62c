"""One JSON vocabulary (issue 13): every command with --json, checked against the README's table."""

from __future__ import annotations

import json
import re
from typing import Any

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
# the aliases of vocabulary 1 (0.1) are gone in 2.0: an old key may not appear at all
OLD = {"path": "code", "imported": "imported_at", "updated": "updated_at", "at": "created_at"}


def walk(data: Any, where: str = "") -> list[str]:
    """Vocabulary problems in a JSON document."""
    problems = []
    if isinstance(data, list):
        for item in data[:50]:
            problems += walk(item, where + "[]")
    elif isinstance(data, dict):
        for key, value in data.items():
            at = f"{where}.{key}"
            if key in OLD and isinstance(value, str):  # (imported, updated: counts now)
                problems.append(f"{at}: the 0.1 key {key!r} (now {OLD[key]!r})")
            if isinstance(value, str) and ISO.match(value) and not key.endswith("_at"):
                problems.append(f"{at}: a timestamp not named *_at")
            if key == "schema_version" and not isinstance(value, int):
                problems.append(f"{at}: schema_version is not a number")
            problems += walk(value, at)
    return problems


def leaf_commands():
    import typer

    from qualcode.cli import app

    group = typer.main.get_command(app)

    def walk_cmds(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk_cmds(sub, (*path, name))
            if getattr(cmd, "callback", None) is None or not path:
                return
        yield path, cmd

    yield from walk_cmds(group, ())


def test_every_command_that_changes_or_shows_something_takes_json():
    missing = [
        " ".join(path)
        for path, cmd in leaf_commands()
        if path
        # the workbench, in a terminal or a browser (`qualcode demo` opens it on the demo)
        and path not in {("tui",), ("serve",), ("demo",)}
        and not any("--json" in p.opts for p in cmd.params)
    ]
    assert missing == []


def test_every_command_speaks_one_vocabulary(demo_cli, tmp_path, write_file):
    run = demo_cli
    code = "Herausforderungen und Hindernisse/Zeitmangel"
    commands = [
        ["status"],
        ["config", "show"],
        ["codes", "list"],
        ["codes", "show", code],
        ["codes", "add", "Neu/Kind"],
        ["codes", "edit", "Neu/Kind", "--definition", "D"],
        ["codes", "rename", "Neu/Kind", "Kind2"],
        ["codes", "move", "Neu/Kind2", "/"],
        ["docs", "list"],
        ["docs", "show", "protokoll_01.md"],
        ["docs", "set", "protokoll_01.md", "Geprüft=ja"],
        ["passages", "--doc", "protokoll_01.md"],
        ["code", "protokoll_02.md", "--start", "0", "--end", "10", "--code", code],
        ["codings", "--doc", "protokoll_02.md"],
        ["uncode", "protokoll_02.md", "--start", "0", "--end", "10", "--code", code],
        ["memo", "add", "Ein Memo", "--doc", "protokoll_01.md"],
        ["memo", "list"],
        ["log", "--limit", "3"],
        ["undo"],
        ["redo"],
        ["check"],
        ["report", "freq"],
        ["report", "cooc"],
        ["report", "segments", "--code", code],
        ["report", "matrix"],
        ["agreement", "--coders", "anna,ben"],
        ["refi", "export", str(tmp_path / "p.qdpx")],
        ["refi", "import", str(tmp_path / "p.qdpx"), "--dry-run"],
        ["codings", "export", str(tmp_path / "c.csv")],
        ["import", str(write_file("neu.txt", "Ein neues Protokoll.\n"))],
        ["docs", "remove", "neu.txt"],
        ["codes", "delete", "Kind2"],
        ["config", "set", "language", "de"],
        ["backup", str(tmp_path / "b.sqlite")],
        ["docs", "split"],
        ["db", "upgrade"],
        ["autocode", "--code", code, "--regex", "Zeit", "--dry-run"],
        ["recode", "--from", code, "--to", "Herausforderungen und Hindernisse/Zeitnot", "--create"],
    ]
    problems = []
    for args in commands:
        r = run(*args, "--json")
        assert r.exit_code == 0, f"{args}: {r.output}"
        data = json.loads(r.stdout)
        problems += [f"{' '.join(args[:2])}: {p}" for p in walk(data)]
    assert problems == []
    rows = run.json("codings", "--doc", "protokoll_01.md")
    assert rows and all(isinstance(r["id"], int) for r in rows)  # what `memo add --coding` needs
    memo = run.json("memo", "add", "Zur Kodierung", "--coding", str(rows[0]["id"]))
    assert memo["on"] == "coding" and isinstance(memo["id"], int)
    assert run.json("memo", "delete", str(memo["id"])) == {"id": memo["id"], "deleted": True}
    assert run.json("config", "show")["schema_version"] == run.json("status")["schema_version"]
    # vocabulary 2.0: the aliases of 0.1 are gone
    assert "path" not in run.json("codes", "list")[0]
    assert {"name", "imported"} & set(run.json("docs", "list")[0]) == set()


def test_errors_under_json_are_json_on_stdout(demo_cli):
    for args in (
        ["codes", "show", "Gibt es nicht", "--json"],
        ["report", "freq", "--code", "Gibt es nicht", "--json"],
        ["report", "freq", "--code", "Gibt es nicht", "--format", "json"],
        ["memo", "add", "x", "--doc", "nirgends.md", "--json"],
        ["memo", "add", "x", "--doc", "a", "--code", "b", "--json"],
        ["uncode", "protokoll_01.md", "--start", "0", "--end", "99999", "--json"],
    ):
        r = demo_cli(*args)
        assert r.exit_code == 2, (args, r.output)
        data = json.loads(r.stdout)
        assert set(data) == {"error", "hint"} and data["error"], (args, data)
        assert not data["error"].startswith("error:")
    r = demo_cli("codes", "show", "Gibt es nicht")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("error: unknown code")
