"""Defer the numpy submodules that SciPy's array-API shim touches but qualcode never uses.

Importing ``scipy.sparse`` clones every public attribute of ``numpy`` (SciPy 1.15+), and
numpy imports lazily loaded submodules on first attribute access — so every command that
scores or ranks passages paid for ``numpy.f2py`` (a Fortran wrapper generator) and
``numpy.testing``: about 0.08 s of a 0.5 s warm `similar`. Registered here with the
standard library's :class:`importlib.util.LazyLoader`, they load on their first real use,
if any.
"""

from __future__ import annotations

import importlib.util
import sys

DEFERRED = ("numpy.f2py", "numpy.testing")


def defer() -> None:
    """Register the deferred submodules (numpy must be imported; idempotent)."""
    for name in DEFERRED:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.loader is None:
            continue
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, module)  # else numpy's __getattr__ imports it again
