"""The JSON vocabulary: every key of every ``--json`` output, with its one type and meaning.

(docs/json.md, the JSON reference, is generated from this module and the schemas.)

- **Entities by their noun.** A row that *is* an entity carries ``id`` and its name under
  the entity's noun: ``document`` (a document's name), ``code`` (a code's path,
  ``Parent/Child``), ``coder``, ``set``, ``rq``, ``checkpoint``; a memo's text is ``text``.
- **References** to another row are ``<entity>_id`` (``coding_id``, ``document_id``) or,
  for several, ``<entity>_ids``; by name they use the entity's noun (``code``,
  ``document``).
- **Counts are plural nouns** and mean the same count everywhere: ``codings`` (one per
  coder and span), ``segments`` (coded spans, a span coded by several coders once),
  ``documents``, ``passages`` (paragraphs), ``sentences``, ``codes``, ``units``.
- **Lists are lists** (JSON arrays), never comma-separated strings or mappings. Three
  plural nouns are lists, not counts: ``coders`` (names), ``memos`` (memo objects, one
  shape everywhere) and ``rows`` (the rows of a table); their counts are ``memo_count``
  and so on. Lists of references: ``code_paths``, ``*_names``, ``*_ids``.
- **Timestamps** end in ``_at`` (ISO 8601). **Shares** are fractions 0–1 (``*_share``,
  ``percent_agreement``), never percent.
- **Booleans** are adjectives or participles (``created``, ``deleted``, ``dry_run``).
- **Errors** under ``--json``: ``{"error": …, "hint": …}`` on stdout, exit code 2.

Every property of every schema must be listed in :data:`KEYS` (the keys many commands
share) or in the ``KEYS`` of the module that types the command (keys of one group of
commands) with the JSON type it has there; a key is defined once.
tests/test_json_schemas.py enforces it, so one key cannot mean two things.
"""

from __future__ import annotations

from typing import NamedTuple


class Key(NamedTuple):
    type: str  # JSON type: integer number string boolean array object (null is always allowed)
    meaning: str


KEYS: dict[str, Key] = {
    # --- entities and references
    "id": Key("integer", "the id of the row (code, document, coding, memo, set, …)"),
    "document": Key("string", "a document's name"),
    "document_id": Key("integer", "the id of a document"),
    "code": Key("string", "a code's path (`Parent/Child`)"),
    "code_id": Key("integer", "the id of a code"),
    "name": Key("string", "an entity's own name: the last part of a code's path"),
    "parent": Key("string", "the path of a code's parent code (null: a top-level code)"),
    "coder": Key("string", "one coder's name"),
    "coding_id": Key("integer", "the id of a coding"),
    "coding_ids": Key("array", "the ids of the codings of a segment (one per coder)"),
    "memo_id": Key("integer", "the id of a memo"),
    "passage_id": Key("integer", "the id of a passage (paragraph)"),
    "set": Key("string", "a document set's name"),
    "rq": Key("string", "a research question's name"),
    "checkpoint": Key("string", "a revision checkpoint's name"),
    # --- lists
    "coders": Key("array", "coder names"),
    "memos": Key("array", "memo objects (id, on, document, code, coding_id, title, text, …)"),
    "rows": Key("array", "the rows of the table"),
    "code_paths": Key("array", "code paths"),
    "document_names": Key("array", "document names"),
    "attribute_names": Key("array", "document attribute names"),
    # --- counts
    "codings": Key("integer", "number of codings (one per coder and span)"),
    "segments": Key("integer", "number of coded segments (a span several coders coded: once)"),
    "documents": Key("integer", "number of documents"),
    "passages": Key("integer", "number of passages (paragraphs)"),
    "sentences": Key("integer", "number of sentences"),
    "codes": Key("integer", "number of codes"),
    "memo_count": Key("integer", "number of memos"),
    "units": Key("integer", "number of units of analysis compared or counted"),
    # --- spans and text
    "start": Key("integer", "start of a span, in code points of the stored text (0-based)"),
    "end": Key("integer", "end of a span (one past its last code point)"),
    "text": Key("string", "the text (of a span, a passage, a memo, a summary)"),
    "attributes": Key("object", "a document's attributes: name → value"),
    # --- time
    "created_at": Key("string", "when it was created (ISO 8601)"),
    "updated_at": Key("string", "when it was last changed (ISO 8601)"),
    "imported_at": Key("string", "when the document was imported (ISO 8601)"),
    # --- flags
    "created": Key("boolean", "the command created it (false: it existed)"),
    "deleted": Key("boolean", "the command deleted it"),
    "dry_run": Key("boolean", "nothing was written: what the command would do"),
    "orphaned": Key("boolean", "the coding's span no longer matches its document's text"),
    # --- project
    "database": Key("string", "the project's database (a file path or a URL without password)"),
    "backend": Key("string", "the database system: sqlite or postgresql"),
    "schema_version": Key("integer", "the version of the project's database schema"),
    "unsplit_documents": Key("integer", "documents whose sentences are not stored yet"),
    "orphaned_codings": Key("integer", "number of codings whose span no longer matches"),
    "by_coder": Key("array", "one row per coder: id, coder and the coder's figures"),
    "audit_entries": Key("integer", "number of entries in the project's log"),
    "nlp": Key("string", "the NLP pipeline in use"),
    "suggestions": Key("object", "what the suggestion engine chose when it last trained"),
    # --- shared by several groups of commands
    "check_sample": Key("string", "a check sample's name"),
    "children": Key("boolean", "the sub-codes' segments are included"),
    "codes_created": Key("integer", "number of codes the command created"),
    "definition": Key("string", "a code's definition (coding agenda)"),
    "file": Key("string", "the file read or written (its full path)"),
    "kind": Key(
        "string",
        "what kind it is (of a rule, a sample, a change, a REFI-QDA file: the command says)",
    ),
    "label": Key(
        "string", "a label for people: a cluster's top lemmas, a column's attribute values"
    ),
    "memo": Key(
        "string",
        "a coding's own memo text (`code --memo`; of a segment: its codings', one a line); memos added to it are under `memos`",
    ),
    "on": Key("string", "what a memo is about: project, document, code or coding"),
    "pairing": Key(
        "string", "which codings meet: within-coder (one coder gave both) or across-coders"
    ),
    "rule": Key(
        "string",
        "a rule: a code's coding rule, a set's attribute rule, where a recode/autocode rule comes from, or how agreement units were compared (the command says)",
    ),
    "share": Key(
        "number",
        "a fraction 0–1: of the documents with the code (reports), of the passages drawn (check-sample)",
    ),
    "title": Key("string", "a memo's title"),
    "unit": Key(
        "string", "the unit: passage (paragraph), sentence, document, word, match, overlap"
    ),
    "added": Key(
        "integer", "number of items the command added (codes, codings, documents: the command says)"
    ),
    "anchor": Key("string", "a code's anchor example (a typical quotation)"),
    "backup": Key("string", "the path of a backup file (null: none was made)"),
    "codable": Key("boolean", "passages can be coded with the code (false: it only groups)"),
    "coded_share": Key(
        "number", "the share (0–1) of the content paragraphs coded (or marked not relevant)"
    ),
    "color": Key("string", "a code's colour (#RRGGBB)"),
    "depth": Key("integer", "a code's depth in the tree (1: top level)"),
    "fields": Key("array", "the names of the fields given or changed"),
    # --- errors
    "error": Key("string", "an expected error: what is wrong"),
    "hint": Key("string", "an expected error: what to do"),
    # --- project
    "project_created": Key("string", "the command created a new project at this path"),
    "encoding": Key("string", "the encoding a file was read in (utf-8, utf-16, windows-1252)"),
}


def all_keys() -> dict[str, Key]:
    """:data:`KEYS` and the keys of every type module (a key defined twice is an error)."""
    from qualcode.schemas import type_modules

    keys = dict(KEYS)
    for module in type_modules():
        for key, value in getattr(module, "KEYS", {}).items():
            if key in keys:
                raise ValueError(
                    f"the JSON key {key!r} is defined twice (in {module.__name__} too)"
                )
            keys[key] = value
    return keys
