"""Names of codes, documents, sets and attributes: what they may contain and how they match.

- :func:`check_name` refuses a name that is empty or holds a character a terminal, a
  table or an exchange file would act on instead of showing: C0/C1 control characters
  (newline, tab, ESC of an ANSI escape …), line/paragraph separators, the bidirectional
  overrides, embeddings, isolates and marks (U+202A–202E, U+2066–2069, U+200E, U+200F,
  U+061C) and lone surrogates (bytes that were not UTF-8). One message for every kind
  of name and every way in (CLI, workbench, imports).
- :func:`fold` is how names are *matched*: NFKD, combining marks dropped, case-folded
  (``zeitmangel``, ``Zeitmangel`` and ``Zeitmängel`` fold alike; ``ß`` folds to ``ss``).
- :func:`resolve_code_path` finds the code a user means by ``--code`` (one rule for the
  ORM, the sqlite3 fast paths and retrieval).
- :func:`pick_by_name_or_id` finds a checkpoint, sample or question by name or id, refusing
  a number that is one row's id and another's name.
- :func:`near_duplicates` finds the existing codes a new name would be confused with.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from qualcode.errors import Conflict, InvalidInput, NotFound, QualcodeError
from qualcode.textutil import is_id, join_path, split_path

_BIDI = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
RULE = "names may not contain control, escape or direction-override characters"


def bad_char(name: str) -> str | None:
    """The first character of ``name`` that a name may not contain, or None."""
    for ch in name:
        o = ord(ch)
        if (
            o < 0x20
            or 0x7F <= o <= 0x9F
            or ch in _BIDI
            or o in (0x2028, 0x2029)
            or 0xD800 <= o <= 0xDFFF
        ):
            return ch
    return None


def _what(ch: str) -> str:
    o = ord(ch)
    if o == 0x1B:
        return "an escape character"
    if ch in "\n\r\u2028\u2029\x0b\x0c\x85":
        return "a line break"
    if ch in _BIDI:
        return "a direction-override character"
    if 0xD800 <= o <= 0xDFFF:
        return "an invalid character (bytes that are not UTF-8)"
    return "a control character"


def check_name(kind: str, name: str) -> str:
    """``name`` without surrounding spaces, or :class:`InvalidInput` naming what is wrong.

    ``kind`` is what the name names: ``"code"``, ``"document"``, ``"set"``, ``"attribute"``.
    """
    ch = bad_char(name)
    if ch is not None:
        raise InvalidInput(
            f"{kind} name {name!r} contains {_what(ch)} (U+{ord(ch):04X})",
            f"remove it; {RULE}",
        )
    name = name.strip()
    if not name:
        raise InvalidInput(f"{kind} name is empty", f"give the {kind} a name")
    return name


def name_problem(kind: str, name: str) -> str | None:
    """:func:`check_name`'s message for ``name`` as one line, or None when it is fine
    (for importers that collect every problem of a file before refusing it)."""
    try:
        check_name(kind, name)
    except InvalidInput as exc:
        return str(exc)
    return None


def check_text(kind: str, value: str) -> None:
    """Refuse text that cannot be stored or looked up at all (lone surrogates)."""
    for ch in value:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise InvalidInput(
                f"{kind} {value!r} contains {_what(ch)} (U+{ord(ch):04X})", f"remove it; {RULE}"
            )


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """How names match: compatibility-decomposed, accents dropped, case-folded, trimmed."""
    if name.isascii():
        return name.casefold().strip()
    s = unicodedata.normalize("NFKD", name)
    if not s.isascii():
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.casefold()
    return unicodedata.normalize("NFC", s).strip()


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


# --- resolving a --code ------------------------------------------------------------------


def resolve_code_path(
    names_of: Mapping[int, Sequence[str]], term: str, hint: str | None = None
) -> int:
    """The id of the code ``term`` names; ``names_of``: id → its names from the top level
    down, in tree order.

    ``term`` is a code's name or any end of its path made of whole names, compared with
    case and accents ignored (:func:`fold`). Several matches are an error listing them —
    also when one of them is itself a top-level code of that name. A path with its parent
    (``A/B``) or written from the top (``/B``: the top-level ``B``) that is one code's
    full path is that code; among several such, the one spelled exactly wins.
    """
    raw = term.strip()
    anchored = raw.startswith("/")
    given = split_path(raw[1:] if anchored else raw)
    want = [fold(n) for n in given]
    n = len(want)
    leaf = want[-1]
    hits = [
        cid
        for cid, names in names_of.items()
        if len(names) >= n and fold(names[-1]) == leaf and [fold(x) for x in names[-n:]] == want
    ]
    if anchored or n > 1:
        full = [c for c in hits if len(names_of[c]) == n]
        if anchored or len(full) == 1:
            hits = full
        if len(hits) > 1:
            spelled = [
                c for c in hits if [_nfc(x) for x in names_of[c]] == [_nfc(g) for g in given]
            ]
            if len(spelled) == 1:
                hits = spelled
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NotFound(f"unknown code {term!r}", hint or did_you_mean(names_of, term))
    paths = [join_path(names_of[c]) for c in hits]
    listed = ", ".join(repr(p) for p in paths[:8])
    top = next((p for c, p in zip(hits, paths, strict=True) if len(names_of[c]) == 1), None)
    longest = max(paths, key=lambda p: (p.count("/"), 0))
    raise InvalidInput(
        f"code {term!r} is ambiguous: {len(hits)} codes end with it ({listed}"
        + (", …" if len(hits) > 8 else "")
        + ")",
        "give more of the path, e.g. "
        + repr(longest if top is not None else paths[0])
        + (f", or '/{top}' for the top-level code" if top is not None else ""),
    )


def pick_by_name_or_id(rows: Sequence, ref: str, kind: str, casefold: bool = False):
    """The row of ``rows`` (with ``.id`` and ``.name``) named ``ref`` or with id ``ref``;
    None when none is. A number that is one row's id and another row's name is refused."""
    key = ref.strip()
    same = (lambda n: n.casefold() == key.casefold()) if casefold else (lambda n: n == key)
    by_name = next((r for r in rows if same(r.name)), None)
    by_id = next((r for r in rows if r.id == int(key)), None) if is_id(key) else None
    if by_name is not None and by_id is not None and by_name.id != by_id.id:
        raise InvalidInput(
            f"{kind} {key!r} is ambiguous: the name of one (id {by_name.id}) and the id of "
            f"{by_id.name!r}",
            f"write the name {by_id.name!r} for that one, or rename the {kind} named {key!r}",
        )
    return by_name or by_id


def coder_id(coders: Mapping[str, int], name: str) -> int | None:
    """The id of the coder ``name`` means among ``coders`` (name → id): the one spelled
    exactly so, else the one whose name differs only by case or accents (:func:`fold`);
    None when none does. Two such coders and none spelled exactly so is an error. ``auto``
    (the automatic coder's name) never means a person's coder ``Auto``
    (:func:`qualcode.codings.find_coder` reads it through the ORM)."""
    from qualcode.config import AUTO_CODER

    name = name.strip()
    if name in coders or name == AUTO_CODER:
        return coders.get(name)
    key = fold(name)
    same = sorted(n for n in coders if fold(n) == key)
    if len(same) > 1:
        raise Conflict(
            f"coder {name!r} is ambiguous: the coders "
            + ", ".join(repr(n) for n in same)
            + " differ from it only by case or accents",
            "give one of them exactly as it is written",
        )
    return coders[same[0]] if same else None


def did_you_mean(names_of: Mapping[int, Sequence[str]], term: str) -> str:
    """Did you mean …: the closest full paths, compared by path and by leaf name."""
    from rapidfuzz import fuzz, utils

    leaf = utils.default_process(fold(term.rsplit("/", 1)[-1]))
    whole = utils.default_process(fold(term))
    scored = []
    for names in names_of.values():
        p = join_path(names)
        score = max(
            fuzz.ratio(whole, utils.default_process(fold(p))),
            fuzz.ratio(leaf, utils.default_process(fold(names[-1]))),
        )
        if score >= 70:
            scored.append((-score, p))
    best = [p for _, p in sorted(scored)[:3]]
    if best:
        return (
            "did you mean "
            + " or ".join(repr(p) for p in best)
            + "? (`qualcode codes list` shows all)"
        )
    return "`qualcode codes list` shows all codes; `qualcode codes add PATH` creates one"


def names_by_id(rows: Iterable[tuple[int, str, int | None]]) -> dict[int, list[str]]:
    """id → names from the top level down, from ``(id, name, parent_id)`` rows (a broken
    parent chain ends where it breaks)."""
    info = {i: (n, p) for i, n, p in rows}
    out: dict[int, list[str]] = {}
    for cid in info:
        names: list[str] = []
        seen: set[int] = set()
        cur: int | None = cid
        while cur is not None and cur in info and cur not in seen:
            seen.add(cur)
            names.append(info[cur][0])
            cur = info[cur][1]
        out[cid] = names[::-1]
    return out


# --- near duplicates ---------------------------------------------------------------------


def _typo(a: str, b: str) -> bool:
    """Folded names one slip apart: the same words but one, and that word (4+ letters, no
    digits) differs by one inserted, left-out or swapped letter — or, in words of 8+
    letters, one mistyped letter. ``Zeitmangle``/``Zeitmangel`` and ``Positiv``/``Positive``
    are slips; ``Frage 1``/``Frage 2``, ``Code A``/``Code B`` and ``Kosten``/``Posten`` are not."""
    if abs(len(a) - len(b)) > 1:
        return False
    from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    diff = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    if len(diff) != 1:
        return False
    x, y = diff[0]
    if min(len(x), len(y)) < 4 or any(ch.isdigit() for ch in x + y):
        return False
    if DamerauLevenshtein.distance(x, y) != 1:
        return False
    if len(x) == len(y) and Levenshtein.distance(x, y) == 1:  # one substituted letter
        return min(len(x), len(y)) >= 8
    return True


def near_duplicates(
    names_of: Mapping[int, Sequence[str]],
    name: str,
    *,
    skip: Iterable[int] = (),
    same_name: bool = True,
) -> list[int]:
    """Ids of the codes (anywhere in the tree) a new code called ``name`` could be mistaken
    for: the same name once case and accents are ignored, or one typing slip apart
    (:func:`_typo`). ``same_name=False``: a code spelled exactly alike under another
    parent does not count (a new code given with its parent path, e.g. ``Geld/knapp``
    beside ``Zeit/knapp``, is deliberate structure)."""
    key = fold(name)
    exact = _nfc(name)
    left_out = set(skip)
    out = []
    for cid, names in names_of.items():
        if cid in left_out or not names:
            continue
        other = fold(names[-1])
        if other == key:
            if same_name or _nfc(names[-1]) != exact:
                out.append(cid)
        elif _typo(key, other):
            out.append(cid)
    return out


def listed(exc: QualcodeError) -> str:
    """An error as one item of an importer's list: a near duplicate by its message (the
    list's hint says --force), anything else with its hint in brackets."""
    if isinstance(exc, NearDuplicate) or not exc.hint:
        return exc.message
    return f"{exc.message} ({exc.hint})"


class NearDuplicate(Conflict):
    """A new code name that an existing one could be mistaken for; ``--force`` creates it."""

    def __init__(self, name: str, paths: list[str], verb: str = "create") -> None:
        listed = ", ".join(repr(p) for p in paths[:5]) + (", …" if len(paths) > 5 else "")
        super().__init__(
            f"code {name!r} is nearly the same as the existing {listed}"
            " (case, accents or one typing slip apart)",
            f"use the existing code, or --force {verb}s it anyway",
        )
        self.name = name
        self.paths = paths
