"""Structural passages are no work: `next`, `propose`, `passages --uncoded` skip the title,
metadata blocks and agenda headings, and the progress (`docs list`, the workbench) counts
only content passages."""

from __future__ import annotations

import sqlite3

import pytest

A = """Protokoll der Sitzung des Kooperationsverbundes Nord am 4. März 2020 in der Aula der Oberschule

Ort: Aula der Oberschule
Zeit: 14:00 – 16:00 Uhr
Moderation: Frau Meier

TOP 1: Begrüßung

Frau Meier begrüßt die Anwesenden und stellt die Tagesordnung vor.

TOP 2: Kurzvortrag „Inklusion in Sachsen“

Es gebe viel zu wenig Personal an den Schulen, Stellen für Sonderpädagogen blieben unbesetzt.

Für Absprachen zwischen Lehrkräften und Jugendhilfe fehle die Zeit, Termine lägen spät.
"""

B = """Protokoll der Sitzung des Kooperationsverbundes Süd am 5. Mai 2020 in der Bibliothek der Grundschule

Ort: Bibliothek der Grundschule
Beginn: 15:00 Uhr
Protokoll: Herr Schulze

TOP 1 – Begrüßung

Herr Schulze eröffnet die Sitzung und begrüßt die Gäste aus dem Jugendamt.

TOP 2 – Austausch

Der Mangel an Personal verhindert Doppelbesetzungen; Fachkräfte fehlen überall im Landkreis.

Zeit für Kooperation bleibt kaum, Lehrkräfte haben keine Zeitfenster für Absprachen im Team.
"""

CONTENT = {
    "a.txt": ["Frau Meier begrüßt", "Es gebe viel", "Für Absprachen"],
    "b.txt": ["Herr Schulze eröffnet", "Der Mangel an", "Zeit für Kooperation"],
}


@pytest.fixture
def project(cli, write_file):
    write_file("a.txt", A)
    cli.ok("import", str(write_file("b.txt", B).parent))
    return cli


def _starts(rows) -> list[tuple[str, int]]:
    return [(r["document"], r["start"]) for r in rows]


def _content_starts() -> list[tuple[str, int]]:
    return [(d, {"a.txt": A, "b.txt": B}[d].index(p)) for d, ps in CONTENT.items() for p in ps]


def test_next_offers_only_content(project):
    rows = project.json("next", "--n", "50")  # no codings yet: reading order, every passage
    assert _starts(rows) == _content_starts()
    assert all(r["reason"] == "reading order" for r in rows)
    assert _starts(project.json("passages", "--uncoded")) == _content_starts()


def test_next_with_codings_skips_the_metadata_too(project):
    for doc, text, code in (
        ("a.txt", A, "Personal"),
        ("b.txt", B, "Personal"),
    ):
        s = text.index("Es gebe" if doc == "a.txt" else "Der Mangel")
        e = text.index("\n\n", s)
        project.ok("code", doc, "--start", str(s), "--end", str(e), "--code", code, "--create")
    rows = project.json("next", "--n", "50")
    left = [
        x
        for x in _content_starts()
        if x not in {("a.txt", A.index("Es gebe")), ("b.txt", B.index("Der Mangel"))}
    ]
    assert sorted(_starts(rows)) == sorted(left)


def test_propose_clusters_only_content(project):
    clusters = project.json("propose", "--n", "2", "--seed", "1")
    members = sorted((m["document"], m["start"]) for c in clusters for m in c["members"])
    assert members == sorted(_content_starts())


def test_progress_counts_content_passages(project):
    docs = {d["document"]: d for d in project.json("docs", "list")}
    assert (docs["a.txt"]["passages"], docs["b.txt"]["passages"]) == (3, 3)
    s = A.index("TOP 2:")  # coding a heading makes it count: it is done
    project.ok(
        "code",
        "a.txt",
        "--start",
        str(s),
        "--end",
        str(A.index("\n", s)),
        "--code",
        "X",
        "--create",
    )
    docs = {d["document"]: d for d in project.json("docs", "list")}
    assert (docs["a.txt"]["passages"], docs["a.txt"]["coded_passages"]) == (4, 1)


def test_demo_next_and_progress(demo_db, demo_cli):
    """On the demo without codings: `next` offers exactly the passages the progress counts
    (305 of 424 paragraphs) and never a title or metadata block."""
    con = sqlite3.connect(demo_db)
    con.execute("DELETE FROM coding")
    con.commit()
    con.close()
    rows = demo_cli.json("next", "--n", "1000")
    docs = demo_cli.json("docs", "list")
    assert len(rows) == sum(d["passages"] for d in docs) == 305
    by_doc = {d["document"]: d["passages"] for d in docs}
    assert (by_doc["protokoll_11.md"], by_doc["protokoll_13.md"]) == (20, 21)
    texts = [r["text"] for r in rows]
    assert not [t for t in texts if "\nModeration:" in t.replace("*", "")]
    assert not [t for t in texts if t.lstrip("#* ").startswith(("Protokoll", "PROTOKOLL", "TOP"))]
