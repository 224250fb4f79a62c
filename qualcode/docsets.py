"""Document sets: named groups of documents, chosen by hand or by an attribute rule.

A rule is a boolean expression (:mod:`qualcode.boolexpr`) over attribute conditions:
``Format=Web AND Region=Görlitz``, ``Format=Präsenz OR Format=Hybrid``,
``NOT Region=Bautzen``, ``Teilnehmende>=20``, ``Datum=2024-01-01..2024-06-30`` (a
range, both ends included; ``..2024-06-30`` and ``2024-01-01..`` are open). Keys and
text values compare like everywhere in qualcode (NFC, case-insensitive); numbers and
dates by value. A rule set is evaluated whenever it is used, so documents imported
later join it.

Reading a set works on any DB-API-like executor (``execute(sql) -> rows``), so the
SQLite fast paths and the SQLAlchemy path share it. A command's ``--set`` puts the
set's document ids on the session (:func:`apply_scope`); the shared report helpers
(:func:`qualcode.reports.common.coding_filter`, ``document_count``, ``load_passages``
…) read them with :func:`scope_ids`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from qualcode import boolexpr
from qualcode.errors import Conflict, InvalidInput, NotFound
from qualcode.textutil import name_key, typed_value

if TYPE_CHECKING:
    from qualcode.schemas.analysis import SetAdded, SetRemoved, SetRow, SetShown

Execute = Callable[[str], list[tuple]]

_COND = re.compile(r"^\s*([^=<>!]+?)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$")
_RULE_HINT = (
    "write e.g. Format=Web AND Region=Görlitz, Datum=2024-01-01..2024-06-30, Teilnehmende>=20"
)


def session_execute(session: Any) -> Execute:
    conn = session.connection()
    return lambda sql: [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]


# --- rules -----------------------------------------------------------------------------------------


def _value(text: str, type_: str) -> Any:
    """A comparable value: numbers and booleans typed, dates and text as keys."""
    v = typed_value(text, type_)
    if isinstance(v, str):
        return (1, name_key(v)) if type_ != "date" else (0, v.strip())
    return (0, v)


def _match(cond: str, op: str, want: str, have: tuple[str, str] | None) -> bool:
    if have is None:
        return op == "!="
    value, type_ = have
    mine = _value(value, type_)
    if ".." in want and op == "=":
        lo, hi = (x.strip() for x in want.split("..", 1))
        try:
            return (not lo or mine >= _value(lo, type_)) and (not hi or mine <= _value(hi, type_))
        except TypeError:
            return False
    other = _value(want, type_)
    try:
        return {
            "=": mine == other,
            "!=": mine != other,
            ">": mine > other,
            "<": mine < other,
            ">=": mine >= other,
            "<=": mine <= other,
        }[op]
    except TypeError:  # a number compared with text
        return False


def _attributes(execute: Execute) -> dict[str, dict[int, tuple[str, str]]]:
    """``key (name_key) → document id → (value, type)``."""
    out: dict[str, dict[int, tuple[str, str]]] = {}
    for did, key, value, type_ in execute(
        "SELECT document_id, key, value, type FROM document_attribute"
    ):
        out.setdefault(name_key(key), {})[did] = (value, type_)
    return out


def check_rule(rule: str) -> boolexpr.Node:
    tree = boolexpr.parse(rule, "rule")
    if _has_near(tree):
        raise InvalidInput(f"NEAR has no meaning in a set rule ({rule!r})", _RULE_HINT)
    for term in boolexpr.terms(tree):
        if not _COND.match(term):
            raise InvalidInput(f"{term!r} in the rule is not KEY=VALUE", _RULE_HINT)
    return tree


def _has_near(node: boolexpr.Node) -> bool:
    return node[0] == "near" or any(isinstance(c, tuple) and _has_near(c) for c in node[1:])


def rule_ids(execute: Execute, rule: str) -> list[int]:
    """The ids of the documents the rule selects, ascending."""
    tree = check_rule(rule)
    attrs = _attributes(execute)
    every = {d for (d,) in execute("SELECT id FROM document")}

    def ev(node: boolexpr.Node) -> set[int]:
        kind = node[0]
        if kind == "term":
            m = _COND.match(node[1])
            key, op, want = m.group(1), m.group(2), m.group(3)  # type: ignore[union-attr]
            values = attrs.get(name_key(key))
            if values is None:
                known = sorted({k for k in attrs})
                raise NotFound(
                    f"no document has the attribute {key!r}",
                    "attributes: " + (", ".join(known) or "none yet (`qualcode docs set`)"),
                )
            return {d for d in every if _match(node[1], op, want, values.get(d))}
        if kind == "not":
            return every - ev(node[1])
        left, right = ev(node[1]), ev(node[2])
        return {"and": left & right, "or": left | right, "minus": left - right}[kind]

    return sorted(ev(tree))


# --- reading -------------------------------------------------------------------------------------


def _find(execute: Execute, name: str) -> tuple[int, str, str | None] | None:
    key = name_key(name)
    for sid, sname, skey, rule in execute("SELECT id, name, name_key, rule FROM doc_set"):
        if skey == key:
            return sid, sname, rule
    return None


def _unknown(execute: Execute, name: str) -> NotFound:
    names = [n for (n,) in execute("SELECT name FROM doc_set ORDER BY name_key")]
    return NotFound(
        f"unknown document set {name!r}",
        ("sets: " + ", ".join(names)) if names else "create one with `qualcode set add NAME DOC…`",
    )


def set_ids(execute: Execute, name: str) -> list[int]:
    """The ids of the documents in the set ``name``, ascending."""
    found = _find(execute, name)
    if found is None:
        raise _unknown(execute, name)
    sid, _name, rule = found
    if rule:
        return rule_ids(execute, rule)
    return [
        d
        for (d,) in execute(
            f"SELECT document_id FROM doc_set_member WHERE set_id = {int(sid)} ORDER BY document_id"
        )
    ]


def list_sets(execute: Execute) -> list[SetRow]:
    out = []
    for sid, sname, _key, rule in execute(
        "SELECT id, name, name_key, rule FROM doc_set ORDER BY name_key"
    ):
        out.append(
            {"id": sid, "set": sname, "rule": rule, "documents": len(set_ids(execute, sname))}
        )
    return out


def show_set(execute: Execute, name: str) -> SetShown:
    found = _find(execute, name)
    if found is None:
        raise _unknown(execute, name)
    sid, sname, rule = found
    ids = set_ids(execute, sname)
    names = dict(execute("SELECT id, name FROM document"))
    return {
        "id": sid,
        "set": sname,
        "rule": rule,
        "documents": len(ids),
        "document_names": sorted((names[i] for i in ids), key=lambda n: (n.lower(), n)),
    }


# --- the scope of a command ------------------------------------------------------------------------


def apply_scope(session: Any, name: str | None) -> list[int] | None:
    """Restrict what the shared report helpers read in this session to the set ``name``."""
    if not name:
        session.info.pop("doc_scope", None)
        return None
    ids = set_ids(session_execute(session), name)
    session.info["doc_scope"] = ids
    session.info["doc_scope_name"] = show_set(session_execute(session), name)["set"]
    return ids


def scope_ids(session: Any) -> list[int] | None:
    """The document ids this session is restricted to (``--set``), or None for all."""
    return session.info.get("doc_scope")


def restrict(session: Any, doc_ids: Sequence[int] | None) -> list[int] | None:
    """``doc_ids`` (None: all documents) narrowed to the session's set."""
    scope = scope_ids(session)
    if scope is None:
        return None if doc_ids is None else list(doc_ids)
    if doc_ids is None:
        return list(scope)
    keep = set(scope)
    return [d for d in doc_ids if d in keep]


# --- writing (ORM, audited) ------------------------------------------------------------------------


def add_set(session: Any, name: str, docs: Sequence[str] = (), rule: str | None = None) -> SetAdded:
    """Create a set (or add documents to a set chosen by hand). Returns what changed."""
    from sqlalchemy import select

    from qualcode.documents import resolve_document
    from qualcode.models import DocSet, DocSetMember
    from qualcode.names import check_name

    if not name.strip():
        raise InvalidInput("the set name is empty", "give a name, e.g. `qualcode set add Web …`")
    name = check_name("set", name)
    if rule is not None and docs:
        raise InvalidInput(
            "give either documents or --rule, not both", "a set is chosen by hand or by a rule"
        )
    if rule is None and not docs:
        raise InvalidInput(
            f"the set {name!r} needs documents or a rule",
            "give DOC… or --rule 'Format=Web AND Region=Görlitz'",
        )
    existing = session.execute(
        select(DocSet).where(DocSet.name_key == name_key(name))
    ).scalar_one_or_none()
    if rule is not None:
        check_rule(rule)
        if existing is not None:
            raise Conflict(
                f"a set named {existing.name!r} exists", "remove it first or choose another name"
            )
        ds = DocSet(name=name, name_key=name_key(name), rule=rule.strip())
        session.add(ds)
        session.flush()
        return {
            "id": ds.id,
            "set": name,
            "created": True,
            "rule": ds.rule,
            "added": 0,
            "documents": len(rule_ids(session_execute(session), rule)),
        }
    if existing is not None and existing.rule:
        raise Conflict(
            f"the set {existing.name!r} is chosen by the rule {existing.rule!r}",
            "documents cannot be added by hand; remove it and create it again",
        )
    created = existing is None
    ds = existing or DocSet(name=name, name_key=name_key(name))
    if created:
        session.add(ds)
        session.flush()
    have = {
        d
        for (d,) in session.execute(
            select(DocSetMember.document_id).where(DocSetMember.set_id == ds.id)
        )
    }
    added = 0
    for ref in docs:
        did = resolve_document(session, ref).id
        if did not in have:
            session.add(DocSetMember(set_id=ds.id, document_id=did))
            have.add(did)
            added += 1
    session.flush()
    return {
        "id": ds.id,
        "set": ds.name,
        "created": created,
        "rule": None,
        "added": added,
        "documents": len(have),
    }


def remove_set(session: Any, name: str, docs: Sequence[str] = ()) -> SetRemoved:
    """Delete a set, or (with ``docs``) take documents out of a set chosen by hand."""
    from sqlalchemy import select

    from qualcode.documents import resolve_document
    from qualcode.models import DocSet, DocSetMember
    from qualcode.names import check_text

    check_text("set", name)  # bytes that were not UTF-8 name no set
    ds = session.execute(
        select(DocSet).where(DocSet.name_key == name_key(name))
    ).scalar_one_or_none()
    if ds is None:
        raise _unknown(session_execute(session), name)
    members = list(
        session.execute(select(DocSetMember).where(DocSetMember.set_id == ds.id)).scalars()
    )
    if docs:
        if ds.rule:
            raise Conflict(
                f"the set {ds.name!r} is chosen by the rule {ds.rule!r}",
                "remove the whole set, or create a rule that leaves the documents out",
            )
        ids = {resolve_document(session, d).id for d in docs}
        gone = [m for m in members if m.document_id in ids]
        for m in gone:
            session.delete(m)
        session.flush()
        return {
            "id": ds.id,
            "set": ds.name,
            "deleted": False,
            "removed": len(gone),
            "documents": len(members) - len(gone),
        }
    for m in members:
        session.delete(m)
    session.flush()
    set_id = ds.id
    session.delete(ds)
    session.flush()
    return {"id": set_id, "set": ds.name, "deleted": True, "removed": len(members), "documents": 0}
