"""REFI-QDA files of real tools, imported without loss (issue 13, items 1–9).

Every fixture is written here, by hand: texts with emoji, CRLF and a BOM; NVivo's
UTF-16 positions; ids that are not GUIDs; Mac (NFD) member names; broken streams.
"""

from __future__ import annotations

import sqlite3
import unicodedata
import zipfile
from pathlib import Path

import pytest

from qualcode.refi.offsets import Evidence, Utf16Map, decide, to_utf16

NS = 'xmlns="urn:QDA-XML:project:1.0"'
G = "00000000-0000-4000-8000-{:012d}".format  # G(1) → a GUID


def qdpx(path: Path, qde: str, members: dict[str, bytes] | None = None, **kw) -> Path:
    with zipfile.ZipFile(path, "w", kw.get("compression", zipfile.ZIP_DEFLATED)) as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return path


def dump(db: str) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [line for line in con.iterdump()]
    finally:
        con.close()


def codings(cli) -> list[tuple]:
    return [
        (c["document"], c["start"], c["end"], c["code"], c["text"]) for c in cli.json("codings")
    ]


# --- 1. NVivo counts positions in UTF-16 code units --------------------------------------------------

# The text as NVivo's source file holds it: a UTF-8 BOM, emoji (one with a skin-tone
# modifier: two characters, four UTF-16 units), CRLF line breaks.
EMOJI_TEXT = "😀 Hallo Welt\r\nZweite Zeile 👍🏽 mit Emoji\r\nDritte Zeile\r\n"
EMOJI_FILE = b"\xef\xbb\xbf" + EMOJI_TEXT.encode("utf-8")
# Positions counted by hand in UTF-16 code units of EMOJI_TEXT (the BOM not counted,
# "\r\n" two units): "Hallo" 3–8, "mit Emoji" 33–42, "Dritte Zeile" 44–56.
UTF16_SPANS = [(3, 8), (33, 42), (44, 56)]
# The same selections in code points, as REFI-QDA says (and qualcode writes).
CODEPOINT_SPANS = [(2, 7), (30, 39), (41, 53)]
WANT = ["Hallo", "mit Emoji", "Dritte Zeile"]


def emoji_project(origin: str, spans: list[tuple[int, int]]) -> str:
    sels = "".join(
        f'<PlainTextSelection guid="{G(100 + i)}" startPosition="{s}" endPosition="{e}">'
        f'<Coding guid="{G(200 + i)}"><CodeRef targetGUID="{G(1)}"/></Coding></PlainTextSelection>'
        for i, (s, e) in enumerate(spans)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project {NS} name="Kommentare" origin="{origin}">'
        f'<CodeBook><Codes><Code guid="{G(1)}" name="Gruß" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{G(50)}" name="Kommentare" plainTextPath="internal://{G(50)}.txt">'
        f"{sels}</TextSource></Sources></Project>"
    )


def emoji_qdpx(tmp_path: Path, origin: str, spans: list[tuple[int, int]]) -> Path:
    return qdpx(
        tmp_path / "nvivo.qdpx",
        emoji_project(origin, spans),
        {f"sources/{G(50)}.txt": EMOJI_FILE},
    )


def test_utf16_positions_map_to_code_points_and_back():
    m = Utf16Map("😀 Hallo 👍🏽!")
    assert [m.to_codepoint(u) for u in (0, 2, 3, 9, 11, 13, 14)] == [0, 1, 2, 8, 9, 10, 11]
    assert m.to_codepoint(1) is None and m.to_codepoint(10) is None  # inside a surrogate pair
    assert [m.to_unit(c) for c in (0, 1, 2, 8, 9, 10, 11)] == [0, 2, 3, 9, 11, 13, 14]
    assert to_utf16("plain text", [3, 5]) == [3, 5]


def test_nvivo_utf16_positions_are_detected_and_converted(cli, tmp_path):
    path = emoji_qdpx(tmp_path, "NVivo 14.23.0 (Windows)", UTF16_SPANS)
    res = cli.json("refi", "import", str(path), "--no-sentences")
    assert [c[4] for c in codings(cli)] == WANT
    assert res["offsets"] == "utf16"
    (line,) = res["converted"]
    assert "UTF-16 code units" in line and "NVivo" in line and "--offsets codepoints" in line
    human = cli("refi", "import", str(path), "--dry-run").stdout
    assert "converted  positions read as UTF-16 code units" in human


def test_the_smallest_case_of_the_issue(cli, tmp_path):
    """``"\\ufeff😀 Hallo Welt\\r\\n"``, selection 3–8 meant as ``Hallo`` (not ``allo ``)."""
    qde = emoji_project("NVivo 12", [(3, 8)])
    path = qdpx(
        tmp_path / "s.qdpx", qde, {f"sources/{G(50)}.txt": "\ufeff😀 Hallo Welt\r\n".encode()}
    )
    cli.ok("refi", "import", str(path), "--no-sentences")
    assert [c[4] for c in codings(cli)] == ["Hallo"]


def test_utf16_is_recognised_by_the_selections_alone(cli, tmp_path):
    """No origin: the selections start and end on word boundaries only as UTF-16 units."""
    res = cli.json("refi", "import", str(emoji_qdpx(tmp_path, "", UTF16_SPANS)), "--no-sentences")
    assert res["offsets"] == "utf16" and [c[4] for c in codings(cli)] == WANT
    assert "3 of 3 selections" in res["converted"][0]


def test_code_point_positions_stay_code_points(cli, tmp_path):
    res = cli.json(
        "refi", "import", str(emoji_qdpx(tmp_path, "MAXQDA 24", CODEPOINT_SPANS)), "--no-sentences"
    )
    assert res["offsets"] == "codepoints" and res["converted"] == []
    assert [c[4] for c in codings(cli)] == WANT


def test_a_selection_that_would_split_an_emoji_means_code_points(cli, tmp_path):
    # 1–7 as UTF-16 units would start inside 😀: so these are code points, even from NVivo
    spans = [(1, 7), *CODEPOINT_SPANS[1:]]
    res = cli.json("refi", "import", str(emoji_qdpx(tmp_path, "NVivo 12", spans)), "--no-sentences")
    assert res["offsets"] == "codepoints"
    assert any("split a character" in w for w in res["warnings"])
    assert [c[4] for c in codings(cli)] == [" Hallo", "mit Emoji", "Dritte Zeile"]


def test_offsets_option_overrides_the_detection(cli, tmp_path, db_path):
    path = emoji_qdpx(tmp_path, "NVivo 14", UTF16_SPANS[:2])
    cli.ok("refi", "import", str(path), "--no-sentences", "--offsets", "codepoints")
    assert [c[4] for c in codings(cli)][0] == "allo "  # what the issue saw
    r = cli("refi", "import", str(path), "--offsets", "bytes")
    assert r.exit_code == 2 and "--offsets codepoints" in r.output
    # forced UTF-16 on positions that split a character: one line, nothing imported
    other = type(cli)(str(tmp_path / "other.sqlite"))
    bad = emoji_qdpx(tmp_path, "", [(1, 7)])
    r = other("refi", "import", str(bad), "--offsets", "utf16")
    assert r.exit_code == 2 and "splits a character" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_export_for_nvivo_writes_utf16_positions_and_round_trips(cli, tmp_path):
    cli.ok("refi", "import", str(emoji_qdpx(tmp_path, "NVivo 14", UTF16_SPANS)), "--no-sentences")
    before = codings(cli)
    for_nvivo, standard = tmp_path / "for-nvivo.qdpx", tmp_path / "standard.qdpx"
    cli.ok("refi", "export", str(for_nvivo), "--for", "nvivo")
    cli.ok("refi", "export", str(standard))
    from lxml import etree

    def spans(path: Path) -> list[tuple[int, int]]:
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("project.qde"))
        sels = root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection")
        return sorted((int(s.get("startPosition")), int(s.get("endPosition"))) for s in sels)

    from qualcode.refi import PROJECT_XSD

    schema = etree.XMLSchema(etree.parse(str(PROJECT_XSD)))
    with zipfile.ZipFile(for_nvivo) as zf:
        schema.assertValid(etree.fromstring(zf.read("project.qde")))
    # stored text: no BOM, "\n" line breaks: "Hallo" at 2–7 (3–8 in UTF-16 units)
    assert spans(for_nvivo) == [(3, 8), (32, 41), (42, 54)]
    assert spans(standard) == [(2, 7), (29, 38), (39, 51)]
    for path in (for_nvivo, standard):
        again = type(cli)(str(tmp_path / f"{path.stem}.sqlite"))
        again.ok("refi", "import", str(path), "--no-sentences")
        assert codings(again) == before
    r = cli("refi", "export", str(tmp_path / "x.qdpx"), "--for", "atlas")
    assert r.exit_code == 2 and "--for nvivo" in r.output


def test_a_file_qualcode_wrote_counts_code_points_even_off_word_boundaries(cli, tmp_path):
    """A coding "allo " would look like "Hallo" read as UTF-16 — but qualcode wrote the file."""
    cli.ok("refi", "import", str(emoji_qdpx(tmp_path, "MAXQDA 24", [])), "--no-sentences")
    cli.ok("code", "Kommentare", "--start", "3", "--end", "8", "--code", "Gruß")
    before = codings(cli)
    assert [c[4] for c in before] == ["allo "]
    out = tmp_path / "ours.qdpx"
    cli.ok("refi", "export", str(out))
    again = type(cli)(str(tmp_path / "again.sqlite"))
    res = again.json("refi", "import", str(out), "--no-sentences")
    assert res["offsets"] == "codepoints" and codings(again) == before
    assert any("which counts code points" in w for w in res["warnings"])


def test_a_position_inside_an_emoji_sequence_is_evidence():
    text = "😀 x ❤\ufe0f y"  # ❤️ is a heart and a variation selector
    ev = Evidence()
    ev.add(text, 5, 7)  # "❤️" in UTF-16 units; as code points it would start at the selector
    d = decide(None, ev)
    assert d.unit == "utf16" and "emoji sequence as code points" in d.reason
    ev = Evidence()
    ev.add(text, 4, 6)  # "❤️" in code points; as UTF-16 units it would end before the selector
    assert decide("NVivo 12", ev).unit == "codepoints"


def test_decision_without_astral_characters_changes_nothing():
    assert decide("NVivo 12", Evidence()).unit == "codepoints"
    assert decide("NVivo 12", Evidence()).reason == ""


# --- 2. A corrupt deflate or LZMA stream ---------------------------------------------------------------


def _corrupt(path: Path, member: str, keep: int) -> None:
    """Overwrite the compressed data of ``member`` after its first ``keep`` bytes with 0xFF."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = bytearray(path.read_bytes())
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len + keep
    data[start : start + info.compress_size - keep] = b"\xff" * (info.compress_size - keep)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "compression,keep", [(zipfile.ZIP_DEFLATED, 0), (zipfile.ZIP_LZMA, 9), (zipfile.ZIP_BZIP2, 4)]
)
@pytest.mark.parametrize("member", ["project.qde", f"sources/{G(50)}.txt"])
def test_a_corrupt_compressed_member_is_one_line_error(
    demo_cli, demo_db, tmp_path, compression, keep, member
):
    path = qdpx(
        tmp_path / "broken.qdpx",
        emoji_project("x", CODEPOINT_SPANS),
        {f"sources/{G(50)}.txt": EMOJI_FILE * 50},
        compression=compression,
    )
    _corrupt(path, member, keep)
    before = dump(demo_db)
    r = demo_cli("refi", "import", str(path))
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: broken.qdpx: ") and "cannot read" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert dump(demo_db) == before


# --- 3. Sibling codes that differ only in case --------------------------------------------------------


def test_case_only_siblings_stay_two_codes(cli, tmp_path):
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><CodeBook><Codes>
  <Code guid="{G(1)}" name="Alpha" isCodable="true"/>
  <Code guid="{G(2)}" name="alpha" isCodable="false"><Code guid="{G(3)}" name="Kind"/></Code>
</Codes></CodeBook><Sources>
  <TextSource guid="{G(50)}" name="t.txt"><PlainTextContent>Eins zwei drei.</PlainTextContent>
    <PlainTextSelection guid="{G(60)}" startPosition="0" endPosition="4">
      <Coding guid="{G(70)}"><CodeRef targetGUID="{G(1)}"/></Coding></PlainTextSelection>
    <PlainTextSelection guid="{G(61)}" startPosition="5" endPosition="9">
      <Coding guid="{G(71)}"><CodeRef targetGUID="{G(3)}"/></Coding></PlainTextSelection>
  </TextSource></Sources></Project>"""
    path = tmp_path / "case.qde"
    path.write_text(qde, encoding="utf-8")
    res = cli.json("refi", "import", str(path), "--no-sentences")
    codes = {c["code"]: c["codable"] for c in cli.json("codes", "list")}
    assert codes == {"Alpha": True, "alpha (2)": False, "alpha (2)/Kind": True}
    assert [(c[3], c[4]) for c in codings(cli)] == [("Alpha", "Eins"), ("alpha (2)/Kind", "zwei")]
    assert res["renamed"] == [
        "code 'alpha' renamed to 'alpha (2)': a sibling code has the same name apart from case,"
        " and qualcode compares names without case"
    ]


# --- 4. Users who authored nothing; a duplicate user GUID ----------------------------------------------


def test_every_user_becomes_a_coder_and_survives_a_round_trip(cli, tmp_path):
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><Users>
  <User guid="{G(11)}" name="Anna"/><User guid="{G(12)}" name="Ben"/>
  <User guid="{G(13)}" name="Carla"/><User guid="{G(13)}" name="Dora"/>
</Users><CodeBook><Codes><Code guid="{G(1)}" name="A"/></Codes></CodeBook><Sources>
  <TextSource guid="{G(50)}" name="t.txt"><PlainTextContent>Eins zwei drei.</PlainTextContent>
    <PlainTextSelection guid="{G(60)}" startPosition="0" endPosition="4" creatingUser="{G(11)}">
      <Coding guid="{G(70)}" creatingUser="{G(11)}"><CodeRef targetGUID="{G(1)}"/></Coding>
    </PlainTextSelection>
    <PlainTextSelection guid="{G(61)}" startPosition="5" endPosition="9" creatingUser="{G(13)}">
      <Coding guid="{G(71)}" creatingUser="{G(13)}"><CodeRef targetGUID="{G(1)}"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources></Project>"""
    path = tmp_path / "users.qde"
    path.write_text(qde, encoding="utf-8")
    res = cli.json("refi", "import", str(path), "--no-sentences")
    assert sorted(res["new_coders"]) == ["Anna", "Ben", "Carla", "Dora"]
    assert any("share the guid" in m and "'Carla'" in m for m in res["converted"])
    assert [(c["coder"], c["text"]) for c in cli.json("codings")] == [
        ("Anna", "Eins"),
        ("Carla", "zwei"),
    ]
    out = tmp_path / "back.qdpx"
    cli.ok("refi", "export", str(out))
    again = type(cli)(str(tmp_path / "again.sqlite"))
    res2 = again.json("refi", "import", str(out), "--no-sentences")
    assert sorted(res2["new_coders"]) == ["Anna", "Ben", "Carla", "Dora"]


def test_a_user_named_engine_is_imported_under_another_name(cli, tmp_path):
    # "engine" is the reserved coder name of the suggestions engine (`agreement --coders
    # anna,engine`): an imported human coder of that name would make the comparison ambiguous
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><Users><User guid="{G(11)}" name="Engine"/></Users>
<CodeBook><Codes><Code guid="{G(1)}" name="A"/></Codes></CodeBook><Sources>
  <TextSource guid="{G(50)}" name="t.txt"><PlainTextContent>Eins zwei drei.</PlainTextContent>
    <PlainTextSelection guid="{G(60)}" startPosition="0" endPosition="4" creatingUser="{G(11)}">
      <Coding guid="{G(70)}" creatingUser="{G(11)}"><CodeRef targetGUID="{G(1)}"/></Coding>
    </PlainTextSelection></TextSource></Sources></Project>"""
    path = tmp_path / "engine.qde"
    path.write_text(qde, encoding="utf-8")
    plan = cli.json("refi", "import", str(path), "--no-sentences", "--dry-run")
    assert plan["coders"] == ["Engine (human)"]
    res = cli.json("refi", "import", str(path), "--no-sentences")
    assert res["new_coders"] == ["Engine (human)"]
    assert res["renamed"] == [
        "user 'Engine' renamed to 'Engine (human)': 'engine' is the reserved name of the"
        " suggestions engine as a coder"
    ]
    assert [(c["coder"], c["text"]) for c in cli.json("codings")] == [("Engine (human)", "Eins")]


# --- 5. A TextSource without a name ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,member,want",
    [
        ("admin.txt", "sources/admin.txt", "admin.txt"),
        ("internal://Sitzung%20M%C3%A4rz.txt", "sources/Sitzung März.txt", "Sitzung März.txt"),
    ],
)
def test_a_source_without_name_is_named_after_its_file(cli, tmp_path, path, member, want):
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><Sources>
  <TextSource guid="{G(50)}" plainTextPath="{path}"/></Sources></Project>"""
    res = cli.json("refi", "import", str(qdpx(tmp_path / "n.qdpx", qde, {member: b"Text."})))
    assert res["document_names"] == [want]
    assert res["renamed"] == [f"a source without a name was named {want!r} after its file"]


# --- 6. Ids that are not GUIDs ---------------------------------------------------------------------


def test_ids_that_are_not_guids_still_resolve(cli, tmp_path):
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><Users><User guid="user-1" name="Anna"/></Users>
<CodeBook><Codes><Code guid="code-1" name="Ziele"/></Codes></CodeBook><Sources>
  <TextSource guid="src-1" name="t.txt"><PlainTextContent>Unsere Ziele.</PlainTextContent>
    <PlainTextSelection guid="sel-1" startPosition="7" endPosition="12" creatingUser="user-1">
      <Coding guid="cod-1" creatingUser="user-1"><CodeRef targetGUID="code-1"/></Coding>
      <NoteRef targetGUID="note-1"/>
    </PlainTextSelection></TextSource></Sources>
<Notes><Note guid="note-1" name="M"><PlainTextContent>Ein Memo.</PlainTextContent></Note></Notes>
</Project>"""
    path = tmp_path / "ids.qde"
    path.write_text(qde, encoding="utf-8")
    res = cli.json("refi", "import", str(path), "--no-sentences")
    assert [(c["code"], c["coder"], c["text"]) for c in cli.json("codings")] == [
        ("Ziele", "Anna", "Ziele")
    ]
    assert [m["on"] for m in cli.json("memo", "list")] == ["coding"]
    assert any("are not GUIDs (e.g. 'cod-1')" in m for m in res["converted"])
    # the same file twice: the derived GUIDs are stable, nothing is duplicated
    assert cli.json("refi", "import", str(path))["codings_imported"] == 0


# --- 7. Reversed selections; digits Python's int() takes --------------------------------------------------


def _one_selection(tmp_path: Path, start: str, end: str) -> Path:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><CodeBook><Codes><Code guid="{G(1)}" name="A"/></Codes></CodeBook><Sources>
  <TextSource guid="{G(50)}" name="t.txt"><PlainTextContent>Hallo Welt, guten Tag.</PlainTextContent>
    <PlainTextSelection guid="{G(60)}" startPosition="{start}" endPosition="{end}">
      <Coding guid="{G(70)}"><CodeRef targetGUID="{G(1)}"/></Coding></PlainTextSelection>
  </TextSource></Sources></Project>"""
    path = tmp_path / "sel.qde"
    path.write_text(qde, encoding="utf-8")
    return path


def test_reversed_selection_is_read_with_a_warning(cli, tmp_path):
    res = cli.json("refi", "import", str(_one_selection(tmp_path, "11", "6")), "--no-sentences")
    assert [c[4] for c in codings(cli)] == ["Welt,"]
    assert res["converted"] == [
        "source 't.txt': 1 selection(s) end before they start (11-6); read from the smaller"
        " to the larger position"
    ]


@pytest.mark.parametrize("start,end", [("٦", "١١"), ("1_0", "11"), ("+6", "11"), ("6.0", "11")])
def test_positions_not_in_ascii_digits_are_refused(demo_cli, demo_db, tmp_path, start, end):
    before = dump(demo_db)
    r = demo_cli("refi", "import", str(_one_selection(tmp_path, start, end)))
    assert r.exit_code == 2 and "whole-number start/end positions in ASCII digits" in r.output
    assert len(r.output.strip().splitlines()) == 1 and dump(demo_db) == before


# --- 8. NFD member names; bidi controls in code names --------------------------------------------------


def test_member_names_in_nfd_are_found(cli, tmp_path):
    nfc = "Sitzung Görlitz.txt"
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project {NS} name="x"><Sources>
  <TextSource guid="{G(50)}" name="{nfc}" plainTextPath="internal://{nfc}"/></Sources></Project>"""
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    res = cli.json(
        "refi", "import", str(qdpx(tmp_path / "mac.qdpx", qde, {f"sources/{nfd}": b"x"}))
    )
    assert res["document_names"] == [nfc]


def test_bidi_controls_are_removed_from_code_names(cli, tmp_path):
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
  <Code guid="{G(1)}" name="Ziele\u202e{"txt.exe"}" isCodable="true"/></Codes></CodeBook>"""
    path = tmp_path / "bidi.qdc"
    path.write_text(qde, encoding="utf-8")
    res = cli.json("refi", "import", str(path))
    assert [c["code"] for c in cli.json("codes", "list")] == ["Zieletxt.exe"]
    assert "U+202E" in res["renamed"][0]


# --- 9. A backup only when the import changes the project ------------------------------------------------
# tests/test_refi.py: test_import_twice_changes_nothing_and_makes_no_backup and
# test_a_changing_import_backs_up_the_project_as_it_was.
