"""Reading untrusted REFI-QDA files safely.

A ``.qdpx`` or ``.qdc`` file may come from anywhere, so it is treated as hostile:

* XML is checked with :mod:`defusedxml`: a DTD, entity declarations (billion
  laughs, quadratic blow-up) and external entities / DTD retrieval are refused.
* A ``.qdpx`` is a zip archive read **in memory only** (nothing is extracted to
  disk). Members with absolute paths, ``..`` segments, drive letters or NUL bytes
  are refused, as are archives with too many members, too much uncompressed data
  or a suspicious compression ratio (zip bombs). Sizes are enforced while reading,
  not only from the (forgeable) headers.

Every problem becomes one :class:`~qualcode.errors.InvalidInput` line.
"""

from __future__ import annotations

import lzma
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from qualcode.errors import InvalidInput

MAX_MEMBERS = 50_000
MAX_TOTAL_BYTES = 1 << 30  # 1 GiB uncompressed in all
MAX_MEMBER_BYTES = 512 << 20  # 512 MiB for any one member (project.qde of a huge project)
MAX_RATIO = 100  # uncompressed / compressed, checked for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1 << 20
MAX_XML_BYTES = 512 << 20

_DRIVE = re.compile(r"^[A-Za-z]:")


def parse_xml(data: bytes, what: str) -> Element:
    """Parse untrusted XML: no DTD, entity declarations or external references; one-line errors."""
    from xml.etree.ElementTree import XMLParser

    from defusedxml import DefusedXmlException

    if len(data) > MAX_XML_BYTES:
        raise InvalidInput(
            f"{what}: {len(data) >> 20} MiB of XML is more than the limit of {MAX_XML_BYTES >> 20} MiB",
            "is this really a REFI-QDA file?",
        )
    data = _protect_carriage_returns(data)
    try:
        _check_prolog(data)
        parser = XMLParser()  # ElementTree's C parser
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        raise InvalidInput(
            f"{what}: refused — the XML has a DTD, entity declarations or external references ({type(exc).__name__})",
            "REFI-QDA files never need them; this file may be an attack (entity expansion / external entity)",
        ) from exc
    except ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":")[0]
        raise InvalidInput(
            f"{what}: malformed XML at line {line}, column {col + 1} ({reason})",
            "the file is damaged or not a REFI-QDA file",
        ) from exc
    except (ValueError, UnicodeError) as exc:
        raise InvalidInput(
            f"{what}: unreadable XML ({exc})", "the file is damaged or not a REFI-QDA file"
        ) from exc


class _Root(Exception):
    """The root element has started: the prolog, where a DTD would have to be, is over."""


class _PrologOnly:
    """A parser target that stops at the first element."""

    def start(self, tag: str, attrs: dict) -> None:
        raise _Root

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def _check_prolog(data: bytes) -> None:
    """:mod:`defusedxml`'s checks on the prolog, where XML allows a DTD (raises its errors).

    Entities can only be declared in a DTD — the billion laughs, quadratic blow-up and
    external entities all need one — and a DTD must come before the root element. So
    defusedxml's parser (Python-level handlers: slow on 25 MB) reads up to the first
    element, and ElementTree's C parser (half the time) reads the document.
    """
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(
        target=_PrologOnly(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        parser.close()
    except _Root:
        return


_PLAIN = re.compile(
    rb"(<(?:[\w.-]+:)?PlainTextContent\b[^>]*>)(.*?)(</(?:[\w.-]+:)?PlainTextContent\s*>)",
    re.DOTALL,
)


def _protect_carriage_returns(data: bytes) -> bytes:
    """Keep raw ``\\r`` inside inline texts (``PlainTextContent``).

    An XML parser turns ``\\r\\n`` into ``\\n``, but the selection offsets of the
    tool that wrote the file count the original characters; writing the ``\\r``
    as ``&#13;`` keeps it so that offsets can be translated exactly.
    """
    if b"\r" not in data:
        return data

    def fix(m: re.Match[bytes]) -> bytes:
        body = m.group(2)
        if b"<![CDATA[" in body:
            return m.group(0)
        return m.group(1) + body.replace(b"\r", b"&#13;") + m.group(3)

    return _PLAIN.sub(fix, data)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def check_member_name(name: str) -> str:
    """The normalised member path, or an error for traversal / absolute paths."""
    if "\x00" in name:
        raise InvalidInput(
            f"refused: a zip member name contains a NUL byte ({name!r})",
            "the archive is damaged or hostile",
        )
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm):
        raise InvalidInput(
            f"refused: zip member {name!r} has an absolute path",
            "a .qdpx holds only relative paths; this file may be an attack",
        )
    parts = PurePosixPath(norm).parts
    if ".." in parts:
        raise InvalidInput(
            f"refused: zip member {name!r} points outside the archive ('..')",
            "this file may be a path-traversal attack",
        )
    return "/".join(p for p in parts if p not in ("", "."))


@dataclass
class Archive:
    """The members of a checked ``.qdpx``, read lazily with enforced sizes."""

    path: Path
    zf: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]  # normalised name → info
    lower: dict[str, str]  # casefolded name → normalised name
    read_total: int = 0

    def find(self, name: str) -> str | None:
        """The member called ``name``, compared without case and Unicode normal form
        (a Mac writes member names decomposed, NFD; the XML names them composed)."""
        norm = check_member_name(name)
        if norm in self.members:
            return norm
        return self.lower.get(_fold(norm))

    def read(self, name: str) -> bytes:
        key = self.find(name)
        if key is None:
            raise InvalidInput(
                f"{self.path.name}: the archive has no member {name!r}", "the .qdpx is incomplete"
            )
        info = self.members[key]
        limit = info.file_size
        chunks = []
        got = 0
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > limit or self.read_total + got > MAX_TOTAL_BYTES:
                        raise InvalidInput(
                            f"refused: zip member {key!r} unpacks to more than its header says",
                            "the archive is damaged or a zip bomb",
                        )
                    chunks.append(chunk)
        except (
            zipfile.BadZipFile,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
            ValueError,
            zlib.error,
            lzma.LZMAError,
        ) as exc:  # a corrupt deflate / LZMA / bzip2 stream, a bad CRC, a truncated file
            raise InvalidInput(
                f"{self.path.name}: cannot read {key!r} from the archive ({exc})",
                "the .qdpx is damaged or encrypted",
            ) from exc
        self.read_total += got
        return b"".join(chunks)

    def close(self) -> None:
        self.zf.close()


def open_archive(path: Path) -> Archive:
    """Open and check a ``.qdpx`` (zip) before anything is read from it."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            f"{path.name}: not a zip archive, so not a .qdpx project",
            "a .qdpx is a zip with project.qde and sources/",
        ) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}", "check the path") from exc
    try:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise InvalidInput(
                f"refused: {path.name} has {len(infos)} members (limit {MAX_MEMBERS})",
                "the archive is too large or a zip bomb",
            )
        members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = check_member_name(info.filename)
            if info.is_dir() or not name:
                continue
            if name in members:
                raise InvalidInput(
                    f"refused: {path.name} holds {name!r} twice",
                    "the archive is damaged or hostile",
                )
            if info.flag_bits & 0x1:
                raise InvalidInput(
                    f"{path.name}: {name!r} is encrypted",
                    "export the project again without a password",
                )
            if info.file_size > MAX_MEMBER_BYTES:
                raise InvalidInput(
                    f"refused: {name!r} unpacks to {info.file_size >> 20} MiB (limit {MAX_MEMBER_BYTES >> 20} MiB)",
                    "the archive is too large or a zip bomb",
                )
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise InvalidInput(
                    f"refused: {name!r} is compressed {info.file_size // max(info.compress_size, 1)}:1 (limit {MAX_RATIO}:1)",
                    "this looks like a zip bomb",
                )
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise InvalidInput(
                    f"refused: {path.name} unpacks to more than {MAX_TOTAL_BYTES >> 30} GiB",
                    "the archive is too large or a zip bomb",
                )
            members[name] = info
        lower = {_fold(n): n for n in members}
        return Archive(path, zf, members, lower)
    except BaseException:
        zf.close()
        raise
