"""One BLAS thread for the engine's small dense products (the lowest layer: no imports of
the engine's own modules, so that features, vectors and scoring can all use it)."""

from __future__ import annotations

import functools


def single_thread(fn):
    """Run with one BLAS thread: on a busy 2-core machine, OpenBLAS threads spinning against
    each other make small dense products many times slower."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper
