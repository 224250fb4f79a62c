"""Figures of `report freq` and `report matrix` recomputed by hand on a small project.

Three documents, five codes (B, B/Staff, B/Time, R, R/Funding), two coders:

    a.txt (Format P)  p1: anna Staff + anna Time + ben Staff    p2: ben Time
    b.txt (Format W)  p1: anna Funding + ben Staff
    c.txt (Format P)  p1: ben Time

Segments (a span coded with the same code by several coders counts once):
Staff {a p1, b p1}, Time {a p1, a p2, c p1}, Funding {b p1}. Rolled up to level 1,
B holds the spans {a p1, a p2, b p1, c p1}: 4 segments, not 5 — a p1 is one B passage
although it carries Staff and Time (and two coders). anna coded a and b (n = 2), ben
a, b and c (n = 3).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import rows
from hypothesis import HealthCheck, Phase, given, settings
from oracle import freq as oracle_freq
from oracle import load as oracle_load
from oracle import matrix as oracle_matrix
from strategies import build, projects

TEXTS = {
    "a.txt": ("P", "Alpha one.\n\nAlpha two.\n\nAlpha three.\n"),
    "b.txt": ("W", "Beta one.\n\nBeta two.\n"),
    "c.txt": ("P", "Gamma one.\n\nGamma two.\n"),
}
SPANS = {  # (document, paragraph) → (start, end) in the imported text (no front matter)
    ("a.txt", 1): (0, 10),
    ("a.txt", 2): (12, 22),
    ("b.txt", 1): (0, 9),
    ("c.txt", 1): (0, 10),
}
CODINGS = [
    ("anna", "a.txt", 1, "B/Staff"),
    ("anna", "a.txt", 1, "B/Time"),
    ("ben", "a.txt", 1, "B/Staff"),
    ("ben", "a.txt", 2, "B/Time"),
    ("anna", "b.txt", 1, "R/Funding"),
    ("ben", "b.txt", 1, "B/Staff"),
    ("ben", "c.txt", 1, "B/Time"),
]
COLUMNS = ["B", "B/Staff", "B/Time", "R", "R/Funding"]


@pytest.fixture
def fig(cli, write_file, tmp_path):
    folder = None
    for name, (fmt, text) in TEXTS.items():
        folder = write_file(name, f"---\nFormat: {fmt}\n---\n{text}").parent
    cli.ok("import", str(folder))
    for code in COLUMNS:
        cli.ok("codes", "add", code)
    path = tmp_path / "codings.csv"
    lines = ["document,start,end,code,coder"]
    for coder, doc, para, code in CODINGS:
        s, e = SPANS[(doc, para)]
        lines.append(f"{doc},{s},{e},{code},{coder}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))
    texts = dict(rows(cli.db, "SELECT name, text FROM document"))
    assert {k: texts[k[0]][s:e] for k, (s, e) in SPANS.items()} == {  # the construction
        ("a.txt", 1): "Alpha one.",
        ("a.txt", 2): "Alpha two.",
        ("b.txt", 1): "Beta one.",
        ("c.txt", 1): "Gamma one.",
    }
    return cli


# --- 3. --level counts a rolled-up span once ------------------------------------------------


def _figures(data: dict) -> dict:
    return {
        r["code"]: (r["segments"], r["documents"], r["total_segments"], r["total_documents"])
        for r in data["rows"]
    }


def test_freq_level_1_counts_a_passage_once(fig):
    data = fig.json("report", "freq", "--level", "1")  # the sqlite3 fast path
    assert _figures(data) == {"B": (4, 3, 4, 3), "R": (1, 1, 1, 1)}
    # the full tree: B's own 0; with its sub-codes the spans {a p1, a p2, b p1, c p1}: 4
    # segments in 3 documents, as with --level 1 (a p1 carries Staff and Time, counted once)
    assert _figures(fig.json("report", "freq"))["B"] == (0, 0, 4, 3)
    # per coder: anna's a p1 (Staff and Time) is one B segment; ben has 4 spans
    by_coder = fig.json("report", "freq", "--level", "1", "--by-coder")
    b = by_coder["rows"][0]["groups"]
    assert (b["anna"]["segments"], b["anna"]["documents"]) == (1, 1)
    assert (b["ben"]["segments"], b["ben"]["documents"]) == (4, 3)


def test_freq_level_1_fast_and_full_path_agree(fig, db_path):
    from qualcode.database import make_engine, reading
    from qualcode.reports.freqcore import fast_frequency_table
    from qualcode.reports.frequency import frequency_table

    eng = make_engine(db_path)
    try:
        for kw in ({"level": 1}, {"level": 1, "by": "Format"}, {"level": 1, "by_coder": True}):
            with reading(eng) as session:
                full = frequency_table(session, **kw)
            fast = fast_frequency_table(db_path, **kw)
            assert fast == full, kw
            assert _figures(full)["B"] == (4, 3, 4, 3)
    finally:
        eng.dispose()
    by_format = fig.json("report", "freq", "--level", "1", "--by", "Format")["rows"][0]["groups"]
    # P = {a, c}: spans a p1, a p2, c p1; W = {b}: b p1
    assert (by_format["P"]["total_segments"], by_format["W"]["total_segments"]) == (3, 1)


def test_matrix_level_1_counts_a_passage_once(fig):
    assert fig.json("report", "matrix")["code_paths"] == COLUMNS
    data = fig.json("report", "matrix", "--level", "1")
    assert data["code_paths"] == ["B", "R"]
    assert [(r["document"], r["values"], r["total"]) for r in data["rows"]] == [
        ("a.txt", [2, 0], 2),
        ("b.txt", [1, 1], 2),
        ("c.txt", [1, 0], 1),
    ]
    assert data["column_totals"] == [4, 1]


def test_the_oracle_rolls_levels_up_too(fig, db_path):
    """tests/oracle.py (used by test_differential) counts --level 1 as this file does."""
    p = oracle_load(db_path)
    want = oracle_matrix(p, level=1)
    assert want["totals"] == {"B": 4, "R": 1}
    assert want["cells"]["a.txt"] == {"B": 2, "R": 0}
    got = oracle_freq(p, level=1)["rows"]
    assert (got["B"]["segments"], got["B"]["documents"]) == (4, 3)
    assert set(got) == {"B", "R"}


@pytest.mark.parametrize("level", [None, 1, 2])
def test_freq_and_matrix_agree_with_the_oracle_at_every_level(fig, db_path, level):
    p = oracle_load(db_path)
    extra = [] if level is None else ["--level", str(level)]
    got = fig.json("report", "freq", *extra)
    want = oracle_freq_rows(p, level)
    assert {
        r["code"]: (r["segments"], r["documents"], r["total_segments"]) for r in got["rows"]
    } == want
    for presence in (False, True):
        m = fig.json("report", "matrix", *extra, *(["--presence"] if presence else []))
        w = oracle_matrix(p, presence, level)
        assert dict(zip(m["code_paths"], m["column_totals"], strict=True)) == w["totals"]
        assert {
            r["document"]: dict(zip(m["code_paths"], r["values"], strict=True)) for r in m["rows"]
        } == w["cells"]


def oracle_freq_rows(p, level):
    return {
        code: (r["segments"], r["documents"], r["total_segments"])
        for code, r in oracle_freq(p, level=level)["rows"].items()
    }


# --- 1. the total of overlapping sets is over their union ------------------------------------


@pytest.fixture
def sets(fig):
    fig.ok("set", "add", "ab", "a.txt", "b.txt")
    fig.ok("set", "add", "P", "--rule", "Format=P")  # a, c: a is in both sets
    return fig


def test_matrix_sets_total_counts_each_document_once(sets):
    data = sets.json("report", "matrix", "--sets")
    assert [(r["group"], r["documents"], r["values"], r["total"]) for r in data["rows"]] == [
        ("ab", 2, [0, 2, 2, 0, 1], 5),  # Staff a, b; Time a p1, a p2; Funding b
        ("P", 2, [0, 1, 3, 0, 0], 4),  # Staff a; Time a p1, a p2, c p1
    ]
    # the union {a, b, c}: Staff 2, Time 3, Funding 1 (the rows' sum would say 3, 5, 1)
    assert data["column_totals"] == [0, 2, 3, 0, 1]
    presence = sets.json("report", "matrix", "--sets", "--presence")
    assert [r["values"] for r in presence["rows"]] == [[0, 2, 1, 0, 1], [0, 1, 2, 0, 0]]
    assert presence["column_totals"] == [0, 2, 2, 0, 1]  # Staff a, b; Time a, c; Funding b


def test_matrix_sets_total_row_in_the_terminal_and_files(sets, tmp_path):
    out = sets.ok("report", "matrix", "--sets").stdout.splitlines()
    total = next(line for line in out if line.startswith("total"))
    assert total.split() == ["total", "3", "0", "2", "3", "0", "1", "6"]
    out = sets.ok("report", "matrix", "--sets", "--presence").stdout.splitlines()
    total = next(line for line in out if line.startswith("total"))
    assert total.split() == ["total", "3", "0", "2", "2", "0", "1", "5"]
    csv = tmp_path / "m.csv"
    sets.ok("report", "matrix", "--sets", "--lang", "en", "-o", str(csv))
    assert csv.read_text(encoding="utf-8").splitlines()[-1] == "total,3,0,2,3,0,1,6"
    # attribute groups do not overlap: their total is the same as before
    by = sets.json("report", "matrix", "--by", "Format")
    assert [(r["group"], r["documents"]) for r in by["rows"]] == [("P", 2), ("W", 1)]
    assert by["column_totals"] == [0, 2, 3, 0, 1]


# --- 4. the German total column of the matrix ----------------------------------------------


def test_matrix_german_total_column_says_what_it_sums(fig, sets, tmp_path):
    def header(*args: str) -> list[str]:
        path = tmp_path / "h.csv"
        fig.ok("report", "matrix", *args, "--lang", "de", "-o", str(path))
        return path.read_text(encoding="utf-8").splitlines()[0].split(",")

    assert header()[-1] == "Segmente"  # counts of coded segments, not codings
    assert header("--presence")[-1] == "Kategorien"  # a document's categories
    assert header("--sets", "--presence")[-1] == "Summe"  # a group's documents, summed
    assert header("--sets")[-1] == "Segmente"
    assert header("--sets")[:2] == ["Gruppe", "Dokumente"]


# --- 2. and 5. --by-coder: sub-tree figures, n = the coder's documents ------------------------


def test_by_coder_n_is_the_documents_the_coder_coded(fig):
    data = fig.json("report", "freq", "--by-coder")
    assert data["groups"] == {"anna": 2, "ben": 3}
    rows = {r["code"]: r["groups"] for r in data["rows"]}
    # B with its sub-codes: anna 1 segment (a p1, coded Staff and Time) in 1 of her 2
    # documents; ben 4 (a p1, a p2, b p1, c p1) in 3 of 3
    anna, ben = rows["B"]["anna"], rows["B"]["ben"]
    assert (anna["total_segments"], anna["total_documents"], anna["total_share"]) == (1, 1, 0.5)
    assert (ben["total_segments"], ben["total_documents"], ben["total_share"]) == (4, 3, 1.0)
    assert (rows["R/Funding"]["anna"]["documents"], rows["R/Funding"]["anna"]["share"]) == (
        1,
        0.5,
    )


def test_by_coder_terminal_shows_the_sub_tree_as_the_files_do(fig, tmp_path):
    out = fig.ok("report", "freq", "--by-coder").stdout.splitlines()
    head = next(line for line in out if line.startswith("code"))
    assert "anna Σ codings" in head and "ben Σ docs" in head
    b = next(line for line in out if line.startswith("B "))
    # segments docs % Σ segments Σ docs Σ % | anna Σ codings Σ docs | ben Σ codings Σ docs
    assert b.split()[-4:] == ["1", "1", "4", "3"]
    assert out[-1] == "3 documents; coded by anna 2, ben 3"
    csv = tmp_path / "c.csv"
    fig.ok("report", "freq", "--by-coder", "--lang", "en", "-o", str(csv))
    lines = csv.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[7:] == [
        "anna (n=2): Codings incl. sub-categories",
        "anna (n=2): Documents incl. sub-categories",
        "anna (n=2): % documents incl. sub-categories",
        "ben (n=3): Codings incl. sub-categories",
        "ben (n=3): Documents incl. sub-categories",
        "ben (n=3): % documents incl. sub-categories",
    ]
    assert lines[1].split(",")[7:] == ["1", "1", "50.0", "4", "3", "100.0"]


# --- the oracle's --level on generated projects (as tests/test_differential.py) -------------


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=projects())
def test_level_rollups_agree_with_the_oracle_generated(spec) -> None:
    from conftest import Run

    tmp = tempfile.mkdtemp(prefix="qc-levels-")
    try:
        db = build(spec, Path(tmp) / "p.sqlite")
        p, run = oracle_load(db), Run(db)
        for level in (1, 2):
            got = run.json("report", "freq", "--level", str(level))
            assert {
                r["code"]: (r["segments"], r["documents"], r["total_segments"]) for r in got["rows"]
            } == oracle_freq_rows(p, level)
            m = run.json("report", "matrix", "--level", str(level))
            w = oracle_matrix(p, False, level)
            assert dict(zip(m["code_paths"], m["column_totals"], strict=True)) == w["totals"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
