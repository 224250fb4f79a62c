"""Derived data (the suggestions engine's index and model) in a cache folder beside the project.

The passage index and the trained model are not user data: they are rebuilt from the
documents and codings whenever those change. Keeping them out of the project file keeps
the file (and every backup and copy of it) small. For a SQLite project ``demo.sqlite`` the
folder is ``demo.sqlite.cache/``; for PostgreSQL or an in-memory database it is a folder
per database under ``$XDG_CACHE_HOME/qualcode`` (``~/.cache/qualcode``) on each machine.

Each entry is one file ``<key>.<content hash>.pkl``, written to a temporary file and
renamed, so that a reader never sees half a file and a second process finds the entry by
its name alone; older entries of the key are removed when a new one is written. Numpy
arrays are pickled out of band (protocol 5) into a ``.npy`` side file each and mapped
into memory when read, so loading a large index copies nothing it does not touch.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path

CACHE_ENV = "QUALCODE_CACHE_DIR"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def cache_dir(url: str) -> Path:
    from qualcode.config import sqlite_path

    override = os.environ.get(CACHE_ENV)
    path = sqlite_path(url)
    if override:
        base = Path(override)
    elif path is not None:
        return path.with_name(path.name + ".cache")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qualcode"
    return base / hashlib.sha256(url.encode()).hexdigest()[:16]


def _name(key: str) -> str:
    return _SAFE.sub("_", key)


def _paths(folder: Path, key: str, content_hash: str) -> tuple[Path, Path]:
    stem = f"{_name(key)}.{content_hash[:32]}"
    return folder / f"{stem}.pkl", folder / f"{stem}.npz.d"


def load(url: str, key: str, content_hash: str):
    """The object stored under ``key`` for ``content_hash``, or None."""
    pkl, arrays = _paths(cache_dir(url), key, content_hash)
    return _read(pkl, arrays)


def load_latest(url: str, key: str):
    """The newest object stored under ``key``, whatever it was made for, or None."""
    folder = cache_dir(url)
    try:
        found = sorted(folder.glob(f"{_name(key)}.*.pkl"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return None
    if not found:
        return None
    pkl = found[-1]
    return _read(pkl, pkl.with_name(pkl.name[: -len(".pkl")] + ".npz.d"))


def _read(pkl: Path, arrays: Path):
    try:
        with pkl.open("rb") as fh:
            data = fh.read()
        n = 0
        buffers = []
        if arrays.is_dir():
            import numpy as np
        while arrays.is_dir() and (arrays / f"{n}.npy").exists():
            buffers.append(np.load(arrays / f"{n}.npy", mmap_mode="r"))
            n += 1
        return (
            pickle.loads(data, buffers=[memoryview(b) for b in buffers])
            if buffers
            else pickle.loads(data)
        )
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - written by another version, or damaged: rebuild
        return None


def save(url: str, key: str, content_hash: str, obj) -> bool:
    """Store ``obj``; False when the folder cannot be written (the cache is only slower then)."""
    import numpy as np

    folder = cache_dir(url)
    pkl, arrays = _paths(folder, key, content_hash)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        big: list[pickle.PickleBuffer] = []

        def keep_big(buf: pickle.PickleBuffer) -> bool:
            if buf.raw().nbytes < 1 << 16:
                return True  # small arrays stay inside the pickle
            big.append(buf)
            return False

        data = pickle.dumps(obj, protocol=5, buffer_callback=keep_big)
        tmp_dir = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
        try:
            for n, buf in enumerate(big):
                raw = buf.raw()
                np.save(
                    tmp_dir / f"{n}.npy", np.frombuffer(raw, dtype=np.uint8), allow_pickle=False
                )
            tmp_pkl = tmp_dir / "obj.pkl"
            tmp_pkl.write_bytes(data)
            for old in folder.glob(f"{_name(key)}.*"):
                if old not in (pkl, arrays):
                    _remove(old)
            _remove(arrays)
            if big:
                arr_tmp = tmp_dir / "arrays"
                arr_tmp.mkdir()
                for n in range(len(big)):
                    os.replace(tmp_dir / f"{n}.npy", arr_tmp / f"{n}.npy")
                os.replace(arr_tmp, arrays)
            os.replace(tmp_pkl, pkl)
        finally:
            _remove(tmp_dir)
        return True
    except OSError:
        return False


def _remove(p: Path) -> None:
    import shutil

    try:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()
    except OSError:
        pass


def clear(url: str) -> None:
    _remove(cache_dir(url))
