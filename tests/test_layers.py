"""The layers stay visible: the import-linter contract names every core module."""

from __future__ import annotations

import tomllib

from conftest import ROOT

FRONT_ENDS = {"cli", "tui", "web", "bench", "__main__", "__init__"}


def test_the_contract_lists_every_core_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    listed = set(contract["source_modules"])
    package = ROOT / "qualcode"
    core = {
        f"qualcode.{p.stem}"
        for p in package.iterdir()
        if p.stem not in FRONT_ENDS
        and (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    }
    assert core - listed == set(), "add new core modules to [tool.importlinter] in pyproject.toml"
    assert listed - core == set()
    assert {"textual", "typer", "aiohttp"} <= set(contract["forbidden_modules"])


def _imports() -> dict[str, set[str]]:
    """Module → the qualcode modules it imports anywhere (function-level imports too)."""
    import ast

    package = ROOT / "qualcode"
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qualcode"):
                deps.add(node.module)  # type: ignore[arg-type]
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("qualcode"))
        graph[name] = deps
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m == goal:
            return True
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    return False


def test_the_broken_import_circles_stay_broken() -> None:
    """codings ↔ codings_io, codings → documents → structure → codings and documents ↔
    reanchor were circles; each now runs one way (the lower module never imports the
    higher one, not even inside a function)."""
    graph = _imports()
    for higher, lower in [
        ("qualcode.codings_io", "qualcode.codings"),
        ("qualcode.codings", "qualcode.documents"),
        ("qualcode.documents", "qualcode.structure"),
        ("qualcode.codings", "qualcode.structure"),
        ("qualcode.documents", "qualcode.reanchor"),
        ("qualcode.reanchor", "qualcode.passages"),
        ("qualcode.suggest.blocks", "qualcode.suggest.features"),
    ]:
        assert _reaches(graph, higher, lower), f"{higher} should use {lower}"
        assert not _reaches(graph, lower, higher), f"{lower} imports {higher}: a circle"
