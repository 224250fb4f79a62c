"""`similar` by meaning too (issue 25, 5): the sentence embeddings beside the text vectors,
and the first passages found lend their neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_doc

from qualcode.suggest import semantic

QUERY = "Die Kasse der Gemeinde ist leer, das Geld reicht nicht."
SAME_MEANING = "Wir haben kaum Mittel im Budget übrig."  # no word in common with the query
OTHERS = [
    "Die Gemeinde plant ein Fest im Sommer auf dem Platz.",
    "Der Sportverein braucht eine neue Halle für das Training.",
    "Die Feuerwehr übt am Samstag mit dem neuen Wagen.",
    "Im Kindergarten fehlen zwei Erzieherinnen seit dem Frühjahr.",
]


@pytest.fixture
def project(cli, write_file, monkeypatch):
    monkeypatch.setenv("QUALCODE_SEMANTIC", "fake")
    monkeypatch.setenv("QUALCODE_SEMANTIC_BACKGROUND", "off")
    a = make_doc(cli, write_file, "a.txt", [QUERY, OTHERS[0]])
    b = make_doc(cli, write_file, "b.txt", [OTHERS[1], SAME_MEANING, OTHERS[2], OTHERS[3]])
    return cli, a, b


def _embed(db: str, texts: list[str], same: tuple[str, str] | None, seed: int = 0) -> None:
    """Store embeddings: every text its own direction, the pair ``same`` one direction."""
    from qualcode.config import database_url

    store = semantic.Store.open(database_url(db))
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((len(texts), semantic.DIM)).astype(np.float32)
    if same:
        V[texts.index(same[1])] = V[texts.index(same[0])]
    store.add(texts, V)


def test_similar_finds_a_passage_that_says_the_same_in_other_words(project):
    cli, a, _b = project
    s, e = a[0]
    before = cli.json("similar", "a.txt", "--start", str(s), "--end", str(e))
    # by the text alone the passage of the same meaning is not near the top
    assert not before or before[0]["text"] != SAME_MEANING
    _embed(cli.db, [QUERY, SAME_MEANING, *OTHERS], (QUERY, SAME_MEANING))
    rows = cli.json("similar", "a.txt", "--start", str(s), "--end", str(e))  # the warm path
    assert rows[0]["text"] == SAME_MEANING and 0 < rows[0]["score"] <= 1
    from qualcode.database import make_engine, reading
    from qualcode.suggest import similar

    eng = make_engine(cli.db)
    with reading(eng) as session:  # the full path (the workbench's) gives the same rows
        full = similar(session, 1, s, e, top=10)
        # (the core names the codes on a passage `codes`; the JSON `code_paths`)
        renamed = [{("code_paths" if k == "codes" else k): v for k, v in r.items()} for r in full]
        assert renamed == rows
    eng.dispose()
    # a sentence inside the passage that nobody embedded: its text vectors alone
    part = cli.json("similar", "a.txt", "--start", str(s), "--end", str(s + 20))
    assert not part or part[0]["text"] != SAME_MEANING


def test_more_like_a_code_by_meaning_too(project):
    cli, a, _b = project
    s, e = a[0]
    cli.ok("code", "a.txt", "--start", str(s), "--end", str(e), "--code", "Geld", "--create")
    before = cli.json("similar", "--code", "Geld")
    assert not before or before[0]["text"] != SAME_MEANING
    _embed(cli.db, [QUERY, SAME_MEANING, *OTHERS], (QUERY, SAME_MEANING))
    rows = cli.json("similar", "--code", "Geld")
    assert rows[0]["text"] == SAME_MEANING and all(r["text"] != QUERY for r in rows)


def test_embeddings_that_arrive_later_are_used(project):
    """The cache of the passages' embeddings is keyed by the store's generation."""
    cli, a, _b = project
    s, e = a[0]
    _embed(cli.db, OTHERS, None)  # some passages first, not the query
    first = cli.json("similar", "a.txt", "--start", str(s), "--end", str(e))
    assert not first or first[0]["text"] != SAME_MEANING
    _embed(cli.db, [QUERY, SAME_MEANING], (QUERY, SAME_MEANING), seed=1)
    rows = cli.json("similar", "a.txt", "--start", str(s), "--end", str(e))
    assert rows[0]["text"] == SAME_MEANING


def test_neighbours_lend_their_neighbours():
    """Pseudo-relevance feedback on a hand-made index: C shares nothing with the query Q, but
    much with Q's five nearest passages B; it comes before D, which shares a little with Q."""
    import scipy.sparse as sp

    from qualcode.suggest.meaning import similarity
    from qualcode.suggest.vectors import Vectors

    # rows: Q, B ×5, C, D — unit vectors in 3 word dimensions
    W = np.array(
        [[1.0, 0, 0]] + [[0.8, 0.6, 0]] * 5 + [[0, 1.0, 0], [0.25, 0, 0.968]], dtype=np.float32
    )
    W /= np.linalg.norm(W, axis=1, keepdims=True)

    class Index:
        V = Vectors(sp.csr_matrix(W), np.zeros((8, 0), dtype=np.float32))
        is_heading = np.zeros(8, dtype=bool)

    exclude = np.zeros(8, dtype=bool)
    exclude[0] = True  # the query itself
    plain = Index.V.scores(Index.V[[0]])
    assert plain[7] > plain[6] == 0.0  # by the text alone D before C
    s = similarity(Index, Index.V[[0]], exclude)
    # C: (0 + 0.6)/2 = 0.3; D: (0.25 + 0.8·0.25)/2 = 0.225; B: (0.8 + 1)/2 = 0.9
    assert s[6] == pytest.approx(0.3, abs=1e-3) and s[7] == pytest.approx(0.225, abs=1e-3)
    assert s[1] == pytest.approx(0.9, abs=1e-3)
