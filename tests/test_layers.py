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
