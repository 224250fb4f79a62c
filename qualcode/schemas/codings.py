"""Outputs of the coding commands: code, uncode, mark, codings (list, export, import), memo,
autocode, recode."""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.common import Memo
from qualcode.schemas.vocabulary import Key

KEYS: dict[str, Key] = {
    # shared (common.Segment): not yet in vocabulary.KEYS
    "removed": Key("integer", "how many the command took away (codings, marks, documents)"),
    "skipped": Key("integer", "rows of the file that were there already (not imported twice)"),
    "found": Key("integer", "how many hits the rule found"),
    "existing": Key("integer", "hits that were coded already (not coded twice)"),
    "query": Key("string", "the query, as given"),
    "rules": Key("array", "one result per rule"),
    "totals": Key("object", "the results of all rules added up"),
    "sample": Key("array", "some of the codings the command changes or adds (--sample N)"),
    "from": Key("string", "where it came from: a code path, a checkpoint"),
    "to": Key("string", "where it went: a code path, a checkpoint (null: now)"),
    "action": Key("string", "what recode did: merge, rename, nothing…"),
    "moved": Key("integer", "codings moved to the target code"),
    "collapsed": Key("integer", "codings dropped as duplicates of a coding of the target"),
    "subcodes_moved": Key("integer", "sub-codes moved under the target"),
    "subcodes_merged": Key("integer", "sub-codes merged into a sub-code of the target"),
    "memos_moved": Key("integer", "memos moved to the target code"),
    "source_deleted": Key("boolean", "the source code was deleted"),
    "target_created": Key("boolean", "the target code was created"),
    "codes_deleted": Key("integer", "codes merged away"),
    "codes_renamed": Key("integer", "codes renamed or moved"),
    "created_code_paths": Key("array", "the paths of the codes the command created"),
    "change": Key("string", "what happened to it (moved, collapsed; added, merged, …)"),
}


class Coded(TypedDict):
    """`qualcode code`: the coding (``created`` false: the same coding existed)."""

    id: int
    created: bool
    code: str


class Uncoded(TypedDict):
    """`qualcode uncode`: the span and how many codings were removed."""

    document: str
    start: int
    end: int
    removed: int


class Marked(TypedDict):
    """`qualcode mark`: the span and its not-relevant mark — ``created`` with
    --not-relevant, ``removed`` (marks taken away) with --relevant."""

    document: str
    start: int
    end: int
    code: str
    created: NotRequired[bool]
    removed: NotRequired[int]


class CodingRow(TypedDict):
    """A coding: one coder's code on one span, with its own memo (``memo``) and the memos
    written on it (``memos``: `memo add --coding ID`)."""

    id: int
    document: str
    start: int
    end: int
    code: str
    coder: str
    memo: str
    text: str
    memos: list[Memo]
    orphaned: bool


class CodingsExport(TypedDict):
    """`qualcode codings export FILE`: the file and the number of codings written."""

    file: str
    codings: int


class CodingsImport(TypedDict):
    """`qualcode codings import FILE`: the codings imported and the rows that were there."""

    codings: int
    skipped: int
    encoding: str | None


class MemoDeleted(TypedDict):
    """`qualcode memo delete`: the memo's id."""

    id: int
    deleted: bool


class AutocodeExample(TypedDict):
    """A coding the rule adds (or would add)."""

    document: str
    start: int
    end: int
    text: str
    code: str
    coder: str


class AutocodeRule(TypedDict):
    """The result of one rule: hits found, codings added, hits coded already."""

    rule: str
    code: str
    kind: str
    query: str
    unit: str
    coder: str
    found: int
    added: int
    existing: int
    documents: int
    sample: NotRequired[list[AutocodeExample]]


class AutocodeTotals(TypedDict):
    found: int
    added: int
    existing: int


class Autocode(TypedDict):
    """`qualcode autocode`: what every rule found and coded (``dry_run``: would code)."""

    dry_run: bool
    rules: list[AutocodeRule]
    totals: AutocodeTotals


class SearchCoded(AutocodeRule):
    """`qualcode search PATTERN --code PATH`: the hits coded (``dry_run``: would be) — one
    autocode rule's result."""

    dry_run: bool


# `from` and `to` are Python keywords: the functional form
RecodeExample = TypedDict(
    "RecodeExample",
    {
        "coding_id": int,
        "document": str,
        "start": int,
        "end": int,
        "text": str,
        "coder": str,
        "from": str,
        "to": str,
        "change": str,
    },
)
RecodeExample.__doc__ = (
    "A coding the recode moves (or drops as a duplicate of the target's: ``change`` collapsed)."
)

RecodeResult = TypedDict(
    "RecodeResult",
    {
        "dry_run": NotRequired[bool],
        "rule": NotRequired[str],
        "from": str,
        "to": str,
        "action": str,
        "moved": int,
        "collapsed": int,
        "subcodes_moved": int,
        "subcodes_merged": int,
        "memos_moved": int,
        "source_deleted": bool,
        "target_created": bool,
        "sample": list[RecodeExample],
    },
)
RecodeResult.__doc__ = (
    "`qualcode recode --from A --to B`: codings moved (``dry_run``: would be); with --map "
    "one per rule."
)


class RecodeTotals(TypedDict):
    moved: int
    collapsed: int
    subcodes_moved: int
    subcodes_merged: int
    memos_moved: int
    codes_deleted: int
    codes_created: int
    codes_renamed: int


class RecodeMap(TypedDict):
    """`qualcode recode --map FILE`: the result of every rule and the totals."""

    dry_run: bool
    rules: list[RecodeResult]
    totals: RecodeTotals
    created_code_paths: list[str]


COMMANDS: dict[str, Any] = {
    "code": Coded,
    "uncode": Uncoded,
    "mark": Marked,
    "codings": list[CodingRow],
    "codings export": CodingsExport | list[CodingRow],
    "codings import": CodingsImport,
    "memo add": Memo,
    "memo delete": MemoDeleted,
    "memo list": list[Memo],
    "autocode": Autocode,
    "recode": RecodeResult | RecodeMap,
}
