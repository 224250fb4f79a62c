"""Outputs of the project commands: status, check, config, log, undo/redo, init, demo,
backup, db upgrade, users, embed."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.analysis import Explanation
from qualcode.schemas.vocabulary import Key


class CoderCount(TypedDict):
    """A coder of the project and the codings by that coder."""

    id: int
    coder: str
    codings: int


class Status(TypedDict):
    """`qualcode status`: what the project holds."""

    database: str
    backend: str
    schema_version: int
    documents: int
    passages: int
    sentences: int
    unsplit_documents: int
    codes: int
    codings: int
    orphaned_codings: int
    memo_count: int
    coders: list[str]
    by_coder: list[CoderCount]
    audit_entries: int
    nlp: str
    suggestions: Explanation | None


class Checked(TypedDict):
    """What `qualcode check` looked at: the rows of each kind."""

    documents: int
    passages: int
    sentences: int
    codes: int
    codings: int
    memo_count: int


class Problem(TypedDict):
    """One problem found: which check found it, what it is, and where (table and row id,
    the document) when it concerns one row."""

    check: str
    message: str
    table: NotRequired[str]
    id: NotRequired[int]
    document: NotRequired[str]


class OrphanedCoding(TypedDict):
    """A coding whose span no longer matches its document's text (a re-import with
    --update changed it): to re-code or remove. ``text`` is the text it had."""

    id: int
    document: str
    start: int
    end: int
    code: str | None
    coder: str
    text: str


class Check(TypedDict):
    """`qualcode check`: the project's integrity. ``ok`` is false when a problem was found
    (exit code 1); orphaned codings are listed for review, not counted as problems."""

    ok: bool
    backend: str
    checked: Checked
    problems: list[Problem]
    problem_counts: dict[str, int]
    orphaned_codings: int
    orphans: list[OrphanedCoding]


ConfigShow = TypedDict(
    "ConfigShow",
    {
        "schema_version": int,
        "nlp.model": NotRequired[str],
        "language": NotRequired[str],
        "checkpoint.threshold": NotRequired[str],
        "words.stopwords": NotRequired[str],
        "report.lang": NotRequired[str],
    },
)
ConfigShow.__doc__ = """`qualcode config show`: the project's schema version and the
settings that are set (a setting that is not set is left out)."""


class ConfigSet(TypedDict):
    """`qualcode config set`: the setting and its new value (empty: reset)."""

    key: str
    value: str


class LogEntry(TypedDict):
    """An entry of the audit log: one action (a command, a workbench action)."""

    id: int
    created_at: str
    coder: str
    command: str
    summary: str
    state: Literal["done", "undone", "dropped"]
    row_changes: int


class Change(TypedDict):
    """`qualcode log --entry ID`: one row change of the entry (``id`` is the changed row's
    id; ``before``/``after`` its values, null for an insert/delete)."""

    table: str
    op: str
    id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class UndoneEntry(TypedDict):
    """An audit log entry that `undo` reverted or `redo` applied again."""

    id: int
    command: str


class Init(TypedDict):
    """`qualcode init`: the new project."""

    database: str
    backend: str
    schema_version: int
    project_created: str


class DemoBuild(TypedDict):
    """`qualcode demo build`: what the demo project holds; ``project_created`` when the
    command created the project."""

    documents: int
    codes: int
    codings: int
    coded_documents: int
    project_created: NotRequired[str]


class Backup(TypedDict):
    """`qualcode backup`: the backup file and its size; with --with-cache the cache folder
    copied beside it (``cache`` null: the project has no cache yet)."""

    backup: str
    bytes: int
    cache: NotRequired[str | None]
    cache_bytes: NotRequired[int]


class DbUpgrade(TypedDict):
    """`qualcode db upgrade`: the schema version and revision before and after;
    ``upgraded`` false when the project was up to date."""

    database: str
    from_version: int
    to_version: int
    from_revision: str | None
    to_revision: str
    backup: str | None
    upgraded: bool
    hint: NotRequired[str]


class UserAdded(TypedDict):
    """`qualcode users add`: the coder who may log in; ``created`` false: the coder was
    in the users file and got a new password."""

    coder: str
    file: str
    created: bool


class UserRemoved(TypedDict):
    """`qualcode users remove`: the coder who may no longer log in."""

    coder: str
    file: str
    deleted: bool


class User(TypedDict):
    """A coder who may log in to `qualcode serve --users`."""

    coder: str


class EmbedStatus(TypedDict):
    """`qualcode embed --status`: the stored sentence embeddings of the passages."""

    enabled: bool
    encoder: str
    stored: int
    missing: int
    complete: bool
    running: bool
    bytes: int


class EmbedRun(TypedDict):
    """`qualcode embed`: what this run embedded (``running``: another embedder is at work,
    this one did nothing)."""

    embedded: int
    stored: int
    seconds: float
    complete: bool
    running: bool


KEYS: dict[str, Key] = {
    # check
    "ok": Key("boolean", "no problem was found"),
    "checked": Key("object", "the rows checked, by kind (counts)"),
    "problems": Key("array", "the problems found (at most 200 of each kind)"),
    "problem_counts": Key("object", "number of problems, by check"),
    "check": Key("string", "the check that found the problem"),
    "message": Key("string", "what is wrong, in words"),
    "table": Key("string", "a database table"),
    "orphans": Key("array", "the orphaned codings (id, document, span, code, coder, text)"),
    # config
    "key": Key("string", "a setting's name"),
    "value": Key("string", "a setting's value"),
    "nlp.model": Key("string", "setting: the spaCy pipeline the project uses"),
    "language": Key("string", "setting: the project's language (de, en)"),
    "checkpoint.threshold": Key("string", "setting: when a revision checkpoint is offered"),
    "words.stopwords": Key("string", "setting: extra stop words of `report words`"),
    "report.lang": Key("string", "setting: the language of the reports (de or en)"),
    # log, undo, redo
    "command": Key("string", "the command line or workbench action of an audit log entry"),
    "summary": Key("string", "what an audit log entry did, in words"),
    "state": Key(
        "string",
        "a state, in words: an audit log entry's (done or undone), the semantic block's "
        "(`suggest --explain`)",
    ),
    "row_changes": Key(
        "integer", "number of row changes of an audit log entry (rows inserted, updated, deleted)"
    ),
    "op": Key("string", "the kind of row change: insert, update, delete, …"),
    "before": Key("object", "a row's values before the change"),
    "after": Key("object", "a row's values after the change"),
    # demo, backup, db upgrade
    "coded_documents": Key("integer", "number of documents with codings"),
    "bytes": Key("integer", "a size in bytes"),
    "cache": Key("string", "the path of a cache folder (derived data)"),
    "cache_bytes": Key("integer", "the size of the cache folder in bytes"),
    "from_version": Key("integer", "the schema version before"),
    "to_version": Key("integer", "the schema version after"),
    "from_revision": Key("string", "the migration revision before"),
    "to_revision": Key("string", "the migration revision after"),
    "upgraded": Key("boolean", "the command upgraded the project"),
    # users
    # embed
    "enabled": Key("boolean", "the sentence embeddings are switched on"),
    "encoder": Key("string", "the sentence encoder"),
    "stored": Key("integer", "number of passages whose embedding is stored"),
    "missing": Key("integer", "number of passages whose embedding is missing"),
    "embedded": Key("integer", "number of passages this run embedded"),
    "complete": Key("boolean", "no embedding is missing for the current documents"),
    "running": Key("boolean", "an embedder is at work for this project"),
    "seconds": Key("number", "how long it took, in seconds"),
}


COMMANDS: dict[str, Any] = {
    "status": Status,
    "check": Check,
    "config show": ConfigShow,
    "config set": ConfigSet,
    "log": list[LogEntry] | list[Change],
    "undo": list[UndoneEntry],
    "redo": list[UndoneEntry],
    "init": Init,
    "demo build": DemoBuild,
    "backup": Backup,
    "db upgrade": DbUpgrade,
    "users add": UserAdded,
    "users remove": UserRemoved,
    "users list": list[User],
    "embed": EmbedStatus | EmbedRun,
}
