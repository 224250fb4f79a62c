"""Build the demo project from the protocols and the starter codebook shipped in the package.

``qualcode/data/corpus/`` holds the demo protocols, ``qualcode/data/codebooks/starter.toml``
the starter codebook (the checkout's ``corpus/`` and ``codebooks/starter.toml`` link to them).
The gold codings in ``corpus/codings.csv`` (columns ``document,code,coder,quote``)
cover every protocol; the demo project gets those of every second protocol, so a new user sees a coded project and the suggestions have data.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode import nlp
from qualcode.codebook import add_code, edit_code
from qualcode.codings import import_codings_records
from qualcode.documents import import_paths
from qualcode.errors import InvalidInput, QualcodeError
from qualcode.memos import add_memo
from qualcode.models import Code, Coding, Document

if TYPE_CHECKING:
    from qualcode.schemas.project import DemoBuild

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus"
STARTER_CODEBOOK = DATA / "codebooks" / "starter.toml"


def load_codebook_toml(session: Session, path: Path) -> int:
    """Create the codes of a starter codebook (``[[codes]]`` with path, colour, definition …)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read codebook {path}: {exc}", "check the TOML file") from exc
    n = 0
    for entry in data.get("codes", []):
        if "path" not in entry:
            raise InvalidInput(
                f"{path.name}: a [[codes]] entry has no path", "give every code a path"
            )
        code = add_code(session, entry["path"], exist_ok=True)
        fields = {k: entry.get(k) for k in ("description", "definition", "anchor", "rule", "color")}
        if "codable" in entry:
            fields["codable"] = bool(entry["codable"])
        edit_code(session, entry["path"], **fields)
        n += code is not None
    return n


def demo_documents(names: list[str]) -> set[str]:
    """The documents that get codings in the demo: every second one in name order (1st, 3rd, …)."""
    return set(sorted(names)[::2])


def build_demo(
    session: Session,
    corpus: Path | None = None,
    codebook: Path | None = None,
    *,
    force: bool = False,
) -> DemoBuild:
    if codebook is not None and not codebook.is_file():
        raise InvalidInput(
            f"no codebook file at {codebook}",
            "pass --codebook FILE.toml, or leave it out for the starter codebook shipped with qualcode",
        )
    corpus = corpus or CORPUS
    codebook = codebook or STARTER_CODEBOOK
    if not corpus.is_dir():
        raise QualcodeError(
            f"no corpus folder at {corpus}",
            "pass --corpus FOLDER, or leave it out for the demo protocols shipped with qualcode",
        )
    if session.execute(select(func.count(Document.id))).scalar_one() and not force:
        raise QualcodeError(
            "the project already has documents", "use a new --db for the demo, or --force"
        )
    load_codebook_toml(session, codebook)
    result = import_paths(session, [corpus], nlp_obj=nlp.load_sentences())
    if result.failed:
        raise QualcodeError("demo corpus: " + "; ".join(f["error"] for f in result.failed))
    gold = corpus / "codings.csv"
    if gold.exists():
        with gold.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            reader.fieldnames = fields
            records = list(enumerate(reader, start=2))
        keep = demo_documents(sorted({r["document"] for _, r in records}))
        import_codings_records(
            session,
            [(n, r) for n, r in records if r["document"] in keep],
            fields,
            gold.name,
            "demo",
        )
    # Top categories only group: their sub-codes carry the codings.
    for code in session.execute(select(Code).where(Code.parent_id.is_(None))).scalars():  # type: ignore[union-attr]
        has_children = session.execute(
            select(func.count(Code.id)).where(Code.parent_id == code.id)
        ).scalar_one()
        if (
            has_children
            and not session.execute(
                select(Coding.id).where(Coding.code_id == code.id).limit(1)
            ).first()
        ):
            code.codable = False
    add_memo(
        session,
        "project",
        None,
        "Demo-Projekt: Protokolle konstituierender Beratungen von Kooperationsverbünden (fiktiv). "
        "Etwa die Hälfte der Protokolle ist kodiert; die übrigen warten auf Kodierung und Vorschläge.",
        title="Über dieses Projekt",
    )
    session.flush()
    return {
        "documents": session.execute(select(func.count(Document.id))).scalar_one(),
        "codes": session.execute(select(func.count(Code.id))).scalar_one(),
        "codings": session.execute(select(func.count(Coding.id))).scalar_one(),
        "coded_documents": session.execute(
            select(func.count(func.distinct(Coding.document_id)))
        ).scalar_one(),
    }
