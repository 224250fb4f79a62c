"""Passage units: which codes touch which paragraph (sorted spans + bisect, no pairwise scans)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from qualcode.errors import InvalidInput
from qualcode.models import Passage
from qualcode.reports.common import raw_rows

UNIT_ALIASES = {"passage": "paragraph", "paragraph": "paragraph", "sentence": "sentence"}


def passage_unit(unit: str) -> str:
    u = UNIT_ALIASES.get(unit.strip().lower())
    if u is None:
        raise InvalidInput(f"unknown unit {unit!r}", "use passage (= paragraph) or sentence")
    return u


@dataclass
class DocPassages:
    starts: list[int]
    ends: list[int]

    def touched(self, start: int, end: int) -> range:
        """Indexes of the passages that ``[start, end)`` overlaps (passages do not overlap)."""
        first = bisect.bisect_right(self.ends, start)  # first passage ending after start
        last = bisect.bisect_left(self.starts, end)  # passages starting before end
        return range(first, max(first, last))


def load_passages(
    session: Session, unit: str = "paragraph", doc_ids: list[int] | None = None
) -> dict[int, DocPassages]:
    """``doc_id → DocPassages`` of one unit, sorted by start."""
    from qualcode.docsets import restrict

    doc_ids = restrict(session, doc_ids)  # the command's document set (--set)
    stmt = select(Passage.document_id, Passage.start, Passage.end).where(Passage.unit == unit)
    if doc_ids is not None:
        stmt = stmt.where(Passage.document_id.in_(doc_ids))  # type: ignore[attr-defined]
    out: dict[int, DocPassages] = {}
    for did, s, e in raw_rows(session, stmt.order_by(Passage.document_id, Passage.start)):
        p = out.get(did)
        if p is None:
            p = out[did] = DocPassages([], [])
        p.starts.append(s)
        p.ends.append(e)
    if unit == "sentence":  # documents imported without sentences are split now
        from qualcode.documents import unsplit_sentences

        for did, spans in unsplit_sentences(session, doc_ids).items():
            out[did] = DocPassages([s for s, _ in spans], [e for _, e in spans])
    return out


def structural_units(
    session: Session, unit_kind: str, passages: dict[int, DocPassages]
) -> set[tuple[int, int]]:
    """``(doc, index)`` of the headings and metadata blocks among the passages; a sentence
    is one when the paragraph it begins in is (:func:`qualcode.structure.content_flags`)."""
    from qualcode.models import Document
    from qualcode.structure import content_flags

    ids = sorted(passages)
    stmt = select(Document.id, Document.text).where(Document.id.in_(ids))  # type: ignore[attr-defined]
    texts = {i: t for i, t in raw_rows(session, stmt)}
    paragraphs = passages if unit_kind == "paragraph" else load_passages(session, "paragraph", ids)
    out: set[tuple[int, int]] = set()
    for did, p in passages.items():
        para = paragraphs.get(did)
        text = texts.get(did) or ""
        if para is None:
            continue
        flags = content_flags(text, list(zip(para.starts, para.ends, strict=True)))
        if para is p:
            out.update((did, i) for i, content in enumerate(flags) if not content)
            continue
        for i, s in enumerate(p.starts):
            k = bisect.bisect_right(para.starts, s) - 1
            if 0 <= k < len(flags) and s < para.ends[k] and not flags[k]:
                out.add((did, i))
    return out


def unit_statement(data: dict, lang: str = "en") -> str:
    """What the units are and what was left out: "48 paragraphs (of 67 in 2 documents; left
    out: 19 headings/metadata, 0 marked not relevant)" (German with ``lang="de"``)."""
    de = lang == "de"
    n, unit = data["units"], data["unit"]
    if data.get("check_sample"):
        pending = data.get("pending") or 0
        if de:
            return (
                f"{n} nachkodierte Absätze der Stichprobe {data['check_sample']}"
                + (f" ({pending} noch offen)" if pending else "")
                + "; Überschriften, Metadaten und als nicht relevant markierte Absätze werden "
                "nicht gezogen"
            )
        return (
            f"{n} re-coded passages of check sample {data['check_sample']}"
            + (f" ({pending} pending)" if pending else "")
            + "; headings, metadata and passages marked not relevant are never drawn"
        )
    docs = len(data["document_names"])
    if unit == "document":
        return f"{n} Dokumente" if de else f"{n} document{'s' if n != 1 else ''}"
    ex = data.get("excluded") or {"structural": 0, "not_relevant": 0}
    names_de = {"paragraph": ("Absatz", "Absätze"), "sentence": ("Satz", "Sätze")}
    if de:
        one, many = names_de.get(unit, (unit, unit))
        in_docs = f"{docs} Dokument{'en' if docs != 1 else ''}"
        if data.get("include_structural"):
            return (
                f"{n} {one if n == 1 else many} aus {in_docs} (Überschriften, Metadaten und "
                "als nicht relevant markierte Absätze eingeschlossen)"
            )
        return (
            f"{n} {one if n == 1 else many} (von {data.get('all_units', n)} in {in_docs}; "
            f"nicht gezählt: {ex['structural']} Überschriften/Metadaten, "
            f"{ex['not_relevant']} als nicht relevant markiert)"
        )
    units = f"{n} {unit}{'s' if n != 1 else ''}"
    in_docs = f"{docs} document{'s' if docs != 1 else ''}"
    if data.get("include_structural"):
        return (
            f"{units} of {in_docs} (headings, metadata and passages marked not relevant included)"
        )
    return (
        f"{units} (of {data.get('all_units', n)} in {in_docs}; left out: "
        f"{ex['structural']} headings/metadata, {ex['not_relevant']} marked not relevant)"
    )


def rule_statement(data: dict, lang: str = "en") -> str:
    """How the units were formed and when a coder codes one, in the report language (the
    English text is ``data["rule"]`` without its leading "units: ")."""
    if lang != "de":
        rule = data["rule"]
        return rule[len("units: ") :] if rule.startswith("units: ") else rule
    from qualcode.reports.numbers import pct

    who = ", ".join(data["coders"])
    overlap = data.get("overlap", 0.5)
    if data.get("sample"):
        ref, chk = (data["coders"] + ["", ""])[:2]
        how = (
            "jede Überschneidung"
            if overlap == 0
            else f"Kodierungen, die mindestens {pct(overlap, 0, 'de')} des Absatzes abdecken"
        )
        return (
            f"die {data['units']} nachkodierten Absätze der Stichprobe "
            f"{data['sample']}; {ref} kodiert einen Absatz mit X durch {how}, {chk} durch die "
            "blind vergebenen Kategorien"
        )
    if data["unit"] == "document":
        return (
            f"die Dokumente, die alle von {who} kodiert haben; eine Person kodiert "
            "ein Dokument mit X, wenn es eine Kodierung mit X enthält (Abweichungen nennen nur "
            "die Kategorien, in denen sie sich unterscheiden)"
        )
    how = (
        "wenn eine Kodierung mit X sie berührt"
        if overlap == 0
        else f"wenn ihre Kodierungen mit X mindestens {pct(overlap, 0, 'de')} davon abdecken"
    )
    unit = "Sätze" if data["unit"] == "sentence" else "Absätze"
    if data.get("include_structural"):
        which = f"alle {unit}"
        left = ""
    else:
        which = f"die inhaltlichen {unit}"
        left = (
            " (ohne Überschriften, Metadatenblöcke und Absätze, die eine der verglichenen "
            "Personen als nicht relevant markiert hat)"
        )
    return (
        f"{which} der Dokumente, die alle von {who} kodiert haben{left}; eine "
        f"Person kodiert eine Einheit mit X, {how}"
    )


_NOTES_DE = (
    (
        r"kappa undefined: .*",
        "Kappa nicht definiert: erwartete Übereinstimmung pe = 1 (beide Personen gaben jeder "
        "Einheit denselben Wert)",
    ),
    (
        r"alpha undefined: .*",
        "Alpha nicht definiert: in allen Einheiten kommt nur ein Wert vor (keine Variation)",
    ),
    (
        r"Cohen's kappa compares two coders.*",
        "Cohens Kappa vergleicht zwei Personen: siehe die paarweisen Werte",
    ),
    (
        r"(\d+) of the left-out headings/metadata carry codings.*",
        r"\1 der nicht gezählten Überschriften/Metadaten tragen Kodierungen der verglichenen "
        "Personen (--include-structural zählt sie)",
    ),
    (
        r"(\d+) of the left-out passages marked not relevant carry codings.*",
        r"\1 der nicht gezählten, als nicht relevant markierten Absätze tragen Kodierungen der "
        "verglichenen Personen (--include-structural zählt sie)",
    ),
)


def note_text(note: str, lang: str = "en") -> str:
    """A note of the agreement figures (English in the data) in the report language."""
    if lang != "de":
        return note
    import re

    for pattern, german in _NOTES_DE:
        if re.fullmatch(pattern, note):
            return re.sub(pattern, german, note)
    return note
