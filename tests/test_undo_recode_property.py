"""Property (issue 6): any sequence of recode operations, then as many undos, restores the database.

Each example works on a fresh copy of a small project (two documents, a code tree
with same-named sub-codes, identical and overlapping codings by two coders, memos
on codes and codings). Operations that are refused (e.g. a rename clash) roll
back and do not count as a step.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from conftest import sqlite_dump
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qualcode import audit
from qualcode.database import make_engine, transaction
from qualcode.errors import QualcodeError

DATA = ("coder", "document", "document_attribute", "code", "passage", "coding", "memo", "meta")
PATHS = ["A", "A/X", "A/Y", "B", "B/X", "C", "C/Z"]
NEW = ["A/N", "B/X/N", "D", "C/Z/M"]
REGEXES = ["Personal", "Zeit", r"\bes\b", "fehlt"]
TEXT1 = "Es fehlt Personal.\n\nEs fehlt Zeit für Absprachen.\n\nPersonal und Zeit fehlen."
TEXT2 = "Zeit ist knapp.\n\nDas Personal wechselt."


def dump(db: str) -> dict[str, list[tuple]]:
    return sqlite_dump(db, DATA)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    from qualcode.codebook import add_code
    from qualcode.codings import add_coding
    from qualcode.documents import add_text_document, set_attributes
    from qualcode.memos import add_memo

    path = str(tmp_path_factory.mktemp("undo") / "template.sqlite")
    engine = make_engine(path, create=True)
    with transaction(engine, "setup", "tester") as s:
        d1 = add_text_document(s, "d1.md", TEXT1)
        add_text_document(s, "d2.md", TEXT2)
        set_attributes(s, d1, {"Format": "Web"})
        for p in PATHS:
            add_code(s, p, exist_ok=True, definition=f"Definition {p}")
        spans = [
            ("d1.md", 0, 18),
            ("d1.md", 3, 17),
            ("d1.md", 20, 48),
            ("d1.md", 50, 75),
            ("d2.md", 0, 15),
            ("d2.md", 17, 39),
        ]
        for i, (doc, a, b) in enumerate(spans):
            for j, code in enumerate(PATHS):
                if (i + j) % 3 == 0:
                    add_coding(s, doc, a, b, code, "anna", memo=f"m{i}{j}" if j % 2 else "")
                if (i + 2 * j) % 4 == 0:
                    add_coding(s, doc, a, b, code, "ben")
        add_memo(s, "code", "A", "Memo zu A")
        add_memo(s, "code", "B", "Memo zu B")
        add_memo(s, "coding", "1", "Memo zur Kodierung 1")
    engine.dispose()
    return path


ops = st.one_of(
    st.tuples(st.just("merge"), st.sampled_from(PATHS), st.sampled_from(PATHS), st.booleans()),
    st.tuples(
        st.just("split"), st.sampled_from(PATHS), st.sampled_from(PATHS), st.sampled_from(REGEXES)
    ),
    st.tuples(
        st.just("where"),
        st.sampled_from(PATHS),
        st.sampled_from(PATHS),
        st.sampled_from(["Web", "Präsenz"]),
    ),
    st.tuples(st.just("recode_new"), st.sampled_from(PATHS), st.sampled_from(NEW), st.booleans()),
    st.tuples(st.just("rename"), st.sampled_from(PATHS), st.sampled_from(["X", "Y", "Q", "Z"])),
    st.tuples(st.just("move"), st.sampled_from(PATHS), st.sampled_from([*PATHS, ""])),
    st.tuples(
        st.just("autocode"),
        st.sampled_from(PATHS),
        st.sampled_from(REGEXES),
        st.sampled_from(["passage", "match"]),
    ),
    st.tuples(
        st.just("map"),
        st.sampled_from(PATHS),
        st.sampled_from(PATHS),
        st.sampled_from(PATHS),
        st.sampled_from(PATHS),
    ),
)


def apply(session, op: tuple) -> None:
    from qualcode.codebook import move_code, rename_code
    from qualcode.recode.autocode import AutoRule, autocode
    from qualcode.recode.maps import Rule, apply_map
    from qualcode.recode.merge import recode

    kind = op[0]
    if kind == "merge":
        recode(session, op[1], op[2], keep=op[3])
    elif kind == "split":
        recode(session, op[1], op[2], match=op[3], coder="anna")
    elif kind == "where":
        recode(session, op[1], op[2], where={"format": op[3]}, create=True)
    elif kind == "recode_new":
        recode(session, op[1], op[2], create=True, keep=op[3])
    elif kind == "rename":
        rename_code(session, op[1], op[2])
    elif kind == "move":
        move_code(session, op[1], op[2])
    elif kind == "autocode":
        autocode(session, [AutoRule(code=op[1], regex=op[2], unit=op[3])], coder="auto")
    elif kind == "map":
        apply_map(
            session, [Rule(op[1], op[2], "line 1"), Rule(op[3], op[4], "line 2")], create=True
        )
    audit.ensure_entry(session)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(ops, min_size=1, max_size=5), one_call=st.booleans())
def test_any_recode_sequence_then_as_many_undos_restores_the_database(template, sequence, one_call):
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "p.sqlite")
        src, dst = sqlite3.connect(template), sqlite3.connect(db)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        original = dump(db)
        engine = make_engine(db)
        try:
            steps = 0
            for op in sequence:
                try:
                    with transaction(engine, f"op {op}", "tester") as session:
                        apply(session, op)
                    steps += 1
                    event(f"{op[0]} done")
                except QualcodeError:
                    event(f"{op[0]} refused")  # rolled back, not a step
            changed = dump(db)
            if steps == 0:
                assert changed == original
                return
            if one_call:
                with transaction(engine, "undo", "tester", record=False) as session:
                    assert len(audit.undo(session, steps)) == steps
            else:
                for _ in range(steps):
                    with transaction(engine, "undo", "tester", record=False) as session:
                        audit.undo(session, 1)
            assert dump(db) == original
            with transaction(engine, "redo", "tester", record=False) as session:
                audit.redo(session, steps)
            assert dump(db) == changed
        finally:
            engine.dispose()
