"""Autocoding (issue 6): regex, lemma and fuzzy phrase search, units, re-runs, dry run."""

from __future__ import annotations

import pytest
from conftest import sqlite_dump

H = "Herausforderungen und Hindernisse"
P = f"{H}/Personalmangel"
DATA = (
    "coder",
    "document",
    "document_attribute",
    "code",
    "passage",
    "coding",
    "memo",
    "meta",
    "audit_entry",
    "audit_change",
)

TEXT = (
    "Die Lage des Personals ist angespannt. Die Mängel sind bekannt.\n\n"
    "Es gibt zu wenig Personals in den Schulen. Die Eltern sind zufrieden.\n\n"
    "Zu weinig Personal für die Förderung!\n\n"
    "Fachkräfte fehlten im letzten Jahr. Das Personal wechselt oft.\n\n"
    "Die Kooperationen mit Schulen laufen gut."
)


def dump(db: str) -> dict[str, list[tuple]]:
    return sqlite_dump(db, DATA)


@pytest.fixture
def project(cli, write_file):
    cli.ok(
        "import",
        str(write_file("p1.md", "---\nFormat: Web\n---\n" + TEXT)),
        str(write_file("p2.md", "---\nFormat: Präsenz\n---\nKein Treffen.")),
    )
    cli.ok("codes", "add", P)
    cli.ok("codes", "add", "Zielformulierungen/Kooperation")
    return cli


def texts(cli, code: str = P) -> list[str]:
    return [c["text"] for c in cli.json("codings", "--code", code)]


def test_regex_units_passage_sentence_match(project):
    out = project.json("autocode", "--code", P, "--regex", r"personal\w*")
    assert out["totals"] == {"found": 4, "added": 4, "existing": 0}
    assert texts(project) == [
        "Die Lage des Personals ist angespannt. Die Mängel sind bekannt.",
        "Es gibt zu wenig Personals in den Schulen. Die Eltern sind zufrieden.",
        "Zu weinig Personal für die Förderung!",
        "Fachkräfte fehlten im letzten Jahr. Das Personal wechselt oft.",
    ]
    project.ok("undo")
    out = project.json(
        "autocode", "--code", P, "--regex", "Personal", "--case-sensitive", "--unit", "sentence"
    )
    assert [c["text"] for c in project.json("codings")] == [
        "Die Lage des Personals ist angespannt.",
        "Es gibt zu wenig Personals in den Schulen.",
        "Zu weinig Personal für die Förderung!",
        "Das Personal wechselt oft.",
    ]
    project.ok("undo")
    project.ok("autocode", "--code", P, "--regex", r"zu w\w+ personal\w*", "--unit", "match")
    assert texts(project) == ["zu wenig Personals", "Zu weinig Personal"]
    assert {c["coder"] for c in project.json("codings")} == {"auto"}


def test_lemma_finds_inflected_forms(project):
    # lookup lemmas: Personals → Personal, Mängel → Mangel, fehlten → fehlen, Kooperationen → Kooperation
    project.ok("autocode", "--code", P, "--lemma", "Personal Mangel", "--unit", "passage")
    assert texts(project) == ["Die Lage des Personals ist angespannt. Die Mängel sind bekannt."]
    assert (
        project.json(
            "autocode", "--code", P, "--lemma", "Personal Mangel", "--unit", "sentence", "--dry-run"
        )["totals"]["found"]
        == 0
    )
    project.ok("autocode", "--code", P, "--lemma", "fehlen", "--unit", "match", "--coder", "anna")
    assert [(c["text"], c["coder"]) for c in project.json("codings", "--coder", "anna")] == [
        ("fehlten", "anna")
    ]
    project.ok(
        "autocode",
        "--code",
        "Zielformulierungen/Kooperation",
        "--lemma",
        "Schule Kooperation",
        "--unit",
        "sentence",
    )
    assert texts(project, "Zielformulierungen/Kooperation") == [
        "Die Kooperationen mit Schulen laufen gut."
    ]


def test_fuzzy_phrase_finds_variants_and_exact_phrase_does_not(project):
    exact = project.json(
        "autocode", "--code", P, "--phrase", "zu wenig Personal", "--unit", "match", "--dry-run"
    )
    assert exact["totals"]["found"] == 0  # "Personals" is another word
    project.ok(
        "autocode", "--code", P, "--phrase", "zu wenig Personal", "--fuzzy", "85", "--unit", "match"
    )
    assert texts(project) == ["zu wenig Personals", "Zu weinig Personal"]
    project.ok("undo")
    project.ok(
        "autocode",
        "--code",
        P,
        "--phrase",
        "zu wenig Personal",
        "--fuzzy",
        "85",
        "--unit",
        "sentence",
    )
    assert texts(project) == [
        "Es gibt zu wenig Personals in den Schulen.",
        "Zu weinig Personal für die Förderung!",
    ]


def test_rules_file_is_rerunnable_and_filters(project, write_file):
    rules = write_file(
        "rules.toml",
        f"""
unit = "sentence"

[[rule]]
code = "{P}"
regex = "personal"

[[rule]]
code = "{H}/Elternarbeit"
lemma = "Eltern"
where = {{ Format = "Web" }}
coder = "anna"
""",
    )
    refused = project("autocode", "--rules", str(rules))
    assert (
        refused.exit_code == 2
        and "unknown code" in refused.stderr
        and "Elternarbeit" in refused.stderr
    )
    first = project.json("autocode", "--rules", str(rules), "--create")
    assert [(r["added"], r["coder"]) for r in first["rules"]] == [(4, "auto"), (1, "anna")]
    n = len(project.json("codings"))
    second = project.json("autocode", "--rules", str(rules))
    assert second["totals"] == {"found": 5, "added": 0, "existing": 5}
    assert len(project.json("codings")) == n == 5
    assert (
        len(
            project.json(
                "autocode", "--code", P, "--regex", "Treffen", "--where", "Format=Web", "--dry-run"
            )["rules"][0]["sample"]
        )
        == 0
    )
    assert (
        project.json("autocode", "--code", P, "--regex", "Treffen", "--where", "format=präsenz")[
            "totals"
        ]["added"]
        == 1
    )


def test_dry_run_changes_nothing_and_shows_a_sample(project, db_path):
    before = dump(db_path)
    result = project.ok(
        "autocode",
        "--code",
        P,
        "--regex",
        "personal",
        "--unit",
        "sentence",
        "--dry-run",
        "--sample",
        "2",
    )
    assert dump(db_path) == before
    assert "dry run" in result.stdout and "4 sentences found" in result.stdout
    assert "p1.md 0-38 [add, auto] Die Lage des Personals ist angespannt." in result.stdout
    out = project.json(
        "autocode",
        "--code",
        P,
        "--regex",
        "personal",
        "--unit",
        "sentence",
        "--dry-run",
        "--sample",
        "2",
    )
    assert out["dry_run"] is True and len(out["rules"][0]["sample"]) == 2
    project.ok("recode", "--from", P, "--to", f"{H}/Neu", "--create", "--dry-run")
    assert dump(db_path) == before


def test_invalid_rules_are_refused(project):
    r = project("autocode", "--code", P, "--regex", "(unclosed")
    assert r.exit_code == 2 and "invalid regular expression" in r.stderr
    r = project("autocode", "--code", P, "--regex", "a", "--lemma", "b")
    assert r.exit_code == 2 and "exactly one of regex, lemma, phrase" in r.stderr
    r = project("autocode", "--code", H, "--regex", "a")
    assert r.exit_code == 0  # the parent created by `codes add` is codable
    project.ok("codes", "edit", H, "--group")
    r = project("autocode", "--code", H, "--regex", "a")
    assert r.exit_code == 2 and "only groups codes" in r.stderr


def test_sentences_are_computed_for_documents_without_stored_sentences(engine):
    from sqlalchemy import func, select

    from qualcode.codebook import add_code
    from qualcode.database import transaction
    from qualcode.documents import add_text_document
    from qualcode.models import Passage
    from qualcode.recode.autocode import AutoRule, autocode

    with transaction(engine, "setup", "tester") as s:
        add_text_document(
            s, "ohne_saetze.txt", "Erster Satz ohne Treffer. Zweiter Satz mit Personal.\n\nDritter."
        )
        add_code(s, "Personal")
        assert (
            s.execute(
                select(func.count()).select_from(Passage).where(Passage.unit == "sentence")
            ).scalar_one()
            == 0
        )
    with transaction(engine, "autocode", "tester") as s:
        out = autocode(s, [AutoRule(code="Personal", regex="personal", unit="sentence")])
        assert "sample" not in out["rules"][0] and out["totals"]["added"] == 1
        out = autocode(s, [AutoRule(code="Personal", regex="personal", unit="sentence")], sample=3)
        assert (
            out["totals"] == {"found": 1, "added": 0, "existing": 1}
            and out["rules"][0]["sample"] == []
        )
    from qualcode.codings import list_codings

    with transaction(engine, "read", "tester", record=False) as s:
        assert [c["text"] for c in list_codings(s)] == ["Zweiter Satz mit Personal."]
