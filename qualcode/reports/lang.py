"""The language of a project's reports: the setting ``report.lang``, else the documents'.

Every report (its headings, sentences, notes, axis labels and number format) is written
in one language: ``de`` or ``en``. ``qualcode config set report.lang de|en`` fixes it;
unset, the language is guessed from the documents by counting common function words of
each language in their beginnings (cheap, and clear for any real text). A ``--lang``
option of a report command overrides both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from qualcode.config import REPORT_LANG_KEY, REPORT_LANGS, parse_report_lang

DEFAULT = "de"
# Frequent function words that the other language hardly has.
STOP_DE = frozenset(
    "der die das und ist nicht ein eine einen dem den des mit sich auf für von zu im wir "
    "sie es auch wird werden wurde dass oder bei nach aus wie noch über nur sind hat".split()
)
STOP_EN = frozenset(
    "the and of to is are was were that this with for on it as be by not have has which "
    "from at or we they their there an will would".split()
)
_WORD = re.compile(r"[^\W\d_]+")
SAMPLE_DOCS, SAMPLE_CHARS = 50, 4000

Execute = Callable[[str], list[tuple]]


def detect(texts: Iterable[str]) -> str | None:
    """``de`` or ``en`` by the count of each language's function words; None when no
    text has any of them."""
    de = en = 0
    for text in texts:
        for w in _WORD.findall(text.lower()):
            if w in STOP_DE:
                de += 1
            elif w in STOP_EN:
                en += 1
    if de == en == 0:
        return None
    return "de" if de >= en else "en"


def report_lang(execute: Execute, override: str | None = None) -> str:
    """The report language: ``override`` (``--lang``), else the setting, else the documents'
    (German when there are none)."""
    if override:
        return parse_report_lang(override) or DEFAULT
    rows = execute(f"SELECT value FROM meta WHERE key = '{REPORT_LANG_KEY}'")
    if rows and rows[0][0] in REPORT_LANGS:
        return rows[0][0]
    texts = execute(f"SELECT substr(text, 1, {SAMPLE_CHARS}) FROM document LIMIT {SAMPLE_DOCS}")
    return detect(t for (t,) in texts if t) or DEFAULT


def session_lang(session: Any, override: str | None = None) -> str:
    """:func:`report_lang` in a SQLAlchemy session."""
    from qualcode.docsets import session_execute

    return report_lang(session_execute(session), override)


# The group of the documents without a value of the grouping attribute: ``(none)`` in
# the data (--json) and in English, "(ohne Angabe)" in German files.
NONE_GROUP = "(none)"
NONE_LABELS = {"de": "(ohne Angabe)", "en": NONE_GROUP}


def group_label(group: str, lang: str) -> str:
    """A group's name in a report of ``lang``: the documents without a value are named in
    that language; any other value is shown as it is."""
    return NONE_LABELS.get(lang, group) if group == NONE_GROUP else group
