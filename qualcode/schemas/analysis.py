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
    "reason": Key(
        "string",
        "why the engine chose it: this passage (`next`: uncertain or reading order) or this "
        "configuration (`suggest --explain`)",
    ),
    "uncertainty": Key("number", "how unsure the engine is about the passage (0–1)"),
    "applied": Key("integer", "codings written from the suggestions (a passage may get several)"),
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
    # --- `suggest --explain` (and `status`'s suggestions): what the engine chose, and why
    "version": Key("string", "the suggestion model's version (older cached models are rebuilt)"),
    "tuned": Key("boolean", "the configuration was chosen by cross-validation"),
    "blocks": Key("object", "the feature blocks used: block name → weight"),
    "lambda": Key("number", "the ridge penalty λ of the classifier"),
    "tuned_on": Key("integer", "coded passages the configuration was chosen on"),
    "sequence": Key("boolean", "the sequence stage (the neighbours' scores) is used"),
    "calibrated": Key("boolean", "the scores are calibrated on the project's held-out documents"),
    "calibration": Key(
        "string", "where the calibration map comes from: project (held-out documents) or prior"
    ),
    "semantic": Key("object", "the semantic block (sentence embeddings): available, state"),
    "available": Key("boolean", "the sentence embeddings are there and used"),
    "agenda": Key(
        "object", "the coding agenda in the model: units, codes, weight, passages it brought"
    ),
    "weight": Key("number", "the coding agenda's weight, a multiple of one coded example"),
    "agenda_weight": Key("number", "the coding agenda's weight in this configuration"),
    "expected": Key(
        "object", "the macro-F1 to expect on new documents, with a 90 % interval (null: none)"
    ),
    "macro_f1": Key("number", "macro-averaged F1 of the first suggestion (0–1)"),
    "macro_f1_without": Key("number", "macro-F1 of the same configuration without the stage"),
    "top1": Key("number", "share (0–1) of passages whose first suggestion was right"),
    "top3": Key("number", "share (0–1) of passages with a right code among the first three"),
    "interval": Key("array", "a 90 % interval: [low, high]"),
    "method": Key(
        "string", "how the figure was measured: nested or plain cross-validation by document"
    ),
    "apply": Key(
        "array", "per --min-score (0.8, 0.9, 0.95): the score from which --apply writes codings"
    ),
    "cross_validation": Key("object", "the cross-validation grouped by document that chose"),
    "held_out_units": Key("integer", "passages scored by a model that did not see their document"),
    "chosen": Key("object", "the chosen configuration and its cross-validated figures"),
    "plain_text": Key(
        "object", "the plain-text configuration (words and characters), as a yardstick"
    ),
    "sequence_stage": Key(
        "object", "the sequence stage's cross-validated figures (null: not tried)"
    ),
    "kept": Key("boolean", "the stage beat the configuration without it and is used"),
    "configurations_tried": Key("integer", "configurations the search compared"),
    "training": Key("object", "what the model was trained on"),
    "no_code_passages": Key("integer", "uncoded paragraphs learned as 'no code'"),
    "sampled": Key("boolean", "the coded passages were sampled (a very large project)"),
    "code_examples": Key("array", "the codes the model knows and how many coded passages each has"),
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


class ApplyLevel(TypedDict):
    """`suggest --apply --min-score min_score` writes codings from ``from_score``."""

    min_score: float
    from_score: float | None


class Expected(TypedDict):
    """The macro-F1 to expect on new documents and its 90 % interval."""

    macro_f1: float
    interval: list[float]
    method: str
    documents: int


Configuration = TypedDict(
    "Configuration",
    {
        "blocks": dict[str, float],
        "agenda_weight": float,
        "lambda": float,
        "sequence": bool,
        "macro_f1": float,
        "top1": float,
        "top3": float,
    },
)
Configuration.__doc__ = "A configuration the search tried, and its cross-validated figures."

SequenceStage = TypedDict(
    "SequenceStage",
    {
        "macro_f1": float,
        "top1": float,
        "top3": float,
        "lambda": float,
        "macro_f1_without": float,
        "kept": bool,
    },
)
SequenceStage.__doc__ = "The sequence stage (the neighbours' scores), cross-validated."


class CrossValidation(TypedDict):
    """The cross-validation grouped by document that chose the configuration."""

    folds: int
    units: int
    held_out_units: int
    chosen: Configuration | None
    plain_text: Configuration | None
    sequence_stage: SequenceStage | None
    configurations_tried: int


class Semantic(TypedDict):
    """The semantic block: whether the sentence embeddings are used, and why (not)."""

    available: bool
    state: str


class AgendaUse(TypedDict):
    """The coding agenda in the model: its texts (units), codes, weight and the project
    passages it fits best, brought in as its examples before the first codings."""

    units: int
    codes: int
    weight: float
    passages: int


class Training(TypedDict):
    """What the model was trained on."""

    coded_passages: int
    no_code_passages: int
    codes: int
    sampled: bool
    seconds: float


class CodeExamples(TypedDict):
    code: str
    coded_passages: int


Explanation = TypedDict(
    "Explanation",
    {
        "version": str,
        "tuned": bool,
        "reason": str,
        "blocks": dict[str, float],
        "lambda": float,
        "tuned_on": int,
        "sequence": bool,
        "calibrated": bool,
        "calibration": str,
        "semantic": Semantic,
        "agenda": AgendaUse,
        "expected": Expected | None,
        "apply": list[ApplyLevel] | None,
        "cross_validation": CrossValidation,
        "training": Training,
        "code_examples": NotRequired[list[CodeExamples]],
    },
)
Explanation.__doc__ = (
    "`qualcode suggest --explain`: what the engine chose for the project, the "
    "cross-validated figures it chose on, and what to expect on new documents "
    "(`status` shows it without `code_examples`)."
)


COMMANDS: dict[str, Any] = {
    "passages": list[Passage],
    "search": list[Hit] | SearchCoded,
    "retrieve": Retrieve,
    "similar": list[Similar],
    "suggest": list[Suggestion] | Applied | SuggestStats | Explanation,
    "next": list[NextPassage],
    "propose": list[Cluster],
    "set add": SetAdded,
    "set list": list[SetRow],
    "set show": SetShown,
    "set remove": SetRemoved,
}
