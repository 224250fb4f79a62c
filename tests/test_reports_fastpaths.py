"""`report cooc` and `report segments` read SQLite projects with plain sqlite3: same results as the ORM path."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from test_reports import PERS, VERN, ZEIT, H, build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    return build_small(cli, write_file, tmp_path)


def _full_cooc(db, **kw):
    from qualcode.database import make_engine, reading
    from qualcode.reports.cooccurrence import cooccurrence

    eng = make_engine(db)
    try:
        with reading(eng) as session:
            return cooccurrence(session, **kw)
    finally:
        eng.dispose()


def _full_segments(db, code, **kw):
    from qualcode.database import make_engine, reading
    from qualcode.reports.segments import coded_segments

    eng = make_engine(db)
    try:
        with reading(eng) as session:
            return coded_segments(session, code, **kw)
    finally:
        eng.dispose()


COOC_KW = [
    {},
    {"unit": "document"},
    {"unit": "paragraph"},
    {"unit": " Document "},
    {"coder": "ben"},
    {"coder": "auto"},
    {"coder": "anna,ben", "unit": "document"},
    {"include_auto": True},
    {"level": 1},
    {"level": 1, "unit": "document", "include_auto": True},
]


@pytest.mark.parametrize("kw", COOC_KW)
def test_cooc_fast_path_equals_the_full_path(small, db_path, kw):
    from qualcode.reports.cooccore import fast_cooccurrence

    fast = fast_cooccurrence(db_path, **kw)
    assert fast is not None and fast == _full_cooc(db_path, **kw)


def test_cooc_fast_path_exact_figures(small, db_path):
    from qualcode.reports.cooccore import fast_cooccurrence

    data = fast_cooccurrence(db_path)
    assert data is not None
    assert data["units"] == 8 and data["coded_units"] == 7  # paragraphs: a 3, b 2, c 2, d 1
    assert data["code_paths"] == [H, ZEIT, PERS, "Ziele", VERN]  # code-tree order
    i = {p: n for n, p in enumerate(data["code_paths"])}
    m = data["matrix"]
    assert m[i[ZEIT]][i[ZEIT]] == 3  # a¶1, a¶2, d¶1 (auto's b coding left out)
    assert m[i[ZEIT]][i[PERS]] == m[i[PERS]][i[ZEIT]] == 1  # a¶2
    assert m[i[PERS]][i[PERS]] == 2 and m[i[VERN]][i[VERN]] == 2 and m[i[H]] == [0] * 5
    assert data["pairs"] == [{"a": ZEIT, "b": PERS, "units": 1, "jaccard": 0.25}]
    doc = fast_cooccurrence(db_path, unit="document", level=1)
    assert doc is not None and doc["units"] == 4 and doc["code_paths"] == [H, "Ziele"]
    assert doc["matrix"] == [[3, 2], [2, 3]]  # H in a, b, d; Ziele in a, b, c


def test_cooc_fast_path_leaves_orphans_out_like_the_full_path(small, db_path):
    from qualcode.reports.cooccore import fast_cooccurrence

    conn = sqlite3.connect(db_path)
    with conn:  # anna's Personal coding of a¶2 lost its text
        conn.execute(
            "UPDATE coding SET orphaned = 1 WHERE start = 13 AND code_id = "
            "(SELECT id FROM code WHERE name = 'Personal')"
        )
    conn.close()
    for unit in ("passage", "document"):
        fast = fast_cooccurrence(db_path, unit=unit)
        assert fast is not None and fast == _full_cooc(db_path, unit=unit)
    assert fast_cooccurrence(db_path)["pairs"] == []  # type: ignore[index]


def test_cooc_fast_path_leaves_errors_to_the_full_path(small, db_path, tmp_path):
    from qualcode.reports.cooccore import fast_cooccurrence

    assert fast_cooccurrence(db_path, coder="nobody") is None
    assert fast_cooccurrence(db_path, unit="sentence") is None
    assert fast_cooccurrence(str(tmp_path / "missing.sqlite")) is None
    assert fast_cooccurrence("postgresql+psycopg://user@localhost/qualcode") is None
    res = small("report", "cooc", "--coder", "nobody")
    assert res.exit_code == 2 and "unknown coder 'nobody'" in res.output
    res = small("report", "cooc", "--unit", "sentence")
    assert res.exit_code == 2 and "unknown unit" in res.output


SEG_CASES = [
    (ZEIT, {}),
    ("hindernisse/zeit", {}),
    (H, {"children": True}),
    (H, {}),
    ("Ziele", {"children": True, "coder": "anna"}),
    (ZEIT, {"coder": "auto"}),
    (ZEIT, {"include_auto": True}),
    (ZEIT, {"coder": "anna,ben"}),
]


@pytest.mark.parametrize(("code", "kw"), SEG_CASES)
def test_segments_fast_path_equals_the_full_path(small, db_path, code, kw):
    from qualcode.reports.segcore import fast_coded_segments

    fast = fast_coded_segments(db_path, code, **kw)
    assert fast is not None and fast == _full_segments(db_path, code, **kw)


def test_segments_fast_path_exact(small, db_path):
    from qualcode.reports.segcore import fast_coded_segments

    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "UPDATE coding SET memo = 'wichtig', orphaned = 1 WHERE start = 0 AND end = 10"
        )
    conn.close()
    data = fast_coded_segments(db_path, ZEIT, include_auto=True)
    assert data is not None and data == _full_segments(db_path, ZEIT, include_auto=True)
    segs = [(s["document"], s["start"], s["coder"], s["text"]) for s in data["segments"]]
    assert segs == [
        ("a.txt", 0, "anna, ben", "Alpha eins."),  # one quotation coded by two coders
        ("a.txt", 13, "anna", "Alpha zwei."),
        ("b.txt", 0, "auto", "Beta eins."),
        ("d.txt", 0, "anna", "Delta eins."),
    ]
    b = data["segments"][2]
    assert b["memo"] == "wichtig" and b["orphaned"] is True and b["attributes"] == {"Format": "Web"}
    assert data["segments"][0]["orphaned"] is False and data["documents"] == 3


def test_segments_fast_path_leaves_errors_to_the_full_path(small, db_path):
    from qualcode.reports.segcore import fast_coded_segments

    assert fast_coded_segments(db_path, "Hindernisse/Nix") is None
    assert fast_coded_segments(db_path, "Hindernisse//Zeit") is None
    assert fast_coded_segments(db_path, ZEIT, coder="nobody") is None
    res = small("report", "segments", "--code", "Hindernisse/Zeitt")
    assert res.exit_code == 2 and "unknown code" in res.output


def test_demo_fast_paths_equal_the_full_paths(demo_db):
    from qualcode.reports.cooccore import fast_cooccurrence
    from qualcode.reports.segcore import fast_coded_segments

    for kw in ({}, {"unit": "document"}, {"level": 1}, {"coder": "ben"}):
        fast = fast_cooccurrence(demo_db, **kw)
        assert fast is not None and fast == _full_cooc(demo_db, **kw)
    assert _full_cooc(demo_db)["pairs"]  # the demo has co-occurring codes
    code = "Herausforderungen und Hindernisse"
    for kw in ({"children": True}, {"children": True, "coder": "ben"}):
        fast = fast_coded_segments(demo_db, code, **kw)
        assert fast is not None and fast == _full_segments(demo_db, code, **kw)
        assert fast["segments"]


def _modules(*args: str) -> set[str]:
    probe = (
        "import sys, json\n"
        f"sys.argv = ['qualcode', *{list(args)!r}]\n"
        "from qualcode.cli import app\n"  # main() would leave through os._exit
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})) + '\\n')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")), None)
    assert line is not None, proc.stderr
    return set(json.loads(line[len("MODULES ") :]))


def test_cooc_and_segments_of_a_sqlite_project_skip_the_orm(demo_db, tmp_path):
    orm = {"sqlalchemy", "sqlmodel"}
    mods = _modules("--db", demo_db, "report", "cooc", "--json")
    assert "sqlite3" in mods and not mods & orm, sorted(mods & orm)
    out = tmp_path / "seg.xlsx"
    mods = _modules(
        "--db",
        demo_db,
        "report",
        "segments",
        "--code",
        "Zielformulierungen",
        "--children",
        "-o",
        str(out),
    )
    assert out.is_file() and not mods & orm, sorted(mods & orm)
