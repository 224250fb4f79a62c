"""`qualcode embed`: the sentence embeddings of the passages, for the suggestions."""

from __future__ import annotations

import sys
import time

import typer

from qualcode.cli.app import JsonOpt, UserError, app, output, state


class _Progress:
    """One line on stderr, rewritten in place — only on a terminal and without --json."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (done < total and now - self.last < 0.2):
            return
        self.last = now
        sys.stderr.write(f"\rembedding passages: {done}/{total}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} bytes"


def _summary(r: dict) -> str:
    if r.get("running"):
        return "another embedder is running for this project; `qualcode embed --status` shows its progress"
    n, s = r["embedded"], r["seconds"]
    rate = f" ({n / s:.1f}/s)" if n and s > 0 else ""
    left = "nothing missing" if r["complete"] else "some passages are still missing"
    word = "passage" if n == 1 else "passages"
    return f"embedded {n} {word} in {s:.1f} s{rate}; {r['stored']} stored, {left}"


def _status_text(s: dict) -> str:
    from qualcode.suggest import semantic

    reason = semantic.disabled_reason()
    yes = {True: "yes", False: "no"}
    return "\n".join(
        [
            f"semantic  {'on' if s['enabled'] else 'off — ' + (reason or '')}",
            f"encoder   {s['encoder']}",
            f"stored    {s['stored']} passages ({_size(s['bytes'])})",
            f"missing   {s['missing']}",
            f"complete  {yes[bool(s['complete'])]}",
            f"running   {yes[bool(s['running'])]}",
        ]
    )


@app.command("embed")
def embed_cmd(
    show_status: bool = typer.Option(
        False, "--status", help="Show what is stored and missing; embed nothing."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing (the background run)."),
    as_json: bool = JsonOpt,
) -> None:
    """Compute the sentence embeddings the suggestions use, for every passage that lacks one.

    Each passage is embedded once and stored in the cache folder beside the project (not in
    the project file or its backups). The workbench starts this in the background when it
    opens a project; run it yourself to have it done now. QUALCODE_SEMANTIC=off switches it off."""
    from qualcode.suggest import semantic

    st = state()
    if show_status:
        output(semantic.status(st.db), as_json, _status_text)
        return
    reason = semantic.disabled_reason()
    if reason is not None:
        raise UserError(reason)
    progress = _Progress(not quiet and not as_json)
    try:
        result = semantic.embed_missing(st.db, progress=progress)
    finally:
        progress.close()
    if quiet:
        return
    output(result, as_json, _summary)
