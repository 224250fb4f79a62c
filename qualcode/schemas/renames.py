"""Keys renamed or removed since qualcode 0.1 (vocabulary 1): ``(command, 0.1, now)``.

The JSON reference (docs/json.md) shows them as a before/after table for scripts written
for 0.1. Keys that were added are not listed (a script for 0.1 does not miss them).
"""

from __future__ import annotations

RENAMES: list[tuple[str, str, str]] = [
    # aliases of vocabulary 1, gone in 2.0
    ("codes list, codes show, codes add", "`path`", "`code`"),
    ("docs list, docs show", "`name`, `imported`", "`document`, `imported_at`"),
    ("codes show", "`created`", "`created_at`"),
    ("memo list", "`updated`", "`updated_at`"),
    ("log", "`at`", "`created_at`"),
    ("agreement", "`documents` (a list)", "`document_names`"),
    # project, documents, codes
    (
        "status",
        "`coders` (objects `{name, codings}`)",
        "`coders` (names); `by_coder` (`{id, coder, codings}`)",
    ),
    ("status", "`memos` (a count)", "`memo_count`"),
    (
        "check",
        "`checked.passages` (paragraphs + sentences: 1,024 on the demo)",
        "`checked.passages` (paragraphs: 424), `checked.sentences` (600)",
    ),
    ("check", "`checked.memos`", "`checked.memo_count`"),
    (
        "check",
        "`orphaned_codings` (a list)",
        "`orphans` (the list), `orphaned_codings` (a count, as in `status`)",
    ),
    (
        "import",
        "`imported`, `updated`, `unchanged`, `failed` (lists of names)",
        "counts; one row per file in `files` (`document`, `file`, `status`, `encoding`; failed: `error`, `hint`)",
    ),
    ("log", "`changes`", "`row_changes`"),
    ("users add", "`name`, `added`", "`coder`, `created`"),
    ("users remove", "`name`, `removed`", "`coder`, `deleted`"),
    ("users list", "`name`", "`coder`"),
    ("docs list", "`progress`", "`coded_share`"),
    ("docs remove", "`removed: {documents, codings}`", "`deleted: true`, `codings`"),
    ("codes show", "`children`", "`subcode_paths`"),
    ("codes show", "`memos` (`{id, title, text}`)", "`memos` (memo objects)"),
    ("codes edit", "`updated: true`", "`id`, `fields`"),
    ("codes rename, codes move", "`from`", "`old_code`"),
    ("codes anchor", "`coding`", "`coding_id`"),
    ("codes delete", "`deleted: {codes, codings}`", "`deleted: true`, `codes`, `codings`"),
    (
        "codebook import",
        "`added`, `updated` (lists)",
        "counts; `rows` (`code`, `status`, `fields`)",
    ),
    # codings, memos, analysis, Mayring
    ("codings", "`memos` (strings)", "`memos` (memo objects); `memo`: the coding's own memo"),
    ("codings export --json (no file)", "CSV text", "the rows of `codings --json`"),
    ("codings import", "`imported`", "`codings`"),
    (
        "memo add, memo list",
        "`target` (a number, a path or a name)",
        "`document`, `code` or `coding_id`",
    ),
    ("recode", "`sample[].coding`", "`sample[].coding_id`"),
    ("recode --map", "`created`", "`created_code_paths`"),
    ("search", "`codes`", "`code_paths` (and `passage_id`)"),
    ("similar", "`codes`", "`code_paths`"),
    ("retrieve", "`codes` (a mapping)", "`terms` (`[{term, code}]`)"),
    ("retrieve, report segments", "`segments` (the list)", "`rows`; `segments` is the count"),
    ("retrieve, report segments", '`coder` ("anna, ben")', "`coders` (a list); `coding_ids`"),
    ("retrieve", "`orphaned` (0/1)", "`orphaned` (true/false)"),
    ("retrieve", "`code`, `definition`", "(removed: the query is `query`, the codes `terms`)"),
    ("suggest, next", "`suggestions`", "`suggested_codes`"),
    (
        "rq add, edit, show, list",
        "`name`, `categories`",
        "`rq`, `code_paths`; one row shape with `segments`, `codings`, `documents`, `coded_share`",
    ),
    ("rq delete", "`name`, `categories` (a count)", "`rq`, `codes`"),
    ("set show", "`members`", "`document_names`"),
    ("summary set", "`removed`", "`deleted`"),
    ("checkpoint", "`name`", "`checkpoint`"),
    (
        "checkpoint diff",
        "`codes: {before, after}`, `codings: {before, after}`",
        "`codes_before`, `codes_after`, `codings_before`, `codings_after`",
    ),
    ("check-sample", "`name`, `passages`, `done`", "`check_sample`, `units`, `units_done`"),
    # reports, agreement, REFI-QDA
    ("report freq", "`rows[].codings`, `total_codings`", "`segments`, `total_segments`"),
    ("report freq", "`counts`", "(removed: the rows count segments)"),
    ("report crosstab", "`by`, `columns[].values`", "`attribute_names`, `columns[].attributes`"),
    (
        "report cooc",
        "`codes`, `names`, `pairs[].count`",
        "`code_paths`, `code_names`, `pairs[].units`",
    ),
    (
        "report matrix",
        "`codes`, `names`, `attributes` (a list), `totals`",
        "`code_paths`, `code_names`, `attribute_names`, `column_totals`",
    ),
    ("report words", "`categories[].lemmas`", "`categories[].lemma_count`"),
    ("report agenda", "`rows[].codings`", "`rows[].segments`"),
    (
        "report summaries",
        "`attributes`, `codes`, `summaries` (a count), `rows[].summaries` (a mapping)",
        "`attribute_names`, `code_paths`, `summary_count`, `rows[].summaries` (`[{code, text}]`)",
    ),
    (
        "agreement, report disagreements",
        "`compared_documents`, `codes` (rows)",
        "`document_names`, `rows`",
    ),
    (
        "agreement, report disagreements",
        "`rows[].coded_units` (`{coder: n}`), `excluded_documents[].coded_by`",
        "`rows[].by_coder` (`[{coder, units}]`), `excluded_documents[].coders`",
    ),
    (
        "agreement, report disagreements",
        "`disagreements[].codes` (`{coder: [paths]}`)",
        "`disagreements[].by_coder` (`[{coder, code_paths}]`)",
    ),
    (
        "report disagreements --sample",
        "`sample`, `disagreements[].passage`",
        "`check_sample`, `disagreements[].passage_id`",
    ),
    ("report full", "`output`", "`file`"),
    (
        "refi export",
        "`users`, `notes`, `variables`",
        "`coders` (names), `memo_count`, `attribute_names`",
    ),
    (
        "refi import",
        "`users`, `notes`, `skipped`",
        "`coders` (names), `memo_count`, `left_out` — the same keys with and without --dry-run",
    ),
    (
        "refi import",
        "`documents{imported,reused,renamed}`, `codes{created,merged,updated}`, `codings{imported,skipped}`",
        "`documents_imported`, `document_names`, `documents_reused`, `documents_renamed`, `codes_created`, `codes_merged`, `codes_updated`, `codings_imported`, `codings_skipped`",
    ),
    (
        "refi import",
        "`attributes`, `memos`, `coders` (created)",
        "`attribute_values`, `memos_imported`, `new_coders`",
    ),
    (
        "refi import",
        "`research_questions{created,assigned,notes}`",
        "`rqs_created`, `categories_assigned`, `rq_notes`",
    ),
]
