"""Outputs of Mayring's steps: research questions (rq), revision checkpoints, check
samples, case summaries."""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.vocabulary import Key

KEYS: dict[str, Key] = {
    "question": Key("string", "the research question's text"),
    "technique": Key("string", "inductive (category formation) or deductive (application)"),
    "criterion": Key("string", "the selection criterion: what material the question considers"),
    "abstraction": Key("string", "the level of abstraction of the categories"),
    "coding_unit": Key("string", "the smallest piece coded: paragraph, sentence or document"),
    "context_unit": Key("string", "the largest piece seen to decide"),
    "recording_unit": Key("string", "the piece analysed as one case"),
    "note": Key("string", "a note stored with it"),
    "changes": Key("array", "what changed in the category system, one row per change"),
    "detail": Key("string", "the change in words"),
    "into": Key("string", "the code a merged code went into"),
    "name_before": Key("string", "a renamed code's name before"),
    "name_after": Key("string", "a renamed code's name after"),
    "parent_before": Key("string", "a moved code's parent before ((top level): none)"),
    "parent_after": Key("string", "a moved code's parent after"),
    "fields_before": Key("object", "the changed fields before: field → text"),
    "fields_after": Key("object", "the changed fields after: field → text"),
    "codings_moved": Key("array", "codings that moved from one code to another: from, to, codings"),
    "counts": Key("array", "codes whose number of codings changed"),
    "codes_before": Key("integer", "number of codes before"),
    "codes_after": Key("integer", "number of codes after"),
    "codings_before": Key("integer", "number of codings before"),
    "codings_after": Key("integer", "number of codings after"),
    "reference": Key("string", "the coder whose codings the sample is compared with"),
    "seed": Key("integer", "the random seed the sample was drawn with"),
    "units_done": Key("integer", "units of the sample re-coded so far"),
    "population": Key("integer", "units the sample was drawn from"),
}


class RqRow(TypedDict):
    """A research question with its technique, units, top categories (``code_paths``) and
    how much is coded for it: ``segments``, ``codings``, ``documents`` (the automatic
    coder left out) and ``coded_share``."""

    id: int
    rq: str
    question: str
    technique: str
    criterion: str
    abstraction: str
    coding_unit: str
    context_unit: str
    recording_unit: str
    code_paths: list[str]
    created_at: str
    segments: int
    codings: int
    documents: int
    coded_share: float


class RqDeleted(TypedDict):
    """`qualcode rq delete`: the question, and its top categories (``codes``), which stay."""

    id: int
    rq: str
    codes: int


class CheckpointRow(TypedDict):
    """A revision checkpoint and the size of the category system it stored."""

    id: int
    checkpoint: str
    coder: str
    note: str
    created_at: str
    codes: int
    codings: int


class Change(TypedDict):
    """A change of the category system: ``change`` added, merged (``into``, ``codings``),
    deleted, renamed (``name_before``/``name_after``), moved (``parent_before``/
    ``parent_after``) or redefined (``fields``, ``fields_before``/``fields_after``)."""

    change: str
    code: str
    detail: str
    into: NotRequired[str]
    codings: NotRequired[int]
    name_before: NotRequired[str]
    name_after: NotRequired[str]
    parent_before: NotRequired[str]
    parent_after: NotRequired[str]
    fields: NotRequired[list[str]]
    fields_before: NotRequired[dict[str, str]]
    fields_after: NotRequired[dict[str, str]]


# ``from``/``to`` are Python keywords: the functional form
CodingsMoved = TypedDict("CodingsMoved", {"from": str, "to": str, "codings": int})
CodingsMoved.__doc__ = "Codings that moved from one code to another."


class CountChange(TypedDict):
    """A code whose number of codings changed."""

    code: str
    codings_before: int
    codings_after: int


CheckpointDiff = TypedDict(
    "CheckpointDiff",
    {
        "from": str,
        "to": str,
        "changes": list[Change],
        "codings_moved": list[CodingsMoved],
        "counts": list[CountChange],
        "codes_before": int,
        "codes_after": int,
        "codings_before": int,
        "codings_after": int,
    },
)
CheckpointDiff.__doc__ = (
    "`qualcode checkpoint diff A [B]`: what changed from checkpoint A to B (``to``: the "
    "checkpoint, or now)."
)


class SampleRow(TypedDict):
    """A check sample: who re-codes it (``coder``) against whom (``reference``), its
    ``units`` (paragraphs or sentences, ``unit``) and how many are re-coded (``units_done``);
    ``population`` (the units it was drawn from) when it has just been drawn."""

    id: int
    check_sample: str
    coder: str | None
    reference: str | None
    kind: str
    share: float
    seed: int
    unit: str
    rq: str | None
    units: int
    units_done: int
    created_at: str
    population: NotRequired[int]


class SummaryRow(TypedDict):
    """A case summary: one per document × category."""

    id: int
    document: str
    code: str
    text: str
    coder: str | None
    updated_at: str


class SummarySet(TypedDict):
    """`qualcode summary set`: the summary written, or (empty text) ``deleted``."""

    id: int | None
    document: str
    code: str
    text: str
    deleted: bool


COMMANDS: dict[str, Any] = {
    "rq add": RqRow,
    "rq edit": RqRow,
    "rq show": RqRow,
    "rq list": list[RqRow],
    "rq delete": RqDeleted,
    "checkpoint": CheckpointRow | list[CheckpointRow] | CheckpointDiff,
    "check-sample": SampleRow | list[SampleRow],
    "summary set": SummarySet,
    "summary list": list[SummaryRow],
}
