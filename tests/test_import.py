"""Import: encodings, formats, front matter, re-import, failures (issue 2)."""

from __future__ import annotations

import json

import pytest

SCHUELER = "Die „Schüler“ äußern Zeitmangel."


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("cp1252", b""),
        ("latin-1", b""),
        ("utf-16", b""),
    ],
)
def test_encodings_survive(cli, write_file, encoding, prefix):
    text = SCHUELER if encoding != "latin-1" else "Die Schüler äußern Zeitmangel."
    path = write_file("p.txt", prefix + text.encode(encoding))
    cli.ok("import", str(path))
    doc = cli.json("docs", "show", "p.txt")
    assert doc["text"] == text


def test_cp1252_quotes_are_not_mojibake(cli, write_file):
    path = write_file(
        "protokoll_03.txt", "Erster Absatz mit „Schüler“.\r\n\r\nZweiter.\r\n".encode("cp1252")
    )
    cli.ok("import", str(path))
    doc = cli.json("docs", "show", "protokoll_03.txt")
    assert doc["text"] == "Erster Absatz mit „Schüler“.\n\nZweiter."
    assert "Ã" not in doc["text"]


def test_text_is_nfc_with_newlines(cli, write_file):
    decomposed = "Schu\u0308ler\r\nzweite Zeile\rdritte"
    cli.ok("import", str(write_file("n.txt", decomposed)))
    text = cli.json("docs", "show", "n.txt")["text"]
    assert text == "Schüler\nzweite Zeile\ndritte"
    assert len(text.split("\n")[0]) == 7  # one code point for ü


def test_front_matter_sets_typed_attributes_and_is_removed(cli, write_file):
    content = "---\nKooperationsverbund: Oberlausitz-Nord\nFormat: Präsenz\nTeilnehmende: 23\nDatum: 2019-11-14\n---\nTOP 1: Begrüßung\n\nText.\n"
    cli.ok("import", str(write_file("protokoll_01.md", content)), "--attr", "Region=Görlitz")
    doc = cli.json("docs", "show", "protokoll_01.md")
    assert doc["attributes"] == {
        "Kooperationsverbund": "Oberlausitz-Nord",
        "Format": "Präsenz",
        "Teilnehmende": 23,
        "Datum": "2019-11-14",
        "Region": "Görlitz",
    }
    assert doc["text"] == "TOP 1: Begrüßung\n\nText."


def test_a_front_matter_line_without_key_value_is_refused_not_coded_as_text(cli, write_file):
    from conftest import db_snapshot

    before = db_snapshot(cli.db)
    bad = write_file("bad.md", "---\nRegion: Leipzig\nDatum 2020-01-01\n---\n\nText.\n")
    result = cli("import", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: bad.md, line 3: front matter line 'Datum 2020-01-01' is not `key: value`"
        " — write it as key: value, or remove it"
    )
    twice = write_file("twice.md", "---\nRegion: Leipzig\nRegion: Dresden\n---\n\nText.\n")
    result = cli("import", str(twice))
    assert result.exit_code == 2
    assert "twice.md, line 3: front matter key 'Region' given twice" in result.stderr
    assert db_snapshot(cli.db) == before


def test_front_matter_opened_with_trailing_spaces_and_rules_without_keys(cli, write_file):
    cli.ok("import", str(write_file("a.md", "--- \nRegion: Leipzig\n---  \n\nText.\n")))
    doc = cli.json("docs", "show", "a.md")
    assert (doc["attributes"], doc["text"]) == ({"Region": "Leipzig"}, "Text.")
    # two horizontal rules around prose are text, not front matter
    rules = "---\n\nErster Absatz.\n\n---\n\nZweiter."
    cli.ok("import", str(write_file("b.md", rules)))
    doc = cli.json("docs", "show", "b.md")
    assert (doc["attributes"], doc["text"]) == ({}, rules)


def test_paragraph_offsets(cli, write_file):
    text = "  Erster Absatz.\n\n\n  Zweiter\nAbsatz.  \n \t\nDritter."
    cli.ok("import", str(write_file("a.txt", text)))
    stored = cli.json("docs", "show", "a.txt")["text"]
    passages = cli.json("passages", "--doc", "a.txt")
    assert [(p["start"], p["end"]) for p in passages] == [(2, 16), (21, 36), (42, 50)]
    assert [stored[p["start"] : p["end"]] for p in passages] == [
        "Erster Absatz.",
        "Zweiter\nAbsatz.",
        "Dritter.",
    ]
    assert [p["text"] for p in passages] == ["Erster Absatz.", "Zweiter\nAbsatz.", "Dritter."]


def test_sentences_stay_inside_paragraphs(cli, write_file):
    cli.ok(
        "import", str(write_file("s.txt", "Es fehlt Personal. Es fehlt Zeit.\n\nZiel: Vernetzung."))
    )
    sents = cli.json("passages", "--doc", "s.txt", "--unit", "sentence")
    assert [s["text"] for s in sents] == [
        "Es fehlt Personal.",
        "Es fehlt Zeit.",
        "Ziel: Vernetzung.",
    ]


def test_reimport_unchanged_is_noop_and_changed_is_refused(cli, write_file):
    path = write_file("p.md", "Absatz eins.\n\nAbsatz zwei.")
    assert cli.json("import", str(path))["imported"] == 1
    assert cli.json("import", str(path))["unchanged"] == 1
    path.write_text("Absatz eins, geändert.\n\nAbsatz zwei.", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert "--update" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert cli.json("docs", "show", "p.md")["text"] == "Absatz eins.\n\nAbsatz zwei."
    assert cli.json("import", str(path), "--update")["updated"] == 1
    assert cli.json("docs", "show", "p.md")["text"].startswith("Absatz eins, geändert.")


def test_update_reanchors_codings(cli, write_file):
    path = write_file("p.md", "Zeitmangel ist ein Problem.\n\nPersonal fehlt.")
    cli.ok("import", str(path))
    cli.ok("code", "p.md", "--start", "29", "--end", "44", "--code", "Personal", "--create")
    path.write_text(
        "Neuer erster Absatz.\n\nZeitmangel ist ein Problem.\n\nPersonal fehlt.", encoding="utf-8"
    )
    cli.ok("import", str(path), "--update")
    [coding] = cli.json("codings")
    assert coding["text"] == "Personal fehlt."
    assert coding["start"] == 51


def test_bad_files_fail_alone(cli, write_file, tmp_path):
    good = write_file("gut.txt", "Ein guter Absatz.")
    write_file("leer.txt", b"")
    write_file("binaer.txt", bytes(range(256)) * 8)
    write_file("kaputt.docx", b"PK\x03\x04 not really a zip")
    write_file("kaputt.pdf", b"%PDF-1.4 garbage")
    result = cli("import", str(good.parent), "--json")
    assert result.exit_code == 2
    assert result.stderr == ""  # under --json the errors are in the rows
    data = json.loads(result.stdout)
    assert (data["imported"], data["failed"]) == (1, 4)
    assert [f["document"] for f in data["files"] if f["status"] == "imported"] == ["gut.txt"]
    failed = {
        f["file"].rsplit("/", 1)[-1]: f["error"] for f in data["files"] if f["status"] == "failed"
    }
    assert set(failed) == {"leer.txt", "binaer.txt", "kaputt.docx", "kaputt.pdf"}
    assert "empty" in failed["leer.txt"]
    assert "binary" in failed["binaer.txt"]
    assert all("\n" not in e for e in failed.values())
    assert "Traceback" not in result.output


def test_missing_path_is_reported(cli, tmp_path):
    result = cli("import", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_docx_odt_pdf(cli, tmp_path):
    import docx
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    d = docx.Document()
    d.add_paragraph("Zu wenig Personal an Förderschulen.")
    d.add_paragraph("Ziel: „Vernetzung“ stärken.")
    d.save(tmp_path / "p.docx")

    o = OpenDocumentText()
    o.text.addElement(H(outlinelevel=1, text="TOP 1"))
    o.text.addElement(P(text="Zu wenig Zeit für Fallberatung."))
    o.save(str(tmp_path / "p.odt"))

    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["pdf.fonttype"] = 42
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.text(0.1, 0.5, "Übergänge zwischen Schulformen.")
    fig.savefig(tmp_path / "p.pdf")
    plt.close(fig)

    for name in ("p.docx", "p.odt", "p.pdf"):
        cli.ok("import", str(tmp_path / name))
    assert (
        cli.json("docs", "show", "p.docx")["text"]
        == "Zu wenig Personal an Förderschulen.\n\nZiel: „Vernetzung“ stärken."
    )
    assert cli.json("docs", "show", "p.odt")["text"] == "TOP 1\n\nZu wenig Zeit für Fallberatung."
    assert cli.json("docs", "show", "p.pdf")["text"] == "Übergänge zwischen Schulformen."


def test_import_json_shape(cli, write_file):
    data = cli.json("import", str(write_file("x.txt", "Text.")))
    assert set(data) >= {"imported", "unchanged", "failed"}
    assert data == {
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "files": [
            {
                "file": str(write_file("x.txt", "Text.").absolute()),
                "document": "x.txt",
                "status": "imported",
                "encoding": "utf-8",
            }
        ],
    }


def test_failed_file_after_good_ones_keeps_audit_consistent(cli, write_file):
    good = write_file("a.md", "Eins.")
    cli.ok("import", str(good))
    good.write_text("Eins, geändert.", encoding="utf-8")  # refused without --update
    write_file("b.md", "Zwei.")
    result = cli("import", str(good.parent), "--json")
    assert result.exit_code == 2
    assert [d["document"] for d in cli.json("docs", "list")] == ["a.md", "b.md"]
    cli.ok("undo")
    assert [d["document"] for d in cli.json("docs", "list")] == ["a.md"]
