"""Outputs of the reading and retrieval commands: passages, search, retrieve, similar,
suggest, next, propose; and the document sets (set add/show/remove/list)."""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.codings import SearchCoded
from qualcode.schemas.common import Passage, Segment
from qualcode.schemas.vocabulary import Key

KEYS: dict[str, Key] = {
    "first": Key("integer", "suggestions that were a passage's first suggestion"),
    "first_taken": Key("integer", "first suggestions the coder took"),
    "first_taken_rate": Key("number", "share (0–1) of the first suggestions taken"),
    "first_dismissed": Key("integer", "first suggestions on passages the coder moved on from"),
    "suggested": Key("integer", "suggestions of the code on coded passages"),
    "accepted": Key("integer", "suggestions the coder accepted (coded the passage with them)"),
    "mean_score": Key("number", "the mean score of the suggestions"),
    "accepted_share": Key("number", "share (0–1) of the suggestions accepted"),
    "brier": Key("number", "the Brier score of the scores against the decisions"),
    "ece": Key("number", "expected calibration error of the scores (0: perfect)"),
    "bins": Key("array", "the reliability table: score bins of 0.1"),
    "score_from": Key("number", "lower bound of a score bin"),
    "score_to": Key("number", "upper bound of a score bin"),
    "suggestion_count": Key("integer", "number of suggestions"),
    "reliability": Key(
        "object", "how well the scores matched the decisions: ECE, Brier, the score bins"
    ),
    "decisions_left_out": Key("integer", "decisions on codes or documents deleted since"),
    "coded": Key("integer", "passages the coder coded"),
    "dismissed": Key("integer", "passages the coder moved on from without coding"),
    "left": Key("string", "the context before a hit (line breaks as spaces)"),
    "right": Key("string", "the context after a hit"),
    "terms": Key("array", "the codes of a query: each term as written and the code it names"),
    "term": Key("string", "a code as written in the query"),
    "score": Key("number", "how likely or how similar (0–1)"),
    "basis": Key("string", "where a suggestion comes from: model, …"),
    "suggested_codes": Key("array", "the likeliest codes of a passage: code, score, basis"),
    "reason": Key("string", "why this passage: uncertain or reading order"),
    "uncertainty": Key("number", "how unsure the engine is about the passage (0–1)"),
    "applied": Key("integer", "passages coded with suggestions"),
    "min_score": Key("number", "the least score a suggestion needed (0–1)"),
    "from_score": Key(
        "number",
        "the score from which --apply wrote codings: the least at or above min_score whose "
        "held-out suggestions were right at least min_score of the time with 90 % "
        "confidence (null: none, nothing written)",
    ),
    "cluster": Key("integer", "the number of a cluster (1: the largest)"),
    "size": Key("integer", "passages (or segments) in the cluster"),
    "lemmas": Key("array", "a cluster's top lemmas"),
    "examples": Key("array", "the passages closest to a cluster's centre"),
    "members": Key("array", "every passage of a cluster: document, start, end"),
}


class Hit(TypedDict):
    """A search hit in its context, the paragraph it lies in and the codes on it."""

    document: str
    passage_id: int | None
    start: int
    end: int
    left: str
    text: str
    right: str
    code_paths: list[str]


class Term(TypedDict):
    """A code of the query: as written, and its path."""

    term: str
    code: str


class Retrieve(TypedDict):
    """`qualcode retrieve QUERY`: the coded segments the boolean query finds."""

    query: str
    terms: list[Term]
    unit: str
    pairing: str
    children: bool
    coder: str | None
    documents: int
    segments: int
    rows: list[Segment]


class Similar(TypedDict):
    """A passage like the span (or the code's segments), with the codes on it."""

    document: str
    start: int
    end: int
    score: float
    text: str
    code_paths: list[str]


class SuggestedCode(TypedDict):
    code: str
    score: float
    basis: str


class Suggestion(TypedDict):
    """An uncoded passage and its likeliest codes (``text`` with --text)."""

    document: str
    start: int
    end: int
    text: NotRequired[str]
    suggested_codes: list[SuggestedCode]


class Applied(TypedDict):
    """`qualcode suggest --apply`: the passages coded as ``coder`` (auto)."""

    applied: int
    min_score: float
    from_score: float | None
    coder: str


class NextPassage(TypedDict):
    """A passage to code next, and why."""

    document: str
    start: int
    end: int
    text: str
    reason: str
    uncertainty: float | None
    suggested_codes: list[SuggestedCode]


class Example(TypedDict):
    document: str
    start: int
    end: int
    text: str
    score: float


class Member(TypedDict):
    document: str
    start: int
    end: int


class Cluster(TypedDict):
    """A candidate category: a cluster of passages, its top lemmas and examples."""

    cluster: int
    size: int
    label: str
    lemmas: list[str]
    examples: list[Example]
    members: list[Member]


class SetRow(TypedDict):
    """A document set: its rule (null: made by hand) and its number of documents."""

    id: int
    set: str
    rule: str | None
    documents: int


class SetAdded(TypedDict):
    """`qualcode set add`: the set (``created`` false: documents added to it)."""

    id: int
    set: str
    created: bool
    rule: str | None
    added: int
    documents: int


class SetShown(TypedDict):
    """`qualcode set show`: the set and the names of its documents."""

    id: int
    set: str
    rule: str | None
    documents: int
    document_names: list[str]


class SetRemoved(TypedDict):
    """`qualcode set remove`: the set deleted, or documents taken out (``removed``)."""

    id: int
    set: str
    deleted: bool
    removed: int
    documents: int


class StatsCode(TypedDict):
    """A code's suggestions and what the coders did with them."""

    code: str
    first: int
    first_taken: int
    first_taken_rate: float | None
    first_dismissed: int
    suggested: int
    accepted: int
    mean_score: float | None
    accepted_share: float | None
    brier: float | None


class StatsBin(TypedDict):
    """Suggestions whose score lies in [score_from, score_to) and the share accepted."""

    score_from: float
    score_to: float
    suggestion_count: int
    mean_score: float
    accepted_share: float


class Calibration(TypedDict):
    """How well the scores matched the coders' decisions (on coded passages)."""

    suggestion_count: int
    accepted: int
    mean_score: float | None
    ece: float | None
    brier: float | None
    bins: list[StatsBin]


class SuggestStats(TypedDict):
    """`qualcode suggest --stats`: what the coders did with the workbench's suggestions."""

    coder: str | None
    passages: int
    coded: int
    dismissed: int
    first_taken: int
    first_taken_rate: float | None
    rows: list[StatsCode]
    reliability: Calibration
    decisions_left_out: int


COMMANDS: dict[str, Any] = {
    "passages": list[Passage],
    "search": list[Hit] | SearchCoded,
    "retrieve": Retrieve,
    "similar": list[Similar],
    "suggest": list[Suggestion] | Applied | SuggestStats | dict[str, Any],
    "next": list[NextPassage],
    "propose": list[Cluster],
    "set add": SetAdded,
    "set list": list[SetRow],
    "set show": SetShown,
    "set remove": SetRemoved,
}
