"""Bytes coming in (issue 22, items 3, 4 and the input part of 6): one decoder, strict CSV,
positions with a bound, --excel escaping, one size limit.

Every file is written here byte by byte, the way editors, Excel and other tools write them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from conftest import dump

from qualcode.errors import InvalidInput
from qualcode.readers import decode_text


def refused(cli, *args: str) -> str:
    """Run a command that must fail: exit 2, one line on stderr, the project unchanged —
    and, under --json, ``{"error", "hint"}`` on stdout. Returns the line."""
    before = dump(cli.db)
    r = cli(*args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert dump(cli.db) == before
    j = cli(*args, "--json")
    assert j.exit_code == 2 and set(json.loads(j.stdout)) == {"error", "hint"}, j.output
    assert dump(cli.db) == before
    return lines[0]


TEXT = "Die Teamsitzung beginnt um neun.\n\nÜbergänge brauchen Zeit.\n"


@pytest.fixture
def project(cli, write_file):
    cli.ok("import", str(write_file("sitzung.txt", TEXT)))
    cli.ok("codes", "add", "Übergänge")
    return cli


# --- item 3: one decoder -------------------------------------------------------------------------


def test_one_bad_byte_in_a_utf8_document_is_refused_with_offset_and_line(cli, write_file):
    data = "Umlaute: äöü\nZeile 2 ".encode() + b"\xff" + b" Ende\n"
    path = write_file("protokoll.txt", data)
    r = cli("import", str(path))
    assert r.exit_code == 2 and "0 imported, 0 updated, 0 unchanged, 1 failed" in r.stdout
    assert r.stderr.strip() == (
        "error: protokoll.txt: not valid UTF-8 at byte 24 (line 2, after 'Zeile 2'): 0xFF"
        " — re-save the file as UTF-8 (or fix that byte)"
    )
    assert data[24] == 0xFF
    assert cli.json("docs", "list") == []
    r = cli("import", str(path), "--json")  # nothing imported: one error, on stdout
    assert r.exit_code == 2 and r.stderr == ""
    assert json.loads(r.stdout) == {
        "error": "protokoll.txt: not valid UTF-8 at byte 24 (line 2, after 'Zeile 2'): 0xFF",
        "hint": "re-save the file as UTF-8 (or fix that byte)",
    }


def test_a_real_windows_1252_file_is_read_and_reported(cli, write_file):
    text = "Grüße aus Köln – „Spaß“ für 5 €\n"  # "ß“" is DF 93: well-formed UTF-8 by chance
    path = write_file("protokoll_03.txt", text.encode("cp1252"))
    out = cli.ok("import", str(path)).stdout.splitlines()
    assert out[0] == "imported  protokoll_03.txt (Windows-1252)"
    assert cli.json("docs", "show", "protokoll_03.txt")["text"] == text.strip()
    neu = write_file("neu.txt", "Schön.\n")
    again = cli.json("import", str(path), str(neu))
    assert again["files"] == [  # in the order read
        {
            "file": str(path.absolute()),
            "document": "protokoll_03.txt",
            "status": "unchanged",
            "encoding": "windows-1252",
        },
        {
            "file": str(neu.absolute()),
            "document": "neu.txt",
            "status": "imported",
            "encoding": "utf-8",
        },
    ]


@pytest.mark.parametrize(
    "data,needle",
    [
        # a UTF-8 BOM, then Windows-1252: the BOM says UTF-8
        (b"\xef\xbb\xbf" + "Größe\n".encode("cp1252"), "starts with a UTF-8 byte order mark"),
        # UTF-8 with one byte that is 0xE4 (ä in Windows-1252): mojibake "Ã¼" otherwise
        (
            "Übergänge für ".encode() + b"\xe4" + b"\n",
            "not valid UTF-8 at byte 17 (line 1, after 'Übergänge für'): 0xE4",
        ),
        # Greek UTF-8 (two-byte sequences only) with one bad byte
        ("Καλημέρα ".encode() + b"\xff", "not valid UTF-8 at byte 17"),
    ],
    ids=["bom-then-cp1252", "utf8-with-latin1-byte", "greek"],
)
def test_utf8_with_a_few_bad_bytes_is_refused(data, needle):
    with pytest.raises(InvalidInput, match="not valid UTF-8") as info:
        decode_text(data, "x.txt")
    assert needle in info.value.message
    assert info.value.hint == "re-save the file as UTF-8 (or fix that byte)"


@pytest.mark.parametrize(
    "text",
    [
        "Grüße – „Spaß“ für 5 €",  # ß“ is DF 93, well-formed UTF-8 by chance
        "« voilà\xa0» dit-il",  # à NBSP » is E0 A0 BB, well-formed UTF-8 by chance
    ],
)
def test_windows_1252_with_chance_utf8_sequences_is_still_windows_1252(text):
    assert decode_text(text.encode("cp1252"), "x.txt") == (text, "windows-1252")


@pytest.mark.parametrize(
    "data",
    [
        "中文文本".encode() + b"\xff",
        "Zażółć gęślą ".encode() + b"\xe4",
        "Daumen 👍 ".encode() + b"\xe4",
    ],
    ids=["chinese", "polish", "emoji"],
)
def test_other_utf8_texts_with_a_bad_byte_are_refused(data):
    with pytest.raises(InvalidInput, match=r"not valid UTF-8 at byte \d+ \(line 1, after"):
        decode_text(data, "x.txt")


def test_bytes_undefined_in_windows_1252_are_refused():
    dos = "Grüße für alle\n".encode("cp850")  # ü is 0x81 in the DOS code page
    with pytest.raises(InvalidInput) as info:
        decode_text(dos, "dos.txt")
    assert info.value.message == (
        "dos.txt: neither UTF-8 nor Windows-1252 — byte 2 (line 1, after 'Gr'): 0x81"
        " is not a character in Windows-1252"
    )
    assert "cp850" in info.value.hint
    assert decode_text("Grüße für alle\n".encode("cp1252"), "w.txt") == (
        "Grüße für alle\n",
        "windows-1252",
    )
    assert decode_text(b"\xef\xbb\xbfabc", "b.txt") == ("abc", "utf-8")
    assert decode_text("\ufeffÄ".encode("utf-16-le"), "u.txt") == ("Ä", "utf-16")


PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x">
  <CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="A" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="00000000-0000-4000-8000-000000000051" name="neu.txt" {source}>
      {content}
      <PlainTextSelection guid="00000000-0000-4000-8000-000000000011" startPosition="{start}" endPosition="{end}">
        <Coding guid="00000000-0000-4000-8000-000000000021"><CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""


def qdpx(path: Path, source: bytes | None, *, start="0", end="4", content="") -> Path:
    attr = 'plainTextPath="internal://a.txt"' if source is not None else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        xml = PROJECT.format(source=attr, content=content, start=start, end=end)
        zf.writestr("project.qde", xml)
        if source is not None:
            zf.writestr("sources/a.txt", source)
    return path


def test_a_refi_source_that_is_not_utf8_is_refused(cli, tmp_path):
    bad = qdpx(tmp_path / "bad.qdpx", "Umlaute: äöü ".encode() + b"\xe4" + b" Ende")
    line = refused(cli, "refi", "import", str(bad), "--no-sentences")
    assert (
        "source 'neu.txt': sources/a.txt: not valid UTF-8 at byte 16 (line 1, after"
        " 'Umlaute: äöü'): 0xE4 (REFI-QDA sources are UTF-8;" in line
    )
    # a source wholly in Windows-1252 is refused too: REFI-QDA says UTF-8
    legacy = qdpx(tmp_path / "cp.qdpx", "Ende gut, alles gut. Grüße".encode("cp1252"))
    assert "sources/a.txt: not valid UTF-8 at byte 23" in refused(
        cli, "refi", "import", str(legacy), "--no-sentences"
    )
    ok = qdpx(tmp_path / "ok.qdpx", "Ende gut, alles gut. Grüße".encode())
    cli.ok("refi", "import", str(ok), "--no-sentences")
    assert [c["text"] for c in cli.json("codings")] == ["Ende"]


def test_a_codings_csv_with_a_bad_byte_creates_no_mojibake_code(project, write_file):
    data = b"document,start,end,code\n" + (
        "sitzung.txt,34,43,Übergänge\nsitzung.txt,0,3,Neu".encode() + b"\x96" + b"\n"
    )
    line = refused(project, "codings", "import", str(write_file("c.csv", data)), "--create-codes")
    assert line.startswith(
        "error: c.csv: not valid UTF-8 at byte 73 (line 3, after 'sitzung.txt,0,3,Neu'): 0x96"
    )
    assert [c["code"] for c in project.json("codes", "list")] == ["Übergänge"]


def test_a_windows_1252_codings_csv_is_read_and_says_so(project, write_file):
    data = "document;start;end;code;memo\r\nsitzung.txt;34;43;Übergänge;Größe\r\n".encode("cp1252")
    path = write_file("c.csv", data)
    out = project.ok("codings", "import", str(path)).stdout.strip()
    assert out == "imported 1 codings (0 already there); the file was read as Windows-1252"
    assert project.json("codings", "import", str(path)) == {
        "codings": 0,
        "skipped": 1,
        "encoding": "windows-1252",
    }
    assert [(c["code"], c["memo"]) for c in project.json("codings")] == [("Übergänge", "Größe")]


def test_codebook_files_are_decoded_alike(project, write_file):
    bad = write_file("buch.csv", "path;definition\nÜbergänge;Wechsel ".encode() + b"\xfc\n")
    assert "buch.csv: not valid UTF-8 at byte 36 (line 2" in refused(
        project, "codebook", "import", str(bad)
    )
    toml = write_file("buch.toml", '[[codes]]\npath = "Größe"\n'.encode("cp1252"))
    line = refused(project, "codebook", "import", str(toml))
    assert (
        "buch.toml: not valid UTF-8 at byte 20 (line 2" in line and "TOML files are UTF-8" in line
    )
    legacy = write_file("alt.csv", "path;definition\nÜbergänge;Wechsel für alle\n".encode("cp1252"))
    out = project.ok("codebook", "import", str(legacy)).stdout.splitlines()
    assert out[-1] == "alt.csv was read as Windows-1252"
    assert project.json("codes", "show", "Übergänge")["definition"] == "Wechsel für alle"
    res = project.json("codebook", "import", str(legacy))
    assert res["encoding"] == "windows-1252" and res["unchanged"] == 1


# --- item 4: strict CSV -------------------------------------------------------------------------------


def test_an_unclosed_quote_names_its_line_and_nothing_is_imported(project, write_file):
    rows = ["document,start,end,code,coder,memo"]
    for i in range(143):
        memo = '"nicht geschlossen' if i == 50 else f"Memo {i}"
        rows.append(f"sitzung.txt,{i % 20},{i % 20 + 5},Übergänge,c{i},{memo}")
    path = write_file("codings.csv", "\n".join(rows) + "\n")
    assert refused(project, "codings", "import", str(path)) == (
        "error: codings.csv line 52: a quoted field that starts here is never closed"
        ' — close the quote (") or remove it; nothing was imported'
    )
    assert project.json("codings") == []


def test_a_quote_closed_far_away_names_where_it_began(project, write_file):
    csv = (
        "document,start,end,code,memo\n"
        'sitzung.txt,0,3,Übergänge,"offen\n'  # line 2: never meant to span lines
        "sitzung.txt,4,8,Übergänge,x\n"
        'sitzung.txt,9,12,Übergänge,"zu" danach\n'  # line 4
    )
    line = refused(project, "codings", "import", str(write_file("c.csv", csv)))
    assert line.startswith(
        "error: c.csv line 2: a quoted field that starts here runs to line 4, where text"
        " follows its closing quote"
    )


def test_wrong_field_counts_name_the_line_and_the_columns(project, write_file):
    header = "document,start,end,code,coder,memo\n"
    few = header + "sitzung.txt,0,3,Übergänge,anna,\n" + "sitzung.txt,2908\n" * 2
    assert refused(project, "codings", "import", str(write_file("c.csv", few))) == (
        "error: c.csv line 3: 2 fields, expected 6 (document, start, end, code, coder, memo);"
        " also line 4 — give every line one field per column of the header, empty ones too"
        " (a,b,,); a field with the separator or a line break in it needs quotes; nothing was"
        " imported"
    )
    many = header + "sitzung.txt,0,3,Übergänge,anna,ein Memo, mit Komma\n"
    assert "c.csv line 2: 7 fields, expected 6 (document" in refused(
        project, "codings", "import", str(write_file("c.csv", many))
    )
    # Excel's empty cells beyond the last column are no extra fields
    excel = header + "sitzung.txt,0,3,Übergänge,anna,,,\n"
    assert project.json("codings", "import", str(write_file("c.csv", excel)))["codings"] == 1


def test_an_xlsx_value_beyond_the_header_names_its_row(project, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["document", "start", "end", "code"])
    wb.active.append(["sitzung.txt", 0, 3, "Übergänge", "zu viel"])
    wb.save(tmp_path / "c.xlsx")
    assert "c.xlsx row 2: a value beyond the header's 4 columns" in refused(
        project, "codings", "import", str(tmp_path / "c.xlsx")
    )


def test_a_recode_map_with_an_unclosed_quote_names_its_line(project, write_file):
    path = write_file("map.csv", 'from,to\n"Übergänge,Wechsel\nA,B\n')
    assert "map.csv line 2: a quoted field that starts here is never closed" in refused(
        project, "recode", "--map", str(path)
    )


# --- item 6 (input): positions with a bound ---------------------------------------------------------

HUGE = "9" * 5000


def test_a_5000_digit_position_in_a_csv_is_one_line(project, write_file):
    path = write_file("c.csv", f"document,start,end,code\nsitzung.txt,{HUGE},3,Übergänge\n")
    assert refused(project, "codings", "import", str(path)) == (
        "error: c.csv line 2: start '99999999999999999999…' (5,000 characters) is not a"
        " position — positions must be whole numbers between 0 and the document's length;"
        " nothing was imported"
    )


def test_a_5000_digit_position_in_an_xlsx_is_one_line(project, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["document", "start", "end", "code"])
    wb.active.append(["sitzung.txt", 0, HUGE, "Übergänge"])
    wb.save(tmp_path / "c.xlsx")
    assert "c.xlsx row 2: end '99999999999999999999…' (5,000 characters) is not a position" in (
        refused(project, "codings", "import", str(tmp_path / "c.xlsx"))
    )


def test_a_5000_digit_position_in_a_refi_file_is_one_line(cli, tmp_path):
    path = qdpx(
        tmp_path / "p.qdpx",
        None,
        start=HUGE,
        content="<PlainTextContent>Ein Text.</PlainTextContent>",
    )
    line = refused(cli, "refi", "import", str(path), "--no-sentences")
    assert (
        "source 'neu.txt': selection '00000000-0000-4000-8000-000000000011' has a startPosition"
        " of 5,000 characters ('" + "9" * 36 + "…'): positions must be"
        " whole numbers between 0 and the document's length" in line
    )


# --- item 6 (input): --excel escapes what Excel would run ----------------------------------------------


def test_excel_export_escapes_formula_cells_and_reads_them_back(project, tmp_path, write_file):
    for name in ("=SUMME(1;2)", "+49 30", "-minus", "@Anna", "'=schon"):
        project.ok("codes", "add", "--", name)
    spans = [(0, 3), (4, 8), (9, 15), (16, 20), (21, 25)]
    for (s, e), code in zip(
        spans, ("=SUMME(1;2)", "+49 30", "-minus", "@Anna", "'=schon"), strict=True
    ):
        project.ok("code", "sitzung.txt", "--start", str(s), "--end", str(e), "--code", code,
                   "--memo", "\tTab vorn" if code == "@Anna" else "")  # fmt: skip
    before = [(c["start"], c["code"], c["memo"]) for c in project.json("codings")]
    excel = tmp_path / "excel.csv"
    project.ok("codings", "export", str(excel), "--excel")
    raw = excel.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    codes = ["'=SUMME(1;2)", "'+49 30", "'-minus", "'@Anna", "''=schon"]
    assert [r[3] for r in rows[1:]] == codes
    assert rows[4][5] == "'\tTab vorn"
    assert '"\'=SUMME(1;2)";' in raw  # quoted for its ';', escaped inside
    plain = tmp_path / "plain.csv"
    project.ok("codings", "export", str(plain))
    assert "\n0,3,=SUMME" not in plain.read_text() and ",=SUMME(1;2)," in plain.read_text()
    # both read back to the same codings, into a fresh project
    for path in (excel, plain):
        from conftest import Run

        fresh = Run(str(tmp_path / f"{path.stem}.sqlite"))
        fresh.ok("import", str(write_file("sitzung.txt", TEXT)))
        fresh.ok("codings", "import", str(path), "--create-codes")
        assert [(c["start"], c["code"], c["memo"]) for c in fresh.json("codings")] == before


def test_report_csv_for_excel_escapes_text_cells_only(project):
    project.ok("codes", "add", "--", "-minus")
    project.ok("code", "sitzung.txt", "--start", "0", "--end", "3", "--code", "-minus")
    out = project.ok("report", "freq", "--format", "csv", "--excel").stdout.splitlines()
    assert "'-minus;1;1;100,0;1;1;100,0" in out and "Übergänge;0;0;0,0;0;0;0,0" in out
    plain = project.ok("report", "freq", "--format", "csv").stdout.splitlines()
    assert "-minus,1,1,100.0,1,1,100.0" in plain


# --- item 6 (input): one size limit -----------------------------------------------------------------


def test_one_size_limit_for_documents_and_refi_sources(cli, write_file, tmp_path):
    env = {"QUALCODE_MAX_FILE_MB": "0.001"}  # 1,048 bytes
    big = "Ein Satz über Zeit. " * 60  # 1,260 bytes
    r = cli("import", str(write_file("gross.txt", big)), env=env)
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: gross.txt: 0.0012 MB is larger than the 0.001 MB limit for one document"
        " — split the file, or raise QUALCODE_MAX_FILE_MB"
    )
    path = qdpx(tmp_path / "p.qdpx", big.encode())
    r = cli("refi", "import", str(path), "--no-sentences", env=env)
    assert r.exit_code == 2 and (
        "source 'neu.txt': sources/a.txt is 0.0012 MB, more than the 0.001 MB limit for one"
        " document (split it, or raise QUALCODE_MAX_FILE_MB)" in r.stderr
    )
    inline = qdpx(tmp_path / "i.qdpx", None, content=f"<PlainTextContent>{big}</PlainTextContent>")
    r = cli("refi", "import", str(inline), "--no-sentences", env=env)
    assert r.exit_code == 2 and "source 'neu.txt': its text is 0.0012 MB" in r.stderr
    assert cli.json("docs", "list") == []
    # under the default limit (20 MB) both come in
    cli.ok("import", str(write_file("gross.txt", big)))
    cli.ok("refi", "import", str(path), "--no-sentences")
    bad = cli("import", str(write_file("x.txt", "x")), env={"QUALCODE_MAX_FILE_MB": "viel"})
    assert bad.exit_code == 2 and "QUALCODE_MAX_FILE_MB='viel' is not a size in MB" in bad.stderr
