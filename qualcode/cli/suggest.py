"""`qualcode similar`, `qualcode suggest`, `qualcode propose`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, SetOpt, UserError, app, output, shorten, state, table

if TYPE_CHECKING:
    from qualcode.schemas.analysis import Applied, NextPassage, Similar, Suggestion


def _similar_table(rows: list[dict]) -> str:
    if not rows:
        return "no similar passages"
    return table(
        [
            [
                r["document"],
                r["start"],
                r["end"],
                f"{r['score']:.2f}",
                "; ".join(r["codes"]) or "-",
                shorten(r["text"], 60),
            ]
            for r in rows
        ],
        ["document", "start", "end", "score", "codes", "text"],
        align="lrrrll",
    )


def _similar_json(rows: list[dict]) -> list[Similar]:
    """``similar --json``: the codes on each passage as ``code_paths``."""
    return [
        {
            "document": r["document"],
            "start": r["start"],
            "end": r["end"],
            "score": r["score"],
            "text": r["text"],
            "code_paths": r["codes"],
        }
        for r in rows
    ]


def _suggested(rows: list[dict], *, with_text: bool = True) -> list[dict]:
    """Rows of passages with their likeliest codes as ``--json`` gives them: the codes
    under ``suggested_codes`` (``suggestions`` is the engine's choice in `status`)."""
    out = []
    for r in rows:
        row = {k: v for k, v in r.items() if k != "suggestions" and (with_text or k != "text")}
        row["suggested_codes"] = r["suggestions"]
        out.append(row)
    return out


@app.command("similar")
def similar_cmd(
    doc: str = typer.Argument(None, help="Document name or id of the span."),
    start: int = typer.Option(None, "--start", help="First character of the span (0-based)."),
    end: int = typer.Option(None, "--end", help="One past its last character."),
    code: str = typer.Option(
        None, "--code", help="Instead of a span: uncoded passages most like this code's segments."
    ),
    top: int = typer.Option(10, "--top", min=1, help="How many passages."),
    doc_set: str = SetOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Passages most similar to a span — or, with --code, more passages like a code's segments."""
    st = state()
    if not code and doc is not None and start is not None and end is not None and not st.doc_set:
        from qualcode.suggest.fast import similar as fast_similar

        rows = fast_similar(st.db, doc, start, end, top)  # warm, SQLite: no SQLAlchemy
        if rows is not None:
            output(_similar_json(rows) if as_json else rows, as_json, _similar_table)
            return
    from qualcode import suggest
    from qualcode.documents import resolve_document

    with st.read() as session:
        if code:
            if doc or start is not None or end is not None:
                raise UserError("give either DOC --start --end or --code, not both")
            rows = suggest.similar_to_code(session, code, top)
        else:
            if doc is None or start is None or end is None:
                raise UserError(
                    "give DOC --start S --end E (a span), or --code PATH — `qualcode passages --doc DOC` lists offsets"
                )
            d = resolve_document(session, doc)
            rows = suggest.similar(session, d.id, start, end, top)  # type: ignore[arg-type]
    output(_similar_json(rows) if as_json else rows, as_json, _similar_table)


def _suggest_table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        sugg = ", ".join(f"{s['code']} ({s['score']:.2f})" for s in r["suggestions"]) or "-"
        lines.append([r["document"], r["start"], r["end"], sugg, shorten(r["text"], 50)])
    if not lines:
        return "no uncoded passages with suggestions"
    return table(
        lines, ["document", "start", "end", "suggestions (calibrated score)", "text"], align="lrrll"
    )


@app.command("suggest")
def suggest_cmd(
    doc: str = typer.Option(None, "--doc", help="Only this document."),
    top: int = typer.Option(3, "--top", min=1, help="Suggestions per passage."),
    min_score: float = typer.Option(
        None, "--min-score", min=0.0, max=1.0, help="Only suggestions at least this likely (0–1)."
    ),
    apply: bool = typer.Option(
        False,
        "--apply",
        help="Write the suggestions as codings by the coder `auto`: from the score (≥ --min-score, default 0.9) where suggestions on held-out documents were right at least --min-score of the time with 90 % confidence.",
    ),
    with_text: bool = typer.Option(
        False, "--text", help="With --json: include each passage's text."
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Say what the engine chose for this project (blocks, weights, regularisation) and the cross-validated figures it chose on.",
    ),
    stats: bool = typer.Option(
        False,
        "--stats",
        help="What coders did with the workbench's suggestions: per code how often the first suggestion was taken, and how well the scores matched the decisions.",
    ),
    coder: str = typer.Option(None, "--coder", help="With --stats: only this coder's decisions."),
    doc_set: str = SetOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Likely codes for every uncoded passage, learned from the codings so far.

    Scores are calibrated on held-out documents: 0.8 means right about 8 times in 10.
    `--apply` codes as `auto` for review (`qualcode undo` reverts it)."""
    from qualcode import suggest
    from qualcode.config import AUTO_CODER

    st = state()
    if stats:
        if explain or apply or doc is not None:
            raise UserError("give --stats alone (with --coder NAME at most)")
        from qualcode.suggest.decisions import decision_stats

        with st.read() as session:
            output(decision_stats(session, coder), as_json, _stats_text)
        return
    if coder is not None:
        raise UserError("--coder goes with --stats (the suggestions learn from every human coder)")
    if explain:
        if apply:
            raise UserError("give either --explain or --apply, not both")
        with st.read() as session:
            output(suggest.explain(session), as_json, _explain_text)
        return
    threshold = min_score if min_score is not None else (0.9 if apply else 0.0)
    if apply:  # before the suggestions are computed
        from qualcode.suggest.service import check_min_score

        check_min_score(threshold)
    rows = None
    if doc is not None and not apply and not st.doc_set:
        from qualcode.suggest.fast import suggest_doc

        rows = suggest_doc(st.db, doc, top, threshold)  # warm, SQLite: no SQLAlchemy
    if rows is None:
        with st.read() as session:
            rows = suggest.suggest(session, doc, top, threshold)
    if apply:
        with st.write(AUTO_CODER) as session:
            start = suggest.apply_from(session, threshold)
            n = suggest.apply_suggestions(session, rows, start)
        result: Applied = {
            "applied": n,
            "min_score": threshold,
            "from_score": start,
            "coder": AUTO_CODER,
        }
        output(result, as_json, _applied_text)
        return
    suggestions: list[Suggestion] = _suggested(rows, with_text=with_text)  # type: ignore[assignment]
    output(suggestions if as_json else rows, as_json, _suggest_table)


def _applied_text(d: dict) -> str:
    m, start = d["min_score"], d["from_score"]
    if start is None:
        return (
            f"coded nothing: on the held-out documents no score level was right at least "
            f"{m * 100:g} % of the time with 90 % confidence (`qualcode suggest --explain` shows "
            "where they stand); code more documents, or give a lower --min-score"
        )
    why = "" if start == m else f"; from {start:g}, where held-out suggestions bear {m:g} out"
    from qualcode.safety import MANY_ROWS

    n = d["applied"]
    undo = "qualcode undo --force" if n > MANY_ROWS else "qualcode undo"  # undo's own bound
    return (
        f"wrote {n} coding{'s' if n != 1 else ''} as `auto` (score ≥ {start:g}{why}; a passage"
        f" may get several codes); review with `qualcode codings --coder auto`, revert with"
        f" `{undo}`"
    )


def _next_table(rows: list[dict]) -> str:
    if not rows:
        return "every passage is coded"
    lines = []
    for r in rows:
        sugg = ", ".join(f"{s['code']} ({s['score']:.2f})" for s in r["suggestions"]) or "-"
        lines.append(
            [r["document"], r["start"], r["end"], r["reason"], sugg, shorten(r["text"], 50)]
        )
    return table(lines, ["document", "start", "end", "why", "suggestions", "text"], align="lrrlll")


@app.command("next")
def next_cmd(
    doc: str = typer.Option(None, "--doc", help="Only this document."),
    n: int = typer.Option(1, "--n", min=1, help="How many passages."),
    doc_set: str = SetOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The uncoded passage to code next: the one the engine is least sure about (every
    fourth pick the next one in reading order, so that you still read the material)."""
    from qualcode.suggest.next import next_passages

    with state().read() as session:
        rows = next_passages(session, doc, n)
    passages: list[NextPassage] = _suggested(rows)  # type: ignore[assignment]
    output(passages if as_json else rows, as_json, _next_table)


def _stats_text(d: dict) -> str:
    if not d["passages"]:
        return (
            "no decisions on suggestions recorded yet"
            + (f" for {d['coder']}" if d["coder"] else "")
            + ": the workbench records them as you code with its suggestions panel open"
        )

    def num(x, fmt=".2f") -> str:
        return "—" if x is None else format(x, fmt)

    head = (
        f"{d['passages']} passages with suggestions decided"
        + (f" by {d['coder']}" if d["coder"] else "")
        + f": {d['coded']} coded, {d['dismissed']} dismissed (moved on without coding); "
        f"first suggestion taken {d['first_taken']} times"
        + (
            f" ({d['first_taken_rate']:.0%} of the coded)"
            if d["first_taken_rate"] is not None
            else ""
        )
    )
    rows = [
        [
            c["code"],
            c["first"],
            c["first_taken"],
            num(c["first_taken_rate"], ".0%"),
            c["first_dismissed"],
            c["suggested"],
            num(c["mean_score"]),
            num(c["accepted_share"]),
            num(c["brier"], ".3f"),
        ]
        for c in d["rows"]
    ]
    codes = table(
        rows,
        [
            "code",
            "first",
            "taken",
            "rate",
            "dismissed",
            "suggested",
            "mean score",
            "accepted",
            "Brier",
        ],
        align="lrrrrrrrr",
    )
    cal = d["reliability"]
    bins = table(
        [
            [
                f"{b['score_from']:.1f}–{b['score_to']:.1f}",
                b["suggestion_count"],
                f"{b['mean_score']:.2f}",
                f"{b['accepted_share']:.2f}",
            ]
            for b in cal["bins"]
        ],
        ["score", "suggestions", "mean score", "accepted"],
        align="lrrr",
    )
    tail = (
        f"calibration on the coded passages' {cal['suggestion_count']} suggestions: "
        f"ECE {num(cal['ece'], '.3f')}, Brier {num(cal['brier'], '.3f')} "
        "(a score of 0.8 should be accepted 8 times in 10)"
    )
    extra = (
        f"\n{d['decisions_left_out']} decisions on codes or documents since deleted are left out"
        if d["decisions_left_out"]
        else ""
    )
    return f"{head}\n\n{codes}\n\n{bins}\n{tail}{extra}"


def _explain_text(ex: dict) -> str:
    from qualcode.project import explain_line

    cv = ex["cross_validation"]
    lines = [f"model      {explain_line(ex)}", f"why        {ex['reason']}"]
    exp = ex.get("expected")
    if exp:
        lo, hi = exp["interval"]
        lines.append(
            f"expected   macro-F1 {exp['macro_f1']:.3f} on new documents (90 % interval "
            f"{lo:.3f}–{hi:.3f}; {exp['method']}, {exp['documents']} documents)"
        )
    if ex.get("apply"):
        levels = ", ".join(
            f"{a['min_score']:g} from {a['from_score']:g}"
            if a["from_score"] is not None
            else f"{a['min_score']:g} nowhere"
            for a in ex["apply"]
        )
        lines.append(
            f"apply      --min-score {levels} (where held-out suggestions bear the level out "
            "with 90 % confidence)"
        )
    ag = ex.get("agenda") or {}
    if ag.get("units"):
        lines.append(
            f"agenda     {ag['codes']} codes with a definition ({ag['units']} texts), "
            f"weight {ag['weight']:g} × one example"
        )
    rows = []
    for name, r in (("chosen", cv.get("chosen")), ("plain text", cv.get("plain_text"))):
        if r:
            blocks = ", ".join(f"{b} {w:g}" for b, w in r["blocks"].items())
            if r.get("agenda_weight"):  # the coding agenda's units, × one example
                blocks += f", agenda {r['agenda_weight']:g}"
            rows.append(
                [
                    name,
                    blocks,
                    f"{r['lambda']:g}",
                    f"{r['macro_f1']:.3f}",
                    f"{r['top1']:.3f}",
                    f"{r['top3']:.3f}",
                ]
            )
    seq = cv.get("sequence_stage")
    if seq:
        rows.append(
            [
                "+ sequence stage" + ("" if seq.get("kept") else " (not kept)"),
                "scores before/after",
                f"{seq['lambda']:g}",
                f"{seq['macro_f1']:.3f}",
                f"{seq['top1']:.3f}",
                f"{seq['top3']:.3f}",
            ]
        )
    if rows:
        lines += [
            "",
            f"cross-validation: {cv['folds']} folds by document, "
            + (  # the agenda's texts are on the training side, never held out
                f"{cv['held_out_units']} passages held out"
                if cv.get("held_out_units")
                else f"{cv['units']} units"
            )
            + f", {cv['configurations_tried']} configurations tried",
            "",
        ]
        lines.append(
            table(
                rows,
                ["configuration", "blocks (weight)", "λ", "macro-F1", "top-1", "top-3"],
                align="lllrrr",
            )
        )
    tr = ex["training"]
    lines += [
        "",
        f"trained on {tr['coded_passages']} coded passages"
        + (" (a sample)" if tr["sampled"] else "")
        + f" and {tr['no_code_passages']} uncoded paragraphs as 'no code', {tr['codes']} codes, in {tr['seconds']:.1f} s; "
        + (
            "scores calibrated on held-out documents"
            if ex["calibrated"]
            else "scores from the prior calibration map (too few codings to fit one): cautious"
        ),
    ]
    sem = ex.get("semantic")
    if sem:
        lines.append(f"semantic block (sentence embeddings): {sem['state']}")
    few = [c["code"] for c in ex.get("code_examples", []) if c["coded_passages"] < 3]
    if few:
        lines.append(f"codes with fewer than 3 examples (scored cautiously): {', '.join(few)}")
    return "\n".join(lines)


def _propose_text(clusters: list[dict]) -> str:
    if not clusters:
        return "nothing to cluster"
    out = []
    for c in clusters:
        out.append(f"cluster {c['cluster']} ({c['size']} passages): {c['label']}")
        for ex in c["examples"]:
            out.append(f"    {ex['document']} {ex['start']}-{ex['end']}: {shorten(ex['text'], 90)}")
    return "\n".join(out)


@app.command("propose")
def propose_cmd(
    n: int = typer.Option(
        None, "--n", min=2, help="Number of clusters (default: chosen by silhouette)."
    ),
    code: str = typer.Option(
        None, "--code", help="Cluster this code's segments (to split it into sub-categories)."
    ),
    seed: int = typer.Option(
        0, "--seed", help="Random seed (results are deterministic for a seed)."
    ),
    doc_set: str = SetOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Candidate categories: clusters of uncoded passages with top lemmas and three examples."""
    from qualcode import suggest

    with state().read() as session:
        clusters = suggest.propose(session, n=n, code=code, seed=seed)
    output(clusters, as_json, _propose_text)
