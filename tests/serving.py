"""Helpers for the `qualcode serve` tests: the server as a subprocess, plain HTTP requests,
and a workbench in headless Chromium (Playwright) whose screen is read back with pyte.

Nothing waits a fixed time: every wait polls a condition with a generous limit.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conftest import ROOT, WAIT_LIMIT, wait_for

CHROMIUM = os.environ.get("QUALCODE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_LIMIT = 60.0  # seconds for anything the browser waits for (a loaded 2-core machine)
VIEWPORT = {"width": 1400, "height": 800}


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the browser tests need the playwright package (`make setup` installs it)"
    try:
        import pyte  # noqa: F401
    except ImportError:
        return "the browser tests need the pyte package (`make setup` installs it)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium is missing ({CHROMIUM}): `.ci/run` installs Debian's chromium package "
            "(or set QUALCODE_TEST_CHROMIUM)"
        )
    return None


# --- the server --------------------------------------------------------------------------------


class Server:
    """`qualcode --db DB serve --port 0 ARGS…` in a subprocess; ``url`` once it listens."""

    def __init__(self, db: str, *args: str, env: dict[str, str] | None = None) -> None:
        environ = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qualcode", "--db", db, "serve", "--port", "0", *args],
            cwd=ROOT,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = ""
        try:
            wait_for(
                lambda: self._found_url() or self.proc.poll() is not None,
                "the server to print its address",
                limit=WAIT_LIMIT,
            )
        except AssertionError:
            self.stop()
            raise
        if not self.url:
            self.stop()
            raise AssertionError(f"the server did not start:\n{self.output}")
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.base = f"http://{parts.netloc}/"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _found_url(self) -> bool:
        for line in list(self.lines):
            m = re.search(r"the workbench is at (\S+)", line)
            if m:
                self.url = m.group(1)
                return True
        return False

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT_LIMIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT_LIMIT)
        self._reader.join(timeout=WAIT_LIMIT)
        return self.proc.returncode

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- plain HTTP ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection(self.host, self.port, timeout=WAIT_LIMIT)
        try:
            data = urlencode(body).encode() if body is not None else None
            hdrs = dict(headers or {})
            if data is not None:
                hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            text = "" if resp.status == 101 else resp.read().decode("utf-8", "replace")
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, text)
        finally:
            conn.close()

    def login(self, name: str, password: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request(
            "POST", "/login", body={"name": name, "password": password}, headers=headers
        )

    @property
    def cookie_name(self) -> str:
        """The session cookie's name: one per server (its port)."""
        return f"qualcode_session_{self.port}"

    def wait_output(self, text: str) -> None:
        wait_for(lambda: text in self.output, f"{text!r} in the server's output")

    def websocket(self, cookie: str | None = None, origin: str | None = None) -> Reply:
        """The opening handshake of the workbench's websocket (then the connection closes)."""
        headers = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        if cookie:
            headers["Cookie"] = cookie
        if origin:
            headers["Origin"] = origin
        return self.request("GET", "/ws?width=80&height=24", headers=headers)


class RawWebSocket:
    """The workbench's websocket as a browser tab holds it open, over a plain socket: the
    frames the server sends are read back (opcode, payload)."""

    def __init__(self, server: Server, cookie: str | None = None) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=WAIT_LIMIT)
        request = (
            "GET /ws?width=80&height=24 HTTP/1.1\r\n"
            f"Host: {server.host}:{server.port}\r\n"
            "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + (f"Cookie: {cookie}\r\n" if cookie else "")
            + "\r\n"
        )
        self.sock.sendall(request.encode())
        self._buf = b""
        while b"\r\n\r\n" not in self._buf:
            data = self.sock.recv(65536)
            if not data:
                break
            self._buf += data
        head, _, self._buf = self._buf.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1]) if head else 0
        self.ended = False  # a close frame or the end of the connection was seen
        self.opcodes: list[int] = []

    def _need(self, n: int) -> bool:
        while len(self._buf) < n:
            data = self.sock.recv(65536)
            if not data:
                return False
            self._buf += data
        return True

    def read_frame(self) -> tuple[int, bytes] | None:
        """The next frame from the server, or None at the end of the connection."""
        if not self._need(2):
            return None
        opcode, length = self._buf[0] & 0x0F, self._buf[1] & 0x7F
        head = 2
        if length == 126:
            if not self._need(4):
                return None
            length, head = int.from_bytes(self._buf[2:4], "big"), 4
        elif length == 127:
            if not self._need(10):
                return None
            length, head = int.from_bytes(self._buf[2:10], "big"), 10
        if not self._need(head + length):
            return None
        payload, self._buf = self._buf[head : head + length], self._buf[head + length :]
        return opcode, payload

    def wait(self, predicate: Callable[[int], object], what: str, limit: float = WAIT_LIMIT):
        """Read frames until one whose opcode satisfies ``predicate`` (or the end: opcode 8)."""
        import time

        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            frame = self.read_frame()
            opcode = 8 if frame is None else frame[0]
            self.opcodes.append(opcode)
            if frame is not None and opcode == 9:  # a ping: answer it, as a browser does
                self._send(0xA, frame[1])
            if opcode == 8:
                self.ended = True
            if predicate(opcode):
                return frame
            if frame is None:
                break
        raise AssertionError(f"waited in vain for: {what} (opcodes seen: {set(self.opcodes)})")

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload[:125]))
        with contextlib.suppress(OSError):
            self.sock.sendall(bytes((0x80 | opcode, 0x80 | len(masked))) + mask + masked)

    def wait_for_data(self) -> None:
        self.wait(lambda op: op in (1, 2), "the workbench's first bytes")
        assert not self.ended

    def wait_for_end(self) -> None:
        self.wait(lambda op: op == 8, "the server to close the websocket")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def cookie(self) -> str:
        """``name=value`` of the session cookie set by this reply."""
        raw = self.headers.get("set-cookie", "")
        return raw.split(";", 1)[0]

    @property
    def is_workbench(self) -> bool:
        return "textual.js" in self.text or self.status == 101

    @property
    def is_login(self) -> bool:
        return "<title>qualcode — log in</title>" in self.text and not self.is_workbench


# --- the browser -------------------------------------------------------------------------------


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Headless system Chromium driven by Playwright (nothing is downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Workbench:
    """One browser tab on the workbench; ``text()`` is its terminal screen as lines of text
    (the bytes the page received over the websocket, played into a pyte terminal)."""

    page: object
    _events: list[tuple[str, object]] = field(default_factory=list)
    _screen: object = None
    _stream: object = None
    sockets: int = 0
    closed: bool = False

    @classmethod
    def open(cls, browser, server: Server, context=None) -> Workbench:
        """A tab on ``server``: in a browser of its own, or in ``context`` (another tab of
        the same browser, with its cookies)."""
        context = context or browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        bench = cls(page)
        page.on("websocket", bench._on_websocket)
        page.goto(server.base)
        return bench

    def _on_websocket(self, ws) -> None:
        self.sockets += 1
        query = dict(kv.split("=", 1) for kv in urlsplit(ws.url).query.split("&") if "=" in kv)
        self._events.append(("size", (int(query["width"]), int(query["height"]))))
        ws.on("framereceived", lambda payload: self._events.append(("data", payload)))
        ws.on("framesent", self._on_sent)
        ws.on("close", lambda _ws: setattr(self, "closed", True))

    def _on_sent(self, payload) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self._events.append(("size", (int(size["width"]), int(size["height"]))))

    def login(self, name: str, password: str) -> None:
        self.page.fill("input[name=name]", name)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")

    def text(self) -> str:
        import pyte

        events, self._events = self._events, []
        for kind, value in events:
            if kind == "size":
                width, height = value  # type: ignore[misc]
                if self._screen is None:
                    self._screen = pyte.Screen(width, height)
                    self._stream = pyte.ByteStream(self._screen)
                else:
                    self._screen.resize(height, width)  # type: ignore[attr-defined]
            elif kind == "data" and isinstance(value, bytes) and self._stream is not None:
                self._stream.feed(value)  # type: ignore[attr-defined]
        if self._screen is None:
            return ""
        return "\n".join(self._screen.display)  # type: ignore[attr-defined]

    def wait(self, predicate: Callable[[str], object], what: str) -> str:
        """Poll the screen (letting the browser run between looks) until ``predicate``."""
        import time

        deadline = time.monotonic() + BROWSER_LIMIT
        while True:
            screen = self.text()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"waited {BROWSER_LIMIT:.0f} s in vain for: {what}\nthe screen:\n{screen}"
                )
            self.page.wait_for_timeout(20)  # lets Playwright deliver the frames

    def wait_for_text(self, text: str) -> str:
        return self.wait(lambda s: text in s, f"{text!r} on the screen")

    def poll(self, predicate: Callable[[], object], what: str) -> None:
        """Poll anything else (the database) while the browser keeps running."""
        import time

        deadline = time.monotonic() + BROWSER_LIMIT
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"waited {BROWSER_LIMIT:.0f} s in vain for: {what}\nthe screen:\n{self.text()}"
                )
            self.page.wait_for_timeout(20)

    def focus(self) -> None:
        self.page.locator("textarea.xterm-helper-textarea").focus()

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tree_line(self, code: str) -> str:
        """The code tree's line of ``code`` on the screen ("" if not shown)."""
        for line in self.text().splitlines():
            if f"■ {code}" in line:
                return line[line.index(f"■ {code}") :]
        return ""
