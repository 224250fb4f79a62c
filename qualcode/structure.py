"""What there is to read in a protocol: headings and metadata lines, and passages marked
"not relevant".

Mayring's selection criterion leaves parts of a protocol outside the analysis (greetings,
the agenda, organisational remarks). A researcher marks such a passage **not relevant**:
a coding with the reserved code :data:`NOT_RELEVANT` (a top-level code of its own, grey),
so the mark is audited, undone with `undo`, counted as read in the progress, shown dimmed
in the workbench and exported to REFI-QDA as a code other tools show. Reports of
categories leave it out.

**Structural passages** are recognised from the text alone (nothing is stored, so a
better rule applies to every project at once, with no migration):

* headings: Markdown ``# …``; a whole bold line ``**…**``; agenda items ``TOP 2: …``,
  ``TOP 3 – …``, ``Tagesordnungspunkt 4``; numbered headings ``2.``, ``2.1 Ziele``,
  ``a) …``; a short line (at most 12 words, a label ending in ``:`` — a speaker — at most
  10) without a final full stop and without a finite verb ("Vereinbarte
  Handlungsschritte:");
* the title: the document's first passage, up to three short lines without a full stop;
* metadata blocks: lines that are mostly ``Key: value`` with a short key — a known one
  (:data:`META_KEYS`: Ort, Datum, Zeit, Moderation, Protokoll, Teilnehmende, …) or a
  short value — and the agenda ("Tagesordnung:" and its items).

A sentence with a colon ("Ziel: Die Schulen wollen …", "Raum A: Die Lehrkräfte sind …")
is content: its value is a sentence (a finite verb, a full stop, many words). A line that
runs on into the next passage (a PDF's line break: the next one starts in lower case) is
no heading.

Structural passages are no work: the progress of a document counts only its content
passages (and any passage that is coded), and "next uncoded passage" (`n`), `qualcode
next` and `propose` skip them — so 100 % is reachable. :func:`content_flags` is the one
function to ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

NOT_RELEVANT = "Nicht relevant"
NOT_RELEVANT_COLOR = "#9E9E9E"
NOT_RELEVANT_DESCRIPTION = (
    "Passagen außerhalb des Auswahlkriteriums (Mayring): gelesen und bewusst nicht kodiert. "
    "Zählen im Fortschritt als bearbeitet, in den Häufigkeiten nicht als Kategorie."
)

# The kinds of passage :func:`passage_kind` tells apart; all but CONTENT are structural.
CONTENT, HEADING, TITLE, METADATA, AGENDA_BLOCK, EMPTY = (
    "content",
    "heading",
    "title",
    "metadata",
    "agenda",
    "empty",
)

# Keys of the metadata lines of a protocol or report (compared case-insensitively).
META_KEYS = frozenset(
    """
    ort datum zeit uhrzeit beginn ende dauer termin sitzungstermin tagungsort
    veranstaltungsort raum ort/zeit datum/zeit datum/uhrzeit ort/datum
    moderation moderator moderatorin sitzungsleitung leitung vorsitz gesprächsleitung
    protokoll protokollführung protokollant protokollantin protokollführer
    protokollführerin protokollierung schriftführung
    teilnehmende teilnehmer teilnehmerinnen teilnehmer*innen teilnehmer/innen anwesend
    anwesende abwesend entschuldigt gäste gast verteiler einladung eingeladen
    online-plattform plattform format videokonferenz einwahl
    gremium sitzung veranstaltung anlass
    version stand autor autorin autoren autor*innen verfasser verfasserin herausgeber
    herausgeberin kontakt redaktion e-mail email telefon tel fax anschrift adresse
    date time location venue place chair chairs minutes attendees participants present
    absent apologies distribution
    """.split()
)

# Finite verbs (auxiliaries, modals and the verbs of minutes): a line with one is a
# sentence, not a heading or a metadata value.
_VERBS = frozenset(
    """
    ist sind war waren wird werden wurde wurden worden sei seien wäre wären würde würden
    hat haben hatte hatten habe kann können konnte konnten soll sollen sollte sollten
    muss müssen musste mussten will wollen wollte wollten darf dürfen durfte möchte
    möchten gibt gab gäbe geben gilt gelten bleibt bleiben fehlt fehlen fehlte fehlten
    geht gehen ging besteht bestehen liegt liegen steht stehen kommt kommen kam zeigt
    zeigen zeigte berichtet berichten berichtete betont betonen erläutert erklärt
    begrüßt schließt dankt bedankt bittet bitten stellt stellen weist wünscht wünschen
    fragt schlägt vereinbart vereinbaren beschließt beschließen findet finden fand ergibt
    ergeben ergab sieht sehen macht machen nennt nennen arbeitet arbeiten lädt erstellt
    verschickt übernimmt informiert meldet melden schildert beschreibt verweist
    is are was were will would has have had can could should must does did
    """.split()
)
_CLAUSE = frozenset("dass weil obwohl sodass wobei worauf denen deren dessen".split())
_FUNCTION_WORDS = frozenset(
    """
    und oder sowie der die das den dem des ein eine einer eines einem einen zu zur zum
    von vom mit für in im auf an am bei über unter nach aus als wie dass sich ob um bis
    durch gegen ohne zwischen sein seine seiner ihr ihre ihrer dieser diese dieses nicht
    auch aber also wenn weil denn so
    and or the of to in on for with a an
    """.split()
)

_MD_HEADING = re.compile(r"^#{1,6}\s+\S")
_AGENDA_ITEM = re.compile(
    r"^(?:TOP|Tagesordnungspunkt|TO-Punkt)\s*\d{1,2}(?:\.\d{1,2})*[a-z]?\b\s*[:.)–—-]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.|[A-Za-z]\))\s+(?P<rest>\S.*)$")
_ENUMERATOR = re.compile(r"^(?:[a-z]{1,2}|[ivx]{1,4})[).]\s")
_KEY_VALUE = re.compile(r"^(?P<key>[^\W\d_][\w./()&'’*\- ]{0,39}?)\s*:(?:\s+(?P<value>.*))?$")
_BULLET = re.compile(r"^(?:[-*•–+]|\d{1,2}[)])\s")
_SENTENCE_END = (".", "!", "?", "…")
_CLOSERS = "\"'“”„»«’‘)]*_ "
_CONTINUES = (",", ";", "-", "–", "/", "(")
_WORD = re.compile(r"[\w’'-]+")
_HTML_EMPHASIS = re.compile(r"</?(?:b|strong|i|em)>")
_ANY_WORD = re.compile(r"[^\W_]")
_LAST_WORD = re.compile(r"([\w’'-]+)$")
AGENDA = ("tagesordnung", "agenda", "tagesordnungspunkte", "inhalt", "inhaltsverzeichnis")


def passage_kind(text: str, *, first: bool = False, runs_on: bool = False) -> str:
    """What a passage is: :data:`CONTENT`, or a structural kind (:data:`HEADING`,
    :data:`TITLE`, :data:`METADATA`, :data:`AGENDA_BLOCK`, :data:`EMPTY`).

    ``first``: the passage is the document's first (a title may be longer than a heading);
    ``runs_on``: the sentence runs on across this passage's border (a PDF's line break:
    the next passage starts in lower case, or the previous one broke off after "und" or a
    hyphen) — then a short line is no heading."""
    raw = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not _ANY_WORD.search(text):
        return EMPTY  # blank, "---", "* * *"
    if any(len(line) > 400 for line in raw):
        return CONTENT  # no rule takes a line this long (the quick answer for prose)
    pairs = [(p, r) for p, r in ((_plain(r), r) for r in raw) if p]
    lines, raw = [p for p, _ in pairs], [r for _, r in pairs]
    if lines[0].rstrip(":").strip().casefold() in AGENDA:  # "Tagesordnung:" and its items
        return AGENDA_BLOCK if len(lines) > 1 else HEADING
    if _MD_HEADING.match(raw[0]) and len(lines) == 1:
        return HEADING
    if not runs_on and len(lines) <= 2:
        if all(_heading_line(p, r) for p, r in zip(lines, raw, strict=True)):
            return HEADING
    if _metadata_block(lines, raw):
        return METADATA
    if first and not runs_on and len(lines) <= 3 and all(_title_line(p) for p in lines):
        return TITLE
    return CONTENT


def is_structural(text: str, *, first: bool = False) -> bool:
    """Whether a passage is a heading, title, metadata block or the agenda (not content);
    one passage on its own — :func:`structural_flags` sees it in its document."""
    return passage_kind(text, first=first) != CONTENT


def structural_flags(text: str, units: Sequence[tuple[int, int]]) -> list[bool]:
    """For each passage ``[start, end)`` of a document's ``text``, whether it is
    structural, seen in its document: the first passage may be the title; a line whose
    sentence runs on across its border is no heading."""
    chunks = [text[s:e].strip() for s, e in units]
    out = []
    first = True
    for k, chunk in enumerate(chunks):
        prev = chunks[k - 1] if k else ""
        nxt = chunks[k + 1] if k + 1 < len(chunks) else ""
        runs_on = 0 < len(chunk) <= 400 and (  # only short passages can be headings
            (_lower_start(nxt) and not _ends_sentence(chunk) and not chunk.endswith(":"))
            or (bool(prev) and _broken_off(prev))
        )
        kind = passage_kind(chunk, first=first, runs_on=runs_on)
        out.append(kind != CONTENT)
        if kind != EMPTY:
            first = False
    return out


def content_flags(text: str, units: Sequence[tuple[int, int]]) -> list[bool]:
    """For each passage, whether it is content (not a heading, title, metadata block or
    the agenda): the passages that are work — to read, to code, to compare."""
    return [not s for s in structural_flags(text, units)]


# --- the rules, line by line --------------------------------------------------------------


def _plain(line: str) -> str:
    """A line without Markdown emphasis (``**Ort:** Aula`` → ``Ort: Aula``) and hard breaks."""
    line = line.strip()
    if "<" in line:
        line = _HTML_EMPHASIS.sub("", line)
    return line.replace("**", "").replace("__", "").strip(" *_\t")


def _words(s: str) -> list[str]:
    return _WORD.findall(s)


def _has_verb(s: str) -> bool:
    """A finite verb or a subordinate clause ("…, dass …"): a sentence, not a label."""
    return any(w.casefold() in _VERBS or w.casefold() in _CLAUSE for w in _words(s))


def _ends_sentence(s: str) -> bool:
    return s.rstrip(_CLOSERS).endswith(_SENTENCE_END) and not _abbrev_end(s)


def _abbrev_end(s: str) -> bool:
    """``… 2.1`` or ``Verwaltung u. a.`` end with a dot that ends no sentence; a numbered
    heading ``2.`` neither."""
    t = s.rstrip(_CLOSERS)
    return bool(re.search(r"(?:^|\s)(?:\d{1,2}(?:\.\d{1,2})*|[A-Z]|[IVX]{1,4})\.$", t))


def _heading_line(line: str, raw: str) -> bool:
    if _MD_HEADING.match(raw):
        return len(line) <= 200
    m = _AGENDA_ITEM.match(line)
    if m:  # TOP 2: Kurzvortrag „…“ — unless the item runs on into a sentence
        rest = m.group("rest")
        return len(_words(rest)) <= 15 and not (_ends_sentence(rest) and _has_verb(rest))
    bold = raw.startswith(("**", "__")) and raw.rstrip().endswith(("**", "__"))
    if _BULLET.match(raw) and not _NUMBERED.match(line):
        return False  # a list item is content
    m = _NUMBERED.match(line)
    if m:
        rest = m.group("rest")
        return (
            len(_words(rest)) <= 12
            and len(line) <= 120
            and not _ends_sentence(rest)
            and not _has_verb(rest)
            and not _runs_on(rest)
        )
    if len(line) > 100 or _ends_sentence(line) or _has_verb(line):
        return False
    words = _words(line)
    if not words or not (line[0].isupper() or line[0].isdigit() or line[0] in '„"»«('):
        return False
    kv = _KEY_VALUE.match(line)
    if kv and kv.group("value") and not bold:
        return False  # "Ziel: Vernetzung" is a statement, not a heading
    if _runs_on(line):
        return False  # a line broken off mid-sentence
    limit = 10 if line.endswith(":") else 12
    return len(words) <= (15 if bold else limit)


def _lower_start(text: str) -> bool:
    """Whether a passage starts in lower case with a word, not an item ``a) …``."""
    return bool(text) and text[0].islower() and not _ENUMERATOR.match(text)


def _broken_off(text: str) -> bool:
    """Whether a passage (a line of prose, not a heading) stops mid-sentence."""
    last = text.rstrip().rsplit("\n", 1)[-1].strip()
    if not last or _MD_HEADING.match(last) or last.endswith(("**", "__")):
        return False
    return len(last) <= 120 and _runs_on(last) and len(_words(last)) > 3  # a line of a PDF


def _runs_on(line: str) -> bool:
    """Whether a line stops mid-sentence: after a hyphen, a comma or "und"."""
    if line.endswith(_CONTINUES):
        return True
    m = _LAST_WORD.search(line[-40:])
    return m is not None and m.group(1) in _FUNCTION_WORDS


def _title_line(line: str) -> bool:
    return (
        len(line) <= 160
        and 0 < len(_words(line)) <= 16
        and not _BULLET.match(line)
        and not _ends_sentence(line)
        and not _has_verb(line)
        and not line.endswith(_CONTINUES)
    )


def _meta_line(line: str, raw: str) -> str | None:
    """``"known"`` (a known key), ``"key"`` (a short key with a short value) or None."""
    if _BULLET.match(raw):
        return None
    m = _KEY_VALUE.match(line)
    if m is None or not m.group("value"):
        return None
    key, value = m.group("key").strip(), m.group("value").strip()
    if len(key.split()) > 3:
        return None
    if key.casefold() in META_KEYS:
        if len(line) > 400 or (_has_verb(value) and _ends_sentence(value)):
            return None
        return "known"
    if len(key) < 3 or _AGENDA_ITEM.match(line):
        return None  # "I: …", "B: …" are speakers of an interview
    if len(line) > 80 or len(_words(value)) > 6 or _ends_sentence(value) or _has_verb(value):
        return None
    return "key"


def _fragment(line: str, raw: str) -> bool:
    """A short line of a metadata block without a key ("Videokonferenz (Webex) | 15–17 Uhr",
    an address line)."""
    return (
        len(line) <= 80
        and not _BULLET.match(raw)
        and len(_words(line)) <= 8
        and not _ends_sentence(line)
        and not _has_verb(line)
    )


def _metadata_block(lines: list[str], raw: list[str]) -> bool:
    kinds = [_meta_line(p, r) for p, r in zip(lines, raw, strict=False)]
    known = kinds.count("known")
    pairs = known + kinds.count("key")
    if len(lines) == 1:
        return known == 1
    if not pairs or not all(
        k or _fragment(p, r) for k, p, r in zip(kinds, lines, raw, strict=False)
    ):
        return False
    if pairs >= 2 and 2 * pairs >= len(lines):
        return True
    return kinds[0] == "known" and len(lines) <= 5  # "Herausgeber: …" and an address


def progress(text: str, units: Sequence[tuple[int, int]], coded: Sequence[bool]) -> tuple[int, int]:
    """``(passages to read, passages done)``: content passages plus coded ones; done =
    coded (a not-relevant mark is a coding)."""
    todo = [c or k for c, k in zip(content_flags(text, units), coded, strict=True)]
    return sum(todo), sum(1 for t, k in zip(todo, coded, strict=True) if t and k)
