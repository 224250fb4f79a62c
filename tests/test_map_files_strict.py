"""Recode maps and autocode rule files are read strictly: an unknown CSV column (``doc``,
``coder``, ``where`` work only in TOML), a repeated column, a yes/no that is neither,
``[[rule]]`` together with ``[[rules]]`` and unknown top-level keys are refused, naming the
problem — nothing is half-read, nothing changes."""

from __future__ import annotations

import pytest
from conftest import db_snapshot, error, rows

from qualcode.errors import InvalidInput
from qualcode.textutil import yes_no

H = "Herausforderungen und Hindernisse"
P, Z = f"{H}/Personalmangel", f"{H}/Zeitmangel"
YES_NO = "use true, 1, yes, ja, x, wahr or false, 0, no, nein, falsch"
CSV_HINT = "write one `from,to` pair of code paths per line (keep, case_sensitive: true or false)"
DOCS = {
    "p1.md": "Es fehlt Personal an allen Schulen.\n\nEs fehlt Zeit für Fallberatung.",
    "p2.md": "Personal ist knapp.\n\nZeit für Beratung fehlt.",
}


@pytest.fixture
def project(cli, write_file):
    for name, text in DOCS.items():
        cli.ok("import", str(write_file(name, text)))
    cli.ok("codes", "add", P)
    cli.ok("codes", "add", Z)
    for name, text in DOCS.items():
        first = text.split("\n\n")[0]
        cli.ok("code", name, "--start", "0", "--end", str(len(first)), "--code", P)
    return cli


def codings(db: str) -> list[tuple[str, str]]:
    return rows(
        db,
        "SELECT d.name, k.name FROM coding c JOIN code k ON k.id = c.code_id"
        " JOIN document d ON d.id = c.document_id ORDER BY d.name, k.name",
    )


def refused(cli, *args: str) -> str:
    before = db_snapshot(cli.db)
    line = error(cli(*args))
    assert db_snapshot(cli.db) == before
    return line


# --- recode maps: CSV columns ---------------------------------------------------------------------

KNOWN = "known: from, to, match, keep, case_sensitive; from/to also as von/nach or source/target"


def test_a_csv_doc_column_is_refused_instead_of_moving_every_coding(project, write_file):
    path = write_file("map.csv", f"from,to,doc\n{P},{Z},p1.md\n")
    assert refused(project, "recode", "--map", str(path)) == (
        f"error: map.csv: unknown column 'doc' ({KNOWN})"
        " — doc, coder and where work only in a TOML map ([[rule]] entries)"
    )
    assert codings(project.db) == [("p1.md", "Personalmangel"), ("p2.md", "Personalmangel")]

    # the same rule as TOML does what the CSV meant: only p1's coding moves, the source stays
    toml = write_file("map.toml", f'[[rule]]\nfrom = "{P}"\nto = "{Z}"\ndoc = "p1.md"\n')
    project.ok("recode", "--map", str(toml))
    assert codings(project.db) == [("p1.md", "Zeitmangel"), ("p2.md", "Personalmangel")]


@pytest.mark.parametrize(
    ("header", "problem", "hint"),
    [
        ("from;to;Coder", "unknown column 'Coder'", "doc, coder and where work only in a TOML map"),
        ("from;to;where;memo", "unknown columns 'where', 'memo'", "doc, coder and where work"),
        ("from;to;bemerkung", "unknown column 'bemerkung'", "rename or remove the column"),
    ],
)
def test_unknown_csv_columns_are_refused(project, write_file, header, problem, hint):
    path = write_file("map.csv", f"{header}\n{P};{Z};x;y\n")
    line = refused(project, "recode", "--map", str(path))
    assert line.startswith(f"error: map.csv: {problem} ({KNOWN}) — {hint}")


@pytest.mark.parametrize(
    ("header", "twice"),
    [
        ("from,to,keep,keep", "'keep' given twice ('keep' and 'keep')"),
        ("von,nach,from", "'from' given twice ('von' and 'from')"),
    ],
)
def test_a_repeated_csv_column_is_refused(project, write_file, header, twice):
    path = write_file("map.csv", f"{header}\n{P},{Z},ja,nein\n")
    assert refused(project, "recode", "--map", str(path)) == (
        f"error: map.csv: column {twice} — keep one of them"
    )


def test_a_value_beyond_the_columns_is_refused(project, write_file):
    headless = write_file("map.csv", f"{P},{Z},p1.md\n")
    assert refused(project, "recode", "--map", str(headless)) == (
        "error: map.csv: line 1: 'p1.md' in column 3, which a map without a header row does"
        f" not have — {CSV_HINT}"
    )
    headed = write_file("map2.csv", f"from,to\n{P},{Z},,p1.md\n")
    assert refused(project, "recode", "--map", str(headed)) == (
        f"error: map2.csv: line 2: 'p1.md' in column 4, which has no header — {CSV_HINT}"
    )


def test_csv_columns_in_any_order_and_case_sensitive(project, write_file):
    path = write_file("map.csv", f"match,case_sensitive,to,from,keep\npersonal,nein,{Z},{P},ja\n")
    out = project.json("recode", "--map", str(path))
    assert out["totals"]["moved"] == 2 and out["totals"]["codes_deleted"] == 0
    assert codings(project.db) == [("p1.md", "Zeitmangel"), ("p2.md", "Zeitmangel")]
    assert rows(project.db, "SELECT count(*) FROM code WHERE name = 'Personalmangel'") == [(1,)]


# --- yes/no values --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Y", "behalten"])
def test_a_csv_keep_that_is_not_yes_or_no_is_refused(project, write_file, value):
    path = write_file("map.csv", f"from,to,keep\n{P},{Z},{value}\n")
    assert refused(project, "recode", "--map", str(path)) == (
        f"error: map.csv: line 2: keep is {value!r}, not a yes/no value ({YES_NO}) — {CSV_HINT}"
    )


def test_a_csv_keep_reads_the_yes_no_words_of_codebook_import(project, write_file):
    start = codings(project.db)
    for value, source_kept in [("WAHR", True), ("Ja", True), ("x", True), ("falsch", False)]:
        path = write_file("map.csv", f"from,to,keep\n{P},{Z},{value}\n")
        project.ok("recode", "--map", str(path))
        n = rows(project.db, "SELECT count(*) FROM code WHERE name = 'Personalmangel'")[0][0]
        assert (value, n) == (value, int(source_kept))
        assert codings(project.db) == [("p1.md", "Zeitmangel"), ("p2.md", "Zeitmangel")]
        project.ok("undo")
        assert codings(project.db) == start


def test_a_toml_map_reads_case_sensitive_false_as_false(project, write_file):
    rule = f'[[rule]]\nfrom = "{P}"\nto = "{Z}"\nmatch = "personal"\n'
    quoted = write_file("quoted.toml", rule + 'case_sensitive = "false"\n')
    assert project.json("recode", "--map", str(quoted), "--dry-run")["totals"]["moved"] == 2
    sensitive = write_file("sensitive.toml", rule + "case_sensitive = true\n")
    assert project.json("recode", "--map", str(sensitive), "--dry-run")["totals"]["moved"] == 0


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('case_sensitive = "vielleicht"', "case_sensitive is 'vielleicht'"),
        ("keep = 2", "keep is 2"),
    ],
)
def test_a_toml_map_refuses_a_yes_no_that_is_neither(project, write_file, line, problem):
    path = write_file("map.toml", f'[[rule]]\nfrom = "{P}"\nto = "{Z}"\n{line}\n')
    assert refused(project, "recode", "--map", str(path)) == (
        f"error: map.toml: rule 1: {problem}, not a yes/no value ({YES_NO})"
        " — see `qualcode recode --help` for the map format"
    )


def test_autocode_reads_case_sensitive_false_and_refuses_a_non_yes_no(project, write_file):
    rule = f'[[rule]]\ncode = "{Z}"\nregex = "zeit"\n'
    quoted = write_file("quoted.toml", rule + 'case_sensitive = "false"\n')
    assert project.json("autocode", "--rules", str(quoted), "--dry-run")["totals"]["found"] == 2
    bad = write_file("bad.toml", rule + 'case_sensitive = "egal"\n')
    assert refused(project, "autocode", "--rules", str(bad)) == (
        f"error: bad.toml rule 1: case_sensitive is 'egal', not a yes/no value ({YES_NO})"
        " — each [[rule]] needs code and one of regex, lemma, phrase"
    )


def test_yes_no_accepts_booleans_and_the_codebook_words_only():
    assert [yes_no(v, "f") for v in (True, "WAHR", " ja ", "1", 1, "X")] == [True] * 6
    assert [yes_no(v, "f") for v in (False, "falsch", "Nein", "0", 0, "no")] == [False] * 6
    assert yes_no("", "f", default=True) is True and yes_no(None, "f") is False
    with pytest.raises(InvalidInput) as exc:
        yes_no("Y", "keep")
    assert exc.value.message == f"keep is 'Y', not a yes/no value ({YES_NO})"


# --- TOML tables and top-level keys ---------------------------------------------------------------


def test_autocode_refuses_rule_and_rules_together_and_unknown_top_level_keys(project, write_file):
    both = (
        f'[[rule]]\ncode = "{P}"\nregex = "Personal"\n\n[[rules]]\ncode = "{Z}"\nregex = "Zeit"\n'
    )
    path = write_file("both.toml", both)
    assert refused(project, "autocode", "--rules", str(path)) == (
        "error: both.toml: both [[rule]] and [[rules]] tables; only one kind would be read"
        " — write every entry as [[rule]]"
    )
    typo = write_file("typo.toml", f'unti = "sentence"\n\n[[rule]]\ncode = "{P}"\nregex = "x"\n')
    assert refused(project, "autocode", "--rules", str(typo)) == (
        "error: typo.toml: unknown top-level key 'unti' (known: unit, coder, [[rule]])"
        " — check the spelling; keys of one rule go below its [[rule]] line"
    )
    # [[rules]] alone still works, with the top-level defaults
    alone = write_file(
        "alone.toml", f'unit = "sentence"\n[[rules]]\ncode = "{Z}"\nregex = "Zeit"\n'
    )
    assert project.json("autocode", "--rules", str(alone))["totals"]["added"] == 2


def test_a_toml_map_refuses_rule_and_rules_together_and_unknown_top_level_keys(project, write_file):
    both = f'[[rule]]\nfrom = "{P}"\nto = "{Z}"\n\n[[rules]]\nfrom = "{Z}"\nto = "{P}"\n'
    path = write_file("both.toml", both)
    assert refused(project, "recode", "--map", str(path)) == (
        "error: both.toml: both [[rule]] and [[rules]] tables; only one kind would be read"
        " — write every entry as [[rule]]"
    )
    typo = write_file("typo.toml", f'keep = true\n\n[mapping]\n"{P}" = "{Z}"\n')
    assert refused(project, "recode", "--map", str(typo)) == (
        "error: typo.toml: unknown top-level keys 'keep', 'mapping' (known: map, [[rule]])"
        " — check the spelling; keys of one rule go below its [[rule]] line"
    )
    bad_map = write_file("bad_map.toml", f'map = "{P}"\n')
    assert refused(project, "recode", "--map", str(bad_map)) == (
        'error: bad_map.toml: map must be a table — write [map] with "from" = "to" lines'
    )
