"""Recode maps: many merge/rename/split rules from one CSV or TOML file, all or nothing.

CSV — a header ``from,to`` (optional columns ``match``, ``keep``, ``case_sensitive``;
``;`` works as separator too; unknown or repeated columns are refused — ``doc``,
``coder`` and ``where`` need a TOML map) or two columns without a header::

    from,to
    Herausforderungen und Hindernisse/Fachkräftemangel,Herausforderungen und Hindernisse/Personalmangel

TOML — a ``[map]`` table of ``"from" = "to"`` pairs and/or ``[[rule]]`` entries::

    [map]
    "Zielformulierungen/Vernetzung" = "Zielformulierungen/Kooperation"

    [[rule]]                       # a split by pattern
    from = "Herausforderungen und Hindernisse/Personalmangel"
    to = "Herausforderungen und Hindernisse/Personalmangel/Schulsozialarbeit"
    match = "Schulsozialarbeit|Sozialarbeiter"   # codings whose text matches (case-insensitive)
    # keep = true, doc = ["protokoll_01.md"], coder = "anna", where = { Format = "Web" }

Yes/no fields (``keep``, ``case_sensitive``) take true/false or 1/0, yes/no, ja/nein,
x, wahr/falsch (:func:`qualcode.textutil.yes_no`); anything else is refused, as are
unknown top-level TOML keys and ``[[rule]]`` together with ``[[rules]]``.

The whole map is checked before anything changes: unknown source codes, unknown
targets (unless ``create``), a code mapped to two targets, merges into a code's own
sub-code and cycles (``A → B`` and ``B → A``, also through longer chains) are
refused with every problem listed. Chains are followed: with ``A → B`` and
``B → C`` A's codings end up in C. Rules with a filter (``match``, ``doc``,
``coder``, ``where``) or ``keep`` move only the selected codings and keep the source.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from qualcode.codebook import CodeTree, add_code, check_new_path, join_path, split_path
from qualcode.errors import InvalidInput, NotFound, QualcodeError
from qualcode.models import Code
from qualcode.names import NearDuplicate, listed
from qualcode.recode.merge import _empty_result, _merge, _relocate
from qualcode.recode.scope import make_scope
from qualcode.textutil import name_key, yes_no


@dataclass
class Rule:
    source: str
    target: str
    origin: str  # "line 3", "rule 2", "[map] entry 1"
    keep: bool = False
    match: str | None = None
    case_sensitive: bool = False
    doc: list[str] = field(default_factory=list)
    coder: list[str] = field(default_factory=list)
    where: dict[str, list[str]] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        return bool(self.match or self.doc or self.coder or self.where)

    @property
    def whole(self) -> bool:
        return not self.keep and not self.filtered


def _key(path: str) -> str:
    return "/".join(name_key(n) for n in split_path(path))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def parse_map(text: str, name: str) -> list[Rule]:
    """Rules from the text of a map file (TOML when ``name`` ends in .toml, else CSV)."""
    if name.lower().endswith(".toml"):
        return _parse_toml(text, name)
    return _parse_csv(text, name)


def load_map(path: str | Path) -> list[Rule]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {p}: {exc.strerror}", "check the path") from exc
    from qualcode.readers import decode_text

    return parse_map(decode_text(raw, p.name).text.replace("\r\n", "\n"), p.name)


# CSV header (any case) → the field it fills.
_CSV_COLUMNS = {
    "from": "from",
    "von": "from",
    "source": "from",
    "to": "to",
    "nach": "to",
    "target": "to",
    "match": "match",
    "keep": "keep",
    "case_sensitive": "case_sensitive",
}
_CSV_KNOWN = "from, to, match, keep, case_sensitive; from/to also as von/nach or source/target"


def _csv_header(row: list[str], name: str) -> dict[str, int] | None:
    """Field → column of a CSV map's header row; None when ``row`` is no header (a map
    without one has two columns from,to). Unknown and repeated columns are refused."""
    header = [h.strip().lower() for h in row]
    fields = [_CSV_COLUMNS.get(h) for h in header]
    if "from" not in fields or "to" not in fields:
        return None
    unknown = [row[i].strip() for i, f in enumerate(fields) if f is None and header[i]]
    if unknown:
        toml_only = any(u.lower() in ("doc", "coder", "where") for u in unknown)
        raise InvalidInput(
            f"{name}: unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} (known: {_CSV_KNOWN})",
            "doc, coder and where work only in a TOML map ([[rule]] entries)"
            if toml_only
            else "rename or remove the column",
        )
    cols: dict[str, int] = {}
    for i, f in enumerate(fields):
        if f is None:
            continue
        if f in cols:
            raise InvalidInput(
                f"{name}: column {f!r} given twice ({row[cols[f]].strip()!r} and {row[i].strip()!r})",
                "keep one of them",
            )
        cols[f] = i
    return cols


def _parse_csv(text: str, name: str) -> list[Rule]:
    first = text.split("\n", 1)[0]
    delim = (
        ";"
        if first.count(";") > first.count(",")
        else ("\t" if "\t" in first and "," not in first else ",")
    )
    from qualcode.readers import csv_rows

    rows = csv_rows(text, name, delim)  # strict quoting; physical line numbers
    cols = _csv_header(rows[0][1], name) if rows else None
    headed = cols is not None
    if cols is not None:
        body = rows[1:]
    else:
        cols = {"from": 0, "to": 1}
        body = rows
    named = set(cols.values())
    rules, errors = [], []
    for lineno, row in body:
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            errors.append(f"line {lineno}: needs two columns from,to")
            continue
        extra = next((i for i, c in enumerate(row) if c.strip() and i not in named), None)
        if extra is not None:
            errors.append(
                f"line {lineno}: {row[extra].strip()!r} in column {extra + 1}, which "
                + ("has no header" if headed else "a map without a header row does not have")
            )
            continue

        def col(n: str, row: list[str] = row) -> str:
            i = cols.get(n)
            return row[i].strip() if i is not None and i < len(row) else ""

        if not col("from") or not col("to"):
            errors.append(f"line {lineno}: empty from or to")
            continue
        try:
            keep = yes_no(col("keep"), "keep")
            case_sensitive = yes_no(col("case_sensitive"), "case_sensitive")
        except InvalidInput as exc:
            errors.append(f"line {lineno}: {exc.message}")
            continue
        rules.append(
            Rule(
                col("from"),
                col("to"),
                f"line {lineno}",
                keep=keep,
                match=col("match") or None,
                case_sensitive=case_sensitive,
            )
        )
    if errors:
        raise InvalidInput(
            f"{name}: " + "; ".join(errors),
            "write one `from,to` pair of code paths per line (keep, case_sensitive: true or false)",
        )
    if not rules:
        raise InvalidInput(f"{name}: no rules", "write one `from,to` pair of code paths per line")
    return rules


_RULE_KEYS = {"from", "to", "keep", "match", "case_sensitive", "doc", "coder", "where"}


def rule_tables(data: dict[str, Any], name: str, known: tuple[str, ...]) -> list[dict[str, Any]]:
    """The ``[[rule]]`` tables of a parsed TOML rules file (``[[rules]]`` works too, not
    both). Top-level keys other than ``known`` and the rule tables are refused."""
    unknown = [k for k in data if k not in ("rule", "rules", *known)]
    if unknown:
        raise InvalidInput(
            f"{name}: unknown top-level key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} (known: {', '.join([*known, '[[rule]]'])})",
            "check the spelling; keys of one rule go below its [[rule]] line",
        )
    if "rule" in data and "rules" in data:
        raise InvalidInput(
            f"{name}: both [[rule]] and [[rules]] tables; only one kind would be read",
            "write every entry as [[rule]]",
        )
    entries = data.get("rule", data.get("rules", []))
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(f"{name}: rule must be [[rule]] tables", "write each rule as [[rule]]")
    return entries


def _parse_toml(text: str, name: str) -> list[Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{name}: invalid TOML: {exc}", "check the syntax") from exc
    entries = rule_tables(data, name, ("map",))
    if not isinstance(data.get("map", {}), dict):
        raise InvalidInput(f"{name}: map must be a table", 'write [map] with "from" = "to" lines')
    rules, errors = [], []
    for i, (src, dst) in enumerate(data.get("map", {}).items(), start=1):
        if not isinstance(dst, str):
            errors.append(f"[map] {src!r}: the target must be a code path string")
            continue
        rules.append(Rule(src, dst, f"[map] entry {i}"))
    for i, entry in enumerate(entries, start=1):
        origin = f"rule {i}"
        unknown = set(entry) - _RULE_KEYS
        if unknown:
            errors.append(
                f"{origin}: unknown keys {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_RULE_KEYS))})"
            )
            continue
        if not entry.get("from") or not entry.get("to"):
            errors.append(f"{origin}: needs from and to")
            continue
        try:
            keep = yes_no(entry.get("keep"), "keep")
            case_sensitive = yes_no(entry.get("case_sensitive"), "case_sensitive")
        except InvalidInput as exc:
            errors.append(f"{origin}: {exc.message}")
            continue
        where = {str(k): _as_list(v) for k, v in (entry.get("where") or {}).items()}
        rules.append(
            Rule(
                str(entry["from"]),
                str(entry["to"]),
                origin,
                keep=keep,
                match=entry.get("match") or None,
                case_sensitive=case_sensitive,
                doc=_as_list(entry.get("doc")),
                coder=_as_list(entry.get("coder")),
                where=where,
            )
        )
    if errors:
        raise InvalidInput(
            f"{name}: " + "; ".join(errors), "see `qualcode recode --help` for the map format"
        )
    if not rules:
        raise InvalidInput(f"{name}: no rules", "give a [map] table or [[rule]] entries")
    return rules


@dataclass
class Plan:
    rules: list[Rule]  # in execution order
    create: list[str]  # target paths to create
    relocate: list[Rule]  # whole rules whose new target is just a rename/move of the source


def plan_map(
    session: Session, rules: list[Rule], *, create: bool = False, force: bool = False
) -> Plan:
    """Check the whole map against the code tree; raise listing every problem. Changes nothing.

    A new target an existing code could be mistaken for needs ``force``
    (:func:`qualcode.codebook.check_new_path`)."""
    from qualcode.recode.scope import compile_pattern

    tree = CodeTree.load(session)
    # "A" → "a": only the spelling of the name changes — a rename of the code itself.
    respell = []
    for r in rules:
        try:
            same = _key(r.source) == _key(r.target)
        except InvalidInput:
            continue
        if (
            same
            and r.whole
            and tree.find(r.source) is not None
            and split_path(r.source)[-1] != split_path(r.target)[-1]
        ):
            respell.append(r)
    rules = [r for r in rules if all(r is not x for x in respell)]
    errors: list[str] = []
    node: dict[int, Any] = {}  # rule index → source node, target node
    src_code: dict[int, Code | None] = {}
    missing_targets: dict[str, list[int]] = {}
    targets_by_key: dict[str, int] = {}
    for i, r in enumerate(rules):
        try:
            sk, tk = _key(r.source), _key(r.target)
        except InvalidInput as exc:
            errors.append(f"{r.origin}: {exc.message}")
            continue
        if r.match:
            try:
                compile_pattern(r.match, case_sensitive=r.case_sensitive)
            except InvalidInput as exc:
                errors.append(f"{r.origin}: {exc.message}")
        s, t = tree.find(r.source), tree.find(r.target)
        src_code[i] = s
        if sk == tk:
            errors.append(f"{r.origin}: {r.source!r} is mapped to itself")
        if t is None:
            missing_targets.setdefault(tk, []).append(i)
        targets_by_key.setdefault(tk, i)
        node[i] = (sk, tk)
        if t is not None and not t.codable and (s is None or s.codable):
            pass  # checked when codings actually move (a group may receive sub-codes)
        if s is not None and t is not None and r.whole and t in tree.descendants(s):
            errors.append(
                f"{r.origin}: cannot merge {r.source!r} into its own sub-code {r.target!r} (add keep = true)"
            )
        if s is None and t is None and r.whole and tk.startswith(sk + "/"):
            errors.append(
                f"{r.origin}: cannot merge {r.source!r} into its own sub-code {r.target!r}"
            )
    for i, r in enumerate(rules):
        if i in node and src_code[i] is None and node[i][0] not in targets_by_key:
            errors.append(f"{r.origin}: unknown code {r.source!r} ({tree._hint(r.source)})")
    if missing_targets and not create:
        names = ", ".join(repr(rules[ix[0]].target) for ix in missing_targets.values())
        errors.append(f"unknown target codes {names} (use --create to create them)")
    near = False
    if create:
        for ix in missing_targets.values():
            r = rules[ix[0]]
            src = src_code.get(ix[0])
            skip = [src.id, *(c.id for c in tree.descendants(src))] if src is not None else []
            try:
                check_new_path(tree, r.target, skip=skip, force=force)  # type: ignore[arg-type]
            except QualcodeError as exc:
                near = near or isinstance(exc, NearDuplicate)
                errors.append(f"{r.origin}: {listed(exc)}")
    # One code cannot go wholly to two places.
    whole_by_source: dict[str, int] = {}
    for i, r in enumerate(rules):
        if i in node and r.whole:
            sk = node[i][0]
            if sk in whole_by_source and node[whole_by_source[sk]][1] != node[i][1]:
                other = rules[whole_by_source[sk]]
                errors.append(
                    f"{r.origin}: {r.source!r} is already mapped to {other.target!r} ({other.origin})"
                )
            whole_by_source.setdefault(sk, i)
    if errors:
        raise InvalidInput(
            "recode map refused, nothing changed: " + "; ".join(errors),
            "fix the map and run it again (--dry-run shows what it would do)"
            + ("; --force creates near-duplicate codes anyway" if near else ""),
        )

    # Order: a rule runs after every rule that moves codings into its source; split and
    # sub-code rules run before the whole-code rule of their (ancestor) source.
    n = len(rules)
    after: dict[int, set[int]] = {i: set() for i in range(n)}  # i must run after each of after[i]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            si, ti = node[i]
            sj, _ = node[j]
            if ti == sj:
                after[j].add(i)  # i feeds j's source
            if rules[i].whole and (sj == si and not rules[j].whole or sj.startswith(si + "/")):
                after[i].add(j)  # j splits from i's source (or its sub-code) first
    order: list[int] = []
    state: dict[int, int] = {}

    def visit(i: int, stack: list[int]) -> None:
        if state.get(i) == 2:
            return
        if state.get(i) == 1:
            cyc = stack[stack.index(i) :] + [i]
            chain = (
                " → ".join(repr(rules[k].source) for k in cyc[:-1])
                + f" → {rules[cyc[-2]].target!r}"
            )
            raise InvalidInput(
                f"recode map refused, nothing changed: cycle {chain} ({', '.join(rules[k].origin for k in cyc[:-1])})",
                "a code cannot be recoded into itself through a chain of rules; remove one of them",
            )
        state[i] = 1
        for j in sorted(after[i]):
            visit(j, [*stack, i])
        state[i] = 2
        order.append(i)

    for i in range(n):
        visit(i, [])

    relocate = []
    for tk, idx in missing_targets.items():
        if len(idx) == 1 and rules[idx[0]].whole and src_code[idx[0]] is not None:
            # A new target only for this rule: rename/move the source itself (keeps its id).
            if not any(node[j][0] == tk or node[j][0].startswith(tk + "/") for j in range(n)):
                relocate.append(rules[idx[0]])
    reloc_ids = {id(r) for r in relocate}
    to_create = sorted(
        {
            rules[ix[0]].target
            for tk, ix in missing_targets.items()
            if not (len(ix) == 1 and id(rules[ix[0]]) in reloc_ids)
        },
        key=_key,
    )
    return Plan(
        [rules[i] for i in order if id(rules[i]) not in reloc_ids], to_create, respell + relocate
    )


def apply_map(
    session: Session,
    rules: list[Rule],
    *,
    create: bool = False,
    sample: int = 0,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Validate, then apply every rule in one go. Returns per-rule results and totals."""
    session.flush()
    plan = plan_map(session, rules, create=create, force=force)
    tree = CodeTree.load(session)
    # Resolve every existing code now: ids stay valid while paths change during the run.
    ids: dict[str, int] = {}
    for r in plan.rules + plan.relocate:
        for p in (r.source, r.target):
            c = tree.find(p)
            if c is not None:
                ids[_key(p)] = c.id  # type: ignore[assignment]
    created = []
    for path in plan.create:
        if _key(path) not in ids:
            ids[_key(path)] = add_code(session, path, exist_ok=True, force=True).id  # type: ignore[assignment]
            created.append(path)
    results: list[dict[str, Any]] = []
    total = len(plan.rules) + len(plan.relocate)
    done = 0
    for r in plan.relocate:
        res = _relocate(
            session,
            CodeTree.load(session),
            session.get(Code, ids[_key(r.source)]),
            r.target,
            sample=sample,
        )  # type: ignore[arg-type]
        res["rule"] = r.origin
        results.append(res)
        done += 1
        if progress:
            progress(done, total)
    redirect: dict[int, int] = {}
    for r in plan.rules:
        src = _follow(redirect, ids.get(_key(r.source)))
        dst = _follow(redirect, ids.get(_key(r.target)))
        if src is None:
            raise NotFound(f"{r.origin}: unknown code {r.source!r}", "check the map")
        scope = make_scope(
            session,
            doc=r.doc,
            coder=r.coder,
            where=r.where,
            match=r.match,
            case_sensitive=r.case_sensitive,
        )
        if src == dst:
            res = _empty_result(r.source, r.target)
            res["action"] = "nothing (already merged)"
        else:
            res = _merge(
                session, src, dst, keep=r.keep, scope=scope, sample=sample, redirect=redirect
            )  # type: ignore[arg-type]
        res["from"], res["to"], res["rule"] = r.source, r.target, r.origin
        res["target_created"] = r.target in created
        results.append(res)
        done += 1
        if progress:
            progress(done, total)
    order = {id(r): k for k, r in enumerate(rules)}
    results.sort(key=lambda res: next((order[id(r)] for r in rules if r.origin == res["rule"]), 0))
    totals = {
        k: sum(res[k] for res in results)
        for k in ("moved", "collapsed", "subcodes_moved", "subcodes_merged", "memos_moved")
    }
    totals["codes_deleted"] = sum(1 for res in results if res["source_deleted"])
    totals["codes_created"] = len(created)
    totals["codes_renamed"] = len(plan.relocate)
    return {"rules": results, "totals": totals, "created_code_paths": created}


def _follow(redirect: dict[int, int], code_id: int | None) -> int | None:
    seen = set()
    while code_id in redirect and code_id not in seen:
        seen.add(code_id)
        code_id = redirect[code_id]
    return code_id


__all__ = ["Rule", "Plan", "parse_map", "load_map", "plan_map", "apply_map", "join_path"]
