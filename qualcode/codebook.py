"""The code tree: paths, creation, editing, moving, deleting.

A code path is ``Parent/Child``; a ``/`` inside a name is written ``\\/``.
Siblings compare after NFC and case-folding, so "Zeitmangel" and "zeitmangel"
cannot be siblings. A ``--code`` is matched with case and accents ignored, and a new
code an existing one could be mistaken for needs ``force`` (:mod:`qualcode.names`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from qualcode import audit
from qualcode.errors import Conflict, InvalidInput, QualcodeError
from qualcode.models import Code, Coding, Memo
from qualcode.names import (
    NearDuplicate,
    check_name,
    did_you_mean,
    fold,
    near_duplicates,
    resolve_code_path,
)
from qualcode.textutil import join_path, name_key, plural, split_path  # noqa: F401

PALETTE = (
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
    "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF", "#AEC7E8", "#FFBB78",
)  # fmt: skip
TEXT_FIELDS = ("description", "definition", "anchor", "rule")


def validate_color(color: str) -> str:
    c = color.strip()
    if not c.startswith("#"):
        c = "#" + c
    if len(c) != 7 or any(ch not in "0123456789abcdefABCDEF" for ch in c[1:]):
        raise InvalidInput(f"invalid colour {color!r}", "use #RRGGBB, e.g. #D62728")
    return c.upper()


@dataclass
class CodeTree:
    """All codes loaded once: paths, children and tree order without N+1 queries."""

    by_id: dict[int, Code]
    children: dict[int | None, list[Code]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> CodeTree:
        codes = list(session.execute(select(Code)).scalars())
        tree = cls({c.id: c for c in codes})  # type: ignore[misc]
        for c in sorted(codes, key=lambda c: (c.position, c.name_key, c.id)):
            tree.children.setdefault(c.parent_id, []).append(c)
        return tree

    def names(self, code: Code) -> list[str]:
        names = []
        cur: Code | None = code
        seen = set()
        while cur is not None and cur.id not in seen:
            seen.add(cur.id)
            names.append(cur.name)
            cur = self.by_id.get(cur.parent_id) if cur.parent_id is not None else None
        return names[::-1]

    def path(self, code: Code | int) -> str:
        c = self.by_id[code] if isinstance(code, int) else code
        return join_path(self.names(c))

    def depth(self, code: Code) -> int:
        return len(self.names(code))

    def ordered(self, parent_id: int | None = None) -> list[Code]:
        """Depth-first in tree order."""
        out: list[Code] = []
        for c in self.children.get(parent_id, []):
            out.append(c)
            out.extend(self.ordered(c.id))
        return out

    def descendants(self, code: Code) -> list[Code]:
        return self.ordered(code.id)

    def find(self, path: str) -> Code | None:
        parent: int | None = None
        found: Code | None = None
        for name in split_path(path):
            key = name_key(name)
            found = next((c for c in self.children.get(parent, []) if c.name_key == key), None)
            if found is None:
                return None
            parent = found.id
        return found

    def names_by_id(self) -> dict[int, list[str]]:
        """id → names from the top level down, in tree order."""
        out: dict[int, list[str]] = {}
        for c in self.ordered():  # parents before their children
            above = out.get(c.parent_id) if c.parent_id is not None else None
            out[c.id] = [*above, c.name] if above is not None else [c.name]  # type: ignore[index]
        return out

    def matches(self, path: str) -> list[Code]:
        """Codes whose path ends with ``path`` (whole names, case and accents ignored), in
        tree order: ``Zeitmangel`` or ``Hindernisse/Zeitmangel`` for ``…/Hindernisse/Zeitmangel``."""
        want = [fold(n) for n in split_path(path)]
        found = []
        for cid, names in self.names_by_id().items():
            if len(names) >= len(want) and [fold(n) for n in names[-len(want) :]] == want:
                found.append(self.by_id[cid])
        return found

    def resolve(self, path: str) -> Code:
        """The one code ``path`` names (see :func:`qualcode.names.resolve_code_path`): its
        name or any end of its path, case and accents ignored; several → an error listing
        them, none → a did-you-mean."""
        return self.by_id[resolve_code_path(self.names_by_id(), path)]

    def near_duplicates(
        self, name: str, *, skip: Iterable[int] = (), same_name: bool = True
    ) -> list[Code]:
        """Existing codes a new code called ``name`` could be mistaken for."""
        found = near_duplicates(self.names_by_id(), name, skip=skip, same_name=same_name)
        return [self.by_id[i] for i in found]

    def _hint(self, path: str) -> str:
        return did_you_mean(self.names_by_id(), path)


def resolve_code(session: Session, path: str) -> Code:
    return CodeTree.load(session).resolve(path)


def shade(color: str, n: int) -> str:
    """The ``n``-th sub-code's colour: its parent's hue, lighter and darker in turn, so
    siblings are told apart while the family stays recognisable."""
    import colorsys

    try:
        r, g, b = (int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return color
    h, lum, sat = colorsys.rgb_to_hls(r, g, b)
    step = (n // 2 + 1) * 0.1 * (1 if n % 2 == 0 else -1)
    lum = min(0.85, max(0.2, lum + step))
    if abs(lum - colorsys.rgb_to_hls(r, g, b)[1]) < 0.05:  # clamped: go the other way
        lum = min(0.85, max(0.2, lum - 2 * step))
    return "#" + "".join(f"{round(c * 255):02X}" for c in colorsys.hls_to_rgb(h, lum, sat))


def _next_color(session: Session) -> str:
    n = session.execute(select(func.count(Code.id))).scalar_one()
    return PALETTE[n % len(PALETTE)]


def add_code(
    session: Session,
    path: str,
    *,
    description: str | None = None,
    definition: str | None = None,
    anchor: str | None = None,
    rule: str | None = None,
    color: str | None = None,
    codable: bool = True,
    exist_ok: bool = False,
    force: bool = False,
) -> Code:
    """Create a code (and any missing parents). An existing path is an error unless ``exist_ok``.

    A new name that an existing code could be mistaken for (:func:`near_duplicate_check`)
    is a :class:`~qualcode.names.NearDuplicate` error unless ``force``."""
    check_name("code", path)
    names = [check_name("code", n) for n in split_path(path)]
    tree = CodeTree.load(session)
    parent: Code | None = None
    ancestors: list[int] = []
    for i, name in enumerate(names):
        key = name_key(name)
        existing = next(
            (c for c in tree.children.get(parent.id if parent else None, []) if c.name_key == key),
            None,
        )
        last = i == len(names) - 1
        if existing is not None:
            if last and not exist_ok:
                raise Conflict(
                    f"code {tree.path(existing)!r} already exists",
                    "use `qualcode codes edit` to change it",
                )
            parent = existing
            ancestors.append(existing.id)  # type: ignore[arg-type]
            continue
        if not force:
            near_duplicate_check(tree, name, skip=ancestors, same_name=len(names) == 1)
        siblings = tree.children.get(parent.id if parent else None, [])
        code = Code(
            name=name,
            name_key=key,
            parent_id=parent.id if parent else None,
            color=validate_color(color)
            if (color and last)
            else (shade(parent.color, len(siblings)) if parent else _next_color(session)),
            codable=codable if last else True,
            position=(max((s.position for s in siblings), default=-1) + 1),
        )
        if last:
            for f, v in zip(TEXT_FIELDS, (description, definition, anchor, rule), strict=True):
                if v is not None:
                    setattr(code, f, v)
        session.add(code)
        session.flush()
        tree.by_id[code.id] = code  # type: ignore[index]
        tree.children.setdefault(code.parent_id, []).append(code)
        parent = code
        ancestors.append(code.id)  # type: ignore[arg-type]
    assert parent is not None
    return parent


def check_new_path(
    tree: CodeTree,
    path: str,
    *,
    skip: Iterable[int] = (),
    force: bool = False,
    verb: str = "create",
) -> None:
    """What :func:`add_code` would refuse about ``path``, checked before anything changes:
    a name with a control character, or a new name an existing code could be mistaken for
    (unless ``force``). ``skip``: codes not to compare with (a code being renamed)."""
    check_name("code", path)
    names = [check_name("code", n) for n in split_path(path)]
    parent: int | None = None
    ancestors: list[int] = []
    for name in names:
        key = name_key(name)
        found = (
            next((c for c in tree.children.get(parent, []) if c.name_key == key), None)
            if parent != -1
            else None
        )
        if found is not None:
            parent = found.id
            ancestors.append(found.id)  # type: ignore[arg-type]
            continue
        parent = -1  # the rest of the path is new
        if not force:
            near_duplicate_check(
                tree, name, skip=[*ancestors, *skip], same_name=len(names) == 1, verb=verb
            )


def near_duplicate_check(
    tree: CodeTree,
    name: str,
    *,
    skip: Iterable[int] = (),
    same_name: bool = True,
    verb: str = "create",
) -> None:
    """Refuse a new code name an existing code could be mistaken for: the same name with
    other case or accents, or one typing slip apart, anywhere in the tree. A name spelled
    exactly like a code elsewhere counts only when ``same_name`` (the name was given
    without a parent, as a stray top-level ``Zeitmangel`` beside ``…/Zeitmangel``)."""
    found = tree.near_duplicates(name, skip=skip, same_name=same_name)
    if found:
        raise NearDuplicate(name, [tree.path(c) for c in found], verb)


def edit_code(session: Session, path: str, **fields: object) -> Code:
    """Change description, definition, anchor, rule, colour or codable of a code."""
    code = resolve_code(session, path)
    for key, value in fields.items():
        if value is None:
            continue
        if key == "color":
            value = validate_color(str(value))
        elif key not in TEXT_FIELDS and key != "codable":
            raise InvalidInput(f"unknown code field {key!r}")
        setattr(code, key, value)
    session.flush()
    return code


def rename_code(session: Session, path: str, new_name: str, *, force: bool = False) -> Code:
    """Rename a code; a name another code could be mistaken for needs ``force``."""
    tree = CodeTree.load(session)
    code = tree.resolve(path)
    new_name = check_name("code", new_name)
    if "/" in new_name.replace("\\/", ""):
        raise InvalidInput(
            f"a name cannot contain '/': {new_name!r}",
            "use `codes move` to change the parent, or write \\/ for a literal slash",
        )
    new_name = new_name.replace("\\/", "/")
    key = name_key(new_name)
    clash = next(
        (c for c in tree.children.get(code.parent_id, []) if c.name_key == key and c.id != code.id),
        None,
    )
    if clash is not None:
        raise Conflict(
            f"a sibling code {tree.path(clash)!r} already exists",
            f"merge them with `qualcode recode --from {path!r} --to {tree.path(clash)!r}`",
        )
    if not force:
        _rename_check(tree, code, new_name)
    code.name = new_name
    code.name_key = key
    session.flush()
    return code


def _rename_check(tree: CodeTree, code: Code, new_name: str) -> None:
    if fold(new_name) != fold(code.name):
        near_duplicate_check(
            tree,
            new_name,
            skip=[code.id, *(c.id for c in tree.descendants(code))],  # type: ignore[list-item]
            same_name=code.parent_id is None,
            verb="rename",
        )


def near_duplicate_paths(session: Session, path: str, *, rename_of: str | None = None) -> list[str]:
    """The paths of the existing codes for which creating ``path`` — or renaming the code
    ``rename_of`` to the name ``path`` — needs ``force``; ``[]`` when there are none or the
    change fails for another reason (reported when it is made). The workbench asks first."""
    tree = CodeTree.load(session)
    try:
        if rename_of is None:
            check_new_path(tree, path)
        else:
            _rename_check(tree, tree.resolve(rename_of), check_name("code", path))
    except NearDuplicate as exc:
        return exc.paths
    except QualcodeError:
        return []
    return []


def move_code(session: Session, path: str, new_parent: str | None) -> Code:
    """Move a code under another (``None`` or ``""`` = top level); refuses cycles and name clashes."""
    tree = CodeTree.load(session)
    code = tree.resolve(path)
    parent = (
        tree.resolve(new_parent) if new_parent and new_parent.strip() not in ("", "/") else None
    )
    if parent is not None and (parent.id == code.id or parent in tree.descendants(code)):
        raise InvalidInput(
            f"cannot move {path!r} under itself or its own sub-code", "choose another parent"
        )
    target = parent.id if parent else None
    clash = next(
        (
            c
            for c in tree.children.get(target, [])
            if c.name_key == code.name_key and c.id != code.id
        ),
        None,
    )
    if clash is not None:
        raise Conflict(
            f"{tree.path(clash)!r} already exists there",
            "rename one of them or merge them with `qualcode recode`",
        )
    if code.parent_id != target:
        code.parent_id = target
        code.position = max((s.position for s in tree.children.get(target, [])), default=-1) + 1
        session.flush()
    return code


def delete_code(session: Session, path: str, *, force: bool = False) -> dict[str, int]:
    """Delete a code. With codings or sub-codes only with ``force`` (which deletes them too)."""
    tree = CodeTree.load(session)
    code = tree.resolve(path)
    victims = [code, *tree.descendants(code)]
    ids = [c.id for c in victims]
    n_codings = session.execute(
        select(func.count(Coding.id)).where(Coding.code_id.in_(ids))
    ).scalar_one()  # type: ignore[union-attr]
    if (n_codings or len(victims) > 1) and not force:
        raise Conflict(
            f"code {path!r} has {plural(n_codings, 'coding')} and "
            f"{plural(len(victims) - 1, 'sub-code')}",
            "use --force to delete them too, or merge it into another code with `qualcode recode`",
        )
    delete_codings(session, Coding.code_id.in_(ids))  # type: ignore[union-attr]
    delete_rows(session, Memo, (Memo.target_type == "code") & Memo.target_id.in_(ids))  # type: ignore[union-attr]
    for c in reversed(victims):  # children first
        session.delete(c)
        session.flush()
    return {"codes": len(victims), "codings": n_codings}


def delete_codings(session: Session, where) -> int:
    """Delete the codings ``where`` selects with what hangs on them, all audited: the memos on
    them go too (as a code's memos go with the code), and a code whose anchor example was one
    of them falls back to its written anchor. Nothing is left pointing at an id a later
    coding may get."""
    ids = list(session.execute(select(Coding.id).where(where)).scalars())
    if not ids:
        return 0
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        delete_rows(session, Memo, (Memo.target_type == "coding") & Memo.target_id.in_(chunk))  # type: ignore[union-attr]
    n = delete_rows(session, Coding, where)
    release_anchors(session)
    return n


def release_anchors(session: Session) -> int:
    """Codes whose anchor example (``anchor_coding_id``) is no coding of theirs any more —
    removed, or moved to another code by a recode — fall back to their written anchor
    (audited). Returns how many."""
    session.flush()
    stale = list(
        session.execute(
            select(Code).where(
                Code.anchor_coding_id.is_not(None),  # type: ignore[union-attr]
                ~select(Coding.id)
                .where(Coding.id == Code.anchor_coding_id, Coding.code_id == Code.id)
                .exists(),
            )
        ).scalars()
    )
    for code in stale:
        code.anchor_coding_id = None
    if stale:
        session.flush()
    return len(stale)


def delete_rows(session: Session, model: type, where) -> int:
    """Bulk delete with the rows recorded in the audit log (so undo restores them)."""
    table = model.__table__  # type: ignore[attr-defined]
    rows = [dict(r._mapping) for r in session.execute(select(table).where(where))]
    if not rows:
        return 0
    audit.record_rows(session, table.name, "delete", rows)
    ids = [r["id"] for r in rows]
    for i in range(0, len(ids), 5000):
        session.execute(delete(table).where(table.c.id.in_(ids[i : i + 5000])))
    return len(rows)


def insert_rows(session: Session, model: type, rows: list[dict]) -> list[int]:
    """Bulk INSERT; sets ``row["id"]`` on every row and returns the new ids in row order.

    SQLAlchemy cannot batch ``INSERT … RETURNING`` in a guaranteed order on SQLite
    and falls back to one statement per row (40 ms per 1,000 rows). On SQLite a
    writing transaction holds the database lock (``BEGIN IMMEDIATE``), so the ids are
    assigned here — ``max(id) + 1 …``, exactly what SQLite would choose — and the
    rows go in one DB-API ``executemany`` (SQLAlchemy's per-row parameter processing
    is the slow part; scalar column defaults are filled in). Other backends batch ``RETURNING`` themselves.
    Recording the rows in the audit log is the caller's job.
    """
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "sqlite":
        first = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
        ids = list(range(first, first + len(rows)))
        for row, i in zip(rows, ids, strict=True):
            row["id"] = i
        if not _sqlite_executemany(session, table, rows):
            session.execute(insert(table), rows)  # rows with different columns
        return ids
    ids = list(
        session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    for row, i in zip(rows, ids, strict=True):
        row["id"] = i
    return ids


def _sqlite_value(column) -> Callable[[object], object] | None:
    """How SQLAlchemy would store a Python value of this column on SQLite (None: as is)."""
    from sqlalchemy import Boolean, DateTime

    type_ = getattr(column.type, "impl_instance", column.type)
    if isinstance(type_, DateTime):
        cache: dict[datetime, str] = {}

        def stamp(v: object) -> object:
            if not isinstance(v, datetime):
                return v
            hit = cache.get(v)
            if hit is None:
                u = v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo is not None else v
                hit = cache[v] = u.isoformat(" ", "microseconds")
            return hit

        return stamp
    if isinstance(type_, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return None


def _sqlite_executemany(session: Session, table, rows: list[dict]) -> bool:
    """One DB-API ``executemany`` (SQLAlchemy's per-row parameter processing is the slow part).

    False (nothing sent) when the rows do not all have the same columns."""
    cols = list(rows[0])
    if any(len(row) != len(cols) for row in rows):
        return False
    extra = {}
    for col in table.columns:  # scalar Python-side defaults of columns the rows leave out
        if (
            col.name not in rows[0]
            and col.default is not None
            and getattr(col.default, "is_scalar", False)
        ):
            extra[col.name] = col.default.arg
    for row in rows:
        for k, v in extra.items():
            row.setdefault(k, v)
    cols += list(extra)
    convert = [(i, f) for i, c in enumerate(cols) if (f := _sqlite_value(table.c[c])) is not None]
    params = []
    try:
        for row in rows:
            values = [row[c] for c in cols]
            for i, f in convert:
                values[i] = f(values[i])
            params.append(tuple(values))
    except KeyError:  # as many columns, other names
        return False
    names = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join("?" * len(cols))
    session.connection().exec_driver_sql(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', params
    )
    return True


def code_counts(session: Session, coders: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """``code_id → (codings, documents)`` (own codings, not rolled up)."""
    stmt = select(
        Coding.code_id, func.count(Coding.id), func.count(func.distinct(Coding.document_id))
    ).group_by(Coding.code_id)
    if coders is not None:
        stmt = stmt.where(Coding.coder_id.in_(coders))  # type: ignore[attr-defined]
    return {cid: (n, d) for cid, n, d in session.execute(stmt)}


def list_codes(session: Session) -> list[dict]:
    tree = CodeTree.load(session)
    counts = code_counts(session)
    out = []
    for c in tree.ordered():
        n, d = counts.get(c.id, (0, 0))  # type: ignore[arg-type]
        parent = tree.by_id.get(c.parent_id) if c.parent_id else None
        out.append(
            {
                "id": c.id,
                "path": tree.path(c),
                "name": c.name,
                "parent": tree.path(parent) if parent else None,
                "depth": tree.depth(c),
                "color": c.color,
                "codable": c.codable,
                "codings": n,
                "documents": d,
            }
        )
    return out


def show_code(session: Session, path: str) -> dict:
    tree = CodeTree.load(session)
    c = tree.resolve(path)
    n, d = code_counts(session).get(c.id, (0, 0))  # type: ignore[arg-type]
    from qualcode.models import Coder

    memos = session.execute(
        select(Memo, Coder.name)
        .join(Coder, Coder.id == Memo.coder_id, isouter=True)
        .where(Memo.target_type == "code", Memo.target_id == c.id)
        .order_by(Memo.id)
    ).all()
    return {
        "id": c.id,
        "path": tree.path(c),
        "name": c.name,
        "parent": tree.path(c.parent_id) if c.parent_id else None,
        "children": [tree.path(ch) for ch in tree.children.get(c.id, [])],
        "description": c.description,
        "definition": c.definition,
        "anchor": c.anchor,
        "rule": c.rule,
        "color": c.color,
        "codable": c.codable,
        "guid": c.guid,
        "created": c.created_at.isoformat(timespec="seconds"),
        "codings": n,
        "documents": d,
        "memos": [  # the memo objects of every --json output (qualcode.schemas.common.Memo)
            {
                "id": m.id,
                "on": "code",
                "document": None,
                "code": tree.path(c),
                "coding_id": None,
                "title": m.title,
                "text": m.text,
                "coder": coder,
                "created_at": m.created_at.isoformat(timespec="seconds"),
                "updated_at": m.updated_at.isoformat(timespec="seconds"),
            }
            for m, coder in memos
        ],
    }
