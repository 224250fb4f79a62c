"""`qualcode checkpoint`, `qualcode check-sample`, `qualcode summary` (Mayring's steps)."""

from __future__ import annotations

import typer

from qualcode.cli.app import JsonOpt, app, emit_json, output, shorten, state, table


def _diff_text(d: dict) -> str:
    lines = [f"changes from {d['from']} to {d['to']}: {d['codes_before']} → {d['codes_after']} codes, "
             f"{d['codings_before']} → {d['codings_after']} codings"]  # fmt: skip
    if d["changes"]:
        lines += ["", table([[c["change"], c["code"], c["detail"]] for c in d["changes"]],
                            ["change", "category", "detail"])]  # fmt: skip
    else:
        lines.append("the category system is unchanged")
    if d["codings_moved"]:
        lines += ["", table([[m["codings"], m["from"], m["to"]] for m in d["codings_moved"]],
                            ["codings", "moved from", "to"], align="rll")]  # fmt: skip
    return "\n".join(lines)


@app.command("checkpoint")
def checkpoint_cmd(
    args: list[str] = typer.Argument(
        None,
        help="NAME to store a checkpoint (default checkpoint-N); `list`; `diff A [B]` (B: another checkpoint, default now).",
        metavar="[NAME | list | diff A [B]]",
    ),
    note: str = typer.Option("", "--note", help="A note stored with the checkpoint."),
    as_json: bool = JsonOpt,
) -> None:
    """Revision checkpoints: store the category system, list them, or show what changed.

    `qualcode checkpoint [NAME]` stores a named snapshot of the category system (tree,
    definitions, anchor examples, rules, counts, where every coding is); `qualcode
    checkpoint list` lists them; `qualcode checkpoint diff A [B]` shows what changed from A
    to B (default: now): added, merged, deleted, renamed, moved and redefined categories,
    and the codings that moved. Storing a checkpoint is one step of `qualcode undo`.
    """
    from qualcode.errors import InvalidInput
    from qualcode.mayring import checkpoints as cp

    args = list(args or [])
    if args and args[0] == "list":
        if len(args) > 1:
            raise InvalidInput("`checkpoint list` takes no names", "qualcode checkpoint list")
        with state().read() as session:
            rows = cp.list_checkpoints(session)
        output(rows, as_json, lambda rs: table(
            [[r["id"], r["checkpoint"], r["created_at"], r["coder"], r["codes"], r["codings"], shorten(r["note"], 40)] for r in rs],
            ["id", "name", "created_at", "coder", "codes", "codings", "note"], align="rlllrrl",
        ) if rs else "no checkpoints yet — `qualcode checkpoint NAME` stores one")  # fmt: skip
        return
    if args and args[0] == "diff":
        if len(args) not in (2, 3):
            raise InvalidInput(
                "`checkpoint diff` compares one or two checkpoints",
                "qualcode checkpoint diff A [B] (`qualcode checkpoint list` names them)",
            )
        with state().read() as session:
            d = cp.diff_checkpoints(session, args[1], args[2] if len(args) == 3 else None)
        output(d, as_json, _diff_text)
        return
    if len(args) > 1:
        raise InvalidInput(
            f"a checkpoint has one name (got {len(args)} words)",
            "quote a name with spaces; `checkpoint diff A B` compares two",
        )
    st = state()
    with st.write() as session:
        d = cp.create_checkpoint(session, args[0] if args else None, st.coder_name(), note)
    output(
        d,
        as_json,
        lambda d: (
            f"stored checkpoint {d['checkpoint']}: {d['codes']} codes, {d['codings']} codings"
        ),
    )


@app.command("check-sample")
def check_sample_cmd(
    coder: str = typer.Option(None, "--coder", help="Who re-codes the sample blind."),
    share: float = typer.Option(0.1, "--share", help="Share of the passages to draw (0.1 = 10 %)."),
    seed: int = typer.Option(
        None,
        "--seed",
        help="Random seed: the same seed draws the same passages [default: a new one, stored].",
    ),
    name: str = typer.Option(None, "--name", help="Name of the sample [default: CODER-N]."),
    against: str = typer.Option(
        None,
        "--against",
        help="Compare with this coder's codings (intercoder check) [default: --coder itself: intracoder].",
    ),
    unit: str = typer.Option("paragraph", "--unit", help="paragraph or sentence."),
    rq: str = typer.Option(
        None, "--rq", help="Compare only the categories of this research question."
    ),
    list_: bool = typer.Option(False, "--list", help="List the samples instead of drawing one."),
    delete: str = typer.Option(None, "--delete", help="Delete the sample NAME with its re-coding."),
    as_json: bool = JsonOpt,
) -> None:
    """Draw a reproducible sample of passages for an intracoder (or intercoder) check.

    Passages are drawn from the documents the reference coder has coded; headings,
    metadata lines and passages marked not relevant are never drawn. Re-code the sample
    in the workbench's blind mode (`qualcode tui --sample NAME`, or B): earlier codings
    and suggestions are hidden. Then `qualcode agreement --sample NAME` gives kappa and
    alpha on exactly these passages, and `qualcode report disagreements --sample NAME`
    lists where the codings differ, for the consensus discussion.
    """
    from qualcode.mayring import samples

    st = state()
    if list_:
        with st.read() as session:
            rows = samples.list_samples(session)
        if as_json:
            emit_json([samples.as_json(r) for r in rows])
            return
        output(rows, as_json, lambda rs: table(
            [[r["id"], r["name"], r["kind"], r["coder"], r["reference"], f"{r['share']:.0%}", r["seed"],
              f"{r['done']}/{r['passages']}", r["rq"] or ""] for r in rs],
            ["id", "name", "kind", "coder", "against", "share", "seed", "re-coded", "rq"], align="rlllllrrl",
        ) if rs else "no check samples yet")  # fmt: skip
        return
    if delete:
        with st.write() as session:
            d = samples.delete_sample(session, delete)
        output(
            samples.as_json(d) if as_json else d,
            as_json,
            lambda d: f"deleted check sample {d['name']} ({d['passages']} passages)",
        )
        return
    with st.write() as session:
        d = samples.draw_sample(
            session, coder or st.coder_name(), name=name, reference=against,
            share=share, seed=seed, unit=unit, rq=rq,
        )  # fmt: skip
    output(samples.as_json(d) if as_json else d, as_json, lambda d: (
        f"drew check sample {d['name']} ({d['kind']}): {d['passages']} of {d['population']} passages, seed {d['seed']}\n"
        f"{d['coder']} re-codes them blind: qualcode --coder {d['coder']} tui --sample {d['name']}"
    ))  # fmt: skip


summary_app = typer.Typer(
    help="Case summaries: one per document × category (Mayring's summarising step).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(summary_app, name="summary")


@summary_app.command("set")
def summary_set(
    document: str = typer.Argument(..., help="Document name or id."),
    code: str = typer.Argument(..., help="Category (code path)."),
    text: str = typer.Argument(..., help="The summary; empty to remove it."),
    as_json: bool = JsonOpt,
) -> None:
    """Write the summary of a category in a document (the workbench: S)."""
    from qualcode.mayring.summaries import set_summary

    st = state()
    with st.write() as session:
        d = set_summary(session, document, code, text, st.coder_name())
    output(d, as_json, lambda d: (f"removed the summary of {d['code']} in {d['document']}" if not d["text"]
                                  else f"summary of {d['code']} in {d['document']} saved"))  # fmt: skip


@summary_app.command("list")
def summary_list(
    doc: str = typer.Option(None, "--doc", help="Only this document."),
    code: str = typer.Option(None, "--code", help="Only this category and its sub-categories."),
    rq: str = typer.Option(None, "--rq", help="Only the categories of this research question."),
    as_json: bool = JsonOpt,
) -> None:
    """Case summaries by document and category."""
    from qualcode.mayring.summaries import list_summaries

    with state().read() as session:
        rows = list_summaries(session, doc=doc, code=code, rq=rq)
    output(rows, as_json, lambda rs: table(
        [[r["document"], r["code"], r["coder"], shorten(r["text"], 70)] for r in rs],
        ["document", "code", "coder", "text"],
    ) if rs else "no case summaries yet — write one in the workbench (S) or with `qualcode summary set`")  # fmt: skip
