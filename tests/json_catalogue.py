"""Every command that takes ``--json``, run once on the demo project (tests/test_json_schemas.py).

``steps(tmp)`` yields ``(command, args)`` in an order that works on one copy of the demo
project: reading commands first, then the ones that change something, each with what it
needs made by the steps before. ``args`` may be a callable that gets the runner and
returns the arguments (for ids known only at run time). ``command`` names the schema
(``qualcode schema COMMAND``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CODE = "Herausforderungen und Hindernisse/Zeitmangel"
DOC = "protokoll_01.md"

Args = list[str] | Callable[[Any], list[str]]


def _first_coding_id(run: Any) -> list[str]:
    rows = json.loads(run.ok("codings", "--doc", DOC, "--json").stdout)
    return [str(rows[0]["id"])]


def _memo_id(run: Any) -> str:
    memos = json.loads(run.ok("memo", "list", "--json").stdout)
    return str(memos[-1]["id"])


def steps(tmp: Path) -> Iterator[tuple[str, Args]]:
    neu = tmp / "neu.txt"
    neu.write_text("Ein neues Protokoll.\n\nDie Zeit fehlt für Absprachen.\n", encoding="utf-8")
    codings_csv = tmp / "codings_in.csv"
    codings_csv.write_text(
        f"document,start,end,code\n{DOC},0,10,{CODE}\n", encoding="utf-8", newline=""
    )
    codebook = tmp / "book.toml"
    codebook.write_text('[[codes]]\npath = "Neu aus Datei"\ndefinition = "D"\n', encoding="utf-8")
    users = tmp / "users.toml"
    qdpx = tmp / "p.qdpx"
    # reading
    yield "status", ["status"]
    yield "config show", ["config", "show"]
    yield "check", ["check"]
    yield "log", ["log", "--limit", "3"]
    yield "codes list", ["codes", "list"]
    yield "codes show", ["codes", "show", CODE]
    yield "docs list", ["docs", "list"]
    yield "docs show", ["docs", "show", DOC]
    yield "passages", ["passages", "--doc", DOC]
    yield "codings", ["codings", "--doc", DOC]
    yield "memo list", ["memo", "list"]
    yield "search", ["search", "Zeit", "--doc", DOC]
    yield "retrieve", ["retrieve", CODE]
    yield "similar", ["similar", "--code", CODE, "--top", "3"]
    yield "suggest", ["suggest", "--doc", "protokoll_14.md", "--top", "2"]
    yield "next", ["next", "--n", "2"]
    yield "propose", ["propose", "--n", "2"]
    yield "embed", ["embed", "--status"]
    yield "agreement", ["agreement", "--coders", "anna,ben"]
    yield "check-sample", ["check-sample", "--list"]
    yield "checkpoint", ["checkpoint", "list"]
    yield "rq list", ["rq", "list"]
    yield "set list", ["set", "list"]
    yield "summary list", ["summary", "list"]
    yield "report freq", ["report", "freq"]
    yield "report crosstab", ["report", "crosstab", "--by", "Format"]
    yield "report cooc", ["report", "cooc"]
    yield "report matrix", ["report", "matrix"]
    yield "report segments", ["report", "segments", "--code", CODE]
    yield "report words", ["report", "words", "--top", "3"]
    yield "report agenda", ["report", "agenda"]
    yield "report summaries", ["report", "summaries"]
    yield "report disagreements", ["report", "disagreements", "--coders", "anna,ben"]
    yield "report full", ["report", "full", "-o", str(tmp / "full.html")]
    yield "codings export", ["codings", "export", str(tmp / "c.csv")]
    yield "refi export", ["refi", "export", str(qdpx)]
    yield "refi import", ["refi", "import", str(qdpx), "--dry-run"]
    yield "backup", ["backup", str(tmp / "b.sqlite")]
    yield "users add", ["users", "add", "carla", "--file", str(users), "--password-stdin"]
    yield "users list", ["users", "list", "--file", str(users)]
    yield "users remove", ["users", "remove", "carla", "--file", str(users)]
    # changing
    yield "codes add", ["codes", "add", "Neu/Kind"]
    yield "codes edit", ["codes", "edit", "Neu/Kind", "--definition", "D"]
    yield "codes rename", ["codes", "rename", "Neu/Kind", "Kind2"]
    yield "codes move", ["codes", "move", "Neu/Kind2", "/"]
    yield "codes anchor", lambda run: ["codes", "anchor", "Kind2", "--clear"]
    yield "codes delete", ["codes", "delete", "Kind2"]
    yield "docs set", ["docs", "set", DOC, "Geprüft=ja"]
    yield "code", ["code", "protokoll_02.md", "--start", "0", "--end", "10", "--code", CODE]
    yield "uncode", ["uncode", "protokoll_02.md", "--start", "0", "--end", "10", "--code", CODE]
    yield "mark", ["mark", "protokoll_02.md", "--start", "0", "--end", "10", "--not-relevant"]
    yield "memo add", ["memo", "add", "Ein Memo", "--doc", DOC]
    yield "memo delete", lambda run: ["memo", "delete", _memo_id(run)]
    yield "undo", ["undo"]
    yield "redo", ["redo"]
    yield "rq add", ["rq", "add", "F9", "-q", "Welche Hürden?"]
    yield "rq edit", ["rq", "edit", "F9", "-q", "Welche Hürden gibt es?"]
    yield "rq show", ["rq", "show", "F9"]
    yield "rq delete", ["rq", "delete", "F9"]
    yield "set add", ["set", "add", "Web", "--rule", "Format=Videokonferenz"]
    yield "set show", ["set", "show", "Web"]
    yield "set remove", ["set", "remove", "Web"]
    yield "summary set", ["summary", "set", DOC, CODE, "Kurz gesagt: wenig Zeit."]
    yield "checkpoint", ["checkpoint", "R1", "--note", "erste Runde"]
    yield "config set", ["config", "set", "language", "de"]
    yield "import", ["import", str(neu)]
    yield "docs split", ["docs", "split"]
    yield "docs remove", ["docs", "remove", "neu.txt"]
    yield "codings import", ["codings", "import", str(codings_csv)]
    yield "codebook import", ["codebook", "import", str(codebook)]
    yield "autocode", ["autocode", "--code", CODE, "--regex", "Zeit", "--dry-run"]
    yield (
        "recode",
        ["recode", "--from", CODE, "--to", "Herausforderungen und Hindernisse/Zeitnot", "--create"],
    )
    yield "db upgrade", ["db", "upgrade"]
    yield "init", ["init", str(tmp / "empty.sqlite")]
    from conftest import CORPUS, STARTER

    yield (
        "demo build",
        [
            *("--db", str(tmp / "demo2.sqlite"), "demo", "build"),
            *("--corpus", str(CORPUS), "--codebook", str(STARTER)),
        ],
    )
