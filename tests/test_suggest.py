"""Suggestions: similar passages, code suggestions, candidate categories (issue 4)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

# the core's rows as `--json` gives them (`code_paths`, `suggested_codes`)
from qualcode.cli.suggest import _similar_json, _suggested

PERSONAL = "Personalmangel"
ZEIT = "Hindernisse/Zeitmangel"
RAUM = "Hindernisse/Räume"
PERS = "Hindernisse/Personal"
NEXT = "Schritte/Termin"

DOCS = {
    "p1.md": """# Protokoll Verbund A

## TOP 1 Begrüßung

Frau Meier begrüßt die Anwesenden und stellt die Tagesordnung vor.

## TOP 2 Perspektivendiskussion

Es gebe viel zu wenig Personal an den Schulen, Stellen für Sonderpädagogen blieben unbesetzt.

Für Absprachen zwischen Lehrkräften und Jugendhilfe fehle die Zeit, Termine lägen nach Unterrichtsschluss.

Die Räume sind zu klein, es fehlen Differenzierungsräume und ein Ruheraum.

## TOP 3 Festlegungen

Das nächste Treffen findet am 12. März im Rathaus statt.
""",
    "p2.md": """# Protokoll Verbund B

## TOP 1 Begrüßung

Herr Schulze eröffnet die Sitzung.

## TOP 2 Perspektivendiskussion

Der Mangel an Personal verhindert Doppelbesetzungen; Fachkräfte fehlen überall.

Zeit für Kooperation bleibt kaum, Lehrkräfte haben keine Zeitfenster für Absprachen.

Es fehlen geeignete Räume für Kleingruppen, die Ausstattung der Räume ist schlecht.

## TOP 3 Festlegungen

Das nächste Treffen wird für den 4. Mai terminiert.
""",
    "p3.md": """# Protokoll Verbund C

## TOP 1 Begrüßung

Frau Wolf begrüßt alle Teilnehmenden.

## TOP 2 Perspektivendiskussion

Unbesetzte Stellen und zu wenig Personal prägen den Alltag der Schulen.

Für Teamabsprachen fehlt im Stundenplan schlicht die Zeit.

Differenzierungsräume fehlen, die Räume der Schule sind überfüllt.

## TOP 3 Festlegungen

Das nächste Treffen findet im Juni statt.
""",
    "p4.md": """# Protokoll Verbund D

## TOP 2 Perspektivendiskussion

Personalmangel: Sonderpädagogen und Schulbegleiter fehlen an allen Schulen.

Personal

und die
""",
}

# (document, paragraph text, code) of the human codings
CODED = [
    ("p1.md", "Es gebe viel zu wenig Personal", PERS),
    ("p1.md", "Für Absprachen zwischen", ZEIT),
    ("p1.md", "Die Räume sind zu klein", RAUM),
    ("p1.md", "Das nächste Treffen findet am", NEXT),
    ("p2.md", "Der Mangel an Personal", PERS),
    ("p2.md", "Zeit für Kooperation", ZEIT),
    ("p2.md", "Es fehlen geeignete Räume", RAUM),
    ("p2.md", "Das nächste Treffen wird", NEXT),
]


def _span(text: str, prefix: str) -> tuple[int, int]:
    start = text.index(prefix)
    end = text.find("\n\n", start)
    return start, (end if end >= 0 else len(text.rstrip("\n")))


@pytest.fixture
def project(cli, write_file):
    for name, text in DOCS.items():
        write_file(name, text)
    cli.ok("import", str(write_file("p1.md", DOCS["p1.md"]).parent))
    for path in (PERS, ZEIT, RAUM, NEXT):
        cli.ok("codes", "add", path)
    return cli


def _code_all(cli) -> None:
    for doc, prefix, code in CODED:
        s, e = _span(DOCS[doc], prefix)
        cli.ok("code", doc, "--start", str(s), "--end", str(e), "--code", code, "--coder", "anna")


# --- structure ---------------------------------------------------------------------------


def test_heading_detection():
    from qualcode.suggest.features import heading_of

    assert heading_of("## TOP 3 Perspektivendiskussion") == (2, "TOP 3 Perspektivendiskussion")
    assert heading_of("TOP 3: Perspektivendiskussion") == (2, "TOP 3: Perspektivendiskussion")
    assert heading_of("3. Perspektivendiskussion") == (2, "3. Perspektivendiskussion")
    assert heading_of("Vereinbarte Handlungsschritte:") == (5, "Vereinbarte Handlungsschritte")
    assert heading_of("Ort: Aula der Oberschule") is None
    assert (
        heading_of("Es gebe viel zu wenig Personal an den Schulen, Stellen blieben unbesetzt.")
        is None
    )
    assert heading_of("Tagesordnung:\n1. Begrüßung\n2. Vortrag") is None


def test_context_and_position(project, engine):
    from qualcode.database import reading
    from qualcode.documents import resolve_document
    from qualcode.suggest.index import get_index

    with reading(engine) as s:
        index = get_index(s)
        d = resolve_document(s, "p1.md").id
        st, en = _span(DOCS["p1.md"], "Die Räume sind zu klein")
        ctx, pos = index.structure_of(d, st, en)
    assert ctx == ("Protokoll Verbund A", "TOP 2 Perspektivendiskussion")
    assert 0.5 < pos < 0.85


def test_lemmas_drop_stop_words_and_numbers():
    from qualcode import nlp
    from qualcode.suggest.features import analyse

    lem, vec = analyse(
        nlp.load(), ["Die Schulen gingen 3 mal, und es fehlten Fehlzeiten.", "", "und die"]
    )
    assert lem == [["schule", "gehen", "mal", "fehlen", "fehlzeiten"], [], []]
    assert vec is None


# --- no codings, errors -------------------------------------------------------------------


def test_suggest_without_codings_says_so(project):
    r = project("suggest")
    assert r.exit_code == 2
    assert r.output.strip().count("\n") == 0
    assert r.output.startswith("error: nothing to learn from yet")


def test_similar_needs_span_or_code(project):
    r = project("similar", "p1.md")
    assert r.exit_code == 2
    assert "--start" in r.output
    r = project("similar", "--code", PERS)
    assert r.exit_code == 2 and "no segments yet" in r.output


def test_empty_and_one_word_passages(project, engine):
    from qualcode.database import reading
    from qualcode.documents import resolve_document
    from qualcode.errors import InvalidInput
    from qualcode.suggest import similar, suggest_for_span

    _code_all(project)
    with reading(engine) as s:
        d = resolve_document(s, "p4.md").id
        with pytest.raises(InvalidInput, match="empty"):
            suggest_for_span(s, d, 5, 5)
        with pytest.raises(InvalidInput, match="empty"):
            similar(s, d, 5, 5)
        st, en = _span(DOCS["p4.md"], "Personal\n")
        one = suggest_for_span(s, d, st, en)
        stop_only = suggest_for_span(s, d, *_span(DOCS["p4.md"], "und die"))
        sim = similar(s, d, st, en, top=3)
    assert one[0]["code"] == PERS
    assert stop_only == []  # no content words, no evidence
    assert "Personal" in sim[0]["text"]


# --- similar ------------------------------------------------------------------------------


def test_similar_json_shape_and_compounds(project):
    _code_all(project)
    s, e = _span(DOCS["p4.md"], "Personalmangel:")
    rows = project.json("similar", "p4.md", "--start", str(s), "--end", str(e), "--top", "3")
    assert len(rows) == 3
    for r in rows:
        assert set(r) == {"document", "start", "end", "score", "text", "code_paths"}
        assert 0 < r["score"] <= 1
        assert r["text"] == DOCS[r["document"]][r["start"] : r["end"]]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    # "Personalmangel" meets "zu wenig Personal" and "Mangel an Personal"
    assert rows[0]["text"].startswith("Es gebe viel zu wenig Personal") and rows[0][
        "code_paths"
    ] == [PERS]
    assert any(
        r["text"].startswith("Der Mangel an Personal") and r["code_paths"] == [PERS] for r in rows
    )


def test_compounds_meet_their_parts():
    import numpy as np

    from qualcode.suggest.features import TextSpace

    docs = [
        ["personalmangel"],
        ["mangel", "personal"],
        ["raum", "klein"],
        ["personal", "stelle"],
        ["mangel", "raum"],
    ]
    V = TextSpace().fit(docs)
    cos = np.array([V.scores(V[[i]]) for i in range(len(docs))])
    assert cos[0, 1] > 0.3 and cos[0, 1] > cos[0, 3] > cos[0, 2] == 0.0
    words_only = TextSpace().fit(docs, use_chars=False)
    assert words_only.scores(words_only[[0]])[1] == 0.0


def test_similar_excludes_the_span_itself(project):
    s, e = _span(DOCS["p1.md"], "Die Räume sind zu klein")
    rows = project.json("similar", "p1.md", "--start", str(s), "--end", str(e))
    assert all(not (r["document"] == "p1.md" and r["start"] == s) for r in rows)
    assert rows[0]["text"].startswith(("Es fehlen geeignete Räume", "Differenzierungsräume fehlen"))


def test_similar_and_propose_within_a_document_set(project):
    s, e = _span(DOCS["p1.md"], "Die Räume sind zu klein")
    every = project.json("similar", "p1.md", "--start", str(s), "--end", str(e), "--top", "50")
    assert {r["document"] for r in every} >= {"p2.md", "p3.md"}
    project.ok("set", "add", "Zwei", "p2.md", "p4.md")
    some = project.json(
        "similar", "p1.md", "--start", str(s), "--end", str(e), "--top", "50", "--set", "Zwei"
    )
    assert some and {r["document"] for r in some} <= {"p2.md", "p4.md"}
    assert some == [r for r in every if r["document"] in ("p2.md", "p4.md")]
    clusters = project.json("propose", "--n", "2", "--set", "Zwei")
    members = {m["document"] for c in clusters for m in c["members"]}
    assert members <= {"p2.md", "p4.md"}


def test_more_like_this_code(project):
    _code_all(project)
    rows = project.json("similar", "--code", RAUM, "--top", "2")
    assert rows[0]["document"] == "p3.md"
    assert rows[0]["text"].startswith("Differenzierungsräume fehlen")
    assert all(r["code_paths"] == [] for r in rows)  # only uncoded passages


# --- suggest ------------------------------------------------------------------------------


def test_suggest_json_shape_and_determinism(project):
    from qualcode.suggest.index import clear_memory

    _code_all(project)
    first = project.json("suggest", "--doc", "p3.md")
    clear_memory()  # the second run reads the model from the database cache
    second = project.json("suggest", "--doc", "p3.md")
    assert first == second
    by_text = {DOCS["p3.md"][r["start"] : r["end"]][:20]: r for r in first}
    assert set(first[0]) == {"document", "start", "end", "suggested_codes"}
    for r in first:
        assert r["document"] == "p3.md"
        assert len(r["suggested_codes"]) <= 3
        text = DOCS["p3.md"][r["start"] : r["end"]]
        assert r["suggested_codes"] or "begrüßt" in text  # boilerplate may get none at all
        for sg in r["suggested_codes"]:
            assert (
                set(sg) == {"code", "score", "basis"}
                and 0 < sg["score"] <= 1
                and sg["basis"] == "model"
            )
    assert by_text["Unbesetzte Stellen u"]["suggested_codes"][0]["code"] == PERS
    assert by_text["Für Teamabsprachen f"]["suggested_codes"][0]["code"] == ZEIT
    assert by_text["Differenzierungsräum"]["suggested_codes"][0]["code"] == RAUM
    assert by_text["Das nächste Treffen "]["suggested_codes"][0]["code"] == NEXT
    # headings and coded passages get no suggestions
    assert not any(DOCS["p3.md"][r["start"] :].startswith("## ") for r in first)


def test_suggest_min_score_and_top(project):
    _code_all(project)
    rows = project.json("suggest", "--top", "1", "--min-score", "0.5")
    assert rows
    for r in rows:
        assert len(r["suggested_codes"]) == 1 and r["suggested_codes"][0]["score"] >= 0.5


def test_suggest_for_span_contract(project, engine):
    from qualcode.database import reading
    from qualcode.documents import resolve_document
    from qualcode.suggest import suggest_for_span

    _code_all(project)
    with reading(engine) as s:
        d = resolve_document(s, "p3.md").id
        # any span, not only a paragraph: one sentence fragment
        start = DOCS["p3.md"].index("zu wenig Personal")
        out = suggest_for_span(s, d, start, start + len("zu wenig Personal"), top=2)
    assert 1 <= len(out) <= 2
    assert out[0]["code"] == PERS and out[0]["score"] == max(o["score"] for o in out)


def test_single_example_codes_are_scored_by_the_model_cautiously(project, engine):
    from qualcode.database import reading
    from qualcode.documents import resolve_document
    from qualcode.suggest import suggest_for_span

    _code_all(project)
    project.ok("codes", "add", "Hindernisse/Begrüßung")
    s, e = _span(DOCS["p1.md"], "Frau Meier begrüßt")
    project.ok(
        "code",
        "p1.md",
        "--start",
        str(s),
        "--end",
        str(e),
        "--code",
        "Hindernisse/Begrüßung",
        "--coder",
        "anna",
    )
    with reading(engine) as sess:
        d = resolve_document(sess, "p3.md").id
        out = suggest_for_span(sess, d, *_span(DOCS["p3.md"], "Frau Wolf begrüßt"), top=5)
        staff = suggest_for_span(sess, d, *_span(DOCS["p3.md"], "Unbesetzte Stellen"), top=5)
    assert out[0]["code"] == "Hindernisse/Begrüßung" and out[0]["basis"] == "model"
    # one example does not make the code a likely suggestion for unrelated passages
    assert staff[0]["code"] == PERS
    assert all(o["score"] < 0.2 for o in staff if o["code"] == "Hindernisse/Begrüßung")


def test_one_coding_does_not_make_a_document_read(project, engine):
    from qualcode.database import reading
    from qualcode.models import Document
    from qualcode.suggest.model import _read_in_order

    _code_all(project)
    before = project.json("suggest", "--explain")["training"]["no_code_passages"]
    # one passage coded in the last third of p3 (as from the workbench's `N`): the four
    # content paragraphs above it were not shown, so they are no "no code" examples
    s, e = _span(DOCS["p3.md"], "Das nächste Treffen findet im Juni")
    project.ok("code", "p3.md", "--start", str(s), "--end", str(e), "--code", NEXT)
    after = project.json("suggest", "--explain")["training"]
    assert after["coded_passages"] == len(CODED) + 1
    assert after["no_code_passages"] == before  # not before + 4
    with reading(engine) as sess:
        ids = {n: i for i, n in sess.execute(select(Document.id, Document.name)).all()}
        coded = {ids["p1.md"], ids["p2.md"], ids["p3.md"]}
        assert _read_in_order(sess, coded) == {ids["p1.md"], ids["p2.md"]}


def test_auto_and_orphaned_codings_are_not_learned(project, engine):
    from qualcode.database import reading
    from qualcode.suggest.model import human_codings

    _code_all(project)
    s, e = _span(DOCS["p3.md"], "Unbesetzte Stellen")
    project.ok(
        "code", "p3.md", "--start", str(s), "--end", str(e), "--code", ZEIT, "--coder", "auto"
    )
    with reading(engine) as sess:
        assert len(human_codings(sess)) == len(CODED)


def test_apply_writes_auto_codings_and_undo_reverts(project):
    _code_all(project)
    out = project.json("suggest", "--apply", "--min-score", "0.3")
    assert out["coder"] == "auto" and out["applied"] > 0
    auto = project.json("codings", "--coder", "auto")
    assert len(auto) == out["applied"]
    assert all(r["code"] in (PERS, ZEIT, RAUM, NEXT) for r in auto)
    again = project.json("suggest", "--apply", "--min-score", "0.3")
    assert again["applied"] == 0  # the passages are coded now
    project.ok("undo")
    # the text says codings (a passage may get two codes), and how to undo them
    text = project.ok("suggest", "--apply", "--min-score", "0.3").stdout
    auto = project.json("codings", "--coder", "auto")
    n = len(auto)
    assert text.startswith(f"wrote {n} coding{'s' if n != 1 else ''} as `auto`")
    assert text.rstrip().endswith("`qualcode undo --force`" if n > 100 else "`qualcode undo`")
    project.ok("undo", *(["--force"] if n > 100 else []))
    project.ok("undo")
    assert project.json("codings", "--coder", "auto") == []


# --- cache --------------------------------------------------------------------------------


def _cache_rows(db_path: str) -> dict[str, str]:
    """Key → content hash of the entries in the cache folder beside the project."""
    from pathlib import Path

    folder = Path(db_path + ".cache")
    out = {}
    for f in folder.glob("*.pkl"):
        key, h, _ = f.name.rsplit(".", 2)
        out[key] = h
    return out


def test_cache_is_stored_and_invalidated_by_import_and_coding(project, db_path, write_file):
    from qualcode.suggest.index import clear_memory

    _code_all(project)
    project.json("suggest")
    before = _cache_rows(db_path)
    assert "model" in before and "model-explain" in before
    clear_memory()
    project.json("suggest")
    assert _cache_rows(db_path) == before  # reused, not rebuilt
    s, e = _span(DOCS["p4.md"], "Personalmangel:")
    assert all(
        r["document"] != "p5.md"
        for r in project.json("similar", "p4.md", "--start", str(s), "--end", str(e))
    )
    before = _cache_rows(db_path)  # `similar` built the passage index
    write_file("p5.md", "Akuter Personalmangel: Sonderpädagogen fehlen an allen Schulen.\n")
    project.ok(
        "import",
        str(
            write_file("p5.md", "Akuter Personalmangel: Sonderpädagogen fehlen an allen Schulen.\n")
        ),
    )
    rows = project.json("similar", "p4.md", "--start", str(s), "--end", str(e))
    assert rows[0]["document"] == "p5.md"
    after = _cache_rows(db_path)
    assert after["index"] != before["index"]
    s3, e3 = _span(DOCS["p3.md"], "Unbesetzte Stellen")
    project.ok(
        "code", "p3.md", "--start", str(s3), "--end", str(e3), "--code", PERS, "--coder", "anna"
    )
    project.json("suggest")
    assert _cache_rows(db_path)["model"] != after["model"]


# --- word vectors -------------------------------------------------------------------------


def test_pipeline_with_vectors_is_used(tmp_path, monkeypatch, cli, write_file, engine):
    import numpy as np
    import spacy

    from qualcode.database import reading
    from qualcode.documents import resolve_document
    from qualcode.suggest import similar
    from qualcode.suggest.index import get_index

    nlp = spacy.blank("de")
    rng = np.random.default_rng(0)
    staff, rooms = rng.normal(size=8), rng.normal(size=8)
    for word, base in (
        ("Lehrkräfte", staff),
        ("Pädagogen", staff),
        ("Räume", rooms),
        ("Zimmer", rooms),
    ):
        nlp.vocab.set_vector(word, (base + 0.01 * rng.normal(size=8)).astype("float32"))
    model_dir = tmp_path / "tiny_vectors"
    nlp.to_disk(model_dir)
    monkeypatch.setenv("QUALCODE_NLP_MODEL", str(model_dir))
    write_file("a.txt", "Lehrkräfte fehlen.\n\nZimmer fehlen.\n")
    cli.ok("import", str(write_file("b.txt", "Pädagogen fehlen.\n\nRäume fehlen.\n").parent))
    with reading(engine) as s:
        index = get_index(s)
        assert str(model_dir) in index.nlp_name and "with word vectors" in index.nlp_name
        assert index.space.vec_width == 8
        a = resolve_document(s, "a.txt").id
        rows = similar(s, a, 0, len("Lehrkräfte fehlen."), top=3)
    # no shared lemma except "fehlen": the vectors decide
    assert rows[0]["document"] == "b.txt" and rows[0]["text"] == "Pädagogen fehlen."


# --- propose ------------------------------------------------------------------------------


def test_propose_clusters_uncoded_passages(project):
    _code_all(project)
    first = project.json("propose", "--n", "3", "--seed", "1")
    second = project.json("propose", "--n", "3", "--seed", "1")
    assert first == second
    assert len(first) == 3
    for c in first:
        assert set(c) == {"cluster", "size", "label", "lemmas", "examples", "members"}
        assert c["size"] == len(c["members"]) and 1 <= len(c["examples"]) <= 3
        assert c["label"]
    assert [c["cluster"] for c in first] == [1, 2, 3]
    members = {(m["document"], m["start"]) for c in first for m in c["members"]}
    # every uncoded content paragraph with at least 3 lemmas, each in one cluster
    assert sum(c["size"] for c in first) == len(members)
    assert ("p3.md", DOCS["p3.md"].index("Unbesetzte Stellen")) in members
    assert ("p1.md", DOCS["p1.md"].index("Es gebe viel")) not in members


def test_propose_splits_a_code(project):
    _code_all(project)
    for doc, prefix in (("p3.md", "Unbesetzte Stellen"), ("p4.md", "Personalmangel:")):
        s, e = _span(DOCS[doc], prefix)
        project.ok(
            "code", doc, "--start", str(s), "--end", str(e), "--code", PERS, "--coder", "anna"
        )
    out = project.json("propose", "--code", PERS, "--n", "2")
    assert sum(c["size"] for c in out) == 4
    r = project("propose", "--code", ZEIT)
    assert r.exit_code == 2 and "at least 4 segments" in r.output


def test_apply_writes_from_the_score_held_out_documents_bear_out(project):
    _code_all(project)
    shown = project.json("suggest", "--min-score", "0.3")
    out = project.json("suggest", "--apply", "--min-score", "0.3")
    start = out["from_score"]
    assert out["min_score"] == 0.3 and start is not None and start >= 0.3
    # exactly the shown suggestions that reach the score `--apply` names
    expected = sum(sg["score"] >= start for r in shown for sg in r["suggested_codes"])
    assert out["applied"] == expected > 0
    auto = project.json("codings", "--coder", "auto")
    assert len(auto) == expected
    ex = project.json("suggest", "--explain")
    assert [a["min_score"] for a in ex["apply"]] == [0.8, 0.9, 0.95]


def test_apply_refuses_a_min_score_of_zero_before_any_work(project, monkeypatch):
    from qualcode.suggest import service

    _code_all(project)

    def no_work(*a, **k):
        raise AssertionError("suggestions computed for a refused --min-score")

    monkeypatch.setattr(service, "suggest", no_work)
    r = project("suggest", "--apply", "--min-score", "0")
    assert r.exit_code == 2
    assert "--min-score 0 must be in (0, 1] — e.g. --min-score 0.9" in r.output
    assert project.json("codings", "--coder", "auto") == []


def test_apply_writes_nothing_where_no_score_is_borne_out(project):
    _code_all(project)
    # no number of held-out suggestions shows 100 % with 90 % confidence
    out = project.json("suggest", "--apply", "--min-score", "1")
    assert out == {"applied": 0, "min_score": 1.0, "from_score": None, "coder": "auto"}
    r = project.ok("suggest", "--apply", "--min-score", "1")
    assert r.output.startswith("coded nothing: on the held-out documents no score level")
    assert "at least 100 % of the time" in r.output
    assert "--min-score" in r.output
    assert project.json("codings", "--coder", "auto") == []


def test_propose_text_output(project):
    _code_all(project)
    r = project.ok("propose", "--n", "2")
    assert r.output.startswith("cluster 1 (")
    assert json.loads(project.ok("propose", "--n", "2", "--json").stdout)[0]["cluster"] == 1


def test_applying_suggestions_keeps_the_trained_model(project, db_path):
    _code_all(project)
    project.json("suggest")
    before = _cache_rows(db_path)
    assert project.json("suggest", "--apply", "--min-score", "0.3")["applied"] > 0
    project.json("suggest")
    assert _cache_rows(db_path) == before  # `auto` codings are not training data


def test_large_projects_store_character_topics_not_ngrams():
    """From 1,000 passages on, the character block is kept as 128 latent topics (float16),
    not as n-gram columns — and a compound still meets the passages of its parts' topic."""
    import numpy as np

    from qualcode.suggest.features import TextSpace
    from qualcode.suggest.vectors import LSA_MIN_ROWS

    rng = np.random.default_rng(0)
    staff = ["personal", "lehrkraft", "fachkraft", "personalstelle", "vertretung", "stelle"]
    rooms = ["raum", "klassenzimmer", "zimmer", "gebäude", "fläche", "raumbedarf"]
    docs = [list(rng.choice(staff if i % 2 else rooms, 4)) for i in range(LSA_MIN_ROWS + 200)]
    space = TextSpace()
    V = space.fit(docs)
    assert space.projection is not None and space.projection.dims > 0
    assert V.W.shape[1] == len(space.vocab)  # the sparse block holds the words only
    assert V.Z.shape == (len(docs), space.projection.dims)
    q = space.transform([["personalmangel"]])  # unseen word: only its n-grams connect it
    s = V.scores(q)
    assert s[1::2].mean() > 2 * s[0::2].mean()


def test_warm_similar_reads_sqlite_without_sqlalchemy(project, write_file):
    """The fast path of `similar` (a paragraph, a SQLite project, a cached index) gives the
    rows of the full path, without importing SQLAlchemy; anything else falls back."""
    import json
    import subprocess
    import sys

    _code_all(project)
    s, e = _span(DOCS["p1.md"], "Die Räume sind zu klein")
    full = project.json("similar", "p1.md", "--start", str(s), "--end", str(e))  # builds the index
    probe = (
        "import json, sys\n"
        "from qualcode.suggest.fast import similar\n"
        f"rows = similar({project.db!r}, 'p1.md', {s}, {e}, 10)\n"
        "assert 'sqlalchemy' not in sys.modules and 'spacy' not in sys.modules, 'imported'\n"
        "print(json.dumps(rows))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert _similar_json(json.loads(out.stdout)) == full and full
    from qualcode.suggest.fast import similar as fast

    assert fast(project.db, "p1.md", s, e - 1, 10) is None  # not a paragraph: needs spaCy
    assert fast(project.db, "nope.md", s, e, 10) is None  # the full path explains
    assert _similar_json(fast(project.db, "p1.md", s, e, 3)) == full[:3]
    project.ok("import", str(write_file("p5.md", "Neue Räume fehlen.\n").parent))
    assert fast(project.db, "p1.md", s, e, 10) is None  # the index is stale: never served
    bad = project("similar", "nope.md", "--start", "0", "--end", "5")
    assert bad.exit_code == 2 and "nope.md" in bad.output


def test_warm_suggest_doc_reads_sqlite_without_sqlalchemy(project):
    """`suggest --doc` from a cached model on a SQLite project: the rows of the full path,
    without importing SQLAlchemy or spaCy; a changed coding is never served from the old
    model (the fast path declines, the full path retrains)."""
    import json
    import subprocess
    import sys

    _code_all(project)
    full = project.json("suggest", "--doc", "p3.md", "--text")  # trains and caches the model
    assert full and all(r["document"] == "p3.md" for r in full)
    probe = (
        "import json, sys\n"
        "from qualcode.suggest.fast import suggest_doc\n"
        f"rows = suggest_doc({project.db!r}, 'p3.md', 3, 0.0)\n"
        "assert 'sqlalchemy' not in sys.modules and 'spacy' not in sys.modules, 'imported'\n"
        "print(json.dumps(rows))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert _suggested(json.loads(out.stdout)) == full
    from qualcode.suggest.fast import suggest_doc

    assert suggest_doc(project.db, "nope.md", 3, 0.0) is None  # the full path explains
    top1 = suggest_doc(project.db, "p3.md", 1, 0.0)
    assert _suggested(top1) == [{**r, "suggested_codes": r["suggested_codes"][:1]} for r in full]
    first = full[0]
    project.ok(
        "code", "p3.md", "--start", str(first["start"]), "--end", str(first["end"]),
        "--code", RAUM, "--coder", "anna",
    )  # fmt: skip
    assert suggest_doc(project.db, "p3.md", 3, 0.0) is None  # the model is stale: never served
    again = project.json("suggest", "--doc", "p3.md")
    assert [r["start"] for r in again] == [r["start"] for r in full[1:]]
    fresh = suggest_doc(project.db, "p3.md", 3, 0.0)  # the retrained model is cached again
    assert fresh is not None and [r["start"] for r in fresh] == [r["start"] for r in again]


def test_codings_fingerprint_sees_every_change(tmp_path):
    """The SQLite model fingerprint changes with any coding's fields, even when two changes
    would cancel out in a plain sum, and ignores row order and `auto`'s codings."""
    import sqlite3

    from qualcode.suggest.fingerprint import sqlite_codings

    con = sqlite3.connect(tmp_path / "f.sqlite")
    con.executescript(
        "CREATE TABLE coder (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE code (id INTEGER PRIMARY KEY, parent_id INTEGER, codable INTEGER);"
        'CREATE TABLE coding (id INTEGER PRIMARY KEY, document_id INT, start INT, "end" INT,'
        " code_id INT, coder_id INT, orphaned INT);"
        "INSERT INTO coder VALUES (1, 'anna'), (2, 'auto');"
        "INSERT INTO code VALUES (1, NULL, 1), (2, 1, 1);"
        "INSERT INTO coding VALUES (1, 1, 10, 20, 1, 1, 0), (2, 1, 30, 40, 2, 1, 0),"
        " (3, 2, 0, 5, 2, 2, 0);"
    )

    def fp() -> str:
        return sqlite_codings(lambda sql, p: con.execute(sql, p).fetchone())

    base = fp()
    con.execute("UPDATE coding SET start = start + 1 WHERE id = 1")
    con.execute("UPDATE coding SET start = start - 1 WHERE id = 2")
    assert fp() != base  # the sums of the plain fields are unchanged
    con.execute("UPDATE coding SET start = start - 1 WHERE id = 1")
    con.execute("UPDATE coding SET start = start + 1 WHERE id = 2")
    assert fp() == base
    con.execute("UPDATE coding SET end = 6 WHERE id = 3")  # auto's coding: not learned from
    assert fp() == base
    for sql in (
        "UPDATE coding SET orphaned = 1 WHERE id = 1",
        "UPDATE coding SET code_id = 1 WHERE id = 2",
        "UPDATE code SET codable = 0 WHERE id = 2",
        "DELETE FROM coding WHERE id = 2",
    ):
        con.execute("SAVEPOINT s")
        con.execute(sql)
        assert fp() != base, sql
        con.execute("ROLLBACK TO s")
        con.execute("RELEASE s")
    assert fp() == base


def test_embedded_project_fast_and_full_paths_agree(project, monkeypatch):
    """With every passage embedded (the fake encoder), the model is trained with the
    semantic block available, says so, and the warm sqlite3 path serves the same rows."""
    import json
    import os
    import subprocess
    import sys

    monkeypatch.setenv("QUALCODE_SEMANTIC", "fake")
    _code_all(project)
    project.ok("embed")
    ex = project.json("suggest", "--explain")
    assert ex["semantic"]["available"] is True
    full = project.json("suggest", "--doc", "p3.md", "--text")
    probe = (
        "import json\n"
        "from qualcode.suggest.fast import suggest_doc\n"
        f"print(json.dumps(suggest_doc({project.db!r}, 'p3.md', 3, 0.0)))\n"
    )
    env = {**os.environ, "QUALCODE_SEMANTIC": "fake"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    assert _suggested(json.loads(out.stdout)) == full and full
