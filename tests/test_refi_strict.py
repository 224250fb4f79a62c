"""REFI-QDA exchange, strictly: duplicate GUIDs of notes, variables and sets are refused;
codings onto a category that only groups codes are refused by `refi import` and
`codings import` as by `code`; document sets travel as REFI ``<Sets>`` of sources."""

from __future__ import annotations

import zipfile
from pathlib import Path

from conftest import db_snapshot, error, rows

H = "Herausforderungen und Hindernisse"
CODE = "00000000-0000-4000-8000-000000000001"
SRC = "00000000-0000-4000-8000-000000000051"
NOTE = "00000000-0000-4000-8000-000000000061"
VAR = "00000000-0000-4000-8000-000000000071"
SET = "00000000-0000-4000-8000-000000000081"


def qdpx(
    path: Path,
    *,
    code: str = "A",
    codable: str = "true",
    extra: str = "",
    source_extra: str = "",
    variables: str = "",
) -> Path:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x">
  <CodeBook><Codes><Code guid="{CODE}" name="{code}" isCodable="{codable}"/></Codes></CodeBook>
  {variables}
  <Sources>
    <TextSource guid="{SRC}" name="neu.txt">
      <PlainTextContent>Ein neuer Text.</PlainTextContent>
      <PlainTextSelection guid="00000000-0000-4000-8000-000000000011" startPosition="0" endPosition="3">
        <Coding guid="00000000-0000-4000-8000-000000000021"><CodeRef targetGUID="{CODE}"/></Coding>
      </PlainTextSelection>
      {source_extra}
    </TextSource>
  </Sources>
  {extra}
</Project>
"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    return path


HINT = "the file is damaged or uses features qualcode cannot read"


# --- 1. duplicate GUIDs -----------------------------------------------------------------------------


def test_two_notes_with_one_guid_are_refused(demo_cli, tmp_path: Path) -> None:
    f = qdpx(
        tmp_path / "dupnote.qdpx",
        source_extra=f'<NoteRef targetGUID="{NOTE}"/>',
        extra=f'<Notes><Note guid="{NOTE}" name="A"><PlainTextContent>Notiz A</PlainTextContent></Note>'
        f'<Note guid="{NOTE}" name="B"><PlainTextContent>Notiz B</PlainTextContent></Note></Notes>',
    )
    before = db_snapshot(demo_cli.db)
    assert error(demo_cli("refi", "import", f)) == (
        f"error: dupnote.qdpx: nothing imported; two notes have the guid {NOTE} — {HINT}"
    )
    assert db_snapshot(demo_cli.db) == before


def test_two_variables_with_one_guid_are_refused(demo_cli, tmp_path: Path) -> None:
    f = qdpx(
        tmp_path / "dupvar.qdpx",
        variables=f'<Variables><Variable guid="{VAR}" name="Ort" typeOfVariable="Text"/>'
        f'<Variable guid="{VAR}" name="Jahr" typeOfVariable="Integer"/></Variables>',
    )
    before = db_snapshot(demo_cli.db)
    assert error(demo_cli("refi", "import", f)) == (
        f"error: dupvar.qdpx: nothing imported; two variables have the guid {VAR} — {HINT}"
    )
    assert db_snapshot(demo_cli.db) == before


def test_two_sets_with_one_guid_are_refused(demo_cli, tmp_path: Path) -> None:
    member = f'<MemberSource targetGUID="{SRC}"/>'
    f = qdpx(
        tmp_path / "dupset.qdpx",
        extra=f'<Sets><Set guid="{SET}" name="Eins">{member}</Set>'
        f'<Set guid="{SET}" name="Zwei">{member}</Set></Sets>',
    )
    before = db_snapshot(demo_cli.db)
    assert error(demo_cli("refi", "import", f)) == (
        f"error: dupset.qdpx: nothing imported; two sets have the guid {SET} — {HINT}"
    )
    assert db_snapshot(demo_cli.db) == before


# --- 2. codings onto a category that only groups codes ---------------------------------------------


def test_codings_import_onto_a_group_category_is_refused(demo_cli, write_file) -> None:
    f = write_file("g.csv", f"document,start,end,code\nprotokoll_02.md,0,10,{H}\n")
    before = db_snapshot(demo_cli.db)
    assert error(demo_cli("codings", "import", f)) == (
        f"error: g.csv: nothing imported; line 2: {H!r} is a category that only groups codes"
        " — code with one of its sub-codes, or make it codable — fix these lines and import again"
    )
    assert db_snapshot(demo_cli.db) == before


def test_refi_coding_onto_the_projects_group_category_is_refused(demo_cli, tmp_path: Path) -> None:
    f = qdpx(tmp_path / "g1.qdpx", code=H)
    before = db_snapshot(demo_cli.db)
    assert error(demo_cli("refi", "import", f)) == (
        f"error: g1.qdpx: nothing imported; 1 of the file's codings code with {H!r}, a category"
        " that only groups codes in this project — code with one of its sub-codes, or make it"
        f" codable (`qualcode codes edit {H!r} --codable`) and import again; --update-codes"
        " takes the file's isCodable"
    )
    assert db_snapshot(demo_cli.db) == before
    # the file says it is codable: --update-codes takes that, and the coding comes in
    demo_cli.ok("refi", "import", f, "--update-codes")
    assert rows(
        demo_cli.db,
        "SELECT c.codable, count(g.id) FROM code c JOIN coding g ON g.code_id = c.id"
        " WHERE c.name = ? AND c.parent_id IS NULL",
        H,
    ) == [(1, 1)]


def test_refi_coding_onto_a_code_the_file_declares_not_codable_is_refused(
    demo_cli, tmp_path: Path
) -> None:
    f = qdpx(tmp_path / "g2.qdpx", code="Gruppe", codable="false")
    before = db_snapshot(demo_cli.db)
    assert error(demo_cli("refi", "import", f)) == (
        "error: g2.qdpx: nothing imported; 'Gruppe' is a category that only groups codes"
        ' (isCodable="false"), yet 1 coding of the file uses it (code with one of its'
        " sub-codes, or make it codable in the tool that wrote the file) — " + HINT
    )
    assert db_snapshot(demo_cli.db) == before


# --- 3. document sets as REFI sets of sources -------------------------------------------------------


def test_document_sets_round_trip_through_a_qdpx(demo_cli, cli, tmp_path: Path) -> None:
    demo_cli.ok("set", "add", "Web", "protokoll_01.md", "protokoll_02.md")
    demo_cli.ok("set", "add", "Präsenz", "--rule", "Format=Präsenz")
    want = {
        name: demo_cli.json("set", "show", name)["document_names"] for name in ("Web", "Präsenz")
    }
    assert len(want["Präsenz"]) > 2
    f = tmp_path / "p.qdpx"
    out = demo_cli.ok("refi", "export", f).stdout
    assert ", 2 document sets to " in out
    with zipfile.ZipFile(f) as zf:
        qde = zf.read("project.qde").decode()
    assert (
        "<Description>qualcode rule: Format=Präsenz (the members are those the rule chose at"
        " export)</Description>" in qde
    )
    assert qde.index("</Notes>") < qde.index("<Sets>") < qde.index("</Project>")

    out = cli.ok("refi", "import", f).stdout
    assert "sets       2 created, " + str(sum(map(len, want.values()))) in out
    got = {s["set"]: s["rule"] for s in cli.json("set", "list")}
    assert got == {"Web": None, "Präsenz": None}  # a rule's set comes back chosen by hand
    for name, docs in want.items():
        assert cli.json("set", "show", name)["document_names"] == docs
    before = db_snapshot(cli.db)
    assert "nothing changed" in cli.ok("refi", "import", f).stdout  # again: no change
    assert db_snapshot(cli.db) == before


def test_sets_of_codes_only_are_left_out_with_a_note(cli, tmp_path: Path) -> None:
    f = qdpx(
        tmp_path / "sets.qdpx",
        extra=f'<Sets><Set guid="{SET}" name="Codes"><MemberCode targetGUID="{CODE}"/></Set>'
        '<Set guid="00000000-0000-4000-8000-000000000082" name="Gemischt">'
        f'<MemberCode targetGUID="{CODE}"/><MemberSource targetGUID="{SRC}"/></Set></Sets>',
    )
    res = cli.json("refi", "import", f)
    assert res["left_out"] == [
        "set 'Gemischt': its codes and notes were left out (qualcode's document sets hold"
        " documents only)",
        "1 sets without documents were not imported (qualcode's sets are sets of documents)",
    ]
    assert cli.json("set", "show", "Gemischt")["document_names"] == ["neu.txt"]
    assert [s["set"] for s in cli.json("set", "list")] == ["Gemischt"]
