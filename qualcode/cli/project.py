"""`qualcode init`, `status`, `tui`, `memo`, `log`, `undo`, `redo`, `demo build`, `config`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, UserError, app, emit_json, output, shorten, state, table

if TYPE_CHECKING:
    from qualcode.schemas.project import ConfigSet, ConfigShow, Init, LogEntry, UndoneEntry


def open_workbench(sample: str | None = None) -> None:
    """`qualcode` without a command: the TUI once it is installed, else the summary."""
    if importlib.util.find_spec("qualcode.tui") is not None:
        from qualcode.tui import run

        st = state()
        run(st.db, st.coder_name(), sample, coder_source=st.coder_choice().source)
        return
    status(as_json=False)


@app.command("tui")
def tui(
    sample: str = typer.Option(
        None, "--sample", help="Re-code this check sample in blind mode (`qualcode check-sample`)."
    ),
) -> None:
    """Open the project in the coding workbench."""
    if sample:  # a typo is an error here, not an empty screen
        from qualcode.mayring.samples import resolve_sample

        with state().read() as session:
            resolve_sample(session, sample)
    open_workbench(sample)


@app.command("init")
def init(
    path: str = typer.Argument(
        None,
        help="The project: a file path or an SQLAlchemy URL [default: --db / QUALCODE_DB].",
        show_default=False,
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Create a new, empty project (a SQLite file, or the tables in an empty PostgreSQL database).

    Only `init`, `import`, `demo build` and `refi import` create a project; every other
    command on a missing project is an error, so a typo in --db never starts an empty one.
    """
    from qualcode.errors import Conflict
    from qualcode.models import SCHEMA_VERSION

    st = state()
    if path is not None:
        if not path.strip():
            raise UserError(
                "the project path is empty", "give a file path, e.g. `qualcode init project.sqlite`"
            )
        st.db = path
    engine = st.engine(create=True)
    data: Init = {
        "database": engine.url.render_as_string(hide_password=True),
        "backend": engine.dialect.name,
        "schema_version": SCHEMA_VERSION,
    }
    if st.keep_new_project(data) is None:  # type: ignore[arg-type]
        from qualcode.database import project_label, schema_version

        raise Conflict(
            f"{project_label(str(data['database']))} is already a qualcode project (schema {schema_version(engine)})",
            "use it as it is (`qualcode --db … status`), or give init another file or database",
        )
    output(
        data,
        as_json,
        lambda d: (
            f"created a new project at {d['project_created']} ({d['backend']}, schema {d['schema_version']})"
        ),
    )


def _explain_line(ex: dict | None) -> str:
    from qualcode.project import explain_line

    return explain_line(ex)


@app.command("status")
def status(as_json: bool = JsonOpt) -> None:
    """Counts, database, and the NLP pipeline in use."""
    from qualcode.project import quick_status

    st = state()
    s = quick_status(st.db)  # SQLite without loading SQLAlchemy (start-up < 0.3 s)
    if s is None:
        from qualcode.project import status as project_status

        with st.read() as session:
            s = project_status(session, st.engine())

    def human(s: dict) -> str:
        coders = ", ".join(f"{c['coder']} ({c['codings']})" for c in s["by_coder"]) or "none"
        return "\n".join(
            [
                f"database   {s['database']} ({s['backend']}, schema {s['schema_version']})",
                f"documents  {s['documents']}  ({s['passages']} paragraphs, {s['sentences']} sentences)"
                + (
                    f"; the sentences of {s['unsplit_documents']} are split when first needed (`qualcode docs split` stores them)"
                    if s["unsplit_documents"]
                    else ""
                ),
                f"codes      {s['codes']}",
                f"codings    {s['codings']}"
                + (
                    f"  ({s['orphaned_codings']} orphaned — see `qualcode check`)"
                    if s["orphaned_codings"]
                    else ""
                ),
                f"memos      {s['memo_count']}",
                f"coders     {coders}",
                f"NLP        {s['nlp']}",
                f"suggestions {_explain_line(s.get('suggestions'))}",
            ]
        )

    output(s, as_json, lambda s: _with_you(human(s)))


def _with_you(text: str) -> str:
    """`status`: who the command line writes as, and a read-only project said on the
    database line."""
    from qualcode.readonly import project_read_only

    st = state()
    me = st.coder_choice()
    lines = text.split("\n")
    if project_read_only(st.db) and lines and lines[0].endswith(")"):
        lines[0] = lines[0][:-1] + ", read-only: writing commands are refused)"
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("coders ")), len(lines))
    lines.insert(at, f"you        write as {me.name!r} ({me.why()})")
    return "\n".join(lines)


memo_app = typer.Typer(
    help="Memos on the project, documents, codes and codings.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(memo_app, name="memo")


@memo_app.command("add")
def memo_add(
    text: str = typer.Argument(..., help="The memo text."),
    doc: str = typer.Option(None, "--doc", help="On this document."),
    code: str = typer.Option(None, "--code", help="On this code."),
    coding: int = typer.Option(None, "--coding", help="On this coding (id)."),
    title: str = typer.Option("", "--title", help="A title."),
    as_json: bool = JsonOpt,
) -> None:
    """Write a memo (on the project when no target is given)."""
    from qualcode.codings import get_coder
    from qualcode.memos import add_memo, memo_object_of

    targets = [
        (t, r) for t, r in (("document", doc), ("code", code), ("coding", coding)) if r is not None
    ]
    if len(targets) > 1:
        raise UserError("give at most one of --doc, --code, --coding")
    target_type, ref = targets[0] if targets else ("project", None)
    st = state()
    with st.write() as session:
        memo = add_memo(
            session,
            target_type,
            None if ref is None else str(ref),
            text,
            title,
            get_coder(session, st.coder_name()).id,
        )
        shown = memo_object_of(session, memo.id)  # type: ignore[arg-type]
    output(
        shown,
        as_json,
        lambda d: f"memo {d['id']} on {target_type}" + (f" {ref}" if ref is not None else ""),
    )


@memo_app.command("list")
def memo_list(
    on: str = typer.Option(None, "--on", help="project, document, code or coding."),
    as_json: bool = JsonOpt,
) -> None:
    """All memos."""
    from qualcode.memos import list_memos

    with state().read() as session:
        rows = list_memos(session, on)
    output(
        rows,
        as_json,
        lambda rs: table(
            [
                [
                    m["id"],
                    m["on"],
                    m["document"] or m["code"] or m["coding_id"],
                    shorten(m["text"], 60),
                ]
                for m in rs
            ],
            ["id", "on", "target", "text"],
            align="rlll",
        ),
    )


@memo_app.command("delete")
def memo_delete(
    memo_id: int = typer.Argument(..., help="Memo id."), as_json: bool = JsonOpt
) -> None:
    """Delete a memo."""
    from qualcode.memos import delete_memo

    with state().write() as session:
        delete_memo(session, memo_id)
    output({"id": memo_id, "deleted": True}, as_json, lambda _: f"deleted memo {memo_id}")


@app.command("log")
def log(
    limit: int = typer.Option(50, "--limit", help="How many entries (0 = all)."),
    entry: int = typer.Option(None, "--entry", help="Show the row changes of one entry."),
    as_json: bool = JsonOpt,
) -> None:
    """The audit log: who changed what, when (newest first)."""
    from qualcode import audit

    with state().read() as session:
        if entry is not None:
            emit_json(audit.entry_changes(session, entry))
            return
        rows: list[LogEntry] = audit.log(session, limit or None)
    output(
        rows,
        as_json,
        lambda rs: table(
            [
                [
                    r["id"],
                    r["created_at"],
                    r["coder"],
                    r["state"],
                    r["row_changes"],
                    shorten(r["command"], 60),
                ]
                for r in rs
            ],
            ["id", "when", "coder", "state", "rows", "command"],
            align="rlllrl",
        ),
    )


@app.command("undo")
def undo(
    steps: int = typer.Option(1, "--steps", "-n", min=1, help="How many actions to revert."),
    mine: bool = typer.Option(
        False, "--mine", help="Only your own actions (in a team project: not a colleague's)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Also a colleague's action, or one that changed over 100 rows."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Revert the last actions exactly (codes, codings, memos, documents).

    An action that someone has built on since (changed the same rows, or added a
    memo, a coding, a sub-code or an anchor example on its rows) is refused, naming
    that action, and nothing is changed. In a team project, --mine reverts only your own actions.
    Reverting another coder's action, or one that changed more than 100 rows (an
    import, a big recode), needs --force.
    """
    from qualcode import audit

    st = state()
    with st.write(record=False) as session:
        who = st.coder_name() if mine else None
        if not force:
            audit.check_undo(session, steps, who, st.coder_name())
        entries = audit.undo(session, steps, who)
        done: list[UndoneEntry] = [{"id": e.id, "command": e.command} for e in entries]
    output(done, as_json, lambda rs: "\n".join(f"undone #{r['id']}: {r['command']}" for r in rs))


@app.command("redo")
def redo(
    steps: int = typer.Option(
        1, "--steps", "-n", min=1, help="How many undone actions to re-apply."
    ),
    mine: bool = typer.Option(False, "--mine", help="Only actions you undid yourself."),
    as_json: bool = JsonOpt,
) -> None:
    """Re-apply actions reverted by `qualcode undo`."""
    from qualcode import audit

    st = state()
    with st.write(record=False) as session:
        entries = audit.redo(session, steps, st.coder_name() if mine else None)
        done: list[UndoneEntry] = [{"id": e.id, "command": e.command} for e in entries]
    output(done, as_json, lambda rs: "\n".join(f"redone #{r['id']}: {r['command']}" for r in rs))


demo_app = typer.Typer(
    help="The demo project: `qualcode demo` builds it if it is missing and opens the workbench.",
    no_args_is_help=False,
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(demo_app, name="demo")


@demo_app.callback(invoke_without_command=True)
def demo(ctx: typer.Context) -> None:
    """The demo project: `qualcode demo` builds it if it is missing and opens the workbench.

    Without --db / QUALCODE_DB the demo project is demo.sqlite in your data folder
    (codebooks/demo.sqlite in a qualcode checkout).
    """
    from qualcode.config import demo_db

    st = state()
    if not st.db:
        st.db = str(demo_db())
    if ctx.invoked_subcommand is not None:
        return
    from qualcode.config import database_url, sqlite_path

    path = sqlite_path(database_url(st.db))
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        _build_demo(None, None, force=False, as_json=False)
    open_workbench()


def _build_demo(corpus: Path | None, codebook: Path | None, *, force: bool, as_json: bool) -> None:
    from qualcode.demo import build_demo

    st = state()
    with st.write("demo", create=True) as session:
        summary = build_demo(session, corpus, codebook, force=force)
    st.keep_new_project(summary if as_json else None)
    output(
        summary,
        as_json,
        lambda s: (
            f"demo project: {s['documents']} documents, {s['codes']} codes, {s['codings']} codings in {s['coded_documents']} documents"
        ),
    )


@demo_app.command("build")
def demo_build(
    corpus: Path = typer.Option(
        None,
        "--corpus",
        help="Folder of protocols [default: the demo protocols shipped with qualcode].",
    ),
    codebook: Path = typer.Option(
        None,
        "--codebook",
        help="Starter codebook TOML [default: the starter codebook shipped with qualcode].",
    ),
    force: bool = typer.Option(
        False, "--force", help="Build even if the project already has documents."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Build the demo project: protocols, starter codebook, codings for about half of them.

    Without --db / QUALCODE_DB it is demo.sqlite in your data folder (codebooks/demo.sqlite
    in a qualcode checkout), the project `qualcode demo` opens.
    """
    _build_demo(corpus, codebook, force=force, as_json=as_json)


#: the project settings `config set` changes (stored in the project's meta table)
SETTINGS = ("nlp.model", "language", "checkpoint.threshold", "words.stopwords", "report.lang")

config_app = typer.Typer(
    help="Project settings (stored in the project).", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(config_app, name="config")


@config_app.command("set")
def config_set(
    key: str = typer.Argument(
        ...,
        help="nlp.model (an installed spaCy pipeline), language, words.stopwords (for report "
        "words) or report.lang (de or en: the language of the reports).",
    ),
    value: str = typer.Argument(..., help="The value; empty to reset."),
    as_json: bool = JsonOpt,
) -> None:
    """Set a project setting, e.g. `qualcode config set nlp.model de_core_news_md`."""
    from qualcode.database import set_setting

    if key not in SETTINGS:
        raise UserError(f"unknown setting {key!r} — use {', '.join(SETTINGS)}")
    if key == "report.lang":
        from qualcode.config import parse_report_lang

        value = parse_report_lang(value)
    if key == "checkpoint.threshold" and value:
        from qualcode.mayring.revision import parse_threshold

        value = str(parse_threshold(value))
    if key == "nlp.model" and value:
        from qualcode import nlp

        nlp.load(model=value)  # refuses a pipeline that is not installed
    with state().write() as session:
        set_setting(session, key, value)
    result: ConfigSet = {"key": key, "value": value}
    output(result, as_json, lambda _: f"{key} = {value}")


@config_app.command("show")
def config_show(as_json: bool = JsonOpt) -> None:
    """Show the project settings."""
    from qualcode.database import settings

    with state().read() as session:
        stored = settings(session)
    # the schema version (a number, as in `status`) and the settings that are set; the
    # project's internal flags (checkpoint.offered.…) are no settings
    s: ConfigShow = {"schema_version": int(stored.get("schema_version") or 0)}
    s.update({k: v for k, v in stored.items() if k in SETTINGS})  # type: ignore[typeddict-item]
    output(s, as_json, lambda d: "\n".join(f"{k} = {v}" for k, v in d.items()))
