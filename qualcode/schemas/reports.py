"""Outputs of the reports: ``report freq|crosstab|cooc|matrix|segments|words|agenda|
summaries|disagreements|full`` and ``agreement``.

What a figure counts is in its name: ``segments`` are coded segments (a span coded with
the same code by several coders counts once), ``codings`` one per coder and span,
``documents`` documents, ``units`` units of analysis (passages or documents). Lists of
codes are ``code_paths`` (with ``code_names``, the last part of each path, in the same
order); a list of coders is ``coders`` (names).
"""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.common import Attributes, Segment
from qualcode.schemas.vocabulary import Key

# --- report freq ------------------------------------------------------------------------


class FreqCell(TypedDict):
    """The figures of a code in one group (an attribute value, or a coder with --by-coder)."""

    segments: int
    documents: int
    share: float
    total_segments: int
    total_documents: int
    total_share: float


class FreqRow(TypedDict):
    """A code: its own figures, and with ``total_*`` its sub-tree's (documents once)."""

    code: str
    name: str
    depth: int
    codable: bool
    color: str | None
    segments: int
    documents: int
    share: float
    total_segments: int
    total_documents: int
    total_share: float
    groups: dict[str, FreqCell]


class FreqReport(TypedDict):
    """`qualcode report freq`: coded segments, documents coded and the share of documents
    per code, in code-tree order; with --by (or --by-coder) the same per group."""

    documents: int
    by: str | None
    coder: str | None
    level: int | None
    code: str | None
    groups: dict[str, int]
    rows: list[FreqRow]
    coders: list[str]
    rq: NotRequired[str]


# --- report crosstab --------------------------------------------------------------------


class CrosstabColumn(TypedDict):
    """A combination of attribute values and its number of documents."""

    label: str
    attributes: Attributes
    documents: int


class CrosstabCell(TypedDict):
    """A code in one combination: documents with it (its sub-codes included), segments there."""

    documents: int
    segments: int
    row_share: float
    column_share: float


class CrosstabRow(TypedDict):
    """A code (with its sub-codes) and one cell per column."""

    code: str
    name: str
    depth: int
    documents: int
    segments: int
    cells: list[CrosstabCell]


class CrosstabReport(TypedDict):
    """`qualcode report crosstab`: codes × the combinations of the values of
    ``attribute_names`` (one column per combination that occurs)."""

    attribute_names: list[str]
    documents: int
    coder: str | None
    level: int | None
    columns: list[CrosstabColumn]
    rows: list[CrosstabRow]
    rq: NotRequired[str]


# --- report cooc ------------------------------------------------------------------------


class CoocPair(TypedDict):
    """Two codes and the units in which they occur together."""

    a: str
    b: str
    units: int
    jaccard: float


class CoocReport(TypedDict):
    """`qualcode report cooc`: ``matrix[i][j]`` is the number of units with both
    ``code_paths[i]`` and ``code_paths[j]`` (the diagonal: units with the code)."""

    unit: str
    units: int
    structural: int
    coded_units: int
    coder: str | None
    level: int | None
    pairing: str
    code_paths: list[str]
    code_names: list[str]
    matrix: list[list[int]]
    pairs: list[CoocPair]
    rq: NotRequired[str]


# --- report matrix ----------------------------------------------------------------------


class MatrixRow(TypedDict):
    """A document (``document``, ``document_id``, ``attributes``) or a group of documents
    (``group``, ``documents``): one value per code of ``code_paths`` and their total."""

    document: NotRequired[str]
    document_id: NotRequired[int]
    attributes: NotRequired[Attributes]
    group: NotRequired[str]
    documents: NotRequired[int]
    values: list[int]
    total: int


class MatrixReport(TypedDict):
    """`qualcode report matrix`: documents (or groups) × codes; cells count coded segments
    (``presence``: 0/1, for a group its documents with the code)."""

    presence: bool
    coder: str | None
    level: int | None
    rows_are: str
    code_paths: list[str]
    code_names: list[str]
    attribute_names: list[str]
    rows: list[MatrixRow]
    column_totals: list[int]
    rq: NotRequired[str]


# --- report segments --------------------------------------------------------------------


class SegmentsReport(TypedDict):
    """`qualcode report segments`: the coded segments of a code (``rows``), in document
    and text order, each with its document's attributes."""

    code: str
    children: bool
    coder: str | None
    documents: int
    segments: int
    definition: str
    rows: list[Segment]


# --- report words -----------------------------------------------------------------------


class WordRow(TypedDict):
    """A lemma of a category and how over-represented it is there."""

    lemma: str
    form: str
    count: int
    per_1000: float
    rest: int
    rest_per_1000: float
    ll: float


class WordCategory(TypedDict):
    """A category (its sub-codes included): its segments, lemmas and top lemmas."""

    code: str
    segments: int
    lemma_count: int
    rows: list[WordRow]


class WordsReport(TypedDict):
    """`qualcode report words`: lemma frequencies per category against the rest of the corpus."""

    code: str | None
    level: int | None
    top: int
    sort: str
    stopwords: list[str]
    documents: int
    corpus_lemmas: int
    categories: list[WordCategory]


# --- report agenda ----------------------------------------------------------------------


class AgendaRow(TypedDict):
    """A category of the coding agenda, numbered within its research question."""

    rq: str | None
    number: str
    level: int
    code: str
    name: str
    definition: str
    anchor: str
    anchor_source: str | None
    rule: str
    segments: int
    documents: int


class AgendaReport(TypedDict):
    """`qualcode report agenda`: the research questions (as `qualcode rq list` lists them)
    and one row per category."""

    questions: list[dict[str, Any]]
    rows: list[AgendaRow]


# --- report summaries -------------------------------------------------------------------


class Summary(TypedDict):
    """A document's summary of one category."""

    code: str
    text: str


class SummariesRow(TypedDict):
    """A document, its attributes and its summaries (in the order of ``code_paths``)."""

    document: str
    document_id: int
    attributes: Attributes
    summaries: list[Summary]


class SummariesReport(TypedDict):
    """`qualcode report summaries`: documents × the categories that have a summary."""

    attribute_names: list[str]
    code_paths: list[str]
    rows: list[SummariesRow]
    summary_count: int


# --- agreement, report disagreements ----------------------------------------------------


class PairKappa(TypedDict):
    """Cohen's kappa of two of the coders."""

    coders: list[str]
    kappa: float | None


class Figures(TypedDict):
    """Agreement figures over ``units`` units (null: undefined, see ``notes``)."""

    units: int
    agreements: int
    percent_agreement: float | None
    kappa: float | None
    expected_agreement: NotRequired[float | None]
    pairwise_kappa: NotRequired[list[PairKappa]]
    alpha: float | None
    notes: list[str]


class CoderUnits(TypedDict):
    """The units a coder coded with the code."""

    coder: str
    units: int


class AgreementRow(Figures):
    """A code: the agreement on it (coded or not, on every unit)."""

    code: str
    by_coder: list[CoderUnits]
    coded_by_all: int


class ExcludedDocument(TypedDict):
    """A document left out: not coded by all the coders (``coders``: who coded it)."""

    document: str
    coders: list[str]


class Excluded(TypedDict):
    """Units left out: headings and metadata blocks, passages marked not relevant."""

    structural: int
    not_relevant: int


class CoderCodes(TypedDict):
    """The codes a coder gave the unit (only those the coders differ on, for a document)."""

    coder: str
    code_paths: list[str]


class Disagreement(TypedDict):
    """A unit on which the coders differ (a sample's: its passage and resolution)."""

    document: str
    start: int
    end: int
    text: str
    by_coder: list[CoderCodes]
    passage_id: NotRequired[int]
    resolution: NotRequired[str | None]


class TrainedOn(TypedDict):
    """How many documents the engine's fold models were trained on."""

    min_documents: int
    max_documents: int


class EngineCoder(TypedDict):
    """The engine as a coder: its first suggestion on each unit, out of sample."""

    coder: str
    min_score: float
    folds: int
    documents: int
    trained_on: TrainedOn
    units_scored: int
    units_coded: int


class Agreement(TypedDict):
    """`qualcode agreement` and `qualcode report disagreements`: intercoder agreement per
    code (``rows``) and overall, and the units the coders disagree on. With --sample:
    the check sample's blind re-coding against the reference coding."""

    coders: list[str]
    unit: str
    overlap: float
    code: str | None
    level: int | None
    document_names: list[str]
    excluded_documents: list[ExcludedDocument]
    units: int
    all_units: int
    excluded: Excluded
    excluded_coded: NotRequired[Excluded]
    include_structural: bool
    rows: list[AgreementRow]
    overall: Figures
    disagreement_count: int
    disagreements: list[Disagreement]
    rule: str
    check_sample: NotRequired[str]
    kind: NotRequired[str]
    rq: NotRequired[str | None]
    pending: NotRequired[int]
    engine: NotRequired[EngineCoder | None]


# --- report full ------------------------------------------------------------------------


class FullReport(TypedDict):
    """`qualcode report full --json`: what was written."""

    file: str
    format: str
    sections: int
    charts: int
    segments: int


COMMANDS: dict[str, Any] = {
    "report freq": FreqReport,
    "report crosstab": CrosstabReport,
    "report cooc": CoocReport,
    "report matrix": MatrixReport,
    "report segments": SegmentsReport,
    "report words": WordsReport,
    "report agenda": AgendaReport,
    "report summaries": SummariesReport,
    "report disagreements": Agreement,
    "report full": FullReport,
    "agreement": Agreement,
}

KEYS: dict[str, Key] = {
    "engine": Key("object", "the engine as a coder: how its codings were made (null: no engine)"),
    "folds": Key("integer", "groups of documents, each scored by a model trained on the others"),
    "trained_on": Key("object", "how many documents the models were trained on"),
    "min_documents": Key("integer", "the fewest documents"),
    "max_documents": Key("integer", "the most documents"),
    "units_scored": Key("integer", "units the engine scored"),
    "units_coded": Key("integer", "units the engine coded (score at least min_score)"),
    # --- keys of common.Memo and common.Segment (shared: belong in vocabulary.KEYS)
    # --- what a report is computed on
    "by": Key("string", "the attribute the documents are grouped by (`coder`: by coder)"),
    "level": Key("integer", "the depth codes are shown down to (deeper: counted under it)"),
    "groups": Key("object", "group → its figures (a report's top level: group → documents)"),
    "total_segments": Key("integer", "coded segments of the code and its sub-codes"),
    "total_documents": Key("integer", "documents with the code or one of its sub-codes"),
    "total_share": Key("number", "the share of documents with the code or a sub-code (0–1)"),
    "cells": Key("array", "one cell per column"),
    "columns": Key("array", "the columns of the table"),
    "row_share": Key("number", "the share of the row's documents in this column (0–1)"),
    "column_share": Key("number", "the share of the column's documents in this row (0–1)"),
    "coded_units": Key("integer", "number of units that carry a coding"),
    "code_names": Key("array", "the codes' names (last part of the path), as code_paths"),
    "matrix": Key("array", "rows of numbers, one per code of code_paths"),
    "pairs": Key("array", "pairs of codes that occur together, most frequent first"),
    "a": Key("string", "the first code of a pair (path)"),
    "b": Key("string", "the second code of a pair (path)"),
    "jaccard": Key("number", "units with both codes / units with either (0–1)"),
    "presence": Key("boolean", "cells are 0/1 (code present), not counts of segments"),
    "rows_are": Key("string", "what the rows are: documents, sets or an attribute's name"),
    "group": Key("string", "a group of documents: an attribute value or a set's name"),
    "values": Key("array", "one number per code of code_paths"),
    "total": Key("integer", "the sum of the row's values"),
    "column_totals": Key(
        "array",
        "per code of code_paths its total over the rows' documents, each counted once"
        " (the column's sum unless sets overlap)",
    ),
    "lemma": Key("string", "a lemma (base form of a word)"),
    "form": Key("string", "a lemma as the text writes it (its most frequent spelling)"),
    "count": Key("integer", "how often the lemma occurs in the category's segments"),
    "per_1000": Key("number", "occurrences per 1,000 lemmas of the category"),
    "rest": Key("integer", "how often the lemma occurs in the rest of the corpus"),
    "rest_per_1000": Key("number", "occurrences per 1,000 lemmas of the rest of the corpus"),
    "ll": Key("number", "signed log-likelihood G² (≥ 3.84: over-represented, p < 0.05)"),
    "lemma_count": Key("integer", "number of lemmas (stop words left out)"),
    "corpus_lemmas": Key("integer", "number of lemmas of the whole corpus"),
    "categories": Key("array", "one entry per category"),
    "top": Key("integer", "how many lemmas per category are listed"),
    "sort": Key("string", "the order of the lemmas: count or ll"),
    "stopwords": Key("array", "the stop words left out"),
    "questions": Key("array", "research questions (as `qualcode rq list`)"),
    "number": Key("string", "a category's number in the agenda (1, 1.1, …)"),
    "anchor_source": Key("string", "where the anchor example is coded: document, start–end"),
    "summaries": Key("array", "a document's summaries: one per category (code, text)"),
    "summary_count": Key("integer", "number of summaries"),
    "overlap": Key("number", "the share of a unit a coder's codings must cover (0–1)"),
    "excluded_documents": Key("array", "documents left out: not coded by all the coders"),
    "all_units": Key("integer", "number of units before headings etc. were left out"),
    "excluded": Key("object", "units left out, by reason (structural, not_relevant)"),
    "excluded_coded": Key("object", "left-out units that carry codings, by reason"),
    "structural": Key("integer", "number of headings and metadata blocks"),
    "not_relevant": Key("integer", "number of passages marked not relevant"),
    "include_structural": Key("boolean", "headings, metadata and not-relevant passages count"),
    "overall": Key("object", "the agreement on the set of codes per unit"),
    "agreements": Key("integer", "number of units on which the coders agree"),
    "percent_agreement": Key("number", "the share of units the coders agree on (0–1)"),
    "kappa": Key("number", "Cohen's kappa (two coders; null: undefined)"),
    "expected_agreement": Key("number", "the agreement expected by chance (0–1)"),
    "alpha": Key("number", "Krippendorff's alpha, nominal (null: undefined)"),
    "pairwise_kappa": Key("array", "Cohen's kappa of every pair of coders"),
    "notes": Key("array", "notes on the figures (why one is undefined, what was left out)"),
    "coded_by_all": Key("integer", "number of units all the coders coded with the code"),
    "disagreement_count": Key("integer", "number of units the coders disagree on"),
    "disagreements": Key("array", "the units the coders disagree on"),
    "resolution": Key("string", "how a disagreement was settled: reference or check"),
    "pending": Key("integer", "passages of the sample not re-coded yet"),
    "format": Key("string", "the format written (html, docx)"),
    "sections": Key("integer", "number of chapters of the report"),
    "charts": Key("integer", "number of charts in the report"),
}
