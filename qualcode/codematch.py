"""Finding a code by a few typed letters: the code filter and the code picker.

A typed query matches a code in tiers, best first; a code that shares only scattered
letters with the query ("Zeit" ~ "Bildungschancengleichheit") does not match at all:

===  =====================================================================
100  the name is the query
 95  the name starts with the query ("Zeit" → "Zeitmangel")
 90  a word of the name starts with it ("plan" → "Elternabend planen")
 85  every word of the query starts a word of the path ("zeit mang"), or the
     parts of a typed path find the path in order ("heraus/zeit")
 80  every word of the query is in the path
 75  the name contains it ("zeit" → "Arbeitszeit")
 60  a category above it matches (its sub-codes are listed under it)
 50  a typing slip in the name ("Zeitmangle" → "Zeitmangel")
===  =====================================================================

Case, accents and German umlauts spelt out are ignored ("ueber" finds "Übergänge").
Within a tier shorter names come first, then the codebook order.
"""

from __future__ import annotations

import re
import unicodedata

from qualcode.textutil import split_path

_WORD = re.compile(r"[^\W_]+")
_UMLAUTS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """Lower case without accents (ß → ss)."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _queries(query: str) -> list[str]:
    """The folded query, and with umlauts spelt out folded too ("ueber" → "uber")."""
    q = " ".join(fold(query).split())
    alt = q
    for spelt, plain in _UMLAUTS:
        alt = alt.replace(spelt, plain)
    return [q] if alt == q else [q, alt]


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _name_tier(q: str, name: str) -> int | None:
    if name == q:
        return 100
    if name.startswith(q):
        return 95
    words = _words(name)
    if any(w.startswith(q) for w in words):
        return 90
    if q in name:
        return 75
    return None


def match_score(query: str, path: str) -> int | None:
    """How well ``query`` finds the code ``path`` (see the tiers above), or None."""
    names = [fold(n) for n in split_path(path)] if path else []
    if not names:
        return None
    best: int | None = None
    for q in _queries(query):
        if not q:
            return 100
        tier = _name_tier(q, names[-1])
        if tier is None and "/" in q:  # a path typed out: "heraus/zeit"
            tier = 85 if _path_match([x.strip() for x in q.split("/")], names) else None
        qwords = q.split()
        if tier is None and len(qwords) > 1:  # "zeit mang": each word found in the path
            pwords = [w for n in names for w in _words(n)]
            if all(any(w.startswith(x) for w in pwords) for x in qwords):
                tier = 85
            elif all(any(x in w for w in pwords) for x in qwords):
                tier = 80
        if tier is None and any(_name_tier(q, n) is not None for n in names[:-1]):
            tier = 60
        if tier is None and len(q) >= 4:
            tier = 50 if _slip(q, names[-1]) else None
        if tier is not None and (best is None or tier > best):
            best = tier
    return best


def _path_match(parts: list[str], names: list[str]) -> bool:
    """Each typed part finds a name of the path, in order, the last one the code's own."""
    if not parts or not all(parts) or _name_tier(parts[-1], names[-1]) is None:
        return False
    i = 0
    for part in parts[:-1]:
        while i < len(names) - 1 and _name_tier(part, names[i]) is None:
            i += 1
        if i >= len(names) - 1:
            return False
        i += 1
    return True


def _slip(q: str, name: str) -> bool:
    """One or two typing slips: the name (or its start, or one of its words) nearly equals q."""
    from rapidfuzz import fuzz

    compact = q.replace(" ", "")
    candidates = [name.replace(" ", ""), name[: len(q)], *_words(name)]
    return any(fuzz.ratio(compact, c) >= 85 for c in candidates if c)


def rank(query: str, paths: list[str], limit: int = 30) -> list[tuple[str, float]]:
    """The paths ``query`` finds, best first, with their tier; all of them (up to
    ``limit``) in the given order for an empty query."""
    if not query.strip():
        return [(p, 100.0) for p in paths[:limit]]
    scored = []
    for i, p in enumerate(paths):
        s = match_score(query, p)
        if s is not None:
            # a closer name first among name matches; sub-codes in codebook order
            scored.append((-s, len(split_path(p)[-1]) if s >= 75 else 0, i, p, s))
    scored.sort()
    return [(p, float(s)) for *_, p, s in scored[:limit]]
