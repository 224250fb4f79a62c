"""Documents: import, attributes, passages, listing and removal."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode import audit
from qualcode.codebook import delete_codings, delete_rows, insert_rows
from qualcode.errors import Conflict, InvalidInput, NotFound, QualcodeError
from qualcode.models import AuditEntry, Coding, Document, DocumentAttribute, Memo, Passage
from qualcode.names import check_name, check_text
from qualcode.passages import UNITS, compute_passages, store_passages
from qualcode.readers import SUFFIXES, read_document
from qualcode.structure import content_flags, progress
from qualcode.textutil import (
    coded_flags,
    infer_type,
    is_id,
    name_key,
    normalize,
    split_front_matter,
    typed_value,
)

if TYPE_CHECKING:
    from qualcode.schemas.documents import DocumentDetail, Import, ImportedFile


def resolve_document(session: Session, ref: str | int) -> Document:
    """A document by id or name (names compare case-insensitively when unambiguous).

    A number that is one document's id and another's name (``2`` for the id of
    ``10.txt`` and the file ``2.txt``) is refused, never guessed."""
    if isinstance(ref, int):
        doc = session.get(Document, ref)
        if doc is None:
            raise NotFound(f"unknown document id {ref}", "`qualcode docs list` shows all documents")
        return doc
    ref_s = str(ref).strip()
    check_text("document", ref_s)  # bytes that were not UTF-8 cannot name a document
    by_id = session.get(Document, int(ref_s)) if is_id(ref_s) else None
    by_name = session.execute(select(Document).where(Document.name == ref_s)).scalar_one_or_none()
    names: list = []
    if by_name is None:
        names = list(session.execute(select(Document.id, Document.name)))
        key = name_key(ref_s)
        matches = [i for i, n in names if name_key(n) == key or name_key(Path(n).stem) == key]
        if len(matches) == 1:
            by_name = session.get(Document, matches[0])
    if by_id is not None and by_name is not None and by_id.id != by_name.id:
        raise InvalidInput(
            f"document {ref_s!r} is ambiguous: the id of {by_id.name!r} and the name of "
            f"{by_name.name!r}",
            f"write the full name: {by_id.name!r} or {by_name.name!r}",
        )
    if by_id is not None or by_name is not None:
        return by_id or by_name  # type: ignore[return-value]
    hint = "`qualcode docs list` shows all documents"
    # the same name with another extension first (protokoll_12.md for protokoll_12.txt),
    # never taken without asking: it may be another file that was not imported
    stem = name_key(Path(ref_s).stem)
    same = [n for _, n in names if name_key(Path(n).stem) == stem]
    if len(same) == 1:
        hint = f"did you mean {same[0]!r}? ({hint})"
    elif names:
        from rapidfuzz import fuzz, process

        best = process.extractOne(ref_s, [n for _, n in names], scorer=fuzz.ratio, score_cutoff=60)
        if best:
            hint = f"did you mean {best[0]!r}? ({hint})"
    raise NotFound(f"unknown document {ref_s!r}", hint)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["Format=Web", "Region=Görlitz"]`` → dict; refuses items without ``=``."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise InvalidInput(
                f"attribute {item!r} is not KEY=VALUE",
                f"write {item.strip() or 'KEY'}=VALUE, e.g. Format=Präsenz"
                f" ({item.strip() or 'KEY'}= with nothing after it removes the attribute)",
            )
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise InvalidInput(
                f"attribute {item!r} has an empty key", "write e.g. --attr Format=Präsenz"
            )
        out[key] = value.strip()
    return out


def set_attributes(session: Session, doc: Document, attrs: dict[str, str]) -> None:
    for key in attrs:
        check_name("attribute", key)
    existing = {
        a.key: a
        for a in session.execute(
            select(DocumentAttribute).where(DocumentAttribute.document_id == doc.id)
        ).scalars()
    }
    for key, value in attrs.items():
        if value == "" and key in existing:
            session.delete(existing[key])
            continue
        type_ = infer_type(value)
        if key in existing:
            if existing[key].value != value or existing[key].type != type_:
                existing[key].value = value
                existing[key].type = type_
        elif value != "":
            session.add(DocumentAttribute(document_id=doc.id, key=key, value=value, type=type_))  # type: ignore[arg-type]
    session.flush()


def add_attributes(session: Session, doc_id: int, attrs: dict[str, str]) -> None:
    """The attributes of a new document in one batched, audited INSERT (import of many files)."""
    for key in attrs:
        check_name("attribute", key)
    rows = [
        {"document_id": doc_id, "key": k, "value": v, "type": infer_type(v)}
        for k, v in attrs.items()
        if v != ""
    ]
    if rows:
        insert_rows(session, DocumentAttribute, rows)
        audit.record_rows(session, "document_attribute", "insert", rows)


def attributes_of(
    session: Session, doc_ids: Sequence[int] | None = None
) -> dict[int, dict[str, object]]:
    # Columns, not ORM objects: reports ask for the attributes of thousands of documents.
    stmt = select(
        DocumentAttribute.document_id,
        DocumentAttribute.key,
        DocumentAttribute.value,
        DocumentAttribute.type,
    ).order_by(DocumentAttribute.id)
    if doc_ids is not None:
        stmt = stmt.where(DocumentAttribute.document_id.in_(doc_ids))  # type: ignore[attr-defined]
    out: dict[int, dict[str, object]] = {}
    for did, key, value, type_ in session.connection().execute(stmt).all():
        out.setdefault(did, {})[key] = typed_value(value, type_)
    return out


def unsplit_sentences(
    session: Session, doc_ids: Sequence[int] | None = None
) -> dict[int, list[tuple[int, int]]]:
    """Sentence spans of the documents that have no stored sentences, split now (not stored).

    ``refi import`` stores paragraphs only: splitting 40,000 paragraphs with spaCy
    would cost more than the rest of the import. Whoever needs sentences calls
    this; it loads spaCy only when such documents exist (``doc_ids`` limits the
    search). ``qualcode import`` stores sentences at once.
    """
    todo = _unsplit_ids(session, doc_ids)
    if not todo:
        return {}
    paras: dict[int, list[tuple[int, int]]] = {}
    pstmt = (
        select(Passage.document_id, Passage.start, Passage.end)
        .where(Passage.unit == "paragraph", Passage.document_id.in_(todo))  # type: ignore[attr-defined]
        .order_by(Passage.document_id, Passage.start)
    )
    for did, s, e in session.execute(pstmt):
        paras.setdefault(did, []).append((s, e))
    from qualcode import nlp
    from qualcode.database import get_setting

    nlp_obj = nlp.load_sentences(get_setting(session, "nlp.model"))
    texts = session.execute(select(Document.id, Document.text).where(Document.id.in_(todo)))  # type: ignore[union-attr]
    return {did: nlp.sentence_spans(nlp_obj, text, paras[did]) for did, text in texts}


def store_sentences(session: Session, doc_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Split and store the sentences of the documents that have none (one audited change)."""
    spans = unsplit_sentences(session, doc_ids)
    for did, sents in spans.items():
        store_passages(session, did, [("sentence", s, e) for s, e in sents])
    return {"documents": len(spans), "sentences": sum(map(len, spans.values()))}


def _unsplit_ids(session: Session, doc_ids: Sequence[int] | None = None) -> list[int]:
    """Documents with paragraph passages but no sentence passages."""
    has = select(Passage.id).where(Passage.document_id == Document.id)
    stmt = select(Document.id).where(
        has.where(Passage.unit == "paragraph").exists(),
        ~has.where(Passage.unit == "sentence").exists(),
    )
    if doc_ids is not None:
        stmt = stmt.where(Document.id.in_(list(doc_ids)))  # type: ignore[union-attr]
    return list(session.execute(stmt).scalars())


def count_unsplit(session: Session) -> int:
    """How many documents are split into sentences only when needed (see :func:`unsplit_sentences`)."""
    return len(_unsplit_ids(session))


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # a file that could not be imported: {"path", "error", "hint"} (the error without hint)
    failed: list[dict[str, str]] = field(default_factory=list)
    # per file read: its encoding ("utf-8", "utf-16", "windows-1252"; None for .docx/.odt/.pdf)
    encodings: dict[str, str | None] = field(default_factory=dict)
    # one row per file, in the order they were read (`import --json`)
    files: list[ImportedFile] = field(default_factory=list)
    # per updated file: how many of its codings the new text orphaned
    orphaned: dict[str, int] = field(default_factory=dict)

    def fail(self, path: str | Path, error: str, hint: str | None = None) -> None:
        row = {"path": str(path), "error": error, "hint": hint or ""}
        self.failed.append(row)
        self.files.append(
            {
                "file": str(Path(path).absolute()),
                "document": None,
                "status": "failed",
                "encoding": None,
                "error": error,
                "hint": row["hint"],
            }
        )

    def as_json(self) -> Import:
        return {
            "imported": len(self.imported),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
            "files": self.files,
        }


def collect_files(
    paths: Iterable[str | Path],
) -> tuple[list[Path], list[tuple[Path, QualcodeError]]]:
    """The files to import (a folder: its .txt, .md, .docx, .odt and .pdf files) and the
    paths that give none (each an error with the path in its message)."""
    files: list[Path] = []
    failed: list[tuple[Path, QualcodeError]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                f
                for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            )
            if not found:
                failed.append(
                    (
                        path,
                        InvalidInput(
                            f"{path}: no .txt, .md, .docx, .odt or .pdf files in this folder",
                            "give the folder that holds the protocols, or the files themselves",
                        ),
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            failed.append(
                (
                    path,
                    NotFound(
                        f"{path}: no such file or folder",
                        "check the path (`ls` shows what is there)",
                    ),
                )
            )
    return files, failed


def import_paths(
    session: Session,
    paths: Iterable[str | Path],
    *,
    attrs: dict[str, str] | None = None,
    update: bool = False,
    nlp_obj=None,
) -> ImportResult:
    """Import files and folders. Failures are collected per file; the rest is imported."""
    files, failed = collect_files(paths)
    result = ImportResult()
    for path, exc in failed:
        result.fail(path, exc.message, exc.hint)
    seen: dict[str, Path] = {}
    for path in files:
        name = path.name
        if name in seen:
            result.fail(
                path,
                f"{path}: a file named {name!r} is already in this import ({seen[name]})",
                "rename one of them: a document's name is its file name, once per project",
            )
            continue
        seen[name] = path
        try:
            with session.begin_nested():
                status, encoding, orphaned = _import_one(
                    session, path, attrs or {}, update, nlp_obj
                )
        except QualcodeError as exc:
            result.fail(path, exc.message, exc.hint)
            _forget_rolled_back_entry(session)
            continue
        getattr(result, status).append(name)
        result.encodings[name] = encoding
        row: ImportedFile = {
            "file": str(path.absolute()),
            "document": name,
            "status": status,
            "encoding": encoding,
        }
        if status == "updated":
            result.orphaned[name] = row["orphaned_codings"] = orphaned
        result.files.append(row)
    return result


def _forget_rolled_back_entry(session: Session) -> None:
    """If the audit entry was created inside the rolled-back savepoint, start a new one."""
    ctx = audit.context(session)
    if (
        ctx is not None
        and ctx.entry_id is not None
        and session.get(AuditEntry, ctx.entry_id) is None
    ):
        ctx.entry_id = None
        ctx.seq = 0


def _import_one(
    session: Session, path: Path, attrs: dict[str, str], update: bool, nlp_obj
) -> tuple[str, str | None, int]:
    """``(status, encoding, orphaned)`` of one file: "imported", "updated" or "unchanged",
    and how many codings an update orphaned."""
    check_name("document", path.name)
    raw, front, encoding = read_document(path)
    status, orphaned = _store_one(session, path, raw, front, attrs, update, nlp_obj)
    return status, encoding, orphaned


def _store_one(
    session: Session,
    path: Path,
    raw: str,
    front: bool,
    attrs: dict[str, str],
    update: bool,
    nlp_obj,
) -> tuple[str, int]:
    text = normalize(raw)
    file_attrs: dict[str, str] = {}
    if front:
        file_attrs, text = split_front_matter(text, path.name)
    text = text.strip("\n")
    if not text.strip():
        raise InvalidInput(
            f"{path.name}: no text (only whitespace or front matter)", "remove it or add its text"
        )
    all_attrs = {**file_attrs, **attrs}
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = session.execute(
        select(Document).where(Document.name == path.name)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.sha256 == digest:
            if all_attrs:
                set_attributes(session, existing, all_attrs)
            return "unchanged", 0
        if not update:
            raise Conflict(
                f"{path.name}: a different document with this name is already in the project",
                "re-import with --update to replace its text (codings are re-anchored), or rename the file",
            )
        from qualcode.reanchor import replace_text

        moves = replace_text(session, existing, text, nlp_obj=nlp_obj)
        existing.sha256 = digest
        existing.source_path = str(path.absolute())
        set_attributes(session, existing, all_attrs)
        return "updated", moves["orphaned"]
    doc = Document(name=path.name, text=text, sha256=digest, source_path=str(path.absolute()))
    session.add(doc)
    session.flush()
    store_passages(session, doc.id, compute_passages(text, nlp_obj))  # type: ignore[arg-type]
    add_attributes(session, doc.id, all_attrs)  # type: ignore[arg-type]
    return "imported", 0


def add_text_document(
    session: Session, name: str, text: str, attrs: dict[str, str] | None = None, nlp_obj=None
) -> Document:
    """Create a document from a string (used by REFI import, benchmarks and tests)."""
    name = check_name("document", name)
    text = normalize(text)
    if session.execute(select(Document.id).where(Document.name == name)).first():
        raise Conflict(
            f"a document named {name!r} already exists", "rename it or remove the existing one"
        )
    doc = Document(name=name, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    session.add(doc)
    session.flush()
    store_passages(session, doc.id, compute_passages(text, nlp_obj))  # type: ignore[arg-type]
    if attrs:
        add_attributes(session, doc.id, attrs)  # type: ignore[arg-type]
    return doc


def remove_document(session: Session, ref: str, *, force: bool = False) -> dict[str, int]:
    """Remove a document with its passages, attributes, memos and codings; a document
    with codings only with ``force`` (see :mod:`qualcode.safety`)."""
    doc = resolve_document(session, ref)
    if not force:
        from qualcode.errors import NeedsForce
        from qualcode.models import Coder
        from qualcode.safety import by_coder, plural

        coders = list(
            session.execute(
                select(Coder.name)
                .join(Coding, Coding.coder_id == Coder.id)
                .where(Coding.document_id == doc.id)
            ).scalars()
        )
        if coders:
            raise NeedsForce(
                f"document {doc.name!r} has {plural(len(coders), 'coding')} "
                f"({by_coder(coders)}); removing it removes them too",
                "add --force to remove it with them (`qualcode undo` restores them)",
            )
    n_codings = delete_codings(session, Coding.document_id == doc.id)  # with their memos
    delete_rows(session, Passage, Passage.document_id == doc.id)
    delete_rows(session, DocumentAttribute, DocumentAttribute.document_id == doc.id)
    delete_rows(session, Memo, (Memo.target_type == "document") & (Memo.target_id == doc.id))
    from qualcode.models import DocSetMember

    delete_rows(session, DocSetMember, DocSetMember.document_id == doc.id)
    session.delete(doc)
    session.flush()
    return {"codings": n_codings}


def list_documents(session: Session) -> list[dict]:
    docs = list(
        session.execute(
            select(Document.id, Document.name, Document.imported_at, Document.text).order_by(
                Document.name
            )
        )
    )
    attrs = attributes_of(session)
    paras: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in session.execute(
        select(Passage.document_id, Passage.start, Passage.end).where(Passage.unit == "paragraph")
    ):
        paras.setdefault(did, []).append((s, e))
    spans: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in session.execute(select(Coding.document_id, Coding.start, Coding.end)):
        spans.setdefault(did, []).append((s, e))
    out = []
    for did, name, at, text in docs:
        p = paras.get(did, [])
        # headings and metadata are no work: progress counts content (and coded) paragraphs
        n, coded = progress(text, p, coded_flags(p, spans.get(did, [])))
        out.append(
            {
                "id": did,
                "name": name,
                "attributes": attrs.get(did, {}),
                "passages": n,
                "coded_passages": coded,
                "progress": round(coded / n, 3) if n else 1.0,
                "codings": len(spans.get(did, [])),
                "imported": at.isoformat(timespec="seconds"),
            }
        )
    return out


def show_document(session: Session, ref: str) -> DocumentDetail:
    doc = resolve_document(session, ref)
    n = session.execute(
        select(func.count(Coding.id)).where(Coding.document_id == doc.id)
    ).scalar_one()
    return {
        "id": doc.id,  # type: ignore[typeddict-item]
        "document": doc.name,
        "attributes": attributes_of(session, [doc.id]).get(doc.id, {}),  # type: ignore[list-item]
        "sha256": doc.sha256,
        "source_path": doc.source_path,
        "imported_at": doc.imported_at.isoformat(timespec="seconds"),
        "codings": n,
        "length": len(doc.text),
        "text": doc.text,
    }


def list_passages(
    session: Session, doc: str | None = None, unit: str = "paragraph", uncoded: bool = False
) -> list[dict]:
    if unit not in UNITS:
        raise InvalidInput(f"unknown unit {unit!r}", "use paragraph or sentence")
    stmt = select(Passage.document_id, Passage.start, Passage.end, Passage.id).where(
        Passage.unit == unit
    )
    cstmt = select(Coding.document_id, Coding.start, Coding.end)
    dstmt = select(Document.id, Document.name, Document.text).order_by(Document.name)
    only: list[int] | None = None
    if doc is not None:
        d = resolve_document(session, doc)
        only = [d.id]  # type: ignore[list-item]
        stmt = stmt.where(Passage.document_id == d.id)
        cstmt = cstmt.where(Coding.document_id == d.id)
        dstmt = dstmt.where(Document.id == d.id)
    by_doc: dict[int, list[tuple[int, int]]] = {}
    ids: dict[tuple[int, int, int], int] = {}  # (document, start, end) → passage id
    for did, s, e, pid in session.execute(stmt.order_by(Passage.document_id, Passage.start)):
        by_doc.setdefault(did, []).append((s, e))
        ids[(did, s, e)] = pid
    if unit == "sentence":
        by_doc.update(unsplit_sentences(session, only))  # not stored yet: no id
    codings: dict[int, list[tuple[int, int]]] = {}
    if uncoded:
        for did, s, e in session.execute(cstmt):
            codings.setdefault(did, []).append((s, e))
    out = []
    for did, name, text in session.execute(dstmt):
        spans = by_doc.get(did, [])
        flags = coded_flags(spans, codings.get(did, [])) if uncoded else [False] * len(spans)
        content = content_flags(text, spans) if uncoded else flags
        for (s, e), coded, c in zip(spans, flags, content, strict=True):
            if uncoded and (coded or not c):  # still to read: content
                continue
            out.append(
                {
                    "id": ids.get((did, s, e)),
                    "document": name,
                    "start": s,
                    "end": e,
                    "text": text[s:e],
                }
            )
    return out
