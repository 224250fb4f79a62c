"""Hostile and broken REFI-QDA files: refused with one line, exit 2, nothing written."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from qualcode.refi import safety

DATA = Path(__file__).parent / "data" / "refi"

PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x">
  <CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000001" name="A" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="00000000-0000-4000-8000-0000000000s1" name="neu.txt" {source}>
      {content}
      <PlainTextSelection guid="00000000-0000-4000-8000-000000000011" startPosition="{start}" endPosition="{end}">
        <Coding guid="00000000-0000-4000-8000-000000000021"><CodeRef targetGUID="{code}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
""".replace("0000000000s1", "000000000051")


def project(
    source: str = "",
    content: str = "<PlainTextContent>Ein neuer Text.</PlainTextContent>",
    start: int = 0,
    end: int = 3,
    code: str = "00000000-0000-4000-8000-000000000001",
) -> str:
    return PROJECT.format(source=source, content=content, start=start, end=end, code=code)


def qdpx(
    path: Path, members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE CodeBook [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="00000000-0000-4000-8000-000000000001" name="&lol9;" isCodable="true"/>
</Codes></CodeBook>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>
<TextSource guid="00000000-0000-4000-8000-000000000051" name="p"><PlainTextContent>&xxe;</PlainTextContent></TextSource>
</Sources></Project>
"""


def _write(tmp: Path, name: str, data: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "billion laughs": (
        lambda t: _write(t, "lol.qdc", BILLION_LAUGHS),
        "refused — the XML has a DTD",
    ),
    "external entity": (
        lambda t: qdpx(t / "xxe.qdpx", {"project.qde": XXE}),
        "refused — the XML has a DTD",
    ),
    "external DTD": (
        lambda t: _write(
            t,
            "dtd.qde",
            '<?xml version="1.0"?><!DOCTYPE Project SYSTEM "http://example.org/evil.dtd">'
            + project().split("?>", 1)[1],
        ),
        "refused — the XML has a DTD",
    ),
    "path traversal member": (
        lambda t: qdpx(t / "trav.qdpx", {"project.qde": project(), "../../evil.txt": "x"}),
        "refused: zip member '../../evil.txt' points outside the archive",
    ),
    "absolute member": (
        lambda t: qdpx(t / "abs.qdpx", {"project.qde": project(), "/etc/evil.txt": "x"}),
        "has an absolute path",
    ),
    "drive letter member": (
        lambda t: qdpx(t / "drive.qdpx", {"project.qde": project(), "C:/evil.txt": "x"}),
        "has an absolute path",
    ),
    "traversal in plainTextPath": (
        lambda t: qdpx(
            t / "src.qdpx",
            {
                "project.qde": project(
                    source='plainTextPath="internal://../../etc/passwd"', content=""
                )
            },
        ),
        "points outside the archive",
    ),
    "zip bomb": (
        lambda t: qdpx(
            t / "bomb.qdpx", {"project.qde": project(), "sources/pad.txt": b" " * (20 << 20)}
        ),
        "looks like a zip bomb",
    ),
    "malformed XML": (
        lambda t: qdpx(t / "bad.qdpx", {"project.qde": project()[:-20]}),
        "malformed XML at line",
    ),
    "missing project.qde": (
        lambda t: qdpx(t / "empty.qdpx", {"sources/a.txt": "x"}),
        "no project.qde in the archive",
    ),
    "not a zip": (
        lambda t: _write(t, "fake.qdpx", project()),
        "not a zip archive, so not a .qdpx project",
    ),
    "wrong root": (
        lambda t: _write(t, "wrong.qdc", '<?xml version="1.0"?><Foo xmlns="urn:x"/>'),
        "the root element is <Foo>, expected <CodeBook>",
    ),
    "codebook without codes": (
        lambda t: _write(t, "nocodes.qdc", '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'),
        "has no <Codes> element",
    ),
    "unknown code": (
        lambda t: qdpx(
            t / "code.qdpx", {"project.qde": project(code="00000000-0000-4000-8000-00000000dead")}
        ),
        "refers to an unknown code",
    ),
    "selection outside the text": (
        lambda t: qdpx(t / "range.qdpx", {"project.qde": project(start=3, end=500)}),
        "lies outside the text",
    ),
    "bad positions": (
        lambda t: _write(t, "pos.qde", project().replace('endPosition="3"', 'endPosition="drei"')),
        "no whole-number start/end positions",
    ),
    "missing source file": (
        lambda t: qdpx(
            t / "missing.qdpx",
            {"project.qde": project(source='plainTextPath="internal://nope.txt"', content="")},
        ),
        "internal://nope.txt is missing from the archive",
    ),
    "binary source": (
        lambda t: qdpx(
            t / "bin.qdpx",
            {
                "project.qde": project(source='plainTextPath="internal://b.txt"', content=""),
                "sources/b.txt": b"\x00\x01" * 50,
            },
        ),
        "binary content",
    ),
    "codes nested too deeply": (
        lambda t: _write(
            t,
            "deep.qdc",
            '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
            + "".join(
                f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">'
                for i in range(60)
            )
            + "</Code>" * 60
            + "</Codes></CodeBook>",
        ),
        "the code tree is nested more than 50 levels deep",
    ),
    "empty file": (lambda t: _write(t, "empty.qdc", b""), "malformed XML"),
    "no such file": (lambda t: t / "nothing.qdpx", "no such file"),
}


def dump(db: str) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_or_broken_file_is_refused_and_nothing_changes(case, demo_cli, demo_db, tmp_path):
    make, message = CASES[case]
    path = make(tmp_path)
    before = dump(demo_db)
    result = demo_cli("refi", "import", str(path), "--no-sentences")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1
    assert dump(demo_db) == before
    assert not list(
        Path(demo_db).parent.glob("*.bak-*")
    )  # no backup: nothing was about to be written


def test_member_count_and_total_size_limits(demo_cli, tmp_path, monkeypatch):
    path = qdpx(
        tmp_path / "many.qdpx",
        {"project.qde": project(), **{f"sources/{i}.txt": "x" for i in range(6)}},
    )
    monkeypatch.setattr(safety, "MAX_MEMBERS", 5)
    r = demo_cli("refi", "import", str(path))
    assert r.exit_code == 2 and "has 7 members (limit 5)" in r.output
    monkeypatch.setattr(safety, "MAX_MEMBERS", 50_000)
    monkeypatch.setattr(safety, "MAX_TOTAL_BYTES", 100)
    r = demo_cli("refi", "import", str(path))
    assert r.exit_code == 2 and "unpacks to more than" in r.output


def test_percent_encoded_source_paths_are_found(cli, tmp_path):
    members = {
        "project.qde": project(source='plainTextPath="internal://Mein%20Text.txt"', content=""),
        "Sources/Mein Text.txt": "Ein neuer Text.",
    }
    res = cli.json("refi", "import", str(qdpx(tmp_path / "enc.qdpx", members)), "--no-sentences")
    assert res["codings_imported"] == 1 and [c["text"] for c in cli.json("codings")] == ["Ein"]


def test_the_well_formed_variant_of_the_test_project_imports(cli, tmp_path):
    """The hostile cases above differ from this valid file only in the attack."""
    res = cli.json(
        "refi",
        "import",
        str(qdpx(tmp_path / "ok.qdpx", {"project.qde": project()})),
        "--no-sentences",
    )
    assert res["document_names"] == ["neu.txt"] and res["codings_imported"] == 1
    assert [c["text"] for c in cli.json("codings")] == ["Ein"]


def test_safe_parser_refuses_entities_directly():
    from qualcode.errors import InvalidInput

    with pytest.raises(InvalidInput, match="refused"):
        safety.parse_xml(BILLION_LAUGHS.encode(), "lol.qdc")
    with pytest.raises(InvalidInput, match="refused: zip member"):
        safety.check_member_name("a/../../b")
    assert safety.check_member_name("./sources//a.txt") == "sources/a.txt"


def test_a_source_outside_the_archive_is_skipped_not_read(cli, tmp_path):
    members = {
        "project.qde": project().replace(
            "</Sources>",
            '<TextSource guid="00000000-0000-4000-8000-000000000052" name="extern.txt" plainTextPath="absolute:///etc/passwd"/></Sources>',
        )
    }
    res = cli.json("refi", "import", str(qdpx(tmp_path / "ext.qdpx", members)), "--no-sentences")
    assert res["document_names"] == ["neu.txt"]
    assert res["warnings"] == [
        "source 'extern.txt' skipped: its text is a file outside the archive (absolute:///etc/passwd); only texts inside the file are read"
    ]


@pytest.mark.parametrize(
    "xml",
    [
        b'<!-- a comment --><?pi x?><!DOCTYPE a SYSTEM "http://evil.example/x.dtd"><a/>',
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'.encode(
            "utf-16"
        ),
        b'<?xml version="1.0"?>\n\n<!DOCTYPE a [<!ENTITY l "ll"><!ENTITY l2 "&l;&l;">]>\n<a>&l2;</a>',
    ],
    ids=["after comment and PI", "UTF-16", "internal subset"],
)
def test_a_dtd_anywhere_in_the_prolog_is_refused(xml):
    """The fast parse checks only the prolog with defusedxml: any DTD sits there."""
    from qualcode.errors import InvalidInput
    from qualcode.refi.safety import parse_xml

    with pytest.raises(InvalidInput, match="refused — the XML has a DTD"):
        parse_xml(xml, "project.qde")
    # without the DTD the same document parses (UTF-16 included)
    plain = xml.decode("utf-16") if xml.startswith(b"\xff\xfe") else xml.decode()
    root = plain[: plain.index("<!DOCTYPE")] + plain[plain.index("<a") :]
    root = root.replace("&x;", "").replace("&l2;", "")
    assert parse_xml(root.encode("utf-16" if "UTF-16" in root else "utf-8"), "p").tag == "a"
