"""`make bench`: time qualcode's commands as whole processes on the reference workload.

    python -m qualcode.bench.run            # reference workload (2,000 documents, 50,000 codings)
    python -m qualcode.bench.run --quick    # 10× smaller workload
    python -m qualcode.bench.run --only status,freq --runs 3

Each command runs as its own process (``qualcode --db … CMD``): one warm-up,
then ``--runs`` timed runs (median, min, max of the wall time), peak RSS from
``/usr/bin/time -v`` (or ``os.wait4`` when GNU time is not installed). Commands
that are not available in this checkout (``qualcode CMD --help`` fails) are
reported as "n/a". Results go to ``bench/results.json`` and
``bench/results.md``; a full run also updates the table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from qualcode.bench import generate as gen

MEMORY_LIMIT_MB = 500
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"

# The command-line peer (qualitative-coding 1.7.8) and the web peer (Taguette 1.5.2) on the
# same workload, whole process, 2-core machine (figures from issue 8).
PEERS = {
    "report freq": "qualitative-coding 0.97 s",
    "report cooc": "qualitative-coding 41.7 s",
    "refi export": "qualitative-coding 29.6 s (qdpx export)",
    "recode merge": "qualitative-coding 36.7 s",
    "codings --json": "Taguette 6.5 s (all highlights as CSV)",
    "report segments xlsx": "Taguette 8.5 s (all highlights as XLSX)",
}


@dataclass
class Ctx:
    """What a target's command line and set-up need."""

    qualcode: str
    db: Path  # the cached workload (never changed by a target)
    corpus: Path | None
    tmp: Path
    code_a: str  # the most frequent code
    code_b: str  # its sibling, target of the merge
    heavy_doc: str
    scratch: Path = field(default=Path())  # per-run database for targets that change the project


@dataclass
class Target:
    name: str
    args: Callable[[Ctx], list[str]]  # after `qualcode`
    limit: float | None  # seconds; None = informative only
    needs: tuple[
        str, ...
    ] = ()  # `qualcode … --help` that must succeed (and option names it must list)
    setup: Callable[[Ctx], None] | None = None  # before each run, untimed
    runs: int | None = None  # override of --runs
    warmup: int | None = None
    group: str = "queries"


@dataclass
class Result:
    name: str
    command: str
    limit_s: float | None
    status: str  # pass | fail | n/a | error
    median_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    runs_s: list[float] = field(default_factory=list)
    peak_rss_mb: float | None = None
    peer: str | None = None
    note: str = ""
    cpu_median_s: float | None = (
        None  # user + system time: less sensitive to a busy machine than wall time
    )


# --- set-ups -----------------------------------------------------------------------------------


def _db(ctx: Ctx) -> list[str]:
    return ["--db", str(ctx.db)]


def _scratch(ctx: Ctx) -> list[str]:
    return ["--db", str(ctx.scratch)]


def _copy_workload(ctx: Ctx) -> None:
    gen.fresh_copy(ctx.db, ctx.scratch)


def _empty(ctx: Ctx) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(ctx.scratch) + suffix).unlink(missing_ok=True)
    for p in ctx.scratch.parent.glob(ctx.scratch.name + ".bak*"):
        p.unlink()


def _copy_and_merge(ctx: Ctx) -> None:
    _copy_workload(ctx)
    _run(
        [ctx.qualcode, *_scratch(ctx), "recode", "--from", ctx.code_a, "--to", ctx.code_b],
        check=True,
    )


def _qdpx(ctx: Ctx) -> Path:
    return ctx.tmp / "workload.qdpx"


def _export_once(ctx: Ctx) -> None:
    _empty(ctx)
    if not _qdpx(ctx).exists():
        _run([ctx.qualcode, *_db(ctx), "refi", "export", str(_qdpx(ctx))], check=True)


SUGGEST_DOC = "protokoll_0002.txt"


def _cold_copy(ctx: Ctx) -> None:
    """A copy of the workload without the suggestions cache beside it: a cold start."""
    _copy_workload(ctx)
    shutil.rmtree(str(ctx.scratch) + ".cache", ignore_errors=True)


TARGETS: list[Target] = [
    Target("qualcode --help", lambda c: ["--help"], 0.3, group="start-up"),
    Target("status", lambda c: [*_db(c), "status"], 0.3, ("status",), group="start-up"),
    Target("report freq", lambda c: [*_db(c), "report", "freq"], 0.5, ("report freq",)),
    Target(
        "report freq --by Format",
        lambda c: [*_db(c), "report", "freq", "--by", "Format"],
        0.5,
        ("report freq", "--by"),
    ),
    Target("report cooc", lambda c: [*_db(c), "report", "cooc"], 1.0, ("report cooc",)),
    Target("codings --json", lambda c: [*_db(c), "codings", "--json"], 2.0, ("codings", "--json")),
    Target(
        "report segments xlsx",
        lambda c: [
            *_db(c),
            "report",
            "segments",
            "--code",
            c.code_a,
            "--format",
            "xlsx",
            "-o",
            str(c.tmp / "segments.xlsx"),
        ],
        2.0,
        ("report segments", "xlsx"),
    ),
    Target(
        "refi export",
        lambda c: [*_db(c), "refi", "export", str(c.tmp / "export.qdpx")],
        3.0,
        ("refi export",),
        group="exchange",
    ),
    Target(
        "refi import",
        lambda c: [*_scratch(c), "refi", "import", str(_qdpx(c))],
        5.0,
        ("refi import", "refi export"),
        setup=_export_once,
        group="exchange",
    ),
    Target(
        "recode merge",
        lambda c: [*_scratch(c), "recode", "--from", c.code_a, "--to", c.code_b],
        1.0,
        ("recode", "--from"),
        setup=_copy_workload,
        group="re-coding",
    ),
    Target(
        "undo merge",
        lambda c: [*_scratch(c), "undo"],
        1.0,
        ("recode", "--from", "undo"),
        setup=_copy_and_merge,
        group="re-coding",
    ),
    Target(
        "import corpus",
        lambda c: [*_scratch(c), "import", str(c.corpus)],
        60.0,
        ("import",),
        setup=_empty,
        runs=3,
        warmup=0,
        group="import",
    ),
    Target(
        "suggest --doc (cold: trains)",
        lambda c: [*_scratch(c), "suggest", "--doc", SUGGEST_DOC],
        20.0,
        ("suggest",),
        setup=_cold_copy,
        runs=2,
        warmup=0,
        group="suggestions",
    ),
    Target(
        "suggest --doc (warm)",
        lambda c: [*_db(c), "suggest", "--doc", SUGGEST_DOC],
        1.0,
        ("suggest",),
        group="suggestions",
    ),
    Target(
        "similar (warm)",
        lambda c: [*_db(c), "similar", SUGGEST_DOC, "--start", "419", "--end", "642"],
        0.5,
        ("similar",),
        group="suggestions",
    ),
    Target(
        "search a word (KWIC, 2,000 documents)",
        lambda c: [*_db(c), "search", "Jugendamt"],
        1.0,
        ("search",),
        group="find and retrieve",
    ),
    Target(
        "retrieve A AND B",
        lambda c: [*_db(c), "retrieve", f"{c.code_a} AND {c.code_b}"],
        1.0,
        ("retrieve",),
        group="find and retrieve",
    ),
    Target(
        "report full html",
        lambda c: [*_db(c), "report", "full", "--format", "html", "-o", str(c.tmp / "full.html")],
        10.0,
        ("report full",),
        group="find and retrieve",
    ),
    # Informative: no target in the issue.
    Target("codes list", lambda c: [*_db(c), "codes", "list"], None, ("codes list",), group="more"),
    Target("docs list", lambda c: [*_db(c), "docs", "list"], None, ("docs list",), group="more"),
    Target(
        "docs show (heavy document)",
        lambda c: [*_db(c), "docs", "show", c.heavy_doc],
        None,
        ("docs show",),
        group="more",
    ),
    Target(
        "codings --doc (heavy document)",
        lambda c: [*_db(c), "codings", "--doc", c.heavy_doc, "--json"],
        None,
        ("codings",),
        group="more",
    ),
    Target("log", lambda c: [*_db(c), "log"], None, ("log",), group="more"),
]


# --- running -----------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Users have byte-code caches; this sandbox's PYTHONDONTWRITEBYTECODE would add compile time to every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for k in ("QUALCODE_DB", "QUALCODE_NLP_MODEL"):
        env.pop(k, None)
    env["QUALCODE_CODER"] = "bench"
    # the background embedder (semantic block) would run for many minutes beside the timed
    # commands; `qualcode embed` is measured on its own (`make bench-suggest`)
    env["QUALCODE_SEMANTIC_BACKGROUND"] = "off"
    return env


def _run(argv: list[str], *, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, env=_env(), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}"
        )
    return proc


GNU_TIME = shutil.which("time", path="/usr/bin") or (
    "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
)


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process
    rss_mb: float  # peak resident set size
    code: int
    stderr: str


def measure(argv: list[str], stdout: Path | None = None) -> Sample:
    """Run ``argv`` once as its own process (its output goes to ``stdout`` or nowhere)."""
    env = _env()
    out_file = open(stdout, "w", encoding="utf-8") if stdout else subprocess.DEVNULL  # noqa: SIM115
    try:
        return _measure(argv, env, out_file)
    finally:
        if stdout:
            out_file.close()  # type: ignore[union-attr]


def _measure(argv: list[str], env: dict[str, str], out_file) -> Sample:
    if GNU_TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
            out = tf.name
        try:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [GNU_TIME, "-v", "-o", out, *argv],
                env=env,
                stdout=out_file,
                stderr=subprocess.PIPE,
                text=True,
            )
            wall = time.perf_counter() - t0
            rss_kb, cpu = 0, 0.0
            for line in Path(out).read_text().splitlines():
                key, _, value = line.strip().rpartition(": ")
                if key == "Maximum resident set size (kbytes)":
                    rss_kb = int(value)
                elif key in ("User time (seconds)", "System time (seconds)"):
                    cpu += float(value)
        finally:
            os.unlink(out)
        return Sample(wall, cpu, rss_kb / 1024, proc.returncode, proc.stderr[-800:])
    # Fallback without GNU time: the child's own rusage.
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=out_file, stderr=subprocess.PIPE)
    stderr = p.stderr.read().decode(errors="replace") if p.stderr else ""
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return Sample(
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        os.waitstatus_to_exitcode(status),
        stderr[-800:],
    )


_help_cache: dict[str, tuple[bool, str]] = {}


def available(qualcode: str, needs: tuple[str, ...]) -> tuple[bool, str]:
    """Whether every command in ``needs`` exists (``qualcode CMD --help`` exits 0); option names must appear in the help."""
    last_help = ""
    for need in needs:
        if need.startswith("-") or need in ("xlsx",):
            if need not in last_help:
                return False, f"{need} not in the help"
            continue
        if need not in _help_cache:
            proc = _run([qualcode, *need.split(), "--help"])
            _help_cache[need] = (proc.returncode == 0, proc.stdout)
        ok, last_help = _help_cache[need]
        if not ok:
            return False, f"`qualcode {need}` not available"
    return True, ""


def run_target(t: Target, ctx: Ctx, runs: int, warmup: int) -> Result:
    argv_tail = t.args(ctx)
    shown = "qualcode " + " ".join(_show(a, ctx) for a in argv_tail)
    res = Result(t.name, shown, t.limit, "n/a", peer=PEERS.get(t.name))
    ok, why = available(ctx.qualcode, t.needs)
    if not ok:
        res.note = f"not available ({why})"
        return res
    warmup = t.warmup if t.warmup is not None else warmup
    if t.runs is not None:
        runs = min(runs, t.runs)
    times: list[float] = []
    cpus: list[float] = []
    peak = 0.0
    for i in range(warmup + runs):
        try:
            if t.setup:
                t.setup(ctx)
        except RuntimeError as exc:
            res.status, res.note = "error", f"set-up failed: {exc}"
            return res
        sample = measure([ctx.qualcode, *argv_tail])
        if sample.code != 0:
            err = sample.stderr.strip()
            res.status, res.note = (
                "error",
                f"exit {sample.code}: {err.splitlines()[-1] if err else ''}"[:300],
            )
            return res
        if i >= warmup:
            times.append(sample.wall)
            cpus.append(sample.cpu)
            peak = max(peak, sample.rss_mb)
    res.runs_s = [round(x, 4) for x in times]
    res.median_s = round(statistics.median(times), 4)
    res.min_s = round(min(times), 4)
    res.cpu_median_s = round(statistics.median(cpus), 4)
    res.max_s = round(max(times), 4)
    res.peak_rss_mb = round(peak, 1)
    if t.limit is None:
        res.status = "info" if peak <= MEMORY_LIMIT_MB else "fail"
    else:
        res.status = "pass" if res.median_s <= t.limit and peak <= MEMORY_LIMIT_MB else "fail"
    if t.runs is not None and warmup == 0:
        res.note = f"{runs} runs, no warm-up (each run imports into a new project)"
    return res


def _show(arg: str, ctx: Ctx) -> str:
    """Command lines for the table: workload paths shortened."""
    for path, label in (
        (str(ctx.scratch), "COPY.sqlite"),
        (str(ctx.db), "WORKLOAD.sqlite"),
        (str(ctx.corpus), "CORPUS/"),
        (str(ctx.tmp), "TMP"),
    ):
        if path and arg.startswith(path):
            arg = label + arg[len(path) :]
    return f"'{arg}'" if " " in arg else arg


# --- machine and workload ---------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
        "load_average_at_start": round(load, 2) if load is not None else None,
        "peak_rss_via": "/usr/bin/time -v" if GNU_TIME else "os.wait4 rusage",
    }


_REFERENCE = {
    # a fixed pure-Python loop, and the import every database command pays
    "python loop": "s = 0\nfor i in range(3_000_000):\n    s += i % 7",
    "SQLAlchemy + SQLModel import": "import sqlalchemy.orm, sqlmodel",
}


def speed_reference(runs: int = 5) -> dict[str, float]:
    """Wall time (median, seconds) of fixed work that does not depend on qualcode's code.

    The machine is shared: comparing these first tells whether a slower run of the table
    is the machine or the code.
    """
    return {
        name: round(
            statistics.median(measure([sys.executable, "-c", code]).wall for _ in range(runs)), 3
        )
        for name, code in _REFERENCE.items()
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _pick_codes(db: Path) -> tuple[str, str, str]:
    """The most frequent code, its most frequent sibling, and the document with the most codings."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT c.id, c.name, c.parent_id, p.name, count(k.id) AS n FROM code c JOIN code p ON p.id = c.parent_id "
            "LEFT JOIN coding k ON k.code_id = c.id GROUP BY c.id ORDER BY n DESC, c.id"
        ).fetchall()
        heavy = conn.execute(
            "SELECT d.name FROM coding k JOIN document d ON d.id = k.document_id GROUP BY d.id ORDER BY count(*) DESC, d.id LIMIT 1"
        ).fetchone()
    conn.close()
    a = rows[0]
    b = next(r for r in rows[1:] if r[2] == a[2])
    return f"{a[3]}/{a[1]}", f"{b[3]}/{b[1]}", heavy[0] if heavy else "1"


# --- reports -----------------------------------------------------------------------------------------


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.2f} s" if x >= 0.995 else f"{x * 1000:.0f} ms"


def markdown(data: dict) -> str:
    m, w = data["machine"], data["workload"]
    lines = [
        f"Run {data['date']} (commit {data.get('commit') or '?'}, {data['mode']} workload): "
        f"{w['documents']:,} documents, {w['passages']:,} paragraphs, {w['sentences']:,} sentences, {w['codes']} codes, "
        f"{w['coders']} coders, {w['codings']:,} codings.",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}, SQLite {m['sqlite']}, {m['os']} "
        f"(load average {m['load_average_at_start']} at start; peak RSS via {m['peak_rss_via']}).",
        "",
        "Speed reference (fixed work, independent of qualcode — compare these first when two "
        "runs differ): "
        + "; ".join(f"{k} {_fmt(v)}" for k, v in data.get("reference", {}).items())
        + ".",
        "",
        f"Whole process, {data['warmup']} warm-up + {data['runs']} runs: wall time (median, min–max) and CPU time "
        f"(user + system, median; it is what a busy shared machine inflates least); limits from issue 8 "
        f'(wall-time median; memory: {MEMORY_LIMIT_MB} MB each). "(CPU within)": the wall time missed the '
        f"target but the CPU time is within it — the target would hold on an idle machine.",
        "",
        "| Command | Target | Median | Min – max | CPU | Peak RSS | Result | Peer (same workload) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data["results"]:
        target = f"< {_fmt(r['limit_s'])}" if r["limit_s"] else "—"
        rng = f"{_fmt(r['min_s'])} – {_fmt(r['max_s'])}" if r["min_s"] is not None else "—"
        rss = f"{r['peak_rss_mb']:.0f} MB" if r["peak_rss_mb"] is not None else "—"
        status = {
            "pass": "✅ pass",
            "fail": "❌ fail",
            "n/a": "n/a (not available)",
            "error": "⚠️ error",
            "info": "info",
        }[r["status"]]
        cpu = r.get("cpu_median_s")
        if r["status"] == "fail" and r["limit_s"] and cpu is not None and cpu <= r["limit_s"]:
            status += " (CPU within)"
        if r["status"] == "error" and r["note"]:
            status += f": {r['note'][:120]}"
        cmd = r["command"].replace("|", "\\|")
        lines.append(
            f"| `{cmd}` | {target} | {_fmt(r['median_s'])} | {rng} | {_fmt(r.get('cpu_median_s'))} | {rss} | {status} | {r['peer'] or ''} |"
        )
    notes = [
        f"- {r['name']}: {r['note']}"
        for r in data["results"]
        if r["note"] and r["status"] not in ("error",)
    ]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def update_readme(readme: Path, table: str) -> bool:
    if not readme.exists():
        return False
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{table}{README_END}{tail}", encoding="utf-8")
    return True


# --- main --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m qualcode.bench.run", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="The 10× smaller workload (200 documents, 5,000 codings).",
    )
    ap.add_argument(
        "--docs", type=int, help="Workload size override (with --codings; for smoke tests)."
    )
    ap.add_argument("--codings", type=int)
    ap.add_argument(
        "--no-sentences",
        action="store_true",
        help="Workload without NLP sentence passages (smoke tests).",
    )
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--only", help="Comma-separated parts of target names, e.g. status,freq.")
    ap.add_argument(
        "--skip", help="Comma-separated parts of target names to leave out, e.g. import."
    )
    ap.add_argument(
        "--out", default="bench", help="Folder for results.json and results.md [bench]."
    )
    ap.add_argument(
        "--readme",
        default=None,
        help="Page to update between the bench markers (default: docs/benchmarks.md after a full reference run; '' = none).",
    )
    args = ap.parse_args(argv)

    params = gen.QUICK if args.quick else gen.REFERENCE
    mode = "quick" if args.quick else "reference"
    if args.docs or args.codings or args.no_sentences:
        params = replace(
            params,
            docs=args.docs or params.docs,
            codings=args.codings or params.codings,
            sentences=not args.no_sentences,
        )
        mode = "custom"
    targets = TARGETS
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        targets = [t for t in TARGETS if any(k in t.name for k in keys)]
    if args.skip:
        skip = [k.strip() for k in args.skip.split(",") if k.strip()]
        targets = [t for t in targets if not any(k in t.name for k in skip)]

    qualcode = str(Path(sys.executable).with_name("qualcode"))
    if not os.path.exists(qualcode):
        qualcode = shutil.which("qualcode") or qualcode
    print(f"workload {params.key()} …", file=sys.stderr, flush=True)
    db, summary = gen.cached(params, verbose=True)
    corpus = gen.cached_corpus(params) if any(t.name == "import corpus" for t in targets) else None
    code_a, code_b, heavy = _pick_codes(db)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-", dir=str(gen.work_dir())) as tmp:
        ctx = Ctx(
            qualcode,
            db.resolve(),
            corpus.resolve() if corpus else None,
            Path(tmp),
            code_a,
            code_b,
            heavy,
            Path(tmp) / "scratch.sqlite",
        )
        for t in targets:
            print(f"  {t.name} …", end="", file=sys.stderr, flush=True)
            r = run_target(t, ctx, args.runs, args.warmup)
            print(f" {r.status} {_fmt(r.median_s)} {r.note}", file=sys.stderr, flush=True)
            results.append(r)
        tui_names = [n for n, _, _ in TUI_TARGETS]
        only = [k.strip() for k in (args.only or "").split(",") if k.strip()]
        skip = [k.strip() for k in (args.skip or "").split(",") if k.strip()]
        if (not only or any(k in n for k in only for n in tui_names)) and not any(
            k in n for k in skip for n in tui_names
        ):
            print("  TUI …", file=sys.stderr, flush=True)
            results += tui_results(ctx, args.runs, args.warmup)
    data = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "mode": mode,
        "runs": args.runs,
        "warmup": args.warmup,
        "machine": machine(),
        "reference": speed_reference(),
        "workload": {
            k: summary[k]
            for k in (
                "documents",
                "passages",
                "sentences",
                "codes",
                "coders",
                "codings",
                "max_codings_per_document",
            )
        }
        | {"params": summary["params"], "fingerprint": summary["fingerprint"]},
        "results": [asdict(r) for r in results],
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    table = markdown(data)
    (out / "results.md").write_text("# Benchmark results\n\n" + table, encoding="utf-8")
    readme = (
        args.readme
        if args.readme is not None
        else (
            "docs/benchmarks.md" if mode == "reference" and not args.only and not args.skip else ""
        )
    )
    if readme and update_readme(Path(readme), table):
        print(f"updated {readme}", file=sys.stderr)
    print(table)
    return 1 if any(r.status in ("fail", "error") for r in results) else 0


# One fresh process per run: it opens the project as `qualcode` does and reports when its
# first complete frame was drawn (qualcode.bench.tui.measure / probe).
_TUI_PROBE = "from qualcode.bench.tui import probe; probe()"

# (name, key in qualcode.bench.tui.figures(), limit)
TUI_TARGETS = (
    ("TUI first paint (start-up + first frame)", "first paint", 1.0),
    ("TUI engine open (worker after the first frame)", "engine", None),
    ("TUI open document with 1,000 codings", "open big", 0.2),
    ("TUI page down (50-page document)", "page down", None),
    ("TUI code a passage", "code", None),
)


def tui_results(ctx: Ctx, runs: int, warmup: int) -> list[Result]:
    """The workbench, headless, via ``qualcode.bench.tui`` (the TUI engineer's scenario).

    Each run is a fresh process on a fresh copy of the demo project plus a 50-page
    protocol with 1,000 codings: "first paint" counts from the moment the process is
    started (interpreter start-up, imports and opening the project as ``qualcode`` does
    included) to the first frame that shows documents, text, code tree and footer.
    """
    names = [(n, lim) for n, _, lim in TUI_TARGETS]
    if (
        importlib.util.find_spec("qualcode.tui") is None
        or importlib.util.find_spec("qualcode.bench.tui") is None
    ):
        return [
            Result(
                n,
                n,
                lim,
                "n/a",
                note="not available (qualcode.tui / qualcode/bench/tui.py missing)",
            )
            for n, lim in names
        ]
    command = "qualcode.bench.tui scenario, headless 160×48"
    try:
        from qualcode.bench import tui as tui_bench

        base = ctx.tmp / "tui.sqlite"
        tui_bench.build_demo(base)
        big = tui_bench.add_big_document(base)
    except Exception as exc:  # another engineer's module: report, don't crash the harness
        return [
            Result(n, command, lim, "error", note=f"set-up failed: {exc!r}"[:200])
            for n, lim in names
        ]
    samples: dict[str, list[float]] = {}
    peak = 0.0
    for i in range(warmup + runs):
        run_db = gen.fresh_copy(base, ctx.tmp / "tui-run.sqlite")
        out = ctx.tmp / "tui.json"
        started = time.monotonic()  # the probe reports time.monotonic() (one clock per machine)
        sample = measure([sys.executable, "-c", _TUI_PROBE, str(run_db), str(big)], stdout=out)
        if sample.code != 0:
            err = sample.stderr.strip().splitlines()[-1:] or [""]
            return [
                Result(n, command, lim, "error", note=f"exit {sample.code}: {err[0][:200]}")
                for n, lim in names
            ]
        try:
            figures = tui_bench.figures(json.loads(out.read_text(encoding="utf-8")), started)
        except (ValueError, KeyError, TypeError) as exc:
            note = f"unexpected output of qualcode.bench.tui: {exc!r}"[:200]
            return [Result(n, command, lim, "error", note=note) for n, lim in names]
        if i < warmup:
            continue
        peak = max(peak, sample.rss_mb)
        for key, value in figures.items():
            samples.setdefault(key, []).append(value)
    results = []
    for name, key, lim in TUI_TARGETS:
        xs = samples[key]
        med = statistics.median(xs)
        ok = (lim is None or med <= lim) and peak <= MEMORY_LIMIT_MB
        status = ("pass" if ok else "fail") if lim is not None else ("info" if ok else "fail")
        results.append(
            Result(
                name, f"{name}: {command}", lim, status, round(med, 4), round(min(xs), 4), round(max(xs), 4),
                [round(x, 4) for x in xs], round(peak, 1),
                note="peak RSS of the whole TUI process" if key == "first paint" else "",
            )
        )  # fmt: skip
    return results


if __name__ == "__main__":
    raise SystemExit(main())
