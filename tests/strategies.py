"""Hypothesis strategies that make small qualcode projects (issue 22's differential tests).

A :class:`Spec` is plain data: documents made of paragraphs whose kind the generator knows
(content, heading, metadata block — the ground truth the oracle needs for "structural"),
a code tree with nesting and a grouping category, codings by several coders (whole
paragraphs, nested spans, spans across two paragraphs, identical spans by several coders,
some by the automatic coder ``auto``), "not relevant" marks, attributes for ``--by``,
memos, research questions and a check sample. :func:`build` writes it into a new project
through qualcode's service functions (one transaction), as the CLI would.

Codings and marks touch only content paragraphs, and a paragraph marked not relevant is
marked by every coder and coded by nobody: so "excluded from agreement" and "counts as
read" do not depend on details the issue leaves open (any coder vs all coders).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

CODERS = ("anna", "ben", "cem")
# (path, codable) in creation order; "A" only groups, "A/A2/A21" is nested two deep.
CODE_TREE = (
    ("A", False),
    ("A/A1", True),
    ("A/A2", True),
    ("A/A2/A21", True),
    ("B", True),
    ("B/B1", True),
    ("C", True),
)
CODABLE = tuple(p for p, c in CODE_TREE if c)

CONTENT = (
    "Die Schulen berichten über fehlende Zeit für Absprachen mit der Jugendhilfe.",
    "Mehrere Schulleitungen schildern, dass Förderstunden wegen Personalmangel ausfallen.",
    "Die Runde beschließt, künftig zweimal im Jahr eine gemeinsame Fallberatung anzubieten.",
    "Frau Riedel eröffnet die Sitzung und stellt die Ziele des Verbundes vor.",
    "Es fehlen Räume für die Arbeit in kleinen Gruppen, besonders an den Oberschulen.",
    "Der Übergang von der Kita in die Grundschule soll besser vorbereitet werden.",
    "Die Teilnehmenden wünschen sich mehr Transparenz über Zuständigkeiten und Ansprechpartner.",
    "Während der Pandemie ist der Austausch zwischen den Einrichtungen fast ganz abgebrochen.",
)
# Headings and metadata blocks that qualcode recognises today (and that the issue means).
HEADINGS = (
    "# Einleitung",
    "## TOP 3 Perspektivendiskussion",
    "TOP 4: Festlegungen",
    "3. Perspektivendiskussion",
)
METADATA = (
    "Ort: Aula der Grundschule\nBeginn: 13:30 Uhr",
    "Tagesordnung:\n1. Begrüßung\n2. Bericht",
    "**Ort:** Mehrzweckraum\n**Zeit:** 10 Uhr",
)
# Issue 22 (f): headings that qualcode does not recognise yet.
F_HEADINGS = ("TOP 2: Kurzvortrag „Kooperationsverbünde in Sachsen“",)
FORMATS = ("Web", "Präsenz", "Hybrid")
REGIONS = ("Nord", "Süd")


@dataclass
class Para:
    text: str
    structural: bool


@dataclass
class Doc:
    name: str
    paras: list[Para]
    attrs: dict[str, str]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paras)

    def spans(self) -> list[tuple[int, int]]:
        """``[start, end)`` of each paragraph in the stored (NFC) text."""
        out, pos = [], 0
        for p in self.paras:
            n = len(unicodedata.normalize("NFC", p.text))
            out.append((pos, pos + n))
            pos += n + 2
        return out


@dataclass
class CodingSpec:
    doc: int
    start: int
    end: int
    code: str
    coder: str
    memo: str = ""


@dataclass
class Spec:
    coders: list[str]
    docs: list[Doc]
    codings: list[CodingSpec]
    marks: list[tuple[int, int]]  # (doc index, paragraph index), marked by every coder
    rqs: list[tuple[str, list[str]]] = field(default_factory=list)
    sample: tuple[str, int, int] | None = None  # (coder, seed, passages re-coded)
    code_tree: tuple[tuple[str, bool], ...] = CODE_TREE

    def structural(self) -> set[tuple[str, int, int]]:
        """The generator's ground truth: ``(document, start, end)`` of headings/metadata."""
        out = set()
        for d in self.docs:
            for p, (s, e) in zip(d.paras, d.spans(), strict=True):
                if p.structural:
                    out.add((unicodedata.normalize("NFC", d.name), s, e))
        return out


@st.composite
def paragraph(draw, f_headings: bool = False) -> Para:
    kinds = ["content"] * 4 + ["heading", "metadata"] + (["f"] * 2 if f_headings else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "content":
        n = draw(st.integers(1, 2))
        return Para(" ".join(draw(st.sampled_from(CONTENT)) for _ in range(n)), False)
    pool = {"heading": HEADINGS, "metadata": METADATA, "f": F_HEADINGS}[kind]
    return Para(draw(st.sampled_from(pool)), True)


@st.composite
def projects(draw, *, f_headings: bool = False, max_docs: int = 4) -> Spec:
    """A small project; ``f_headings`` adds headings of issue 22 (f)."""
    n_coders = draw(st.integers(2, 3))
    coders = list(CODERS[:n_coders])
    docs: list[Doc] = []
    for i in range(draw(st.integers(1, max_docs))):
        paras = draw(st.lists(paragraph(f_headings), min_size=0, max_size=6))
        attrs = {}
        fmt = draw(st.sampled_from((*FORMATS, None)))
        if fmt:
            attrs["Format"] = fmt
        region = draw(st.sampled_from((*REGIONS, None)))
        if region:
            attrs["Region"] = region
        docs.append(Doc(f"doc{i}.md", paras, attrs))
    content = [
        (di, pi) for di, d in enumerate(docs) for pi, p in enumerate(d.paras) if not p.structural
    ]
    marks = sorted(set(draw(st.lists(st.sampled_from(content), max_size=2)))) if content else []
    codable = [c for c in content if c not in set(marks)]
    codings: list[CodingSpec] = []
    if codable:
        for _ in range(draw(st.integers(0, 14))):
            di, pi = draw(st.sampled_from(codable))
            s, e = docs[di].spans()[pi]
            shape = draw(st.sampled_from(["whole", "whole", "inner", "head", "across"]))
            if shape == "inner":  # nested inside the paragraph
                a = draw(st.integers(s, e - 2))
                b = draw(st.integers(a + 1, e))
                s, e = a, b
            elif shape == "head":  # a short span at the start
                e = s + draw(st.integers(1, max(1, (e - s) // 3)))
            elif shape == "across" and (di, pi + 1) in codable:
                s2, e2 = docs[di].spans()[pi + 1]
                e = draw(st.integers(s2 + 1, e2))
            code = draw(st.sampled_from(CODABLE))
            who = draw(st.sampled_from([*coders, *coders, "auto"]))
            memo = draw(st.sampled_from(["", "", "Memo: wichtig"]))
            codings.append(CodingSpec(di, s, e, code, who, memo))
            if draw(st.booleans()):  # the same segment by another coder (a check coding)
                other = draw(st.sampled_from(coders))
                codings.append(CodingSpec(di, s, e, code, other))
    rqs = []
    if draw(st.booleans()):
        rqs.append(("F1", ["A"]))
        if draw(st.booleans()):
            rqs.append(("F2", ["B", "C"]))
    sample = None
    if draw(st.booleans()):
        sample = (coders[0], draw(st.integers(0, 99)), draw(st.integers(0, 3)))
    return Spec(coders, docs, codings, marks, rqs, sample)


def build(spec: Spec, db: str | Path) -> str:
    """Write ``spec`` into a new SQLite project ``db`` through the service functions."""
    from sqlalchemy import select

    from qualcode.codebook import add_code
    from qualcode.codings import add_coding, get_coder, mark_not_relevant
    from qualcode.database import make_engine, transaction
    from qualcode.documents import add_text_document
    from qualcode.errors import QualcodeError
    from qualcode.mayring.questions import add_question
    from qualcode.mayring.samples import draw_sample, set_check_codes
    from qualcode.mayring.tables import CheckPassage, CheckSample

    db = str(db)
    engine = make_engine(db, create=True)
    try:
        with transaction(engine, "generated project", "tester") as s:
            for c in spec.coders:
                get_coder(s, c)
            for path, codable in spec.code_tree:
                add_code(s, path, codable=codable, exist_ok=True)
            for d in spec.docs:
                add_text_document(s, d.name, d.text, attrs=dict(d.attrs) or None)
            for di, pi in spec.marks:
                a, b = spec.docs[di].spans()[pi]
                for c in spec.coders:
                    mark_not_relevant(s, spec.docs[di].name, a, b, c)
            for c in spec.codings:
                add_coding(s, spec.docs[c.doc].name, c.start, c.end, c.code, c.coder, c.memo)
            for name, cats in spec.rqs:
                add_question(s, name, categories=cats, question=f"Frage {name}")
            if spec.sample is not None:
                coder, seed, n_done = spec.sample
                try:
                    draw_sample(s, coder, share=0.5, seed=seed)
                except QualcodeError:
                    pass  # nothing to draw (the coder coded no content)
                else:
                    sid = s.execute(select(CheckSample.id)).scalars().first()
                    ids = list(
                        s.execute(
                            select(CheckPassage.id)
                            .where(CheckPassage.sample_id == sid)
                            .order_by(CheckPassage.ordinal)
                        ).scalars()
                    )
                    for k, pid in enumerate(ids[:n_done]):
                        set_check_codes(s, pid, [CODABLE[k % len(CODABLE)]] if k % 2 else [])
    finally:
        engine.dispose()
    return db
