"""Revision checkpoints: named snapshots of the category system and what changed since.

Mayring revises the category system after 10–50 % of the material. A checkpoint stores
the tree (ids, names, parents), the definitions, anchor examples and coding rules, the
counts, and which code every coding had; :func:`diff` compares two snapshots (or one with
the project now) and names what was added, merged, deleted, renamed, moved and
redefined, and how many codings moved from which category to which. Checkpoints are
data (audited; `undo` removes a new one) — `undo` itself stays the audit log's.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree, code_counts
from qualcode.errors import Conflict, InvalidInput, NotFound
from qualcode.mayring.tables import Checkpoint
from qualcode.models import Coding, ResearchQuestion
from qualcode.names import pick_by_name_or_id

if TYPE_CHECKING:
    from qualcode.schemas.mayring import CheckpointDiff, CheckpointRow

TEXT_FIELDS = ("definition", "anchor", "rule", "description")
RESERVED = ("list", "diff", "now")
NOW = "now"


def snapshot(session: Session) -> dict[str, Any]:
    """The category system as it is now (what a checkpoint stores)."""
    tree = CodeTree.load(session)
    counts = code_counts(session)
    rqs = {q.id: q.name for q in session.execute(select(ResearchQuestion)).scalars()}
    codes = []
    for c in tree.ordered():
        top = tree.by_id[c.id]  # type: ignore[index]
        while top.parent_id is not None:
            top = tree.by_id[top.parent_id]
        n, d = counts.get(c.id, (0, 0))  # type: ignore[arg-type]
        codes.append(
            {
                "id": c.id,
                "guid": c.guid,
                "name": c.name,
                "path": tree.path(c),
                "parent_id": c.parent_id,
                "depth": tree.depth(c),
                **{f: getattr(c, f) or "" for f in TEXT_FIELDS},
                "rq": rqs.get(top.research_question_id) if top.research_question_id else None,
                "codings": n,
                "documents": d,
            }
        )
    cols = (
        Coding.id,
        Coding.document_id,
        Coding.start,
        Coding.end,
        Coding.coder_id,
        Coding.code_id,
    )
    codings = [list(r) for r in session.execute(select(*cols).order_by(Coding.id))]
    return {"version": 1, "codes": codes, "codings": codings}


def create_checkpoint(
    session: Session, name: str | None, coder: str, note: str = ""
) -> CheckpointRow:
    n = session.execute(select(func.count(Checkpoint.id))).scalar_one()  # type: ignore[arg-type]
    name = (name or "").strip() or f"checkpoint-{n + 1}"
    if name.casefold() in RESERVED:
        raise InvalidInput(f"{name!r} cannot name a checkpoint", "choose another name")
    if session.execute(select(Checkpoint).where(Checkpoint.name == name)).scalar_one_or_none():
        raise Conflict(
            f"checkpoint {name!r} exists", "choose another name (`qualcode checkpoint list`)"
        )
    snap = snapshot(session)
    cp = Checkpoint(name=name, coder=coder, note=note, data=json.dumps(snap, ensure_ascii=False))
    session.add(cp)
    session.flush()
    return _row(cp, snap)


def _row(cp: Checkpoint, snap: dict) -> CheckpointRow:
    return {
        "id": cp.id,  # type: ignore[typeddict-item]  # stored: it has one
        "checkpoint": cp.name,
        "coder": cp.coder,
        "note": cp.note,
        "created_at": cp.created_at.isoformat(timespec="seconds"),
        "codes": len(snap["codes"]),
        "codings": len(snap["codings"]),
    }


def list_checkpoints(session: Session) -> list[CheckpointRow]:
    cps = session.execute(select(Checkpoint).order_by(Checkpoint.id)).scalars()  # type: ignore[arg-type]
    return [_row(cp, json.loads(cp.data)) for cp in cps]


def load(session: Session, name: str) -> tuple[str, dict]:
    """``(label, snapshot)`` of a checkpoint by name or id; ``now``: the project as it is."""
    if name.strip().casefold() == NOW:
        return NOW, snapshot(session)
    cps = list(session.execute(select(Checkpoint).order_by(Checkpoint.id)).scalars())  # type: ignore[arg-type]
    found = pick_by_name_or_id(cps, name, "checkpoint")
    if found is not None:
        return found.name, json.loads(found.data)
    raise NotFound(
        f"unknown checkpoint {name!r}",
        ("checkpoints: " + ", ".join(c.name for c in cps))
        if cps
        else "store one first with `qualcode checkpoint NAME`",
    )


def latest(session: Session) -> str | None:
    cp = session.execute(select(Checkpoint).order_by(Checkpoint.id.desc())).scalars().first()  # type: ignore[union-attr]
    return cp.name if cp else None


def diff_checkpoints(session: Session, a: str, b: str | None = None) -> CheckpointDiff:
    """What changed from checkpoint ``a`` to ``b`` (default: the project now)."""
    la, sa = load(session, a)
    lb, sb = load(session, b or NOW)
    return {"from": la, "to": lb, **diff(sa, sb)}  # type: ignore[typeddict-item]


def diff(a: dict, b: dict) -> dict:
    """The changes between two snapshots (see the module docstring)."""
    ca = {c["id"]: c for c in a["codes"]}
    cb = {c["id"]: c for c in b["codes"]}
    pa = {c["id"]: c["path"] for c in a["codes"]}
    pb = {c["id"]: c["path"] for c in b["codes"]}
    # codings: by id; a coding deleted because it collapsed into an identical one (a merge)
    # is found again by its document, span and coder
    code_b = {r[0]: r[5] for r in b["codings"]}
    by_key_b: dict[tuple, int] = {}
    for r in b["codings"]:
        by_key_b.setdefault((r[1], r[2], r[3], r[4]), r[5])
    moved: Counter = Counter()
    went: dict[int, Counter] = {}
    for r in a["codings"]:
        cid, key, old = r[0], (r[1], r[2], r[3], r[4]), r[5]
        new = code_b.get(cid)
        if new is None:
            new = by_key_b.get(key)
        if new is None:
            continue
        if new != old:
            moved[(old, new)] += 1
        went.setdefault(old, Counter())[new] += 1
    changes: list[dict] = []
    for cid, c in cb.items():
        if cid not in ca:
            changes.append({"change": "added", "code": c["path"], "detail": ""})
    for cid, c in ca.items():
        if cid in cb:
            continue
        targets = [(n, t) for t, n in went.get(cid, Counter()).items() if t != cid and t in cb]
        if targets:
            n, t = max(targets)
            changes.append(
                {"change": "merged", "code": c["path"], "into": pb[t], "codings": n,
                 "detail": f"into {pb[t]} ({n} codings)"}
            )  # fmt: skip
        else:
            changes.append(
                {"change": "deleted", "code": c["path"], "detail": f"{c['codings']} codings"}
            )
    for cid, old in ca.items():
        new = cb.get(cid)
        if new is None:
            continue
        if old["name"] != new["name"]:
            changes.append(
                {"change": "renamed", "code": new["path"], "name_before": old["name"], "name_after": new["name"],
                 "detail": f"{old['name']} → {new['name']}"}
            )  # fmt: skip
        if old["parent_id"] != new["parent_id"]:
            before = pa.get(old["parent_id"], "(top level)") if old["parent_id"] else "(top level)"
            after = pb.get(new["parent_id"], "(top level)") if new["parent_id"] else "(top level)"
            changes.append(
                {"change": "moved", "code": new["path"], "parent_before": before, "parent_after": after,
                 "detail": f"from {before} to {after}"}
            )  # fmt: skip
        fields = [f for f in TEXT_FIELDS if (old.get(f) or "") != (new.get(f) or "")]
        if fields:
            changes.append(
                {"change": "redefined", "code": new["path"], "fields": fields,
                 "fields_before": {f: old.get(f) or "" for f in fields},
                 "fields_after": {f: new.get(f) or "" for f in fields},
                 "detail": ", ".join(fields)}
            )  # fmt: skip
    order = {
        k: i for i, k in enumerate(("added", "merged", "deleted", "renamed", "moved", "redefined"))
    }
    changes.sort(key=lambda ch: order[ch["change"]])
    codings_moved = [
        {"from": pa[o], "to": pb.get(n, "?"), "codings": k}
        for (o, n), k in sorted(moved.items(), key=lambda x: (-x[1], pa[x[0][0]]))
    ]
    counts = [
        {"code": pb[cid], "codings_before": ca[cid]["codings"], "codings_after": c["codings"]}
        for cid, c in cb.items()
        if cid in ca and ca[cid]["codings"] != c["codings"]
    ]
    return {
        "changes": changes,
        "codings_moved": codings_moved,
        "counts": counts,
        "codes_before": len(ca),
        "codes_after": len(cb),
        "codings_before": len(a["codings"]),
        "codings_after": len(b["codings"]),
    }
