"""Boolean retrieval (`qualcode retrieve`) on the small project of test_reports — exact segments."""

from __future__ import annotations

import pytest

from qualcode import boolexpr
from tests.test_reports import build_small


@pytest.fixture
def small(cli, write_file, tmp_path):
    return build_small(cli, write_file, tmp_path)


def spans(data):
    return [
        (s["document"], s["start"], s["end"], s["code"], ", ".join(s["coders"]))
        for s in data["rows"]
    ]


def test_parser_precedence_and_operands():
    assert boolexpr.parse("Herausforderungen und Hindernisse/Zeit AND Ziele OR x") == (
        "or",
        ("and", ("term", "Herausforderungen und Hindernisse/Zeit"), ("term", "Ziele")),
        ("term", "x"),
    )
    assert boolexpr.parse("A AND NOT B") == ("minus", ("term", "A"), ("term", "B"))
    assert boolexpr.parse('(A OR "B AND C") NEAR/2 D') == (
        "near",
        ("or", ("term", "A"), ("term", "B AND C")),
        ("term", "D"),
        2,
    )


def test_and_lists_both_overlapping_segments(small):
    data = small.json("retrieve", "Zeit AND Personal")
    assert spans(data) == [  # document, text order, then the order of coding
        ("a.txt", 13, 24, "Hindernisse/Zeit", "anna"),
        ("a.txt", 13, 24, "Hindernisse/Personal", "anna"),
    ]
    assert data["terms"] == [
        {"term": "Zeit", "code": "Hindernisse/Zeit"},
        {"term": "Personal", "code": "Hindernisse/Personal"},
    ]
    assert spans(small.json("retrieve", "Zeit AND Personal", "--unit", "passage")) == spans(data)


def test_not_or_and_auto(small):
    assert spans(small.json("retrieve", "Hindernisse NOT Personal")) == [
        ("a.txt", 0, 11, "Hindernisse/Zeit", "anna, ben"),
        ("d.txt", 0, 11, "Hindernisse/Zeit", "anna"),
    ]
    # a category stands for its sub-codes too; auto codings only with --include-auto
    assert spans(small.json("retrieve", "Ziele OR Zeit")) == [
        ("a.txt", 0, 11, "Hindernisse/Zeit", "anna, ben"),
        ("a.txt", 13, 24, "Hindernisse/Zeit", "anna"),
        ("a.txt", 26, 37, "Ziele", "anna"),
        ("b.txt", 12, 22, "Ziele/Vernetzung", "anna"),
        ("c.txt", 0, 11, "Ziele/Vernetzung", "anna"),
        ("d.txt", 0, 11, "Hindernisse/Zeit", "anna"),
    ]
    # anna's Personal and auto's Zeit on b.txt meet only across coders
    assert spans(small.json("retrieve", "Zeit AND Personal", "--include-auto")) == [
        ("a.txt", 13, 24, "Hindernisse/Zeit", "anna"),
        ("a.txt", 13, 24, "Hindernisse/Personal", "anna"),
    ]
    assert spans(
        small.json("retrieve", "Zeit AND Personal", "--include-auto", "--across-coders")
    ) == [
        ("a.txt", 13, 24, "Hindernisse/Zeit", "anna"),
        ("a.txt", 13, 24, "Hindernisse/Personal", "anna"),
        ("b.txt", 0, 10, "Hindernisse/Personal", "anna"),
        ("b.txt", 0, 10, "Hindernisse/Zeit", "auto"),
    ]


def test_near_counts_paragraphs(small):
    assert spans(small.json("retrieve", "Personal NEAR/1 Vernetzung")) == [
        ("b.txt", 0, 10, "Hindernisse/Personal", "anna"),
        ("b.txt", 12, 22, "Ziele/Vernetzung", "anna"),
    ]
    assert small.json("retrieve", "Personal NEAR/0 Vernetzung")["rows"] == []
    assert small.json("retrieve", "Personal AND Vernetzung")["segments"] == 0


def test_set_table_and_files(small, tmp_path):
    small.ok("set", "add", "nur-a", "a.txt")
    assert spans(small.json("retrieve", "Ziele OR Personal", "--set", "nur-a")) == [
        ("a.txt", 13, 24, "Hindernisse/Personal", "anna"),
        ("a.txt", 26, 37, "Ziele", "anna"),
    ]
    out = small.ok("retrieve", "Zeit AND Personal").stdout
    assert "a.txt        13   24  Hindernisse/Zeit      anna   Alpha zwei." in out
    assert out.rstrip().endswith("2 segments in 1 documents; pairs within one coder")
    xlsx = tmp_path / "r.xlsx"
    small.ok("retrieve", "Zeit AND Personal", "-o", str(xlsx))
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["Segmente"]
    assert [c.value for c in ws[2]][:6] == ["a.txt", "Präsenz", "Hindernisse/Zeit", "anna", 13, 24]
    docx = tmp_path / "r.docx"
    small.ok("retrieve", "Zeit AND Personal", "-o", str(docx))
    import docx as pydocx

    texts = [p.text for p in pydocx.Document(str(docx)).paragraphs]
    assert texts[0] == "Zeit AND Personal" and "Alpha zwei." in texts


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("Zeit AND", "error: cannot read the query 'Zeit AND': it ends with an operator"),
        ("NOT Zeit", "error: NOT needs segments to take away from"),
        ("Zeitt", "error: unknown code 'Zeitt' — did you mean 'Hindernisse/Zeit'?"),
        ("(Zeit OR Ziele", "error: cannot read the query '(Zeit OR Ziele': a '(' is not closed"),
    ],
)
def test_errors_are_one_line(small, query, message):
    r = small("retrieve", query)
    assert r.exit_code == 2 and r.stderr.startswith(message) and "Traceback" not in r.output


def test_headings_are_no_passage_units(cli, write_file):
    """Passage units and NEAR are content paragraphs, as in `report cooc` and `agreement`:
    two codings that meet only on a heading do not meet, and a heading is no distance."""
    text = (
        "# Sitzung eins\n\nDer Raum ist zu klein.\n\n## Nächste Schritte\n\nDie Eltern fragen nach."
    )
    heading = text.index("## Nächste")
    room, parents = text.index("Der Raum"), text.index("Die Eltern")
    cli.ok("import", str(write_file("s.md", text)))

    def code(start, end, code):
        cli.ok(
            "--coder",
            "anna",
            "code",
            "s.md",
            "--start",
            str(start),
            "--end",
            str(end),
            "--code",
            code,
            "--create",
        )

    code(heading, len(text), "Raum")  # the heading and the paragraph below it
    code(heading, heading + 19, "Finanzen")  # the heading alone
    code(room, room + 22, "Zeit")  # the first content paragraph
    code(parents, len(text), "Eltern")  # the second content paragraph
    assert cli.json("retrieve", "Raum AND Finanzen", "--unit", "passage")["segments"] == 0
    assert cli.json("retrieve", "Raum NEAR/0 Finanzen")["segments"] == 0
    # on the characters of the heading they overlap: unit overlap still finds them
    assert cli.json("retrieve", "Raum AND Finanzen")["segments"] == 2
    # the heading spanned with its paragraph: that paragraph is the unit
    assert cli.json("retrieve", "Raum AND Eltern", "--unit", "passage")["segments"] == 2
    # one content paragraph apart; the heading between them is no distance
    assert cli.json("retrieve", "Zeit NEAR/1 Eltern")["segments"] == 2
    assert cli.json("retrieve", "Zeit NEAR/0 Eltern")["segments"] == 0
    # a segment on a heading alone meets nothing, so NOT keeps it
    assert cli.json("retrieve", "Finanzen NOT Raum", "--unit", "passage")["segments"] == 1
