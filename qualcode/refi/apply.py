"""Write a checked :class:`~qualcode.refi.plan.Plan` into a project (one audited transaction).

Merging: codes are matched by path (an existing code is reused, new codes keep
the file's GUIDs); documents by name (same text → reused, different text →
error unless ``rename``); coders by name (REFI ``User``); identical codings are
not duplicated, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode import audit
from qualcode.codebook import PALETTE, CodeTree, insert_rows
from qualcode.errors import Conflict
from qualcode.models import (
    Code,
    Coder,
    Coding,
    DocSet,
    DocSetMember,
    Document,
    DocumentAttribute,
    Memo,
    Passage,
    new_guid,
    utcnow,
)
from qualcode.names import near_duplicates
from qualcode.refi.common import gc_paused
from qualcode.refi.plan import UNKNOWN_CODER, Plan, unique_name
from qualcode.textutil import join_path, name_key

if TYPE_CHECKING:
    from qualcode.schemas.refi import RefiImport


@dataclass
class ImportResult:
    source: str
    documents_imported: list[str] = field(default_factory=list)
    documents_reused: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    codes_created: int = 0
    codes_merged: int = 0
    codes_updated: int = 0
    codings_imported: int = 0
    codings_skipped: int = 0
    attributes: int = 0
    memos: int = 0
    sets_created: int = 0
    set_members: int = 0
    coders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup: str | None = None
    summary: dict[str, list[str]] = field(default_factory=dict)
    offsets: str = "codepoints"

    @property
    def changed(self) -> bool:
        return bool(
            self.documents_imported
            or self.codes_created
            or self.codes_updated
            or self.codings_imported
            or self.attributes
            or self.memos
            or self.sets_created
            or self.set_members
            or self.coders
        )


def import_report(plan: Plan, file: str, result: ImportResult | None = None) -> RefiImport:
    """The output of ``refi import`` (one shape with and without ``--dry-run``): what the
    file holds (``documents``, ``codes``, ``codings``, ``memo_count``, ``coders``) and
    what the import did — null when nothing was imported (``result`` None: a dry run)."""
    coders = list(dict.fromkeys([*plan.users.values(), *plan.extra_users]))
    counts = plan.counts()
    summary = plan.summary() if result is None else result.summary
    r = result
    return {
        "file": file,
        "kind": plan.kind,
        "dry_run": r is None,
        "offsets": plan.offsets if r is None else r.offsets,
        "documents": counts["documents"],
        "codes": counts["codes"],
        "codings": counts["codings"],
        "memo_count": counts["notes"],
        "coders": coders,
        "changed": r is not None and r.changed,
        "backup": None if r is None else r.backup,
        "documents_imported": None if r is None else len(r.documents_imported),
        "document_names": None if r is None else list(r.documents_imported),
        "documents_reused": None if r is None else len(r.documents_reused),
        "documents_renamed": None
        if r is None
        else [{"document": old, "renamed_to": new} for old, new in r.renamed.items()],
        "codes_created": None if r is None else r.codes_created,
        "codes_merged": None if r is None else r.codes_merged,
        "codes_updated": None if r is None else r.codes_updated,
        "codings_imported": None if r is None else r.codings_imported,
        "codings_skipped": None if r is None else r.codings_skipped,
        "attribute_values": None if r is None else r.attributes,
        "memos_imported": None if r is None else r.memos,
        "new_coders": None if r is None else list(r.coders),
        "converted": summary.get("converted", []),
        "renamed": summary.get("renamed", []),
        "left_out": summary.get("skipped", []),
        "warnings": plan.warnings if r is None else r.warnings,
    }


def project_has_data(session: Session) -> bool:
    for model in (Document, Code, Coding, Memo):
        if session.execute(select(model.id).limit(1)).first():  # type: ignore[attr-defined]
            return True
    return False


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@gc_paused()
def apply_plan(
    session: Session,
    plan: Plan,
    *,
    rename: bool = False,
    update_codes: bool = False,
    nlp_obj=None,
    source_path: str | None = None,
    make_backup: Callable[[], str | None] | None = None,
    force: bool = False,
) -> ImportResult:
    """Write a checked plan into the project (call inside one ``transaction``).

    A new code that one of the project's existing codes could be mistaken for (the same
    name apart from case or accents, or one typing slip apart; :mod:`qualcode.names`) is
    a :class:`~qualcode.names.NearDuplicate` error unless ``force`` — the file's own codes
    are not compared with each other (they are the other tool's code system).

    ``make_backup`` is called after writing, before the commit, and only when the
    import changed a project that had data: a backup made then (SQLite's online
    backup from another connection) still sees the project as it was.
    """
    res = ImportResult(
        plan.source, warnings=list(plan.warnings), summary=plan.summary(), offsets=plan.offsets
    )
    had_data = project_has_data(session)

    # 1. Decide everything that can fail, before writing anything.
    existing_docs = {
        name: (did, sha)
        for did, name, sha in session.execute(select(Document.id, Document.name, Document.sha256))
    }
    taken = {n.casefold() for n in existing_docs}
    doc_target: dict[str, int | str] = {}  # source guid → existing doc id, or the new name
    conflicts = []
    for s in plan.sources:
        hit = existing_docs.get(s.name)
        if hit is None:
            doc_target[s.guid] = s.name
            taken.add(s.name.casefold())
        elif hit[1] == _sha(s.text):
            doc_target[s.guid] = hit[0]
        elif rename:
            new = unique_name(s.name, taken)
            taken.add(new.casefold())
            doc_target[s.guid] = new
            res.renamed[s.name] = new
        else:
            conflicts.append(s.name)
    if conflicts:
        shown = ", ".join(repr(c) for c in conflicts[:5]) + (
            f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        )
        raise Conflict(
            f"{plan.source}: nothing imported; {len(conflicts)} document(s) with the same name but a different text are already in the project: {shown}",
            "import again with --rename to add them under new names, or remove/rename the existing documents",
        )

    # 2. Coders.
    coders = {c.name: c for c in session.execute(select(Coder)).scalars()}
    coder_guids = {c.guid for c in coders.values()}
    coder_id: dict[str | None, int] = {}

    def coder_for(user: str | None) -> int:
        if user in coder_id:
            return coder_id[user]
        name = plan.users.get(user or "", UNKNOWN_CODER)
        c = coders.get(name)
        if c is None:
            c = Coder(name=name, guid=user if user and user not in coder_guids else new_guid())
            session.add(c)
            session.flush()
            coders[name] = c
            coder_guids.add(c.guid)
            res.coders.append(name)
        coder_id[user] = c.id  # type: ignore[assignment]
        return c.id  # type: ignore[return-value]

    for user in plan.users:  # every user is a coder, also one who authored nothing
        coder_for(user)
    for name in plan.extra_users:
        if name not in coders:
            coders[name] = Coder(name=name, guid=new_guid())
            session.add(coders[name])
            res.coders.append(name)

    # 3. Codes: merge by path.
    tree = CodeTree.load(session)
    code_guids = {c.guid for c in tree.by_id.values()}
    code_id: dict[str, int] = {}
    n_codes = len(tree.by_id)
    before = tree.names_by_id()  # the project's codes before the import
    near: list[tuple[str, list[str]]] = []
    for pc in plan.codes:
        parent_id = code_id[pc.parent] if pc.parent else None
        key = name_key(pc.name)
        found = next((c for c in tree.children.get(parent_id, []) if c.name_key == key), None)
        if found is not None:
            code_id[pc.guid] = found.id  # type: ignore[assignment]
            res.codes_merged += 1
            changed = False
            for f in ("description", "definition", "anchor", "rule"):
                new = pc.fields.get(f, "")
                if new and (update_codes or not getattr(found, f)) and getattr(found, f) != new:
                    setattr(found, f, new)
                    changed = True
            if update_codes:
                if pc.color and found.color != pc.color:
                    found.color = pc.color
                    changed = True
                if found.codable != pc.codable:
                    found.codable = pc.codable
                    changed = True
            res.codes_updated += changed
            continue
        if not force:
            hits = near_duplicates(before, pc.name, same_name=parent_id is None)
            if hits:
                near.append((pc.name, [join_path(before[i]) for i in hits]))
        siblings = tree.children.get(parent_id, [])
        parent = tree.by_id.get(parent_id) if parent_id else None
        code = Code(
            name=pc.name,
            name_key=key,
            parent_id=parent_id,
            color=pc.color or (parent.color if parent else PALETTE[n_codes % len(PALETTE)]),
            codable=pc.codable,
            position=max((c.position for c in siblings), default=-1) + 1,
            guid=pc.guid if pc.guid not in code_guids else new_guid(),
            **pc.fields,
        )
        session.add(code)
        session.flush()
        n_codes += 1
        code_guids.add(code.guid)
        tree.by_id[code.id] = code  # type: ignore[index]
        tree.children.setdefault(parent_id, []).append(code)
        code_id[pc.guid] = code.id  # type: ignore[assignment]
        res.codes_created += 1
    if near:
        pairs = "; ".join(f"{n!r} ~ {', '.join(map(repr, ps))}" for n, ps in near[:10])
        raise Conflict(
            f"nothing imported: {len(near)} of the file's codes are nearly the same as codes"
            f" of this project (case, accents or one typing slip apart): {pairs}"
            + (" …" if len(near) > 10 else ""),
            "rename them in the project or the file, or import with --force to create them anyway",
        )
    _check_codable(plan, tree, code_id)

    # 4. Documents (bulk), passages, attributes.
    now = utcnow()
    doc_guids = set(session.execute(select(Document.guid)).scalars())
    new_docs = [s for s in plan.sources if isinstance(doc_target[s.guid], str)]
    doc_rows = []
    for s in new_docs:
        g = s.guid if s.guid not in doc_guids else new_guid()
        doc_guids.add(g)
        doc_rows.append(
            {
                "name": doc_target[s.guid],
                "text": s.text,
                "sha256": _sha(s.text),
                "source_path": source_path,
                "imported_at": s.created or now,
                "guid": g,
            }
        )
    if doc_rows:
        _insert_rows(session, Document, doc_rows)
        for s, row in zip(new_docs, doc_rows, strict=True):
            doc_target[s.guid] = row["id"]
            res.documents_imported.append(row["name"])
    new_guids = {s.guid for s in new_docs}
    res.documents_reused = [s.name for s in plan.sources if s.guid not in new_guids]
    _store_passages(session, [(row["id"], row["text"]) for row in doc_rows], nlp_obj)

    reused_ids = [doc_target[s.guid] for s in plan.sources if s.guid not in new_guids]
    have_attrs: set[tuple[int, str]] = set()
    if reused_ids:
        have_attrs = set(
            session.execute(
                select(DocumentAttribute.document_id, DocumentAttribute.key).where(
                    DocumentAttribute.document_id.in_(reused_ids)
                )
            ).all()
        )  # type: ignore[attr-defined,arg-type]
    attr_rows = []
    for s in plan.sources:
        did = doc_target[s.guid]
        for key, (value, type_) in s.attrs.items():
            if (did, key) not in have_attrs:
                attr_rows.append({"document_id": did, "key": key, "value": value, "type": type_})
    _insert_rows(session, DocumentAttribute, attr_rows)
    res.attributes = len(attr_rows)

    # 5. Codings (bulk), without duplicating identical ones.
    existing: dict[tuple, int] = {}
    if reused_ids:
        for cid, did, s_, e_, code_, coder_ in session.execute(
            select(
                Coding.id,
                Coding.document_id,
                Coding.start,
                Coding.end,
                Coding.code_id,
                Coding.coder_id,
            ).where(Coding.document_id.in_(reused_ids))  # type: ignore[attr-defined]
        ):
            existing[(did, s_, e_, code_, coder_)] = cid
    coding_guids: set[str] = set()
    if session.execute(select(func.count(Coding.id))).scalar_one():
        coding_guids = set(session.execute(select(Coding.guid)).scalars())
    rows: list[dict] = []
    by_key: dict[tuple, dict] = {}
    coding_target: dict[str, list[tuple]] = defaultdict(list)  # note guid → coding keys
    for s in plan.sources:
        did = doc_target[s.guid]
        for c in s.codings:
            key = (did, c.start, c.end, code_id[c.code], coder_for(c.user))
            for ng in c.notes:
                coding_target[ng].append(key)
            if key in existing or key in by_key:
                res.codings_skipped += 1
                if key in by_key and c.memo and not by_key[key]["memo"]:
                    by_key[key]["memo"] = c.memo
                continue
            g = c.guid if c.guid not in coding_guids else new_guid()
            coding_guids.add(g)
            row = {
                "document_id": did,
                "start": c.start,
                "end": c.end,
                "code_id": key[3],
                "coder_id": key[4],
                "memo": c.memo,
                "guid": g,
                "created_at": c.created or now,
            }
            by_key[key] = row
            rows.append(row)
    for row in rows:
        row["orphaned"] = False
    _insert_rows(session, Coding, rows)
    res.codings_imported = len(rows)

    # 6. Memos from notes, attached to what references them; unreferenced notes → project memos.
    targets: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for g in plan.project_notes:
        targets[g].append(("project", None))
    for s in plan.sources:
        for g in s.notes:
            targets[g].append(("document", doc_target[s.guid]))  # type: ignore[arg-type]
    for pc in plan.codes:
        for g in pc.notes:
            targets[g].append(("code", code_id[pc.guid]))
    for g, keys in coding_target.items():
        for key in keys:
            cid = existing.get(key) or by_key[key].get("id")
            targets[g].append(("coding", cid))
    have_memos = {
        (t, i, txt)
        for t, i, txt in session.execute(select(Memo.target_type, Memo.target_id, Memo.text))
    }
    memo_guids = set(session.execute(select(Memo.guid)).scalars())
    for g, note in plan.notes.items():
        for target_type, target_id in targets.get(g) or [("project", None)]:
            if not note.text or (target_type, target_id, note.text) in have_memos:
                continue
            have_memos.add((target_type, target_id, note.text))
            guid = g if g not in memo_guids else new_guid()
            memo_guids.add(guid)
            session.add(
                Memo(
                    target_type=target_type,
                    target_id=target_id,
                    title=note.title,
                    text=note.text,
                    coder_id=coder_for(note.user) if note.user in plan.users else None,
                    guid=guid,
                    created_at=note.created or now,
                    updated_at=note.created or now,
                )
            )
            res.memos += 1
    _apply_sets(session, plan, doc_target, res)  # type: ignore[arg-type]
    session.flush()
    if make_backup is not None and had_data and res.changed:
        res.backup = make_backup()
    return res


def _apply_sets(
    session: Session, plan: Plan, doc_target: dict[str, int], res: ImportResult
) -> None:
    """The file's sets of sources as document sets chosen by hand, merged by name: a set the
    project has gains the documents it lacks; a set chosen by a rule is left as it is."""
    existing = {s.name_key: s for s in session.execute(select(DocSet)).scalars()}
    for ps in plan.doc_sets:
        ds = existing.get(name_key(ps.name))
        if ds is not None and ds.rule:
            res.summary.setdefault("skipped", []).append(
                f"set {ps.name!r} left out: the project's set {ds.name!r} is chosen by the rule"
                f" {ds.rule!r}"
            )
            continue
        if ds is None:
            ds = DocSet(name=ps.name, name_key=name_key(ps.name))
            session.add(ds)
            session.flush()
            existing[ds.name_key] = ds
            res.sets_created += 1
        have = set(
            session.execute(
                select(DocSetMember.document_id).where(DocSetMember.set_id == ds.id)
            ).scalars()
        )
        for g in ps.sources:
            did = doc_target[g]
            if did not in have:
                session.add(DocSetMember(set_id=ds.id, document_id=did))  # type: ignore[arg-type]
                have.add(did)
                res.set_members += 1


def _check_codable(plan: Plan, tree: CodeTree, code_id: dict[str, int]) -> None:
    """Refuse codings that land on one of the project's categories that only group codes."""
    used: dict[int, int] = defaultdict(int)
    for s in plan.sources:
        for c in s.codings:
            cid = code_id[c.code]
            if not tree.by_id[cid].codable:
                used[cid] += 1
    if not used:
        return
    paths = [tree.path(tree.by_id[cid]) for cid in used]
    shown = ", ".join(repr(p) for p in paths[:5]) + (" …" if len(paths) > 5 else "")
    raise Conflict(
        f"{plan.source}: nothing imported; {sum(used.values())} of the file's codings code with"
        f" {shown}, {'a category that only groups' if len(paths) == 1 else 'categories that only group'}"
        " codes in this project",
        f"code with one of its sub-codes, or make it codable (`qualcode codes edit {paths[0]!r}"
        " --codable`) and import again; --update-codes takes the file's isCodable",
    )


def _store_passages(session: Session, docs: list[tuple[int, str]], nlp_obj) -> None:
    from qualcode.passages import UNITS, compute_passages

    rows = []
    for did, text in docs:
        ordinals = dict.fromkeys(UNITS, 0)
        for unit, s, e in compute_passages(text, nlp_obj):
            rows.append(
                {"document_id": did, "start": s, "end": e, "ordinal": ordinals[unit], "unit": unit}
            )
            ordinals[unit] += 1
    if not rows:
        return
    _insert_rows(session, Passage, rows)


def _insert_rows(session: Session, model: type, rows: list[dict]) -> None:
    """Insert many rows at once (ids set on ``rows``) and record them in the audit log."""
    if rows:
        insert_rows(session, model, rows)
        audit.record_rows(session, model.__table__.name, "insert", rows)  # type: ignore[attr-defined]
