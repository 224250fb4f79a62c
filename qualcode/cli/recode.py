"""`qualcode recode` (merge, rename, split, recode maps) and `qualcode autocode`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from qualcode.cli.app import JsonOpt, SetOpt, UserError, app, output, shorten, state

_Doc = typer.Option([], "--doc", help="Only codings in this document (repeatable).")
_Where = typer.Option(
    [],
    "--where",
    help="Only documents with this attribute value, KEY=VALUE (repeatable; same key = either value).",
)
_DryRun = typer.Option(
    False,
    "--dry-run",
    "-n",
    help="Show what would change (counts and a sample of segments); change nothing.",
)
_Sample = typer.Option(5, "--sample", help="How many affected segments a dry run shows per rule.")


class _Progress:
    """A progress bar on stderr — only on a terminal and without --json."""

    def __init__(self, label: str, as_json: bool) -> None:
        self.label = label
        self.enabled = not as_json and sys.stderr.isatty()
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 2:
            return
        if self.bar is None:
            self.bar = typer.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _merge_line(r: dict) -> str:
    if r["action"] == "rename":
        return f"{r['from']} → {r['to']}: renamed/moved ({r['moved']} codings go with it)"
    parts = [f"{r['moved']} codings moved"]
    if r["collapsed"]:
        parts.append(f"{r['collapsed']} identical collapsed")
    if r["subcodes_moved"]:
        parts.append(f"{r['subcodes_moved']} sub-codes moved")
    if r["subcodes_merged"]:
        parts.append(f"{r['subcodes_merged']} sub-codes merged")
    if r["memos_moved"]:
        parts.append(f"{r['memos_moved']} memos moved")
    if r.get("target_created"):
        parts.append("target created")
    parts.append("source deleted" if r["source_deleted"] else "source kept")
    return f"{r['from']} → {r['to']}: " + ", ".join(parts)


def _sample_lines(sample: list[dict]) -> list[str]:
    return [
        f"    {s['document']} {s['start']}-{s['end']} [{s.get('change', 'add')}, {s['coder']}] {shorten(s['text'], 70)}"
        for s in sample
    ]


@app.command("recode")
def recode_cmd(
    source: str = typer.Option(None, "--from", help="The code whose codings move."),
    target: str = typer.Option(None, "--to", help="The code they move to."),
    map_file: Path = typer.Option(
        None, "--map", help="A CSV (from,to) or TOML file of many rules."
    ),
    keep: bool = typer.Option(
        False, "--keep", help="Keep the source code (with its sub-codes and definition)."
    ),
    create: bool = typer.Option(
        False,
        "--create",
        help="Create unknown target codes (a new target without filters = rename/move).",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="With --create: create targets even when they nearly match existing codes.",
    ),
    doc: list[str] = _Doc,
    coder: list[str] = typer.Option([], "--coder", help="Only codings by this coder (repeatable)."),
    where: list[str] = _Where,
    match: str = typer.Option(
        None,
        "--match",
        help="Only codings whose text matches this regex (case-insensitive): a split.",
    ),
    dry_run: bool = _DryRun,
    sample: int = _Sample,
    as_json: bool = JsonOpt,
) -> None:
    """Merge, rename or split codes: move codings from one code to another.

    All codings of --from move to --to; codings that become identical to one the
    target has (same document, span, coder) collapse into it. Sub-codes move
    along, the source's definition and memos are appended to the target's, and
    the source goes away unless --keep. With a filter (--doc, --coder, --where,
    --match) only the selected codings move and the source stays.

    --map FILE applies many rules in one step (CSV from,to or TOML with [map] and
    [[rule]] entries, see the documentation: Re-coding). Everything is one transaction and one
    `qualcode undo`.
    """
    from qualcode import audit
    from qualcode.recode import dryrun
    from qualcode.recode.scope import parse_where

    if map_file is None and (not source or not target):
        raise UserError("give --from PATH --to PATH, or --map FILE")
    if map_file is not None and (source or target):
        raise UserError("give either --from/--to or --map, not both")
    where_d = parse_where(where)
    st = state()
    n = sample if dry_run else 0
    progress = _Progress("recode", as_json)
    with st.write() as session:
        if map_file is not None:
            from qualcode.recode.maps import apply_map, load_map

            rules = load_map(map_file)
            for r in rules:
                r.doc = r.doc or list(doc)
                r.coder = r.coder or list(coder)
                r.where = r.where or where_d
                r.keep = r.keep or keep
                if match and not r.match:
                    r.match = match
            try:
                result = dryrun.run(
                    session,
                    lambda: apply_map(
                        session, rules, create=create, sample=n, progress=progress, force=force
                    ),
                    dry_run=dry_run,
                )
            finally:
                progress.close()
            t = result["totals"]
            summary = f"recode map {map_file.name}: {len(rules)} rules, {t['moved']} codings moved, {t['collapsed']} collapsed"
        else:
            from qualcode.recode.merge import recode

            result = dryrun.run(
                session,
                lambda: recode(
                    session,
                    source,
                    target,
                    keep=keep,
                    create=create,
                    doc=doc,
                    coder=coder,
                    where=where_d,
                    match=match,
                    sample=n,
                    force=force,
                ),
                dry_run=dry_run,
            )
            summary = _merge_line(result)
        if not dry_run:
            audit.ensure_entry(session)
            audit.set_summary(session, summary)
    result = {"dry_run": dry_run, **result}

    def human(r: dict) -> str:
        lines = ["dry run — nothing was changed; this would happen:"] if dry_run else []
        for rr in r.get("rules", [r]):
            lines.append(("  " if dry_run else "") + _merge_line(rr))
            lines += _sample_lines(rr.get("sample", []))
        if "totals" in r:
            t = r["totals"]
            lines.append(
                f"total: {t['moved']} codings moved, {t['collapsed']} collapsed, {t['codes_deleted']} codes merged away, "
                f"{t['codes_created']} created, {t['codes_renamed']} renamed"
            )
        if not dry_run:
            lines.append("`qualcode undo` reverts this")
        return "\n".join(lines)

    output(result, as_json, human)


@app.command("autocode")
def autocode_cmd(
    code: str = typer.Option(None, "--code", help="The code to assign."),
    regex: str = typer.Option(
        None, "--regex", help="A regular expression (case-insensitive unless --case-sensitive)."
    ),
    lemma: str = typer.Option(
        None,
        "--lemma",
        help="Words matched by lemma, e.g. 'Schule Kooperation' (all in one sentence).",
    ),
    phrase: str = typer.Option(None, "--phrase", help="A phrase, e.g. 'zu wenig Personal'."),
    fuzzy: int = typer.Option(
        None,
        "--fuzzy",
        min=1,
        max=100,
        help="With --phrase: rapidfuzz partial-ratio threshold, e.g. 85.",
    ),
    unit: str = typer.Option(
        "passage", "--unit", help="What to code: passage (paragraph), sentence, word or match."
    ),
    coder: str = typer.Option(None, "--coder", help="Coder the codings belong to [default: auto]."),
    rules: Path = typer.Option(
        None, "--rules", help="A TOML file of [[rule]] entries (re-runnable)."
    ),
    doc: list[str] = _Doc,
    where: list[str] = _Where,
    case_sensitive: bool = typer.Option(
        False, "--case-sensitive", help="Regex and phrase match case-sensitively."
    ),
    create: bool = typer.Option(False, "--create", help="Create unknown codes."),
    force: bool = typer.Option(
        False, "--force", help="With --create: create codes even when they nearly match others."
    ),
    dry_run: bool = _DryRun,
    sample: int = _Sample,
    doc_set: str = SetOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Code every passage, sentence or match a regex, lemma query or phrase finds.

    Identical codings that exist already are skipped, so rules can be re-run.
    The codings belong to the coder `auto` unless --coder (or a rule's coder).
    """
    from qualcode import audit
    from qualcode.recode import dryrun
    from qualcode.recode.autocode import AutoRule, autocode, load_rules
    from qualcode.recode.scope import parse_where

    where_d = parse_where(where)
    if rules is not None:
        if code or regex or lemma or phrase:
            raise UserError(
                "give either --rules FILE or --code with --regex/--lemma/--phrase, not both"
            )
        rule_list = load_rules(rules)
        for r in rule_list:
            r.doc = r.doc or list(doc)
            r.where = r.where or where_d
    else:
        if not code:
            raise UserError("give --code PATH (and --regex, --lemma or --phrase), or --rules FILE")
        rule_list = [
            AutoRule(
                code=code,
                regex=regex,
                lemma=lemma,
                phrase=phrase,
                fuzzy=fuzzy,
                unit=unit,
                case_sensitive=case_sensitive,
                doc=list(doc),
                where=where_d,
            )
        ]
    st = state()
    progress = _Progress("autocode", as_json)
    with st.write() as session:
        from qualcode import nlp
        from qualcode.database import get_setting

        setting = get_setting(session, "nlp.model")
        needs_nlp = any(r.lemma or r.fuzzy or r.unit == "sentence" for r in rule_list)
        nlp_obj = nlp.load(setting) if needs_nlp else None
        try:
            result = dryrun.run(
                session,
                lambda: autocode(
                    session,
                    rule_list,
                    coder=coder,
                    create=create,
                    force=force,
                    sample=sample if dry_run else 0,
                    nlp_obj=nlp_obj,
                    progress=progress,
                ),
                dry_run=dry_run,
            )
        finally:
            progress.close()
        if not dry_run:
            audit.ensure_entry(session)
            t = result["totals"]
            audit.set_summary(
                session, f"autocode: {t['added']} codings added ({t['existing']} existed)"
            )
    result = {"dry_run": dry_run, **result}

    def human(r: dict) -> str:
        lines = ["dry run — nothing was changed; this would happen:"] if dry_run else []
        for rr in r["rules"]:
            lines.append(
                f"{rr['code']}: {rr['found']} {rr['unit']}{'es' if rr['unit'] == 'match' else 's'} found by {rr['kind']} "
                f"{rr['query']!r}, {rr['added']} added, {rr['existing']} already coded (coder {rr['coder']})"
            )
            lines += _sample_lines(rr.get("sample", []))
        t = r["totals"]
        lines.append(f"total: {t['added']} codings added, {t['existing']} already there")
        if not dry_run and t["added"]:
            lines.append("`qualcode undo` reverts this")
        return "\n".join(lines)

    output(result, as_json, human)
