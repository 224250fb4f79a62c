"""The seeded reference workload, built through qualcode's own core functions.

Reference (issue 8): 2,000 protocols × 20 paragraphs of German-like text,
48 codes in a two-level tree (4 categories × 11 codes), 3 coders and 50,000
codings; one document carries 1,000 codings (the TUI's "heavy document").
The suggestions workload has 100,000 paragraph passages (5,000 × 20).

Everything that matters is a function of the seed: texts, attributes, the
code tree, which spans are coded with which code by whom. (GUIDs of documents
and codes and timestamps are made by the core and differ between runs;
:func:`fingerprint` hashes the content and ignores them.)

    python -m qualcode.bench.generate --out bench/work/ref.sqlite            # reference
    python -m qualcode.bench.generate --preset suggest --out big.sqlite      # 100,000 passages
    python -m qualcode.bench.generate --docs 200 --codings 5000 --corpus DIR # smaller, + .txt files

Other benchmark scripts reuse :func:`generate` / :func:`cached`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

# Bump when the generated content changes: cached workloads are rebuilt.
GENERATOR_VERSION = 1

CODERS = ("anna", "ben", "clara")
CODER_WEIGHTS = (0.5, 0.3, 0.2)
FORMATS = (("Präsenz", 0.45), ("Hybrid", 0.30), ("Web", 0.25))
REGIONS = (
    "Landkreis Görlitz",
    "Landkreis Bautzen",
    "Stadt Leipzig",
    "Stadt Dresden",
    "Erzgebirgskreis",
    "Landkreis Zwickau",
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Herausforderungen und Hindernisse": (
        "Personalmangel", "Zeitmangel", "Finanzierung", "Räumliche Bedingungen", "Bürokratie", "Kommunikation",
        "Fehlende Fortbildung", "Ländlicher Raum", "Digitale Ausstattung", "Elternarbeit", "Unklare Zuständigkeiten",
    ),
    "Zielformulierungen": (
        "Inklusion", "Kooperation", "Übergänge", "Qualifizierung", "Vernetzung", "Teilhabe",
        "Beratung", "Prävention", "Chancengleichheit", "Schulentwicklung", "Öffentlichkeitsarbeit",
    ),
    "Gestaltungs- und Entwicklungsziele": (
        "Konzeptentwicklung", "Fortbildungsplanung", "Netzwerkaufbau", "Ressourcenplanung", "Evaluation", "Angebotsentwicklung",
        "Strukturbildung", "Qualitätssicherung", "Partizipation", "Digitalisierung", "Verstetigung",
    ),
    "Handlungsschritte": (
        "Arbeitsgruppe bilden", "Termine vereinbaren", "Fortbildung organisieren", "Bedarfe erheben", "Informationen weitergeben", "Anträge stellen",
        "Materialien erstellen", "Hospitationen", "Fallberatung", "Elternabend", "Dokumentation",
    ),
}  # fmt: skip

_SUBJECTS = (
    "Die Schulleitung",
    "Frau Dr. Wendler",
    "Das Jugendamt",
    "Die Koordinatorin für Inklusion",
    "Der Kooperationsverbund",
    "Die Lehrkräfte",
    "Die Arbeitsgruppe",
    "Herr Schreiber",
    "Die Vertreterinnen und Vertreter der Träger",
    "Das Landesamt",
    "Die Elternvertretung",
    "Die Schulsozialarbeit",
    "Frau Brandt",
    "Das Förderschulzentrum",
    "Der Landkreis",
    "Die Moderation",
)
_VERBS = (
    "berichtet über",
    "schlägt vor:",
    "betont",
    "kritisiert",
    "erläutert",
    "fordert",
    "regt an:",
    "verweist auf",
    "plant",
    "bemängelt",
    "begrüßt",
    "stellt fest:",
    "bittet um",
    "informiert über",
    "unterstreicht",
    "fragt nach",
)
_OBJECTS = (
    "die fehlenden Personalressourcen",
    "den Zeitmangel in den Kollegien",
    "eine gemeinsame Fortbildung",
    "den Ausbau der Kooperation",
    "die Übergänge zwischen Grund- und Oberschule",
    "die inklusive Beschulung",
    "die Finanzierung der Schulbegleitung",
    "die Erreichbarkeit im ländlichen Raum",
    "die digitale Ausstattung der Schulen",
    "ein regelmäßiges Netzwerktreffen",
    "die Beratung der Eltern",
    "die langen Wartezeiten bei der Diagnostik",
    "die Zuständigkeiten zwischen Schule und Jugendhilfe",
    "die Hospitationen in den Nachbarschulen",
    "die Dokumentation der Fallberatungen",
    "das Konzept zur Verstetigung",
    "die Evaluation der Maßnahmen",
    "die Teilhabe aller Schülerinnen und Schüler",
    "die Anträge beim Landesamt",
    "die Räume für Kleingruppen",
)
_TAILS = (
    "im kommenden Schuljahr",
    "bis zur nächsten Sitzung",
    "mit Unterstützung des Landkreises",
    "trotz knapper Mittel",
    "für alle Beteiligten",
    "in den Förderschulzentren",
    "gemeinsam mit den Trägern",
    "ab dem zweiten Halbjahr",
    "nach Rücksprache mit dem Landesamt",
    "in enger Abstimmung",
    "",
    "",
    "",
)
_PREFIXES = (
    "Schul",
    "Jugend",
    "Eltern",
    "Förder",
    "Inklusions",
    "Personal",
    "Kooperations",
    "Netzwerk",
    "Fortbildungs",
    "Beratungs",
    "Integrations",
    "Ganztags",
)
_SUFFIXES = (
    "konzept",
    "planung",
    "mangel",
    "zeit",
    "angebot",
    "stelle",
    "gruppe",
    "runde",
    "bedarf",
    "ressourcen",
    "träger",
    "verbund",
)
_ADJECTIVES = (
    "dringend",
    "ausdrücklich",
    "erneut",
    "kurzfristig",
    "nachdrücklich",
    "ausführlich",
    "kritisch",
    "positiv",
)


@dataclass(frozen=True)
class Params:
    docs: int = 2000
    paragraphs: int = 20
    codings: int = 50_000
    codes: int = 48
    coders: int = 3
    seed: int = 42
    sentences: bool = (
        True  # sentence passages via the NLP pipeline, as `qualcode import` makes them
    )

    def key(self) -> str:
        from qualcode.models import SCHEMA_VERSION

        s = "s" if self.sentences else "n"
        return f"v{GENERATOR_VERSION}.{SCHEMA_VERSION}-d{self.docs}-p{self.paragraphs}-c{self.codings}-k{self.codes}-u{self.coders}-r{self.seed}-{s}"


REFERENCE = Params()
QUICK = Params(docs=200, codings=5_000)  # 10× smaller
SUGGEST = Params(docs=5000, paragraphs=20, codings=50_000)  # 100,000 paragraph passages
PRESETS = {"reference": REFERENCE, "quick": QUICK, "suggest": SUGGEST}


# --- text ------------------------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    r = rng.random()
    subj, verb, obj, tail = (
        rng.choice(_SUBJECTS),
        rng.choice(_VERBS),
        rng.choice(_OBJECTS),
        rng.choice(_TAILS),
    )
    compound = rng.choice(_PREFIXES) + rng.choice(_SUFFIXES)
    if r < 0.45:
        s = f"{subj} {verb} {obj} {tail}".rstrip() + "."
    elif r < 0.7:
        s = f"{subj} {verb} {rng.choice(_ADJECTIVES)} die {compound} {tail}".rstrip() + "."
    elif r < 0.85:
        n = rng.randint(2, 40)
        s = f"Für die {compound} werden {n} Stunden pro Woche benötigt, {obj.split(' ', 1)[1]} bleibt offen."
    else:
        s = f"Im Anschluss wird {obj} {tail} diskutiert; die {compound} soll {rng.choice(_ADJECTIVES)} geprüft werden.".replace(
            "  ", " "
        )
    return s[0].upper() + s[1:]


@dataclass
class GeneratedDoc:
    name: str
    text: str
    attrs: dict[str, str]
    paragraphs: list[tuple[int, int]]
    sentences: list[list[tuple[int, int]]]  # per paragraph


def make_document(seed: int, index: int, paragraphs: int) -> GeneratedDoc:
    """Document ``index`` (0-based) of the workload: the same for the same seed, independent of the others."""
    rng = random.Random(f"qualcode-bench:{seed}:{index}")
    fmt = rng.choices([f for f, _ in FORMATS], weights=[w for _, w in FORMATS])[0]
    attrs = {
        "Format": fmt,
        "Region": rng.choice(REGIONS),
        "Datum": f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "Teilnehmende": str(rng.randint(8, 40)),
    }
    parts: list[str] = []
    paras: list[tuple[int, int]] = []
    sents: list[list[tuple[int, int]]] = []
    pos = 0
    for p in range(paragraphs):
        if p:
            parts.append("\n\n")
            pos += 2
        p_start = pos
        spans = []
        for k in range(rng.randint(2, 5)):
            if k:
                parts.append(" ")
                pos += 1
            s = _sentence(rng)
            parts.append(s)
            spans.append((pos, pos + len(s)))
            pos += len(s)
        paras.append((p_start, pos))
        sents.append(spans)
    return GeneratedDoc(f"protokoll_{index + 1:04d}.txt", "".join(parts), attrs, paras, sents)


def front_matter_file(doc: GeneratedDoc) -> str:
    """The document as a .txt file with front matter, as `qualcode import` reads it."""
    head = "\n".join(f"{k}: {v}" for k, v in doc.attrs.items())
    return f"---\n{head}\n---\n\n{doc.text}\n"


def write_corpus(folder: str | Path, docs: int, paragraphs: int = 20, seed: int = 42) -> Path:
    """Write the workload's documents as .txt files (for timing `qualcode import FOLDER`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(docs):
        d = make_document(seed, i, paragraphs)
        (folder / d.name).write_text(front_matter_file(d), encoding="utf-8")
    return folder


def code_tree(n_codes: int) -> list[tuple[str, list[str]]]:
    """4 categories with their sub-codes, ``n_codes`` codes in all."""
    cats = list(CATEGORIES.items())
    per = max(1, (n_codes - len(cats)) // len(cats))
    extra = n_codes - len(cats) - per * len(cats)
    tree = []
    for i, (cat, subs) in enumerate(cats):
        n = per + (1 if i < extra else 0)
        names = list(subs[:n]) + [f"Aspekt {k + 1}" for k in range(len(subs), n)]
        tree.append((cat, names))
    return tree


# --- building the project -------------------------------------------------------------------


def _batches(n: int, size: int) -> Iterator[range]:
    for i in range(0, n, size):
        yield range(i, min(n, i + size))


def _coding_rows(
    p: Params,
    docs: list[GeneratedDoc],
    doc_ids: list[int],
    leaf_ids: list[int],
    coder_ids: list[int],
) -> list[dict]:
    """The codings: mostly whole paragraphs or sentences, some partial spans, some double-coded by a second coder."""
    rng = random.Random(f"qualcode-bench-codings:{p.seed}")
    # Skewed code frequencies (a few frequent categories, a long tail).
    order = leaf_ids[:]
    rng.shuffle(order)
    code_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(order))]
    weights = list(CODER_WEIGHTS[: len(coder_ids)]) + [0.1] * max(
        0, len(coder_ids) - len(CODER_WEIGHTS)
    )
    heavy = min(1000, p.codings // 50)  # document 1 carries the "1,000 codings" of the TUI target
    seen: set[tuple[int, int, int, int, int]] = set()
    rows: list[dict] = []

    def add(di: int, start: int, end: int, code: int, coder: int) -> bool:
        key = (di, start, end, code, coder)
        if key in seen:
            return False
        seen.add(key)
        guid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        rows.append(
            {
                "document_id": doc_ids[di],
                "start": start,
                "end": end,
                "code_id": code,
                "coder_id": coder,
                "guid": guid,
            }
        )
        return True

    attempts = 0
    while len(rows) < p.codings and attempts < p.codings * 20:
        attempts += 1
        di = 0 if len(rows) < heavy else rng.randrange(len(docs))
        d = docs[di]
        pi = rng.randrange(len(d.paragraphs))
        sents = d.sentences[pi]
        r = rng.random()
        if r < 0.45:
            start, end = d.paragraphs[pi]
        elif r < 0.85:
            start, end = rng.choice(sents)
        else:  # a partial span inside a sentence (a few words)
            s, e = rng.choice(sents)
            a = rng.randrange(s, max(s + 1, e - 10))
            start, end = a, min(e, a + rng.randint(10, 80))
        code = rng.choices(order, weights=code_weights)[0]
        coder = rng.choices(coder_ids, weights=weights)[0]
        if not add(di, start, end, code, coder):
            continue
        if (
            len(coder_ids) > 1 and rng.random() < 0.3 and len(rows) < p.codings
        ):  # a second coder on the same span
            other = rng.choice([c for c in coder_ids if c != coder])
            same = rng.random() < 0.7
            add(
                di, start, end, code if same else rng.choices(order, weights=code_weights)[0], other
            )
    return rows


def generate(
    path: str | Path,
    *,
    docs: int = REFERENCE.docs,
    paragraphs: int = REFERENCE.paragraphs,
    codings: int = REFERENCE.codings,
    codes: int = REFERENCE.codes,
    coders: int = REFERENCE.coders,
    seed: int = REFERENCE.seed,
    sentences: bool = True,
    verbose: bool = False,
) -> dict:
    """Build the workload into a new project database at ``path`` (replaced if it exists).

    Uses the core: ``codebook.add_code``, ``documents.add_text_document`` (with the
    NLP sentence passages that `qualcode import` makes), ``codings.get_coder`` and
    ``codings.bulk_insert_codings`` — each batch one audited transaction, like
    the commands a user would run. Returns a summary (counts, seconds, fingerprint).
    """
    from qualcode import nlp
    from qualcode.codebook import add_code
    from qualcode.codings import bulk_insert_codings, get_coder
    from qualcode.database import make_engine, transaction
    from qualcode.documents import add_text_document

    p = Params(
        docs=docs,
        paragraphs=paragraphs,
        codings=codings,
        codes=codes,
        coders=coders,
        seed=seed,
        sentences=sentences,
    )
    path = Path(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        if verbose:
            print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    engine = make_engine(str(path), create=True)
    try:
        names = [f"coder_{i + 1}" for i in range(coders)]
        names[: min(coders, len(CODERS))] = CODERS[: min(coders, len(CODERS))]
        with transaction(engine, "qualcode codes import (bench)", "bench") as session:
            leaf_ids: list[int] = []
            for cat, subs in code_tree(codes):
                add_code(session, cat, codable=False, description=f"Kategorie: {cat}")
                for sub in subs:
                    c = add_code(
                        session,
                        f"{cat}/{sub}",
                        definition=f"Textstellen, in denen {sub} benannt wird.",
                    )
                    leaf_ids.append(c.id)  # type: ignore[arg-type]
            coder_ids = [get_coder(session, n).id for n in names]
        say(f"{codes} codes, {coders} coders")
        nlp_obj = nlp.load_sentences() if sentences else None
        gen_docs = [make_document(seed, i, paragraphs) for i in range(docs)]
        doc_ids: list[int] = []
        for batch in _batches(docs, 250):
            with transaction(
                engine, f"qualcode import (bench {batch.start + 1}-{batch.stop})", "bench"
            ) as session:
                for i in batch:
                    d = gen_docs[i]
                    doc = add_text_document(session, d.name, d.text, d.attrs, nlp_obj=nlp_obj)
                    doc_ids.append(doc.id)  # type: ignore[arg-type]
            say(f"{batch.stop} documents")
        rows = _coding_rows(p, gen_docs, doc_ids, leaf_ids, coder_ids)
        for batch in _batches(len(rows), 10_000):
            with transaction(engine, "qualcode codings import (bench)", "bench") as session:
                bulk_insert_codings(session, rows[batch.start : batch.stop])
        say(f"{len(rows)} codings")
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    conn.close()
    summary = {
        "params": asdict(p),
        "key": p.key(),
        "path": str(path),
        "seconds": round(time.perf_counter() - t0, 1),
        **counts(path),
        "fingerprint": fingerprint(path),
    }
    say(f"done: {summary}")
    return summary


def counts(path: str | Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        out = {
            "documents": one("SELECT count(*) FROM document"),
            "passages": one("SELECT count(*) FROM passage WHERE unit = 'paragraph'"),
            "sentences": one("SELECT count(*) FROM passage WHERE unit = 'sentence'"),
            "codes": one("SELECT count(*) FROM code"),
            "coders": one("SELECT count(*) FROM coder"),
            "codings": one("SELECT count(*) FROM coding"),
            "max_codings_per_document": one(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM coding GROUP BY document_id)"
            )
            or 0,
        }
    conn.close()
    return out


def fingerprint(path: str | Path) -> str:
    """SHA-256 of the content (documents, attributes, passages, code paths, codings), without GUIDs and timestamps."""
    h = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        parents = dict(conn.execute("SELECT id, parent_id FROM code"))
        names = dict(conn.execute("SELECT id, name FROM code"))

        def code_path(cid: int) -> str:
            parts = []
            while cid is not None:
                parts.append(names[cid])
                cid = parents[cid]
            return "/".join(reversed(parts))

        for q in (
            "SELECT name, text FROM document ORDER BY name",
            "SELECT d.name, a.key, a.value, a.type FROM document_attribute a JOIN document d ON d.id = a.document_id ORDER BY d.name, a.key",
            'SELECT d.name, p.unit, p.start, p."end" FROM passage p JOIN document d ON d.id = p.document_id ORDER BY d.name, p.unit, p.start',
            "SELECT name FROM coder ORDER BY name",
        ):
            for row in conn.execute(q):
                h.update(repr(row).encode())
        for cid in sorted(names, key=code_path):
            h.update(code_path(cid).encode())
        rows = conn.execute(
            'SELECT d.name, c.start, c."end", c.code_id, u.name FROM coding c JOIN document d ON d.id = c.document_id JOIN coder u ON u.id = c.coder_id'
        )
        for row in sorted((n, s, e, code_path(k), u) for n, s, e, k, u in rows):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


def work_dir() -> Path:
    return Path(os.environ.get("QUALCODE_BENCH_WORK", "bench/work"))


def cached(params: Params = REFERENCE, *, verbose: bool = False) -> tuple[Path, dict]:
    """The workload for ``params`` from the cache under ``bench/work/``, generated when missing.

    Returns ``(database path, summary)``. Commands that change the project must
    work on a copy (:func:`fresh_copy`).
    """
    folder = work_dir() / params.key()
    db = folder / "project.sqlite"
    manifest = folder / "manifest.json"
    if db.exists() and manifest.exists():
        return db, json.loads(manifest.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    summary = generate(db, **asdict(params), verbose=verbose)
    manifest.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return db, summary


def cached_corpus(params: Params = REFERENCE) -> Path:
    """The workload's documents as .txt files under ``bench/work/`` (written once)."""
    folder = (
        work_dir()
        / f"corpus-v{GENERATOR_VERSION}-d{params.docs}-p{params.paragraphs}-r{params.seed}"
    )
    done = folder / ".complete"
    if not done.exists():
        write_corpus(folder, params.docs, params.paragraphs, params.seed)
        done.write_text("ok\n")
    return folder


def fresh_copy(db: str | Path, dest: str | Path) -> Path:
    """A byte copy of a (checkpointed) workload database for commands that change it."""
    import shutil

    dest = Path(dest)
    for suffix in ("", "-wal", "-shm"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    shutil.copyfile(db, dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m qualcode.bench.generate", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--out", help="Database to write (default: the cache under bench/work/).")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="reference")
    ap.add_argument("--docs", type=int)
    ap.add_argument("--paragraphs", type=int)
    ap.add_argument("--codings", type=int)
    ap.add_argument("--codes", type=int)
    ap.add_argument("--coders", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument(
        "--no-sentences", action="store_true", help="Skip the NLP sentence passages (faster)."
    )
    ap.add_argument(
        "--corpus",
        help="Also write the documents as .txt files with front matter into this folder.",
    )
    args = ap.parse_args(argv)
    base = asdict(PRESETS[args.preset])
    for k in ("docs", "paragraphs", "codings", "codes", "coders", "seed"):
        if getattr(args, k) is not None:
            base[k] = getattr(args, k)
    if args.no_sentences:
        base["sentences"] = False
    params = Params(**base)
    if args.out:
        summary = generate(args.out, **asdict(params), verbose=True)
    else:
        _, summary = cached(params, verbose=True)
    if args.corpus:
        write_corpus(args.corpus, params.docs, params.paragraphs, params.seed)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
