"""`qualcode set add|list|show|remove`: named document sets, by hand or by attribute rule."""

from __future__ import annotations

import typer

from qualcode.cli.app import JsonOpt, app, output, state, table

set_app = typer.Typer(
    help="Document sets: named groups of documents, by hand or by attribute rule (--set NAME).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(set_app, name="set")


@set_app.command("add")
def set_add(
    name: str = typer.Argument(..., help="The set's name, e.g. Web-Görlitz."),
    docs: list[str] = typer.Argument(None, help="Documents (names or ids) to put into the set."),
    rule: str = typer.Option(
        None,
        "--rule",
        help="An attribute rule, e.g. 'Format=Web AND Region=Görlitz', 'Datum=2024-01-01..2024-06-30'.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Create a set from documents or from an attribute rule; with documents, an existing
    hand-made set gets them added.

    Rules combine KEY=VALUE conditions (also !=, <, <=, >, >=, and ranges A..B) with
    AND, OR, NOT and parentheses; a rule set is evaluated whenever it is used.
    One `qualcode undo` step.
    """
    from qualcode import audit
    from qualcode.docsets import add_set

    with state().write() as session:
        result = add_set(session, name, docs or [], rule)
        audit.ensure_entry(session)
        audit.set_summary(session, f"set {result['set']}: {result['documents']} documents")

    def human(r: dict) -> str:
        how = f"by the rule {r['rule']!r}" if r["rule"] else f"{r['added']} added"
        verb = "created" if r["created"] else "updated"
        return f"{verb} set {r['set']} ({how}): {r['documents']} documents"

    output(result, as_json, human)


@set_app.command("list")
def set_list(as_json: bool = JsonOpt) -> None:
    """The document sets with their rule and number of documents."""
    from qualcode.docsets import list_sets, session_execute

    with state().read() as session:
        rows = list_sets(session_execute(session))
    output(
        rows,
        as_json,
        lambda rs: (
            table(
                [[r["id"], r["set"], r["documents"], r["rule"] or "(by hand)"] for r in rs],
                ["id", "set", "documents", "rule"],
                align="rlrl",
            )
            if rs
            else "no document sets yet — `qualcode set add NAME DOC…` or `--rule 'Format=Web'`"
        ),
    )


@set_app.command("show")
def set_show(name: str = typer.Argument(..., help="The set."), as_json: bool = JsonOpt) -> None:
    """The documents of a set (a rule set as it selects them now)."""
    from qualcode.docsets import session_execute, show_set

    with state().read() as session:
        data = show_set(session_execute(session), name)

    def human(d: dict) -> str:
        head = f"{d['set']}: {d['documents']} documents" + (
            f" (rule {d['rule']!r})" if d["rule"] else " (by hand)"
        )
        return "\n".join([head, *[f"  {m}" for m in d["document_names"]]])

    output(data, as_json, human)


@set_app.command("remove")
def set_remove(
    name: str = typer.Argument(..., help="The set."),
    docs: list[str] = typer.Argument(
        None, help="Only take these documents out of the set (default: delete the set)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Delete a set (its documents stay), or take documents out of a hand-made set."""
    from qualcode import audit
    from qualcode.docsets import remove_set

    with state().write() as session:
        result = remove_set(session, name, docs or [])
        audit.ensure_entry(session)
        audit.set_summary(
            session,
            f"set {result['set']} deleted"
            if result["deleted"]
            else f"set {result['set']}: {result['removed']} removed",
        )
    output(
        result,
        as_json,
        lambda r: (
            f"deleted set {r['set']} (the documents stay)"
            if r["deleted"]
            else f"took {r['removed']} documents out of {r['set']}: {r['documents']} left"
        ),
    )
