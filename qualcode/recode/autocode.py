"""Autocoding: code every passage, sentence or match that a regex, lemmas or a phrase find.

Three kinds of search:

- ``regex``: a Python regular expression over the document text (case-insensitive
  unless ``case_sensitive``);
- ``lemma``: words compared by their lemma (spaCy; offline the lookup lemmatizer of
  spacy-lookups-data), so inflected forms match: ``--lemma "Schule Kooperation"``
  finds "Die Kooperationen mit Schulen". A sentence (with ``unit="passage"``: a
  paragraph) matches when it contains every lemma of the query;
- ``phrase``: the words of the phrase in this order (case-insensitive, any
  whitespace between them); with ``fuzzy`` (0–100) a sentence matches when
  rapidfuzz's ``partial_ratio`` of phrase and sentence reaches the threshold, so
  spelling and inflection variants are found ("zu wenig Personal" → "zu wenig
  Personals", "zu weinig Personal").

The coded unit is the ``passage`` (paragraph) containing the hit, the ``sentence``,
the ``word`` (the hit widened to whole words) or the ``match`` itself. Existing identical codings are skipped, so a rules file can
be re-run: a second run adds nothing. The codings belong to ``coder`` — by default
the coder ``auto``, which keeps machine codings apart from human ones (reports and
agreement can leave them out; recode them with ``recode --coder auto``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree, add_code, check_new_path
from qualcode.codings import bulk_insert_codings, find_coder, get_coder
from qualcode.config import AUTO_CODER
from qualcode.errors import InvalidInput, NotFound, QualcodeError
from qualcode.matchers import (  # noqa: F401  (re-exported: the engine's matchers)
    _containing,
    _Doc,
    _fuzzy_hits,
    _lemma_hits,
    _load_docs,
    _phrase_regex,
    _sentences,
    _word_bounds,
    find_hits,
    query_lemmas,
)
from qualcode.models import Code, Coding
from qualcode.names import NearDuplicate, listed
from qualcode.recode.scope import compile_pattern, make_scope
from qualcode.textutil import yes_no

UNITS = ("passage", "sentence", "word", "match")


@dataclass
class AutoRule:
    code: str
    regex: str | None = None
    lemma: str | None = None
    phrase: str | None = None
    fuzzy: int | None = None
    unit: str = "passage"
    coder: str | None = None
    case_sensitive: bool = False
    doc: list[str] = field(default_factory=list)
    where: dict[str, list[str]] = field(default_factory=dict)
    origin: str = "command line"

    @property
    def kind(self) -> str:
        return "regex" if self.regex else "lemma" if self.lemma else "phrase"

    @property
    def query(self) -> str:
        return self.regex or self.lemma or self.phrase or ""

    def check(self) -> list[str]:
        errors = []
        given = [k for k in ("regex", "lemma", "phrase") if getattr(self, k)]
        if len(given) != 1:
            errors.append(
                f"{self.origin}: give exactly one of regex, lemma, phrase (got {', '.join(given) or 'none'})"
            )
        if self.unit not in UNITS:
            errors.append(
                f"{self.origin}: unknown unit {self.unit!r} (use passage, sentence, word or match)"
            )
        if self.fuzzy is not None:
            if not self.phrase:
                errors.append(f"{self.origin}: fuzzy works with phrase only")
            elif not 0 < self.fuzzy <= 100:
                errors.append(f"{self.origin}: fuzzy must be between 1 and 100 (got {self.fuzzy})")
        if self.regex:
            try:
                compile_pattern(self.regex, case_sensitive=self.case_sensitive)
            except InvalidInput as exc:
                errors.append(f"{self.origin}: {exc.message}")
        if not self.code.strip():
            errors.append(f"{self.origin}: no code")
        return errors


_RULE_KEYS = {
    "code",
    "regex",
    "lemma",
    "phrase",
    "fuzzy",
    "unit",
    "coder",
    "case_sensitive",
    "doc",
    "where",
}


def load_rules(path: str | Path) -> list[AutoRule]:
    """``[[rule]]`` entries of a TOML file (top-level ``unit``/``coder`` are defaults; other
    top-level keys, ``[[rule]]`` with ``[[rules]]`` and a yes/no that is none are refused)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {p}: {exc.strerror}", "check the path") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{p.name}: invalid TOML: {exc}", "check the syntax") from exc
    from qualcode.recode.maps import rule_tables

    entries = rule_tables(data, p.name, ("unit", "coder"))
    rules, errors = [], []
    for i, e in enumerate(entries, start=1):
        origin = f"{p.name} rule {i}"
        unknown = set(e) - _RULE_KEYS
        if unknown:
            errors.append(
                f"{origin}: unknown keys {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_RULE_KEYS))})"
            )
            continue
        try:
            case_sensitive = yes_no(e.get("case_sensitive"), "case_sensitive")
        except InvalidInput as exc:
            errors.append(f"{origin}: {exc.message}")
            continue
        where = {
            str(k): ([str(x) for x in v] if isinstance(v, list) else [str(v)])
            for k, v in (e.get("where") or {}).items()
        }
        docs = e.get("doc") or []
        rules.append(
            AutoRule(
                code=str(e.get("code", "")),
                regex=e.get("regex"),
                lemma=e.get("lemma"),
                phrase=e.get("phrase"),
                fuzzy=e.get("fuzzy"),
                unit=e.get("unit", data.get("unit", "passage")),
                coder=e.get("coder", data.get("coder")),
                case_sensitive=case_sensitive,
                doc=[docs] if isinstance(docs, str) else list(docs),
                where=where,
                origin=origin,
            )
        )
    if not rules and not errors:
        errors.append(f"{p.name}: no [[rule]] entries")
    if errors:
        raise InvalidInput(
            "; ".join(errors), "each [[rule]] needs code and one of regex, lemma, phrase"
        )
    return rules


# --- units and matchers: qualcode.matchers (light, shared with `qualcode search`) ---------------

# --- running ------------------------------------------------------------------------------------


def _lookup(tree: CodeTree, path: str) -> Code | None:
    """The existing code ``path`` names (as ``--code`` everywhere), None when there is none;
    an ambiguous name is an error."""
    try:
        return tree.resolve(path)
    except NotFound:
        return None


def autocode(
    session: Session,
    rules: Sequence[AutoRule],
    *,
    coder: str | None = None,
    create: bool = False,
    force: bool = False,
    sample: int = 0,
    nlp_obj: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Apply autocoding rules. All rules are checked first; nothing changes on an error.

    ``coder`` is the default for rules without their own (default ``auto``). With
    ``create`` unknown codes are created — a near duplicate of an existing code only with
    ``force``.
    """
    session.flush()
    errors = [e for r in rules for e in r.check()]
    tree = CodeTree.load(session)
    near = False
    for r in rules:
        try:
            c = _lookup(tree, r.code) if r.code.strip() else None
        except InvalidInput as exc:  # ambiguous
            errors.append(f"{r.origin}: {exc.message}")
            continue
        if r.code.strip() and c is None and not create:
            errors.append(
                f"{r.origin}: unknown code {r.code!r} ({tree._hint(r.code)}; --create creates it)"
            )
        elif r.code.strip() and c is None:
            try:
                check_new_path(tree, r.code, force=force)
            except QualcodeError as exc:
                near = near or isinstance(exc, NearDuplicate)
                errors.append(f"{r.origin}: {listed(exc)}")
        if c is not None and not c.codable:
            errors.append(f"{r.origin}: {r.code!r} is a category that only groups codes")
    if errors:
        raise InvalidInput(
            "autocode refused, nothing changed: " + "; ".join(errors),
            "fix the rules and run again (--dry-run shows what they find)"
            + ("; --force creates near-duplicate codes anyway" if near else ""),
        )
    scopes = [make_scope(session, doc=r.doc, where=r.where) for r in rules]
    from qualcode.docsets import restrict, scope_ids

    if scope_ids(session) is not None:  # the command's document set (--set)
        for scope in scopes:
            scope.doc_ids = restrict(session, scope.doc_ids)

    holder: dict[str, Any] = {"nlp": nlp_obj}

    def nlp_get() -> Any:
        if holder["nlp"] is None:
            from qualcode import nlp as nlp_mod

            holder["nlp"] = nlp_mod.load()
        return holder["nlp"]

    doc_cache: dict[tuple[int, ...] | None, list[_Doc]] = {}
    rule_docs = []
    for scope in scopes:
        key = tuple(scope.doc_ids) if scope.doc_ids is not None else None
        if key not in doc_cache:
            doc_cache[key] = _load_docs(session, scope.doc_ids)
        rule_docs.append(doc_cache[key])
    total = sum(len(d) for d in rule_docs)
    done = 0

    def tick() -> None:  # one document searched
        nonlocal done
        done += 1
        if progress and (done % 50 == 0 or done == total):
            progress(done, total)

    results = []
    for rule, docs in zip(rules, rule_docs, strict=True):
        scope = scopes[len(results)]
        code = _lookup(CodeTree.load(session), rule.code) or add_code(
            session, rule.code, force=True
        )  # checked above
        coder_name = (rule.coder or coder or AUTO_CODER).strip()
        who = find_coder(session, coder_name)  # `ANNA` is the coder anna, as get_coder says
        hits = find_hits(session, rule, docs, nlp_get, tick)
        existing_stmt = select(Coding.document_id, Coding.start, Coding.end).where(
            Coding.code_id == code.id, Coding.coder_id == (who.id if who else -1)
        )
        if scope.doc_ids is not None:
            existing_stmt = existing_stmt.where(Coding.document_id.in_(scope.doc_ids))  # type: ignore[attr-defined]
        existing = set(session.execute(existing_stmt).all())
        if who is None and hits:
            who = get_coder(session, coder_name)  # created with the first coding
        rows = []
        for d, s, e in hits:
            if (d.id, s, e) not in existing:
                existing.add((d.id, s, e))
                rows.append(
                    {
                        "document_id": d.id,
                        "start": s,
                        "end": e,
                        "code_id": code.id,
                        "coder_id": who.id,  # type: ignore[union-attr]
                    }
                )
        res: dict[str, Any] = {
            "rule": rule.origin,
            "code": CodeTree.load(session).path(code),
            "kind": rule.kind,
            "query": rule.query + (f" (fuzzy {rule.fuzzy})" if rule.fuzzy else ""),
            "unit": rule.unit,
            "coder": coder_name,
            "found": len(hits),
            "added": len(rows),
            "existing": len(hits) - len(rows),
            "documents": len({r["document_id"] for r in rows}),
        }
        if sample:
            names = {d.id: d for d in docs}
            res["sample"] = [
                {
                    "document": names[r["document_id"]].name,
                    "start": r["start"],
                    "end": r["end"],
                    "text": names[r["document_id"]].text[r["start"] : r["end"]],
                    "code": res["code"],
                    "coder": coder_name,
                }
                for r in rows[:sample]
            ]
        session.flush()  # a code created for the rule
        bulk_insert_codings(session, rows)
        results.append(res)
    totals = {
        "found": sum(r["found"] for r in results),
        "added": sum(r["added"] for r in results),
        "existing": sum(r["existing"] for r in results),
    }
    return {"rules": results, "totals": totals}
