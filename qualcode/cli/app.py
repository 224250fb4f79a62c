"""The Typer app, global options and the helpers every command uses.

Commands are thin: open the project, call one service function in one
transaction, print. Expected errors (:class:`~qualcode.errors.QualcodeError`)
become one line on stderr and exit code 2 — never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import typer
from typer import _click as click  # Typer vendors Click; its context is the one commands run in
from typer._click.exceptions import BadParameter
from typer._click.globals import get_current_context
from typer.core import TyperGroup


def _lazy_coercion() -> None:
    """Start-up: do not load pydantic to parse options that need no conversion.

    Typer coerces every parameter value through a pydantic ``TypeAdapter`` that it
    builds on first use — even for an option that was not given. Importing pydantic
    and building the adapters costs about 0.2 s of CPU per start, which alone would
    break the 0.3 s budget of `qualcode status`. Here a missing value, and a value that
    already has its parameter's plain type (``str``, ``bool``, ``int``, ``float``,
    ``list[str]``: a flag Click parsed, say), pass through unchanged (exactly what Typer's
    adapter returns for them); every other value gets Typer's own coercion, built on
    first use, so behaviour and error messages stay Typer's. If Typer's internals
    change, nothing is patched.
    """
    from typer import core as typer_core

    original = getattr(typer_core, "build_runtime_param", None)
    if original is None or getattr(original, "__module__", "") != "typer._coercion":
        return

    class LazyRuntimeParam:
        __slots__ = ("descriptor", "real")

        def __init__(self, descriptor: Any) -> None:
            self.descriptor = descriptor
            self.real: Any = None

        def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.real is None:
                if value is None:
                    return () if (param.multiple or param.nargs == -1) else None
                d = self.descriptor
                if d.file_annotation is None and getattr(d.parameter_info, "parser", None) is None:
                    if type(value) is d.annotation and d.annotation in (str, bool, int, float):
                        return value
                    if (
                        d.annotation == list[str]
                        and isinstance(value, list | tuple)
                        and all(type(v) is str for v in value)
                    ):
                        return list(value)
                self.real = original(d)
            return self.real.coerce(value, param=param, ctx=ctx)

    typer_core.build_runtime_param = LazyRuntimeParam  # type: ignore[assignment]


_lazy_coercion()


class UserError(click.ClickException):
    exit_code = 2
    as_json = False  # under --json: {"error": …, "hint": …} on stdout

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(f"{message} — {hint}" if hint else message)
        self.error, self.hint = message, hint

    def show(self, file: Any = None) -> None:
        if self.as_json or _JSON_MODE[0]:
            error, hint = self.error, self.hint
            if hint is None and " — " in error:
                error, hint = error.split(" — ", 1)
            click.echo(json.dumps({"error": error, "hint": hint or ""}, ensure_ascii=False))
            return
        click.echo(f"error: {self.format_message()}", err=True)


# True while a command runs with --json (or --format json), so that its expected errors
# are printed as JSON too; set at the start of every invocation.
_JSON_MODE = [False]


def _wants_json(args: Sequence[str]) -> bool:
    args = list(args)
    if "--" in args:
        args = args[: args.index("--")]
    return (
        "--json" in args
        or "--format=json" in args
        or any(a == "--format" and b == "json" for a, b in zip(args, args[1:], strict=False))
    )


def _translate(exc: BaseException) -> UserError | None:
    """Expected errors → one line; database errors get a hint on what to do."""
    from qualcode.errors import QualcodeError

    if isinstance(exc, QualcodeError):
        return UserError(exc.message, exc.hint)
    mod = type(exc).__module__
    if mod.startswith("sqlalchemy"):
        orig = getattr(exc, "orig", exc)
        msg = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
        low = msg.lower()
        if "readonly" in low or "read-only" in low:
            return UserError(
                f"the project database is read-only ({msg}) — check the file's permissions or copy it"
            )
        if "locked" in low or "busy" in low:
            return UserError(
                f"the project database is locked by another process ({msg}) — try again, or close the other program"
            )
        if "disk" in low and "full" in low:
            return UserError(f"the disk is full ({msg}) — free space; nothing was changed")
        if "unable to open" in low:
            return UserError(
                f"cannot open the project database ({msg}) — check --db and the folder's permissions"
            )
        if "could not connect" in low or "connection" in low and "refused" in low:
            return UserError(
                f"cannot reach the database server ({msg}) — check the URL in --db / QUALCODE_DB"
            )
        if "integrity" in type(exc).__name__.lower():
            return UserError(
                f"the change conflicts with stored data ({msg}) — nothing was changed; retry, or run `qualcode check`"
            )
        if type(exc).__name__ in ("OperationalError", "DatabaseError"):
            return UserError(
                f"database error: {msg} — nothing was changed; `qualcode check` tests the project"
            )
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return UserError("the disk is full — free space; nothing was changed")
    if isinstance(exc, KeyboardInterrupt):
        return UserError("interrupted — nothing of the current command was saved")
    return None


def _bad_parameter(exc: BadParameter) -> UserError:
    """A value that does not parse (``--start abc``): one line in plain words, not the
    wording of the validation library."""
    import re

    param = exc.param
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    name = opts[0] if opts else (getattr(param, "name", None) or "the value")
    msg = exc.message
    if "valid integer" in msg:
        return UserError(f"{name} must be a whole number — e.g. {name} 120")
    if "valid number" in msg:
        return UserError(f"{name} must be a number — e.g. {name} 0.5")
    bound = re.search(r"(greater|less) than( or equal to)? (\S+)", msg)
    if bound:
        word = {"greater": "at least", "less": "at most"}[bound.group(1)]
        if not bound.group(2):
            word = {"greater": "more than", "less": "less than"}[bound.group(1)]
        return UserError(f"{name} must be {word} {bound.group(3)} — see --help")
    return UserError(f"invalid value for {name}: {msg} — see --help")


def _not_utf8(value: str) -> bool:
    """A value that arrived with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(value: str) -> str:
    """A value with its undecodable bytes written as \\xNN (for a message)."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_utf8(args: Sequence[str], command: Any = None, environ: Any = None) -> None:
    """Refuse command-line arguments and ``QUALCODE_*`` variables that are not valid UTF-8.

    On Linux the arguments are bytes; Python decodes them as UTF-8 and keeps bytes that
    are not UTF-8 as lone surrogates, which no database, file or JSON can take. One line,
    exit 2, before anything runs — not a traceback half-way through a command.
    ``command``: the root command, to name the option a bad value belongs to.
    """
    import os

    for n, arg in enumerate(args):
        if _not_utf8(arg):
            opt, eq, value = arg.partition("=")
            if eq and opt.startswith("--"):
                what, arg = f"the value of {opt}", value
            else:
                what = _option_before(command, args[:n]) or f"argument {n + 1}"
            raise UserError(
                f"{what} ('{_shown(arg)}') is not valid UTF-8",
                "give it in UTF-8 (check the encoding of your terminal or script; `locale` should show UTF-8)",
            )
    environ = os.environ if environ is None else environ
    for key, value in environ.items():
        if key.startswith("QUALCODE_") and _not_utf8(value):
            raise UserError(
                f"the environment variable {key} ('{_shown(value)}') is not valid UTF-8",
                f"set {key} in UTF-8, or unset it",
            )


def _option_before(command: Any, before: Sequence[str]) -> str | None:
    """ "the value of --title" when the token before a value is an option that takes one."""
    if command is None or not before or not before[-1].startswith("-"):
        return None
    for token in before:  # follow the subcommands named so far
        sub = getattr(command, "commands", {}).get(token)
        if sub is not None:
            command = sub
    for param in getattr(command, "params", []):
        if before[-1] in getattr(param, "opts", ()) and not getattr(param, "is_flag", False):
            return f"the value of {before[-1]}"
    return None


class QualcodeGroup(TyperGroup):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            _JSON_MODE[0] = _wants_json(args)
            check_utf8(args, self)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is None:  # (the JSON mode was set from the arguments in parse_args)
            try:
                return self._invoke(ctx)
            except BaseException as exc:
                _discard_new_project(ctx, exc)
                raise
        return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BadParameter as exc:
            raise _bad_parameter(exc) from exc
        except (click.ClickException, typer.Exit, typer.Abort):
            raise
        except BaseException as exc:
            user = _translate(exc)
            if user is None:
                raise
            raise user from exc


def _discard_new_project(ctx: click.Context, exc: BaseException) -> None:
    """A command that created a project and then failed (an error, or an exit with a
    non-zero code before it kept the project) removes it: a failed command leaves no file."""
    code = getattr(exc, "exit_code", getattr(exc, "code", 1))
    st = ctx.obj
    if code in (0, None) or not isinstance(st, State) or st._engine is None:
        return
    from qualcode.database import discard_new_project

    discard_new_project(st._engine)
    st._engine = None


app = typer.Typer(
    cls=QualcodeGroup,
    name="qualcode",
    help="Qualitative coding and category building for session protocols.",
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class State:
    db: str | None = None
    coder: str | None = None
    doc_set: str | None = None  # --set: the command reads only these documents
    _engine: Any = field(default=None, repr=False)
    _coder_choice: Any = field(default=None, repr=False)

    def engine(self, *, create: bool = False):
        """The project's engine. A missing project is an error (exit 2, pointing at
        `qualcode init`); only the commands that create a project on purpose (`init`,
        `import`, `demo build`, `refi import`) pass ``create=True``, and then tell the user
        with :meth:`keep_new_project`."""
        if self._engine is None:
            from qualcode.database import make_engine

            self._engine = make_engine(self.db, create=create)
        return self._engine

    def keep_new_project(self, data: dict | None = None) -> str | None:
        """A creating command succeeded: keep the project it created, if it did, and say so —
        one line "created a new project at PATH (sqlite, schema N)" (under --json: the key
        ``project_created`` with PATH in ``data``). Returns PATH, or None if the project existed.

        Until then, a creating command that fails removes the project again."""
        if self._engine is None:
            return None
        from qualcode.database import keep_new_project
        from qualcode.models import SCHEMA_VERSION

        where = keep_new_project(self._engine)
        if where is None:
            return None
        if data is not None:
            data["project_created"] = where
        elif not _JSON_MODE[0]:
            typer.echo(
                f"created a new project at {where} ({self._engine.dialect.name}, schema {SCHEMA_VERSION})"
            )
        return where

    def coder_choice(self) -> Any:
        """Who is coding (:class:`qualcode.coder.CoderChoice`): ``--coder`` /
        ``$QUALCODE_CODER``, else the name chosen in the workbench for this project, else the
        login name."""
        if self._coder_choice is None:
            from qualcode.coder import resolve_coder

            self._coder_choice = resolve_coder(self.db, self.coder)
        return self._coder_choice

    def coder_name(self, override: str | None = None) -> str:
        name = override.strip() if override and override.strip() else self.coder_choice().name
        if _not_utf8(name):  # the login name (getpass reads $LOGNAME, $USER …)
            raise UserError(
                f"the coder name '{_shown(name)}' is not valid UTF-8",
                "give --coder NAME or set QUALCODE_CODER in UTF-8",
            )
        return name

    @contextmanager
    def write(
        self, coder: str | None = None, *, record: bool = True, create: bool = False
    ) -> Iterator[Any]:
        """One audited transaction. The log names the person running the command (global
        ``--coder`` / ``$QUALCODE_CODER`` / login); a command's own ``--coder`` (e.g. ``auto``)
        only attributes the codings it writes. ``create``: see :meth:`engine`."""
        from qualcode.database import transaction

        engine = self.engine(create=create)
        who = self.coder_name()  # (refuses a name that is not UTF-8 before anything else)
        self._announce_coder(engine)
        with transaction(
            engine,
            command=command_line(),
            coder=who,
            record=record,
        ) as session:
            self._scope(session)
            yield session

    def _announce_coder(self, engine: Any) -> None:
        """Say once per project and login which coder the command line writes as (on
        stderr; not under --json, not when --coder / $QUALCODE_CODER gave the name)."""
        from qualcode.database import is_read_only

        if _JSON_MODE[0] or is_read_only(engine):
            return
        from qualcode.coder import announcement

        line = announcement(self.db, self.coder_choice())
        if line:
            typer.echo(line, err=True)

    def _scope(self, session: Any) -> None:
        if self.doc_set:
            from qualcode.docsets import apply_scope

            apply_scope(session, self.doc_set)

    @contextmanager
    def read(self) -> Iterator[Any]:
        from qualcode.database import reading

        with reading(self.engine()) as session:
            self._scope(session)
            yield session


def state() -> State:
    ctx = get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = State()
    return root.obj


def command_line() -> str:
    """The command as the user typed it (for the audit log)."""
    ctx = get_current_context(silent=True)
    if ctx is None:
        return "qualcode " + " ".join(sys.argv[1:])
    parts = [ctx.command_path]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)  # type: ignore[arg-type]
        if value is None or value is False or value == () or value == [] or value == param.default:
            continue
        if getattr(param, "param_type_name", "") == "argument":
            parts.extend(str(v) for v in (value if isinstance(value, list | tuple) else [value]))
        else:
            flag = param.opts[0]
            if value is True:
                parts.append(flag)
            else:
                for v in value if isinstance(value, list | tuple) else [value]:
                    parts.append(f"{flag} {_quote(str(v))}")
    return " ".join(parts)


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def emit_json(data: Any) -> None:
    if isinstance(data, list) and len(data) > 100:
        # Long lists (e.g. 50,000 codings): one compact element per line, one encoder.
        # With `indent` the json module uses its pure-Python encoder, twice as slow.
        encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        body = ",\n".join("  " + encode(item) for item in data)
        typer.echo(f"[\n{body}\n]")
        return
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], *, align: str | None = None
) -> str:
    """A plain aligned text table (``align``: one of l/r per column)."""
    cells = [[str(h) for h in headers]] + [
        ["" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or "l" * len(headers)
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                v.rjust(w) if a == "r" else v.ljust(w)
                for v, w, a in zip(row, widths, align, strict=True)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def output(data: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    if as_json:
        emit_json(data)
    else:
        typer.echo(human(data))


def shorten(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _remember_set(value: str | None) -> str | None:
    if value is not None:
        if not value.strip():
            raise UserError("the set name is empty", "give --set NAME (`qualcode set list`)")
        state().doc_set = value
    return value


SetOpt = typer.Option(
    None,
    "--set",
    callback=_remember_set,
    help="Only the documents of this document set (`qualcode set list`).",
)

JsonOpt = typer.Option(
    False, "--json", help='Print JSON instead of a table (errors too: {"error": …, "hint": …}).'
)
CoderOpt = typer.Option(
    None,
    "--coder",
    help="Coder name (default: $QUALCODE_CODER, else the name chosen in the workbench, else your login name).",
)
