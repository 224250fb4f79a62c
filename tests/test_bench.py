"""The benchmark workload generator and the harness, on a tiny workload (seconds)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from qualcode.bench import generate as gen
from qualcode.bench import run as bench_run

TINY = {"docs": 6, "paragraphs": 4, "codings": 60, "sentences": False}


def test_generator_is_deterministic_for_a_seed(tmp_path: Path):
    a = gen.generate(tmp_path / "a.sqlite", seed=7, **TINY)
    b = gen.generate(tmp_path / "b.sqlite", seed=7, **TINY)
    c = gen.generate(tmp_path / "c.sqlite", seed=8, **TINY)
    assert a["fingerprint"] == b["fingerprint"] != c["fingerprint"]
    assert {
        k: a[k] for k in ("documents", "passages", "sentences", "codes", "coders", "codings")
    } == {
        "documents": 6,
        "passages": 24,
        "sentences": 0,
        "codes": 48,
        "coders": 3,
        "codings": 60,
    }


def test_generated_project_has_the_reference_shape(tmp_path: Path):
    db = tmp_path / "w.sqlite"
    gen.generate(db, seed=3, **TINY)
    conn = sqlite3.connect(db)
    try:
        top = conn.execute(
            "SELECT name, codable FROM code WHERE parent_id IS NULL ORDER BY position"
        ).fetchall()
        assert [n for n, _ in top] == list(gen.CATEGORIES)
        assert all(codable == 0 for _, codable in top)  # categories only group
        per_parent = [
            n
            for (n,) in conn.execute(
                "SELECT count(*) FROM code WHERE parent_id IS NOT NULL GROUP BY parent_id"
            )
        ]
        assert per_parent == [11, 11, 11, 11]
        # Codings only on codable codes, inside their document, by the three coders.
        assert conn.execute(
            "SELECT count(*) FROM coding k JOIN code c ON c.id = k.code_id WHERE c.codable = 0"
        ).fetchone() == (0,)
        bad = conn.execute(
            'SELECT count(*) FROM coding k JOIN document d ON d.id = k.document_id WHERE k.start < 0 OR k."end" > length(d.text) OR k."end" <= k.start'
        ).fetchone()
        assert bad == (0,)
        assert [n for (n,) in conn.execute("SELECT name FROM coder ORDER BY name")] == [
            "anna",
            "ben",
            "clara",
        ]
        attrs = dict(
            conn.execute(
                "SELECT key, count(DISTINCT document_id) FROM document_attribute GROUP BY key"
            )
        )
        assert attrs == {"Datum": 6, "Format": 6, "Region": 6, "Teilnehmende": 6}
        formats = {
            v for (v,) in conn.execute("SELECT value FROM document_attribute WHERE key = 'Format'")
        }
        assert formats <= {"Präsenz", "Hybrid", "Web"}
        # Every coding is recorded in the audit log, so `qualcode undo` works on the workload too.
        logged = conn.execute(
            "SELECT sum(CASE op WHEN 'insert' THEN 1 ELSE row_id END) FROM audit_change "
            "WHERE table_name = 'coding' AND op IN ('insert', 'insert_many')"
        ).fetchone()[0]
        assert logged == 60
    finally:
        conn.close()


def test_corpus_files_carry_the_same_documents(tmp_path: Path):
    folder = gen.write_corpus(tmp_path / "corpus", docs=3, paragraphs=4, seed=7)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["protokoll_0001.txt", "protokoll_0002.txt", "protokoll_0003.txt"]
    doc = gen.make_document(7, 1, 4)
    text = (folder / "protokoll_0002.txt").read_text(encoding="utf-8")
    assert text.startswith(f"---\nFormat: {doc.attrs['Format']}\n")
    assert text.endswith(doc.text + "\n")
    assert len(doc.paragraphs) == 4 and doc.text.count("\n\n") == 3


def test_cache_reuses_a_generated_workload(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("QUALCODE_BENCH_WORK", str(tmp_path / "work"))
    params = gen.Params(docs=3, paragraphs=2, codings=10, sentences=False)
    db1, s1 = gen.cached(params)
    mtime = db1.stat().st_mtime_ns
    db2, s2 = gen.cached(params)
    assert db1 == db2 and s1 == s2 and db2.stat().st_mtime_ns == mtime
    assert db1.parent.name == params.key()


def test_harness_times_commands_and_writes_results(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("QUALCODE_BENCH_WORK", str(tmp_path / "work"))
    out = tmp_path / "out"
    code = bench_run.main(
        [
            "--docs",
            "6",
            "--codings",
            "60",
            "--no-sentences",
            "--runs",
            "2",
            "--warmup",
            "0",
            "--only",
            "--help,status,codes list,nothing",
        ]
        + ["--out", str(out), "--readme", ""]
    )
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in data["results"]}
    assert {"qualcode --help", "status", "codes list"} <= set(by_name)
    for name in ("qualcode --help", "status", "codes list"):
        r = by_name[name]
        assert r["status"] in ("pass", "fail", "info"), r
        assert len(r["runs_s"]) == 2 and r["min_s"] <= r["median_s"] <= r["max_s"]
        assert r["peak_rss_mb"] > 0
    assert by_name["status"]["limit_s"] == 0.3 and by_name["codes list"]["limit_s"] is None
    assert data["workload"]["documents"] == 6 and data["workload"]["codings"] == 60
    assert data["machine"]["nproc"] >= 1 and data["machine"]["python"] == ".".join(
        map(str, sys.version_info[:3])
    )
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "| Command | Target | Median |" in md and "`qualcode --db WORKLOAD.sqlite status`" in md
    assert code == (1 if any(r["status"] in ("fail", "error") for r in data["results"]) else 0)


def test_missing_commands_are_reported_not_failed(tmp_path: Path):
    qualcode = str(Path(sys.executable).with_name("qualcode"))
    assert bench_run.available(qualcode, ("no-such-command",)) == (
        False,
        "`qualcode no-such-command` not available",
    )
    assert bench_run.available(qualcode, ("status", "--json"))[0] is True
    assert bench_run.available(qualcode, ("status", "--no-such-option"))[0] is False
    target = bench_run.Target("ghost", lambda c: ["ghost"], 1.0, ("no-such-command",))
    ctx = bench_run.Ctx(qualcode, tmp_path / "x.sqlite", None, tmp_path, "A/B", "A/C", "d")
    r = bench_run.run_target(target, ctx, runs=1, warmup=0)
    assert r.status == "n/a" and r.median_s is None and "not available" in r.note


def test_readme_table_is_replaced_between_markers(tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# X\n\n## Benchmarks\n\n{bench_run.README_START}\nold\n{bench_run.README_END}\n\n## Next\n",
        encoding="utf-8",
    )
    assert bench_run.update_readme(readme, "| new |\n")
    assert (
        readme.read_text(encoding="utf-8")
        == f"# X\n\n## Benchmarks\n\n{bench_run.README_START}\n| new |\n{bench_run.README_END}\n\n## Next\n"
    )
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n", encoding="utf-8")
    assert not bench_run.update_readme(plain, "x")
    assert plain.read_text(encoding="utf-8") == "no markers\n"
