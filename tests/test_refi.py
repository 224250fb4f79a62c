"""REFI-QDA exchange: schema-valid exports, stable GUIDs, round trip, files of other tools."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.refi import CODEBOOK_XSD, PROJECT_XSD
from qualcode.refi.common import format_description, normalize_with_map, parse_description

DATA = Path(__file__).parent / "data" / "refi"


def validate(xsd: Path, data: bytes) -> None:
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    schema.assertValid(etree.fromstring(data))


def qde_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("project.qde")


def zip_maxqda(dest: Path) -> Path:
    """The hand-made MAXQDA-style folder as a .qdpx, its source text with \\r\\n line breaks."""
    src = DATA / "maxqda_style"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src / "project.qde", "project.qde")
        for f in sorted((src / "sources").iterdir()):
            data = f.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            zf.writestr(f"sources/{f.name}", data)
    return dest


def dump(db: str) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def codings_of(run) -> list[tuple]:
    return sorted(
        (c["document"], c["start"], c["end"], c["code"], c["coder"], c["memo"], c["text"])
        for c in run.json("codings")
    )


def codes_of(run) -> dict[str, dict]:
    """Every code by path (tree order) with its fields, read from the SQLite file."""
    from qualcode.codebook import join_path

    con = sqlite3.connect(run.db)
    try:
        rows = con.execute(
            "SELECT id, parent_id, name, description, definition, anchor, rule, color, codable, guid"
            " FROM code ORDER BY position, name, id"
        ).fetchall()
    finally:
        con.close()
    by_id = {r[0]: r for r in rows}

    def names(r):
        return [*names(by_id[r[1]]), r[2]] if r[1] else [r[2]]

    out = {}
    keys = ("description", "definition", "anchor", "rule", "color", "codable", "guid")

    def walk(parent):
        for r in rows:
            if r[1] == parent:
                out[join_path(names(r))] = dict(zip(keys, (*r[3:8], bool(r[8]), r[9]), strict=True))
                walk(r[0])

    walk(None)
    return out


def docs_of(db: str) -> dict[str, tuple]:
    """Every document: text, sha256 and typed attributes."""
    from qualcode.textutil import typed_value

    con = sqlite3.connect(db)
    try:
        docs = {
            i: (n, t, h)
            for i, n, t, h in con.execute("SELECT id, name, text, sha256 FROM document")
        }
        attrs: dict[int, dict] = {}
        for did, key, value, type_ in con.execute(
            "SELECT document_id, key, value, type FROM document_attribute"
        ):
            attrs.setdefault(did, {})[key] = typed_value(value, type_)
    finally:
        con.close()
    return {n: (t, h, attrs.get(i, {})) for i, (n, t, h) in docs.items()}


def memos_of(db: str) -> list[tuple]:
    """Memos with their target named (document name, code name, coded span), coder and title."""
    con = sqlite3.connect(db)
    try:
        return sorted(
            con.execute(
                """SELECT m.target_type, COALESCE(d.name, c.name, cd.name || ':' || k.start || '-' || k."end"),
                          m.title, m.text, u.name
                   FROM memo m
                   LEFT JOIN document d ON m.target_type = 'document' AND d.id = m.target_id
                   LEFT JOIN code c ON m.target_type = 'code' AND c.id = m.target_id
                   LEFT JOIN coding k ON m.target_type = 'coding' AND k.id = m.target_id
                   LEFT JOIN document cd ON cd.id = k.document_id
                   LEFT JOIN coder u ON u.id = m.coder_id"""
            ).fetchall()
        )
    finally:
        con.close()


# --- the description layout ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        ("Beschreibung.", "Def.", "Anker.", "Regel."),
        ("", "Nur Definition", "", ""),
        ("", "", "", "Nur Regel:\nmit Doppelpunkt"),
        (
            "Mehrzeilig\n\nmit Absatz\n",
            "\nDefinition: steht hier\n",
            "„Zitat“\nzweite Zeile",
            "Regel 1.\n\nRegel 2.",
        ),
        ("Text ohne Felder", "", "", ""),
        ("", "", "", ""),
    ],
)
def test_description_layout_round_trips_exactly(fields):
    text = format_description(*fields)
    assert tuple(parse_description(text).values()) == fields


def test_description_layout_is_readable():
    text = format_description(
        "Fehlende Zeit.", "Keine Zeitfenster.", "„Keine Zeit“", "Nur explizit."
    )
    assert text == (
        "Fehlende Zeit.\n\nDefinition:\nKeine Zeitfenster.\n\nAnkerbeispiel / Anchor example:\n„Keine Zeit“"
        "\n\nKodierregel / Coding rule:\nNur explizit."
    )


def test_description_of_other_tools_is_read_leniently():
    got = parse_description(
        "Fehlende Zeit.\nDefinition: Keine Zeitfenster.\nAnchor example: No time.\nCoding rule: Explicit only."
    )
    assert got == {
        "description": "Fehlende Zeit.",
        "definition": "Keine Zeitfenster.",
        "anchor": "No time.",
        "rule": "Explicit only.",
    }
    assert parse_description("Nur eine Beschreibung.") == {
        "description": "Nur eine Beschreibung.",
        "definition": "",
        "anchor": "",
        "rule": "",
    }


# --- offsets -----------------------------------------------------------------------------------------


def test_offsets_of_crlf_text_map_to_the_normalised_text():
    raw = "ab\r\ncd\r\n\r\nef"
    text, omap = normalize_with_map(raw)
    assert text == "ab\ncd\n\nef"
    for word in ("ab", "cd", "ef"):
        s = raw.index(word)
        assert text[omap.map(s) : omap.map(s + 2, end=True)] == word
    # a position between \r and \n: start → the line break, end → after it
    assert omap.map(3) == 2 and omap.map(3, end=True) == 3


def test_offsets_with_bom_lone_cr_and_decomposed_umlauts():
    raw = "\ufeffGru\u0308n\rRo\u0308te Ra\u0308ume\u2029Ende"
    text, omap = normalize_with_map(raw)
    assert text == "Grün\nRöte Räume\n\nEnde"
    for word in ("Ro\u0308te", "Ra\u0308ume", "Ende", "Gru\u0308n"):
        s = raw.index(word)
        got = text[omap.map(s) : omap.map(s + len(word), end=True)]
        assert got == word.replace("o\u0308", "ö").replace("a\u0308", "ä").replace("u\u0308", "ü")


def test_offsets_when_crlf_counts_as_one_character():
    raw = "ab\r\ncd\r\nef"
    text, omap = normalize_with_map(raw, crlf_as_one=True)
    # the tool counted "ab\ncd\nef": positions are already those of the normalised text
    assert text == "ab\ncd\nef"
    assert omap is None or (omap.map(6) == 6 and omap.map(8, end=True) == 8)
    assert normalize_with_map("ab\ncd") == ("ab\ncd", None)


# --- export ------------------------------------------------------------------------------------------


def test_codebook_export_validates_and_carries_the_code_fields(demo_cli, tmp_path):
    out = tmp_path / "codes.qdc"
    assert demo_cli.json("refi", "export", str(out))["codes"] == 28
    data = out.read_bytes()
    validate(CODEBOOK_XSD, data)
    root = etree.fromstring(data)
    ns = {"c": "urn:QDA-XML:codebook:1.0"}
    tops = root.findall("c:Codes/c:Code", ns)
    assert [t.get("name") for t in tops] == [
        c["code"] for c in demo_cli.json("codes", "list") if c["depth"] == 1
    ]
    assert all(t.get("isCodable") == "false" for t in tops)  # demo: top categories only group
    zeit = root.find("c:Codes/c:Code/c:Code[@name='Zeitmangel']", ns)
    shown = demo_cli.json("codes", "show", "Herausforderungen und Hindernisse/Zeitmangel")
    assert (
        zeit.get("guid") == shown["guid"]
        and zeit.get("color") == shown["color"]
        and zeit.get("isCodable") == "true"
    )
    desc = parse_description(zeit.find("c:Description", ns).text)
    assert desc == {k: shown[k] for k in ("description", "definition", "anchor", "rule")}
    assert len(root.findall(".//c:Code", ns)) == 28


def test_project_export_validates_with_stable_guids(demo_cli, tmp_path):
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    counts = demo_cli.json("refi", "export", str(a))
    assert (
        counts["documents"] == 14
        and counts["codes"] == 28
        and counts["codings"] == 143
        and counts["coders"] == ["anna", "ben"]
        and counts["memo_count"] == 1
        and counts["file"] == str(a.absolute())
    )
    demo_cli.ok("refi", "export", str(b))
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert a.stat().st_mode & 0o777 == 0o666 & ~umask  # not the 0600 of a temporary file
    qa, qb = qde_of(a), qde_of(b)
    validate(PROJECT_XSD, qa)

    def strip(x: bytes) -> bytes:  # without the export time (only the root's: a coding
        root = etree.fromstring(x)  # made in the same second keeps its own)
        del root.attrib["creationDateTime"]
        return etree.tostring(root, method="c14n")

    assert strip(qa) == strip(qb)  # the same GUIDs, the same document, except the export time
    root = etree.fromstring(qa)
    ns = {"p": "urn:QDA-XML:project:1.0"}
    sources = root.findall("p:Sources/p:TextSource", ns)
    assert len(sources) == 14
    with zipfile.ZipFile(a) as zf:
        names = set(zf.namelist())
        for s in sources:
            path = s.get("plainTextPath")
            assert path.startswith("internal://")
            member = "sources/" + path.removeprefix("internal://")
            assert member in names
            text = zf.read(member).decode("utf-8")
            doc = demo_cli.json("docs", "show", s.get("name"))
            assert text == doc["text"]
            for sel in s.findall("p:PlainTextSelection", ns):
                assert 0 <= int(sel.get("startPosition")) < int(sel.get("endPosition")) <= len(text)
    variables = {
        v.get("name"): v.get("typeOfVariable") for v in root.findall("p:Variables/p:Variable", ns)
    }
    assert (
        variables["Format"] == "Text"
        and variables["Teilnehmende"] == "Integer"
        and variables["Datum"] == "Date"
    )


def test_inline_export_validates(demo_cli, tmp_path):
    out = tmp_path / "inline.qdpx"
    demo_cli.ok("refi", "export", str(out), "--inline")
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["project.qde"]
    validate(PROJECT_XSD, qde_of(out))


def test_export_of_an_unknown_suffix_or_missing_folder_is_one_line_error(demo_cli, tmp_path):
    r = demo_cli("refi", "export", str(tmp_path / "x.zip"))
    assert r.exit_code == 2 and "FILE.qdc" in r.output
    r = demo_cli("refi", "export", str(tmp_path / "nope" / "x.qdpx"))
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not list(tmp_path.glob("*.tmp")) and not (tmp_path / "x.zip").exists()


# --- round trip --------------------------------------------------------------------------------------


def test_round_trip_loses_nothing(demo_cli, cli, tmp_path):
    # memos on every kind of target, a coding memo, an attribute of every type
    first = demo_cli.json("codings")[0]
    demo_cli.ok(
        "code",
        first["document"],
        "--start",
        "0",
        "--end",
        "5",
        "--code",
        "Handlungsschritte/Arbeitsgruppe bilden",
        "--coder",
        "ben",
        "--memo",
        "Titelzeile, Test",
    )
    con = sqlite3.connect(demo_cli.db)
    (coding_id,) = con.execute('SELECT id FROM coding WHERE start = 0 AND "end" = 5').fetchone()
    con.close()
    demo_cli.ok("memo", "add", "Ein Kodier-Memo", "--coding", str(coding_id))
    demo_cli.ok("memo", "add", "Ein Dokument-Memo", "--doc", first["document"], "--title", "Doku")
    demo_cli.ok("memo", "add", "Ein Code-Memo", "--code", "Handlungsschritte/Arbeitsgruppe bilden")
    demo_cli.ok("docs", "set", first["document"], "Geprüft=ja", "Quote=0,75")
    out = tmp_path / "demo.qdpx"
    demo_cli.ok("refi", "export", str(out))

    imported = cli.json("refi", "import", str(out))
    assert imported["backup"] is None  # a new project: nothing to back up
    assert len(imported["document_names"]) == 14 and imported["codings_imported"] == 144
    assert imported["memos_imported"] == 4 and imported["memo_count"] == 4

    assert docs_of(cli.db) == docs_of(demo_cli.db)
    assert len(docs_of(cli.db)) == 14
    assert docs_of(cli.db)[first["document"]][2]["Geprüft"] is True
    assert codes_of(cli) == codes_of(demo_cli)
    assert codings_of(cli) == codings_of(demo_cli)
    assert memos_of(cli.db) == memos_of(demo_cli.db)
    assert len(memos_of(cli.db)) == 4
    status_a, status_b = demo_cli.json("status"), cli.json("status")
    for key in ("documents", "codes", "codings", "memo_count", "passages"):
        assert status_b[key] == status_a[key], key
    # sentences are not in REFI-QDA: they are split when first needed, to the same spans
    assert status_b["sentences"] == 0 and status_b["unsplit_documents"] == 14
    assert status_a["sentences"] == 600 and status_a["unsplit_documents"] == 0
    assert "the sentences of 14 are split when first needed" in cli.ok("status").stdout
    sentences = lambda c: [  # noqa: E731
        {k: v for k, v in p.items() if k != "id"}  # not stored yet in the import: no id
        for p in c.json("passages", "--unit", "sentence")
    ]
    assert sentences(cli) == sentences(demo_cli) and len(sentences(cli)) == 600
    kappa = lambda c: c.json("agreement", "--coders", "anna,ben", "--unit", "sentence")  # noqa: E731
    assert kappa(cli) == kappa(demo_cli) and kappa(cli)["all_units"] == 93
    assert kappa(cli)["units"] == 93 - kappa(cli)["excluded"]["structural"]  # not headings
    cli.ok("refi", "import", str(out), "--sentences")  # same documents: nothing new to split
    assert cli.json("status")["unsplit_documents"] == 14
    # `docs split` stores them once: the same spans, numbered, one undoable step
    assert cli.json("docs", "split") == {"documents": 14, "sentences": 600}
    assert cli.json("status")["sentences"] == 600 and sentences(cli) == sentences(demo_cli)
    assert cli.json("check")["problems"] == []
    assert cli.ok("docs", "split").stdout.strip() == "every document has its sentences already"
    cli.ok("undo", "--force")
    assert cli.json("status")["sentences"] == 0

    # the re-export has the same GUIDs and the same content
    again = tmp_path / "again.qdpx"
    cli.ok("refi", "export", str(again), "--name", "demo")
    canon = lambda p: etree.tostring(etree.fromstring(qde_of(p)), method="c14n").split(b">", 2)[2]  # noqa: E731
    assert canon(again) == canon(out)


def test_import_twice_changes_nothing_and_makes_no_backup(demo_cli, demo_db, tmp_path):
    out = tmp_path / "demo.qdpx"
    demo_cli.ok("refi", "export", str(out))
    before = dump(demo_db)
    res = demo_cli.json("refi", "import", str(out), "--no-sentences")
    assert res["document_names"] == [] and res["documents_reused"] == 14
    assert (res["codes_created"], res["codes_merged"], res["codes_updated"]) == (0, 28, 0)
    assert (res["codings_imported"], res["codings_skipped"]) == (0, 143)
    assert res["memos_imported"] == 0 and res["attribute_values"] == 0
    assert dump(demo_db) == before
    assert res["backup"] is None  # issue 13, item 9: nothing changed, so no backup
    assert not list(Path(demo_db).parent.glob("demo.sqlite.bak-*"))
    assert "nothing changed" in demo_cli.ok("refi", "import", str(out)).stdout


def test_a_changing_import_backs_up_the_project_as_it_was(demo_cli, demo_db, tmp_path):
    before = dump(demo_db)
    res = demo_cli.json("refi", "import", str(DATA / "atlas_style.qde"), "--no-sentences")
    assert res["document_names"]
    backup = Path(res["backup"])
    assert backup.name.startswith("demo.sqlite.bak-") and backup.parent == Path(demo_db).parent
    assert dump(str(backup)) == before  # made inside the import's transaction, before its commit
    assert dump(demo_db) != before


def test_undo_reverts_an_import(demo_cli, demo_db, tmp_path, cli):
    cli.ok("codes", "add", "Extra/Code")
    cli.ok("refi", "export", str(tmp_path / "small.qdpx"))  # a codebook-only project
    out = tmp_path / "demo.qdpx"
    demo_cli.ok("refi", "export", str(out))
    before = dump(cli.db)
    res = cli.json("refi", "import", str(out), "--no-sentences")
    assert res["codes_created"] == 28 and res["backup"]
    assert cli.json("status")["codings"] == 143
    cli.ok("undo", "--force")
    cli.ok("redo")
    assert cli.json("status")["codings"] == 143 and len(cli.json("docs", "list")) == 14
    cli.ok("undo", "--force")
    assert cli.json("status")["codings"] == 0 and [
        c["code"] for c in cli.json("codes", "list")
    ] == ["Extra", "Extra/Code"]
    after = [line for line in dump(cli.db) if "audit_" not in line]
    assert after == [line for line in before if "audit_" not in line]


def test_changed_text_is_a_conflict_unless_rename(demo_cli, demo_db, cli, tmp_path, write_file):
    out = tmp_path / "demo.qdpx"
    demo_cli.ok("refi", "export", str(out))
    name = demo_cli.json("docs", "list")[0]["document"]
    cli.ok("import", str(write_file(name, "Ein ganz anderer Text.\n")))
    before = dump(cli.db)
    r = cli("refi", "import", str(out), "--no-sentences")
    assert r.exit_code == 2
    assert "nothing imported" in r.output and name in r.output and "--rename" in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert dump(cli.db) == before
    res = cli.json("refi", "import", str(out), "--rename", "--no-sentences")
    stem, suffix = name.rsplit(".", 1)
    assert res["documents_renamed"] == [{"document": name, "renamed_to": f"{stem} (2).{suffix}"}]
    assert cli.json("docs", "show", name)["text"] == "Ein ganz anderer Text."
    renamed = cli.json("codings", "--doc", f"{stem} (2).{suffix}")
    assert len(renamed) == len(demo_cli.json("codings", "--doc", name))


# --- files of other tools ----------------------------------------------------------------------------


def test_codebook_of_an_older_tool(cli):
    res = cli.json("refi", "import", str(DATA / "codebook_v04.qdc"))
    assert res["codes_created"] == 5
    assert "code sets were not imported (qualcode has no sets)" in res["warnings"]
    codes = codes_of(cli)
    assert list(codes) == [
        "Hindernisse",
        "Hindernisse/Zeitmangel",
        "Hindernisse/Räume",
        "Hindernisse/Räume/Barrierefreiheit",
        "Ziele",
    ]  # file order
    assert (
        codes["Hindernisse"]["codable"] is False and codes["Hindernisse/Räume"]["codable"] is True
    )
    assert codes["Hindernisse/Zeitmangel"]["guid"] == "a1b2c3d4-0001-4000-8000-000000000002"
    assert codes["Hindernisse/Zeitmangel"]["definition"] == "Keine Zeitfenster für Absprachen."
    assert codes["Hindernisse/Zeitmangel"]["anchor"] == '"Für Absprachen bleibt keine Zeit."'
    assert codes["Hindernisse/Zeitmangel"]["rule"] == "Nur wenn Zeit ausdrücklich genannt wird."
    assert codes["Hindernisse/Zeitmangel"]["description"] == "Fehlende Zeit."
    assert (
        codes["Ziele"]["color"] == "#00AA00" and codes["Ziele"]["anchor"] == "We want more staff."
    )
    # children without a colour take their parent's
    assert (
        codes["Hindernisse/Räume/Barrierefreiheit"]["color"]
        == codes["Hindernisse/Räume"]["color"]
        == codes["Hindernisse"]["color"]
    )


def test_codebook_merges_by_path_and_update_codes(demo_cli, tmp_path):
    qdc = tmp_path / "mine.qdc"
    qdc.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="11111111-2222-4333-8444-555555555555" name="herausforderungen und hindernisse" isCodable="false">'
        '<Code guid="11111111-2222-4333-8444-555555555556" name="Zeitmangel" isCodable="true" color="#000000">'
        "<Description>Definition:\nNeu definiert.</Description></Code>"
        '<Code guid="11111111-2222-4333-8444-555555555557" name="Neu" isCodable="true"/>'
        "</Code></Codes></CodeBook>",
        encoding="utf-8",
    )
    old = demo_cli.json("codes", "show", "Herausforderungen und Hindernisse/Zeitmangel")
    res = demo_cli.json("refi", "import", str(qdc))
    assert (res["codes_created"], res["codes_merged"], res["codes_updated"]) == (1, 2, 0)
    kept = demo_cli.json("codes", "show", "Herausforderungen und Hindernisse/Zeitmangel")
    assert kept["definition"] == old["definition"] and kept["color"] == old["color"]
    new = demo_cli.json("codes", "show", "Herausforderungen und Hindernisse/Neu")
    assert new["guid"] == "11111111-2222-4333-8444-555555555557"
    res = demo_cli.json("refi", "import", str(qdc), "--update-codes")
    assert (res["codes_created"], res["codes_merged"], res["codes_updated"]) == (0, 3, 1)
    upd = demo_cli.json("codes", "show", "Herausforderungen und Hindernisse/Zeitmangel")
    assert (
        upd["definition"] == "Neu definiert."
        and upd["color"] == "#000000"
        and upd["anchor"] == old["anchor"]
    )
    assert len(demo_cli.json("codes", "list")) == 29


def test_maxqda_style_project_with_crlf_source_file(cli, tmp_path):
    validate(
        PROJECT_XSD, (DATA / "maxqda_style" / "project.qde").read_bytes()
    )  # a valid QDA-XML 1.0 file
    qdpx = zip_maxqda(tmp_path / "maxqda.qdpx")
    res = cli.json("refi", "import", str(qdpx))
    assert res["document_names"] == ["Protokoll Elbtal"]
    assert res["warnings"] == ["1 PDFSource element skipped (qualcode imports text sources only)"]
    doc = cli.json("docs", "show", "Protokoll Elbtal")
    assert "\r" not in doc["text"] and "wünschen" in doc["text"]
    assert doc["attributes"] == {
        "Format": "Präsenz",
        "Teilnehmende": 23,
        "Datum": "2020-03-12",
        "Protokoll geprüft": True,
    }
    got = [(c["code"], c["coder"], c["text"], c["memo"]) for c in cli.json("codings")]
    assert got == [
        ("Herausforderungen/Zeitmangel", "Anna", "Es fehlt an Zeit für Absprachen.", ""),
        (
            "Herausforderungen/Personalmangel",
            "Ben",
            "Wir wünschen uns mehr Personal für die Schulen.",
            "",
        ),
        (
            "Handlungsschritte",
            "Anna",
            "Beschluss: Die AG trifft sich monatlich.",
            "Monatliche AG-Treffen als erster Schritt.",
        ),
    ]
    memos = {(m["on"], m["title"], m["text"]) for m in cli.json("memo", "list")}
    assert ("document", "Dokument-Memo", "Sehr kurzes Protokoll, Rückfrage beim Verbund.") in memos
    assert ("code", "Code-Memo", "Abgrenzung zu Personalmangel beachten.") in memos
    assert ("coding", "Kodier-Memo", "Wunsch, nicht Ist-Zustand? Mit Anna klären.") in memos
    assert (
        "document",
        "Beschreibung / Description",
        "Protokoll der konstituierenden Sitzung (Kurzfassung).",
    ) in memos
    assert len(memos) == 4
    con = sqlite3.connect(cli.db)
    on_coding = con.execute(
        "SELECT coder.name, coding.guid FROM memo JOIN coding ON coding.id = memo.target_id"
        " JOIN coder ON coder.id = coding.coder_id WHERE memo.target_type = 'coding'"
    ).fetchall()
    con.close()
    assert on_coding == [("Ben", "c0d10000-0000-4000-8000-000000000002")]
    codes = codes_of(cli)
    assert codes["Herausforderungen/Zeitmangel"]["color"] == "#B22222"
    assert codes["Herausforderungen/Zeitmangel"]["guid"] == "c0de0000-0000-4000-8000-000000000002"
    assert codes["Herausforderungen"]["color"] == "#FF0000"


def test_crlf_as_one_option(cli, tmp_path):
    qde = (DATA / "maxqda_style" / "project.qde").read_text(encoding="utf-8")
    # the same project from a tool that counts \r\n as one character
    qde = qde.replace('startPosition="40" endPosition="72"', 'startPosition="38" endPosition="70"')
    qde = qde.replace(
        'startPosition="74" endPosition="122"', 'startPosition="71" endPosition="119"'
    )
    qde = qde.replace(
        'startPosition="126" endPosition="166"', 'startPosition="121" endPosition="161"'
    )
    folder = tmp_path / "src"
    qdpx = tmp_path / "one.qdpx"
    with zipfile.ZipFile(qdpx, "w") as zf:
        zf.writestr("project.qde", qde)
        for f in (DATA / "maxqda_style" / "sources").iterdir():
            zf.writestr(
                f"sources/{f.name}", f.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            )
    assert not folder.exists()
    cli.ok("refi", "import", str(qdpx), "--crlf-as-one", "--no-sentences")
    texts = [c["text"] for c in cli.json("codings")]
    assert texts == [
        "Es fehlt an Zeit für Absprachen.",
        "Wir wünschen uns mehr Personal für die Schulen.",
        "Beschluss: Die AG trifft sich monatlich.",
    ]


@pytest.mark.parametrize("variant", ["entities", "raw-crlf", "zipped"])
def test_atlas_style_inline_texts(cli, tmp_path, variant):
    src = DATA / "atlas_style.qde"
    if variant == "entities":
        path = src
    else:
        data = src.read_bytes()
        if variant == "raw-crlf":  # \r\n written raw into the XML: the parser would turn it into \n
            data = data.replace(b"&#13;&#10;", b"\r\n")
            path = tmp_path / "raw.qde"
            path.write_bytes(data)
        else:
            path = tmp_path / "atlas.qdpx"
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr("project.qde", data)
    res = cli.json("refi", "import", str(path), "--no-sentences")
    assert sorted(res["document_names"]) == ["Elbtal.txt", "source-3f2504e0"]
    assert res["new_coders"] == ["Carla", "import"]
    assert res["warnings"] == [
        "a source without a name was named 'source-3f2504e0' after its guid",
        "source 'Elbtal.txt': 1 empty or uncoded selections were skipped",
    ]
    doc = cli.json("docs", "show", "Elbtal.txt")
    assert doc["text"].startswith("Sitzung Verbund Elbtal\n\nHerr M.") and "\r" not in doc["text"]
    assert doc["attributes"] == {"Region": "Elbtal"}  # from the case
    got = sorted((c["document"], c["code"], c["coder"], c["text"]) for c in cli.json("codings"))
    assert got == sorted(
        [
            (
                "Elbtal.txt",
                "Probleme/Räume",
                "Carla",
                "Herr M. berichtet: Die Räume sind zu klein.",
            ),
            ("Elbtal.txt", "Probleme/Zeit", "Carla", "Herr M. berichtet: Die Räume sind zu klein."),
            (
                "Elbtal.txt",
                "Probleme/Zeit",
                "import",
                "Es braucht feste Zeitfenster für Kooperation.",
            ),
            (
                "Elbtal.txt",
                "Probleme/Information",
                "import",
                "Die Kita fühlt sich nicht informiert.",
            ),
            ("Elbtal.txt", "Sitzungsprotokoll", "Carla", doc["text"]),
            ("source-3f2504e0", "Probleme/Information", "Carla", "Kurzer"),
        ]
    )
    memos = sorted((m["on"], m["title"], m["text"]) for m in cli.json("memo", "list"))
    assert memos == [
        ("coding", "Kommentar", "Räume und Zeit hängen hier zusammen."),
        ("coding", "Kommentar", "Räume und Zeit hängen hier zusammen."),
        ("project", "Freies Memo", "Erste Eindrücke aus dem Elbtal."),
        (
            "project",
            "Projektbeschreibung / Project description",
            "Pilotauswertung eines Verbundes.",
        ),
    ]
    assert all(c["codable"] for c in cli.json("codes", "list"))


def test_dry_run_changes_nothing(demo_cli, demo_db, tmp_path):
    before = dump(demo_db)
    res = demo_cli.json("refi", "import", str(DATA / "atlas_style.qde"), "--dry-run")
    assert (
        res["kind"] == "project"
        and res["documents"] == 2
        and res["codings"] == 6
        and res["codes"] == 5
    )
    assert dump(demo_db) == before
    assert not list(Path(demo_db).parent.glob("*.bak-*"))


def test_codebook_round_trip_into_a_new_project(demo_cli, cli, tmp_path):
    out = tmp_path / "codes.qdc"
    demo_cli.ok("refi", "export", str(out))
    res = cli.json("refi", "import", str(out))
    assert (res["codes_created"], res["codes_merged"], res["codes_updated"]) == (28, 0, 0) and res[
        "document_names"
    ] == []
    assert codes_of(cli) == codes_of(demo_cli)
    assert [c["code"] for c in cli.json("codes", "list")] == [
        c["code"] for c in demo_cli.json("codes", "list")
    ]


def test_inline_export_round_trips(demo_cli, cli, tmp_path):
    out = tmp_path / "inline.qdpx"
    demo_cli.ok("refi", "export", str(out), "--inline")
    cli.ok("refi", "import", str(out), "--no-sentences")
    assert codings_of(cli) == codings_of(demo_cli)
    assert docs_of(cli.db) == docs_of(demo_cli.db)


def test_import_and_undo_on_every_backend(any_cli, backend, demo_cli, tmp_path):
    """The bulk inserts (explicit ids on SQLite, RETURNING elsewhere) and their undo."""
    import json

    out = tmp_path / "demo.qdpx"
    demo_cli.ok("refi", "export", str(out))
    any_cli.ok("codes", "add", "Vorher")
    result = any_cli.ok("refi", "import", str(out), "--no-sentences", "--json")
    res = json.loads(result.stdout)
    if backend == "postgresql":
        assert res["backup"] is None and "make one with pg_dump" in result.stderr
    else:
        assert Path(res["backup"]).exists()
    assert len(res["document_names"]) == 14 and res["codings_imported"] == 143
    assert codings_of(any_cli) == codings_of(demo_cli)
    again = tmp_path / "again.qdpx"
    any_cli.ok("refi", "export", str(again), "--name", "demo")
    validate(PROJECT_XSD, qde_of(again))
    guids = lambda p: sorted(re.findall(r'guid="([^"]+)"', qde_of(p).decode()))  # noqa: E731
    extra = set(guids(again)) - set(guids(out))
    assert set(guids(out)) <= set(guids(again)) and len(extra) == 1  # + the code "Vorher"
    any_cli.ok("code", res["document_names"][0], "--start", "0", "--end", "3", "--code", "Vorher")
    assert any_cli.json("status")["codings"] == 144  # ids after the bulk insert are free
    any_cli.ok("undo", "-n", "2", "--force")
    status = any_cli.json("status")
    assert (status["documents"], status["codings"], status["codes"], status["passages"]) == (
        0,
        0,
        1,
        0,
    )


_TOKENS = [
    "a",
    "B",
    " ",
    "ß",
    "\n",
    "\r\n",
    "\r",
    "u\u0308",
    "A\u030a",
    "\u2029",
    "\u2028",
    "\x01",
    "\t",
    "é",
]


def test_offset_translation_property():
    """Any span between token boundaries of a messy text covers the same normalised text."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from qualcode.textutil import normalize

    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=30), st.data())
    def check(tokens, data):
        raw = "".join(tokens)
        text, omap = normalize_with_map(raw)
        assert text == normalize(raw)
        bounds = [0]
        for t in tokens:
            bounds.append(bounds[-1] + len(t))
        i = data.draw(st.integers(0, len(tokens) - 1))
        j = data.draw(st.integers(i + 1, len(tokens)))
        s, e = bounds[i], bounds[j]
        ns = omap.map(s) if omap else s
        ne = omap.map(e, end=True) if omap else e
        want = normalize("".join(tokens[i:j]))
        assert text[ns:ne] == want

    check()


def test_core_import_file_api(engine, db_path, demo_cli, tmp_path):
    from qualcode.audit import log
    from qualcode.database import reading
    from qualcode.refi.import_ import import_file

    out = tmp_path / "demo.qdpx"
    demo_cli.ok("refi", "export", str(out))
    res = import_file(engine, out, coder="anna")
    assert res.codings_imported == 143 and res.backup is None
    again = import_file(engine, out, coder="anna")
    assert again.codings_imported == 0 and again.backup is None  # nothing changed: no backup
    with reading(engine) as session:
        entries = log(session)
    assert (
        entries[0]["command"] == "qualcode refi import demo.qdpx" and entries[0]["coder"] == "anna"
    )
    assert entries[0]["summary"] == "REFI import demo.qdpx: 14 documents, 28 codes, 143 codings"
    third = import_file(engine, DATA / "atlas_style.qde", coder="anna")
    assert third.codings_imported and third.backup and Path(third.backup).exists()
