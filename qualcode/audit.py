"""The audit log: every change, who made it, and how to revert it exactly.

A writing session (``database.transaction``) carries an :class:`AuditContext`.
Changes made through the ORM are captured automatically after each flush; bulk
statements record their rows with :func:`record_rows` / :func:`record_update_many`.
Each command becomes one :class:`~qualcode.models.AuditEntry` with row-level
:class:`~qualcode.models.AuditChange` records (before/after as JSON), which is
enough to undo and redo it exactly — ids, definitions and memos included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Table, delete, event, insert, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import attributes
from sqlmodel import Session

from qualcode.errors import Conflict, QualcodeError
from qualcode.models import DATA_TABLES, AuditChange, AuditEntry, utcnow

if TYPE_CHECKING:
    from qualcode.schemas.project import Change, LogEntry

_TABLES: dict[str, Table] = {m.__table__.name: m.__table__ for m in DATA_TABLES}  # type: ignore[attr-defined]
_ORDER = {name: i for i, name in enumerate(_TABLES)}


@dataclass
class AuditContext:
    command: str
    coder: str
    entry_id: int | None = None
    seq: int = 0
    summary: str = ""


def attach(session: Session, *, command: str, coder: str) -> AuditContext:
    ctx = AuditContext(command=command, coder=coder)
    session.info["audit"] = ctx
    return ctx


def context(session: Session) -> AuditContext | None:
    return session.info.get("audit")


def set_summary(session: Session, summary: str) -> None:
    ctx = context(session)
    if ctx is not None:
        ctx.summary = summary
        if ctx.entry_id is not None:
            session.connection().execute(
                update(AuditEntry.__table__)
                .where(AuditEntry.__table__.c.id == ctx.entry_id)
                .values(summary=summary)
            )


def ensure_entry(session: Session) -> int | None:
    """Write the entry of this action now, even if it changes no row.

    Batch commands call this so that every command that succeeded is one step of
    `qualcode undo` (undoing an action that found nothing to change is a no-op).
    """
    ctx = context(session)
    if ctx is None:
        return None
    return _entry_id(session, ctx)


# --- serialisation ---------------------------------------------------------------------


def _json(value: Any) -> str:
    """JSON text of rows (orjson: encoding a million codings is what a big merge costs)."""
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _dumps(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    return _json(row)


def _loads(table: Table, text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    return _load_row(table, orjson.loads(text))


_CONVERTERS: dict[str, dict[str, Any]] = {}


def _converters(table: Table) -> dict[str, Any]:
    """Per column that JSON cannot carry: the function that restores the Python value."""
    conv = _CONVERTERS.get(table.name)
    if conv is None:
        conv = {}
        for col in table.columns:
            col_type = getattr(
                col.type, "impl_instance", col.type
            )  # TypeDecorator (SQLModel's UTCDateTime)
            try:
                py = col_type.python_type
            except NotImplementedError:
                continue
            if py is datetime:
                conv[col.key] = datetime.fromisoformat
            elif py is date:
                conv[col.key] = date.fromisoformat
            elif py is bool:
                conv[col.key] = bool
        _CONVERTERS[table.name] = conv
    return conv


def _load_row(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Python values for the JSON values of one row (dates, datetimes, booleans)."""
    for key, fn in _converters(table).items():
        value = data.get(key)
        if value is not None:
            data[key] = fn(value)
    return data


def _row_of(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


# --- recording ---------------------------------------------------------------------------


def _entry_id(session: Session, ctx: AuditContext) -> int:
    if ctx.entry_id is None:
        conn = session.connection()
        # A new action makes this coder's undone ones unreachable for redo.
        conn.execute(
            update(AuditEntry.__table__)
            .where(
                AuditEntry.__table__.c.state == "undone", AuditEntry.__table__.c.coder == ctx.coder
            )
            .values(state="dropped")
        )
        result = conn.execute(
            insert(AuditEntry.__table__).values(
                at=utcnow(), coder=ctx.coder, command=ctx.command, summary=ctx.summary, state="done"
            )
        )
        ctx.entry_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return ctx.entry_id


def _write(session: Session, ctx: AuditContext, changes: list[dict[str, Any]]) -> None:
    if not changes:
        return
    entry_id = _entry_id(session, ctx)
    for change in changes:
        ctx.seq += 1
        change["entry_id"] = entry_id
        change["seq"] = ctx.seq
        # one executemany: every row needs the same keys (inserts have no before, deletes no after)
        change.setdefault("before", None)
        change.setdefault("after", None)
    session.connection().execute(insert(AuditChange.__table__), changes)


def _json_default(value: Any) -> Any:
    raise TypeError(f"cannot store {type(value).__name__} in the audit log")


def record_rows(session: Session, table: str, op: str, rows: Iterable[dict[str, Any]]) -> None:
    """Record rows inserted (``op='insert'``) or deleted (``op='delete'``) by a bulk statement.

    One row becomes one change; several rows become one compact ``insert_many`` /
    ``delete_many`` change holding the list of rows (``row_id`` = how many), which
    keeps bulk imports, autocoding and merges of a million codings fast.
    """
    ctx = context(session)
    if ctx is None:
        return
    rows = list(rows)
    if not rows:
        return
    key = "after" if op == "insert" else "before"
    if len(rows) == 1:
        _write(
            session,
            ctx,
            [{"table_name": table, "op": op, "row_id": rows[0]["id"], key: _dumps(rows[0])}],
        )
        return
    payload = _json(rows)
    _write(
        session, ctx, [{"table_name": table, "op": f"{op}_many", "row_id": len(rows), key: payload}]
    )


def record_update(
    session: Session, table: str, row_id: int, before: dict[str, Any], after: dict[str, Any]
) -> None:
    ctx = context(session)
    if ctx is None:
        return
    _write(
        session,
        ctx,
        [
            {
                "table_name": table,
                "op": "update",
                "row_id": row_id,
                "before": _dumps(before),
                "after": _dumps(after),
            }
        ],
    )


def record_update_many(
    session: Session, table: str, ids: Sequence[int], before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Record one bulk UPDATE that set ``after`` on rows ``ids`` which all had ``before``."""
    ctx = context(session)
    if ctx is None or not ids:
        return
    payload = {"ids": list(ids), "values": before}
    payload_after = {"ids": list(ids), "values": after}
    _write(
        session,
        ctx,
        [
            {
                "table_name": table,
                "op": "update_many",
                "row_id": len(ids),  # for *_many changes: the number of rows
                "before": _json(payload),
                "after": _json(payload_after),
            }
        ],
    )


@event.listens_for(OrmSession, "after_flush")
def _capture(session: OrmSession, _flush_context) -> None:
    ctx: AuditContext | None = session.info.get("audit")
    if ctx is None:
        return
    changes: list[dict[str, Any]] = []
    for obj in session.new:
        table = getattr(obj, "__table__", None)
        if table is None or table.name not in _TABLES:
            continue
        changes.append(
            {
                "table_name": table.name,
                "op": "insert",
                "row_id": obj.id,
                "after": _dumps(_row_of(obj)),
            }
        )
    for obj in session.dirty:
        table = getattr(obj, "__table__", None)
        if (
            table is None
            or table.name not in _TABLES
            or not session.is_modified(obj, include_collections=False)
        ):
            continue
        before, after = {}, {}
        for col in table.columns:
            hist = attributes.get_history(obj, col.key)
            if hist.has_changes() and hist.deleted:
                before[col.key] = hist.deleted[0]
                after[col.key] = getattr(obj, col.key)
        if before:
            changes.append(
                {
                    "table_name": table.name,
                    "op": "update",
                    "row_id": obj.id,
                    "before": _dumps(before),
                    "after": _dumps(after),
                }
            )
    for obj in session.deleted:
        table = getattr(obj, "__table__", None)
        if table is None or table.name not in _TABLES:
            continue
        row = _row_of(obj)
        for col in table.columns:  # values as loaded from the database
            hist = attributes.get_history(obj, col.key)
            if hist.deleted:
                row[col.key] = hist.deleted[0]
        changes.append(
            {"table_name": table.name, "op": "delete", "row_id": obj.id, "before": _dumps(row)}
        )
    if changes:
        _write(session, ctx, changes)  # type: ignore[arg-type]


# --- undo and redo -------------------------------------------------------------------------


def _topological(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Codes reference their parent: restore parents first."""
    if table.name != "code":
        return rows
    pending = {r["id"]: r for r in rows}
    ordered: list[dict[str, Any]] = []
    while pending:
        ready = [r for r in pending.values() if r.get("parent_id") not in pending]
        for r in ready:
            ordered.append(pending.pop(r["id"]))
    return ordered


def _apply(
    session: Session, entry: AuditEntry, changes: list[AuditChange], *, forward: bool
) -> None:
    """Apply the changes of one entry forward (redo) or backward (undo).

    Refuses (:class:`Conflict`, nothing changed) when later work built on the rows it
    would remove (a memo on a code, a coding with it, a sub-code, an anchor example), when
    a row it would restore needs a row that is gone, or when a later action took the id of
    a row it would restore.
    """
    conn = session.connection()
    verb = "redo" if forward else "undo"
    to_insert: dict[str, list[dict[str, Any]]] = {}
    to_delete: dict[str, list[int]] = {}
    # the rows as they must still be before they are deleted (else later work would be lost)
    expected: dict[str, dict[int, dict[str, Any]]] = {}
    updates: list[tuple[Table, AuditChange]] = []
    for ch in changes:
        table = _TABLES[ch.table_name]
        if ch.op in ("update", "update_many"):
            updates.append((table, ch))
        elif ch.op in ("insert_many", "delete_many"):
            data = orjson.loads((ch.after if ch.op == "insert_many" else ch.before) or "[]")
            if (ch.op == "insert_many") == forward:
                to_insert.setdefault(ch.table_name, []).extend(_load_row(table, r) for r in data)
            else:
                to_delete.setdefault(ch.table_name, []).extend(int(r["id"]) for r in data)
                rows = expected.setdefault(ch.table_name, {})
                rows.update((int(r["id"]), _load_row(table, r)) for r in data)
        elif (ch.op == "insert") == forward:
            to_insert.setdefault(ch.table_name, []).append(
                _loads(table, ch.after if forward else ch.before)
            )
        else:
            to_delete.setdefault(ch.table_name, []).append(int(ch.row_id))  # type: ignore[arg-type]
            expected.setdefault(ch.table_name, {})[int(ch.row_id)] = _loads(  # type: ignore[arg-type]
                table, ch.after if ch.op == "insert" else ch.before
            )
    if not forward:
        updates.reverse()

    _check_needed(conn, entry, verb, to_insert)
    for name in sorted(to_insert, key=_ORDER.__getitem__):
        table = _TABLES[name]
        new_rows = _topological(table, to_insert[name])
        ids = [r["id"] for r in new_rows]
        for chunk in _chunks(ids):
            taken = [i for (i,) in conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))]
            if taken:
                _refuse_taken(conn, entry, verb, name, sorted(taken))
        if name == "code":
            for r in new_rows:
                conn.execute(insert(table).values(**r))
        else:
            conn.execute(insert(table), new_rows)

    for table, ch in updates:
        src, dst = (ch.before, ch.after) if forward else (ch.after, ch.before)
        if ch.op == "update_many":
            want = orjson.loads(src)  # type: ignore[arg-type]
            new = orjson.loads(dst)  # type: ignore[arg-type]
            ids = want["ids"]
            values = _load_row(table, new["values"])
            expect = _load_row(table, want["values"])
            for chunk in _chunks(ids):
                cond = [table.c.id.in_(chunk)] + [table.c[k] == v for k, v in expect.items()]
                res = conn.execute(update(table).where(*cond).values(**values))
                if res.rowcount != len(chunk):
                    raise Conflict(
                        f"{table.name} rows changed since this action",
                        "undo/redo would overwrite later work; nothing was changed",
                    )
        else:
            expect = _loads(table, src)
            values = _loads(table, dst)
            cond = [table.c.id == ch.row_id] + [table.c[k] == v for k, v in expect.items()]
            res = conn.execute(update(table).where(*cond).values(**values))
            if res.rowcount != 1:
                raise Conflict(
                    f"{table.name} row {ch.row_id} changed since this action",
                    "undo/redo would overwrite later work; nothing was changed",
                )

    deleting = {name: set(ids) for name, ids in to_delete.items()}
    for name in sorted(to_delete, key=_ORDER.__getitem__, reverse=True):
        table = _TABLES[name]
        ids = to_delete[name]
        _verify_unchanged(conn, table, expected.get(name, {}))
        # children first: what still refers to these rows now is not this action's
        _check_dependents(conn, entry, verb, name, ids, expected.get(name, {}), deleting)
        if name == "code":  # children before parents
            code_rows = [
                dict(r._mapping)
                for r in conn.execute(
                    select(table.c.id, table.c.parent_id).where(table.c.id.in_(ids))
                )
            ]
            ids = [r["id"] for r in reversed(_topological(table, code_rows))]
            for i in ids:
                conn.execute(delete(table).where(table.c.id == i))
            continue
        for chunk in _chunks(ids):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))


def _verify_unchanged(conn: Any, table: Table, rows: dict[int, dict[str, Any]]) -> None:
    """Refuse to delete rows that someone changed (or deleted) after this action."""
    if not rows:
        return
    cols = [c for c in table.columns if not _is_time(c)]
    for chunk in _chunks(list(rows)):
        found = {r.id: r._mapping for r in conn.execute(select(*cols).where(table.c.id.in_(chunk)))}
        for row_id in chunk:
            now = found.get(row_id)
            want = rows[row_id]
            if now is None or any(c.key in want and now[c.key] != want[c.key] for c in cols):
                raise Conflict(
                    f"{table.name} row {row_id} changed since this action",
                    "undo/redo would overwrite later work; nothing was changed",
                )


# What refers to a row: (child table, column, parent table, (column, value) the child row
# must also have). The foreign keys, and the references that have none.
_REFERENCES: list[tuple[Table, Any, str, tuple[str, str] | None]] = (
    [
        (child, fk.parent, fk.column.table.name, None)
        for child in _TABLES.values()
        for fk in sorted(child.foreign_keys, key=lambda fk: fk.parent.name)
        if fk.column.table.name in _TABLES
    ]
    + [
        (_TABLES["memo"], _TABLES["memo"].c.target_id, target, ("target_type", target))
        for target in ("document", "code", "coding")
    ]
    + [
        (_TABLES[child], _TABLES[child].c[col], parent, None)
        for child, col, parent in (
            ("code", "anchor_coding_id", "coding"),
            ("check_sample", "research_question_id", "research_question"),
            ("check_passage", "document_id", "document"),
            ("check_coding", "code_id", "code"),
            ("case_summary", "document_id", "document"),
            ("case_summary", "code_id", "code"),
        )
    ]
)
_SHOWN = 3  # rows named in a refusal


def _label(table: str, row: dict[str, Any] | None, row_id: int) -> str:
    name = (row or {}).get("name")
    return f"{table.replace('_', ' ')} {row_id}" + (f" {name!r}" if name else "")


def _dependent_label(child: Table, col: Any, child_id: int) -> str:
    if col.key == "anchor_coding_id":
        return f"the anchor example of code {child_id}"
    if col.key == "parent_id":
        return f"sub-code {child_id}"
    return f"{child.name.replace('_', ' ')} {child_id}"


def _who(
    conn: Any, table: str, ids: Iterable[int], kind: str, *, since: int
) -> dict[int, tuple[int, str, str]]:
    """``row id → (entry id, coder, command)``: the newest action in effect (not ``since``
    itself) that inserted and updated (``kind="made"``) or deleted (``"deleted"``) these
    rows of ``table``. Bulk changes are read only after ``since`` (their lists are long)."""
    e, c = AuditEntry.__table__, AuditChange.__table__  # type: ignore[attr-defined]
    single, bulk = (
        (("insert", "update"), ("insert_many", "update_many"))
        if kind == "made"
        else (("delete",), ("delete_many",))
    )
    wanted = set(ids)
    out: dict[int, tuple[int, str, str]] = {}

    def keep(row_id: int, eid: int, coder: str, command: str) -> None:
        if row_id not in out or out[row_id][0] < eid:
            out[row_id] = (eid, coder, command)

    base = (
        select(c.c.row_id, c.c.op, c.c.before, c.c.after, e.c.id, e.c.coder, e.c.command)
        .join(e, e.c.id == c.c.entry_id)
        .where(c.c.table_name == table, e.c.state == "done", e.c.id != since)
    )
    for chunk in _chunks(sorted(wanted)):
        for row_id, _op, _b, _a, eid, coder, command in conn.execute(
            base.where(c.c.op.in_(single), c.c.row_id.in_(chunk))
        ):
            keep(int(row_id), eid, coder, command)
    for _row_id, op, before, after, eid, coder, command in conn.execute(
        base.where(c.c.op.in_(bulk), e.c.id > since)
    ):
        data = orjson.loads((before if op == "delete_many" else after) or "[]")
        got = set(data["ids"]) if isinstance(data, dict) else {int(r["id"]) for r in data}
        for i in got & wanted:
            keep(i, eid, coder, command)
    return out


def _action(found: tuple[int, str, str] | None) -> str:
    if found is None:
        return "a change outside the log"
    eid, coder, command = found
    command = command if len(command) <= 70 else command[:69] + "…"
    return f"#{eid} by {coder}: {command}"


def _check_dependents(
    conn: Any,
    entry: AuditEntry,
    verb: str,
    name: str,
    ids: list[int],
    rows: dict[int, dict[str, Any]],
    deleting: dict[str, set[int]],
) -> None:
    """Refuse to remove rows that later work refers to (it would point at nothing, or at
    whatever row takes the id next)."""
    found: list[tuple[Table, Any, int, int]] = []  # child, column, child id, parent id
    for child, col, parent, where in _REFERENCES:
        if parent != name:
            continue
        own = deleting.get(child.name, set())
        for chunk in _chunks(ids):
            stmt = select(child.c.id, col).where(col.in_(chunk))
            if where is not None:
                stmt = stmt.where(child.c[where[0]] == where[1])
            found += [(child, col, i, p) for i, p in conn.execute(stmt) if i not in own]
    if not found:
        return
    by_row = {
        child_name: _who(
            conn,
            child_name,
            [i for child, _c, i, _p in found if child.name == child_name],
            "made",
            since=entry.id,  # type: ignore[arg-type]
        )
        for child_name in {child.name for child, _c, _i, _p in found}
    }
    parents = sorted({p for _c, _col, _i, p in found})
    what = ", ".join(_label(name, rows.get(p), p) for p in parents[:_SHOWN])
    if len(parents) > _SHOWN:
        what += f" and {len(parents) - _SHOWN} more"
    shown = [
        f"{_dependent_label(child, col, i)} ({_action(by_row[child.name].get(i))})"
        for child, col, i, _p in found[:_SHOWN]
    ]
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    entries = sorted({w[0] for who in by_row.values() for w in who.values()})
    first = (
        "revert "
        + ", ".join(f"#{e}" for e in entries)
        + " first (`qualcode log` lists the actions; "
        "a colleague's action needs --force)"
        if entries
        else "remove them first"
    )
    raise Conflict(
        f"{verb} would remove {what}, which later work built on: {', '.join(shown)}{more}",
        f"{first}, or keep this action; nothing was changed",
    )


def _refuse_taken(conn: Any, entry: AuditEntry, verb: str, name: str, ids: list[int]) -> None:
    """A row to restore has its id taken again: say by which later action, if the log knows."""
    who = _who(conn, name, ids, "made", since=entry.id)  # type: ignore[arg-type]
    row_id = ids[0]
    if row_id not in who:
        raise Conflict(
            f"cannot restore {name} rows: a row with the same id exists again",
            "the log and the data disagree; run `qualcode check`",
        )
    label = name.replace("_", " ")
    again = (
        f"make the change again (`{entry.command}`)"
        if verb == "redo"
        else f"revert #{who[row_id][0]} first (a colleague's action needs --force), "
        "or make the change again by hand"
    )
    raise Conflict(
        f"{verb} is no longer possible: the id of {label} {row_id} was taken by a later "
        f"action ({_action(who[row_id])})",
        f"{again}; nothing was changed",
    )


def _check_needed(
    conn: Any, entry: AuditEntry, verb: str, to_insert: dict[str, list[dict[str, Any]]]
) -> None:
    """Refuse to restore rows that refer to rows a later action removed."""
    coming = {name: {r["id"] for r in rows} for name, rows in to_insert.items()}
    for child, col, parent, where in _REFERENCES:
        rows = to_insert.get(child.name)
        if not rows or col.key == "anchor_coding_id":  # an anchor falls back to its text
            continue
        need = {
            r[col.key]
            for r in rows
            if r.get(col.key) is not None and (where is None or r.get(where[0]) == where[1])
        } - coming.get(parent, set())
        if not need:
            continue
        table = _TABLES[parent]
        there: set[int] = set()
        for chunk in _chunks(sorted(need)):
            there.update(
                i for (i,) in conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))
            )
        gone = sorted(need - there)
        if not gone:
            continue
        who = _who(conn, parent, gone, "deleted", since=entry.id)  # type: ignore[arg-type]
        row = next(r for r in rows if r.get(col.key) == gone[0])
        p = parent.replace("_", " ")
        raise Conflict(
            f"{verb} is no longer possible: {_dependent_label(child, col, row['id'])} refers to "
            f"{p} {gone[0]}, which a later action removed ({_action(who.get(gone[0]))})",
            (
                f"revert #{who[gone[0]][0]} first (a colleague's action needs --force), or "
                if gone[0] in who
                else ""
            )
            + "make the change again by hand; nothing was changed",
        )


def _is_time(column: Any) -> bool:
    col_type = getattr(column.type, "impl_instance", column.type)
    try:
        return col_type.python_type in (datetime, date)
    except NotImplementedError:
        return False


def _chunks(ids: Sequence[int], size: int = 5000) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _changes(session: Session, entry_id: int) -> list[AuditChange]:
    return list(
        session.execute(
            select(AuditChange).where(AuditChange.entry_id == entry_id).order_by(AuditChange.seq)
        ).scalars()
    )  # type: ignore[call-overload]


def undo(session: Session, steps: int = 1, coder: str | None = None) -> list[AuditEntry]:
    """Revert the last ``steps`` actions that are not undone yet, newest first.

    With ``coder``, only that coder's actions: in a team, your undo never reverts a
    colleague's work (and refuses if a colleague changed the same rows since).
    """
    stmt = select(AuditEntry).where(AuditEntry.state == "done")
    if coder is not None:
        stmt = stmt.where(AuditEntry.coder == coder)
    entries = list(
        session.execute(stmt.order_by(AuditEntry.id.desc()).limit(steps)).scalars()  # type: ignore[attr-defined]
    )
    if not entries:
        raise QualcodeError(
            "nothing to undo" + (f" for coder {coder!r}" if coder else ""),
            "the audit log has no action left to revert (see `qualcode log`"
            + ("; your own actions only)" if coder else ")"),
        )
    for entry in entries:
        _apply(session, entry, _changes(session, entry.id), forward=False)  # type: ignore[arg-type]
        entry.state = "undone"
    session.flush()
    return entries


def check_undo(session: Session, steps: int, coder: str | None, me: str) -> None:
    """Refuse (:class:`NeedsForce`) an undo that would revert another coder's action or one
    that changed more than :data:`qualcode.safety.MANY_ROWS` rows; see :mod:`qualcode.safety`."""
    from sqlalchemy import case, func

    from qualcode.errors import NeedsForce
    from qualcode.safety import MANY_ROWS, plural

    stmt = select(AuditEntry).where(AuditEntry.state == "done")
    if coder is not None:
        stmt = stmt.where(AuditEntry.coder == coder)
    entries = list(session.execute(stmt.order_by(AuditEntry.id.desc()).limit(steps)).scalars())  # type: ignore[attr-defined]
    if not entries:
        return
    rows = func.sum(
        case(
            (AuditChange.op.like("%\\_many", escape="\\"), func.coalesce(AuditChange.row_id, 1)),
            else_=1,
        )
    )
    counts: dict[str, int] = dict(
        session.execute(
            select(AuditChange.entry_id, rows)
            .where(AuditChange.entry_id.in_([e.id for e in entries]))  # type: ignore[attr-defined]
            .group_by(AuditChange.entry_id)
        ).all()
    )
    for e in entries:
        n = int(counts.get(e.id, 0) or 0)
        if e.coder != me or n > MANY_ROWS:
            why = f"by {e.coder}" if e.coder != me else f"more than {MANY_ROWS} rows"
            raise NeedsForce(
                f"undo would revert #{e.id} {e.command!r} ({plural(n, 'row')} changed, {why})",
                "add --force to revert it (`qualcode log` lists the actions; "
                "`qualcode redo` re-applies it)",
            )


def redo(session: Session, steps: int = 1, coder: str | None = None) -> list[AuditEntry]:
    """Re-apply the most recently undone actions (of ``coder``, if given), oldest first."""
    stmt = select(AuditEntry).where(AuditEntry.state == "undone")
    if coder is not None:
        stmt = stmt.where(AuditEntry.coder == coder)
    entries = list(session.execute(stmt.order_by(AuditEntry.id).limit(steps)).scalars())
    if not entries:
        raise QualcodeError(
            "nothing to redo", "redo works after `qualcode undo`, before any new change"
        )
    for entry in entries:
        _apply(session, entry, _changes(session, entry.id), forward=True)  # type: ignore[arg-type]
        entry.state = "done"
    session.flush()
    return entries


def log(session: Session, limit: int | None = 50) -> list[LogEntry]:
    """The newest entries with the number of rows each changed."""
    from sqlalchemy import case, func

    # rows changed: one per change, the row count for bulk (*_many) changes
    rows = func.sum(
        case(
            (AuditChange.id.is_(None), 0),  # type: ignore[union-attr]
            (AuditChange.op.like("%\\_many", escape="\\"), func.coalesce(AuditChange.row_id, 1)),
            else_=1,
        )  # type: ignore[attr-defined]
    )
    stmt = (
        select(AuditEntry, func.coalesce(rows, 0))
        .join(AuditChange, AuditChange.entry_id == AuditEntry.id, isouter=True)
        .group_by(AuditEntry.id)
        .order_by(AuditEntry.id.desc())  # type: ignore[attr-defined]
    )
    if limit:
        stmt = stmt.limit(limit)
    out: list[LogEntry] = []
    for entry, n in session.execute(stmt):
        out.append(
            {
                "id": entry.id,
                "created_at": entry.at.isoformat(timespec="seconds"),
                "coder": entry.coder,
                "command": entry.command,
                "summary": entry.summary,
                "state": entry.state,
                "row_changes": n,
            }
        )
    return out


def entry_changes(session: Session, entry_id: int) -> list[Change]:
    return [
        {
            "table": c.table_name,
            "op": c.op,
            "id": c.row_id,
            "before": orjson.loads(c.before) if c.before else None,
            "after": orjson.loads(c.after) if c.after else None,
        }
        for c in _changes(session, entry_id)
    ]
