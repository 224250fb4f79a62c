"""`qualcode serve`: the workbench in a browser, one workbench process per connection.

Built on textual-serve: its :class:`~textual_serve.server.Server` serves the page (xterm.js)
and, for every websocket, starts a command whose terminal it relays. Here the command is
``python -m qualcode tui`` with the project and the *authenticated* coder in its
environment (``QUALCODE_DB``, ``QUALCODE_CODER``) — the name comes from the login (or from
whoever started an open/token server), never from the browser. The workbench then works
exactly as in a terminal: its audit log names the coder, and ``u`` undoes that coder's
actions only. :mod:`qualcode.web.auth` stands in front of every route.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import shlex
import socket
import sys
from asyncio.subprocess import Process
from collections.abc import Callable
from importlib.resources import files
from string import Template
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from qualcode import portable
from qualcode.config import ENV_CODER_LOCKED
from qualcode.errors import InvalidInput
from qualcode.web.auth import CODER_KEY, SESSION_KEY, Access

log = logging.getLogger("qualcode.serve")

MAX_PER_CODER = 8  # open workbenches (browser tabs) per coder: each is a process
QUIT_WAIT = 5.0  # seconds a workbench gets to quit when the server stops
HEARTBEAT = 15.0  # seconds between the websocket's pings: an idle tab is not cut by a proxy
SERVER_HEADER = "qualcode"  # instead of aiohttp's "Python/3.x aiohttp/3.x"
# Environment variables the workbench processes do not inherit.
PRIVATE_ENV = ("QUALCODE_SERVE_TOKEN",)
CODER_LOCKED_ENV = ENV_CODER_LOCKED  # "1": the workbench's coder is the login (qualcode.config)


def check_access(host: str, *, users: bool, token: bool, behind_proxy: bool) -> None:
    """Refuse a setup that would open the workbench to the network without a login."""
    from qualcode.web.auth import is_loopback

    if users and token:
        raise InvalidInput(
            "--users and --token exclude each other",
            "give --users users.toml for a team, or --token for yourself",
        )
    if users or token:
        return
    if not is_loopback(host):
        raise InvalidInput(
            f"--host {host} lets other machines reach the workbench, and nobody would have to log in",
            "give --users users.toml (`qualcode users add NAME`) or --token, "
            "or keep the default --host 127.0.0.1",
        )
    if behind_proxy:
        raise InvalidInput(
            "--behind-proxy serves the workbench to the network through the proxy, "
            "and nobody would have to log in",
            "give --users users.toml (`qualcode users add NAME`) or --token",
        )


class CoderAppService(AppService):
    """textual-serve's process per connection, as one coder on one project.

    The workbench is started directly (no shell between), so that stopping the server
    reaches the workbench process itself.
    """

    def __init__(
        self,
        command: str,
        *,
        coder: str,
        db: str,
        session: bytes | None = None,
        websocket: web.WebSocketResponse | None = None,
        lock_coder: bool = False,
        **kw,
    ) -> None:
        super().__init__(command, **kw)
        self.coder = coder
        self.db = db
        self.lock_coder = lock_coder  # a login: the workbench may not change its coder
        self.session = session  # the login it belongs to (its end ends the workbench)
        self.websocket = websocket

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width=width, height=height)
        for name in PRIVATE_ENV:
            env.pop(name, None)
        env["QUALCODE_DB"] = self.db
        env["QUALCODE_CODER"] = self.coder
        env.pop(CODER_LOCKED_ENV, None)
        if self.lock_coder:
            env[CODER_LOCKED_ENV] = "1"
        return env

    async def on_data(self, payload: bytes) -> None:
        """The workbench's output to the browser. When the connection is lost in the middle
        (aiohttp: ``ConnectionError("Connection lost")``), the relay ends as textual-serve
        ends it for a reset connection, instead of failing: :meth:`stop` ends the process."""
        try:
            await super().on_data(payload)
        except ConnectionError as error:
            raise ConnectionResetError(str(error)) from error

    async def on_meta(self, data: bytes) -> None:
        try:
            await super().on_meta(data)
        except ConnectionError as error:
            raise ConnectionResetError(str(error)) from error

    async def stop(self) -> None:
        """End the workbench however the connection ended: ask it to quit, kill it if it has
        not within :data:`QUIT_WAIT` seconds, end the relay of its output and close its pipes.
        Never raises, and may be called again (textual-serve's own ``stop`` re-raises a
        failed relay)."""
        relay, self._task = self._task, None
        process = self._process
        if relay is not None:
            with contextlib.suppress(Exception):
                await self._download_manager.cancel_app_downloads(
                    app_service_id=self.app_service_id
                )
            if self.running:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_WAIT)
        # its exit, not `process.wait()`: that also waits for the end of its output, which
        # nobody reads once the relay has ended (a workbench blocked writing to a lost tab)
        if not await self._ended(QUIT_WAIT):
            log.warning("the workbench of %s did not quit: killed", self.coder)
            self.kill()
            await self._ended(QUIT_WAIT)
        if relay is not None:
            try:
                await asyncio.wait_for(relay, QUIT_WAIT)
            except Exception as exc:  # the workbench has ended: say why the relay failed
                log.warning(
                    "the workbench of %s ended with an error: %s", self.coder, _one_line(exc)
                )
        if process is not None:  # the rest of its output, unread: the pipes close
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(stream.read(), QUIT_WAIT)

    async def _ended(self, seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.running and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return not self.running

    @property
    def running(self) -> bool:
        process = self._process
        return process is not None and process.returncode is None

    def kill(self) -> None:
        if self.running:
            assert self._process is not None
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()


class WorkbenchServer(Server):
    """textual-serve's server with a login in front (see :mod:`qualcode.web.auth`)."""

    def __init__(
        self,
        db_url: str,
        access: Access,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        project: str = "",
        announce: Callable[[str], None] = print,
        show_token: bool = False,
    ) -> None:
        command = shlex.join([sys.executable, "-m", "qualcode", "tui"])
        super().__init__(command, host=host, port=port, title="qualcode")
        self.db_url = db_url
        self.access = access
        self.project = project or "the project"
        self.announce = announce
        self.show_token = show_token  # the address with ?token=… (only to a terminal)
        self.services: set[CoderAppService] = set()
        self._endings: set[asyncio.Task] = set()
        access.on_end = self.end_sessions
        self._page = Template(files("qualcode.web").joinpath("workbench.html").read_text("utf-8"))

    # --- the aiohttp application ------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.access.middleware], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        app.on_response_prepare.append(_server_header)
        return app

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        from html import escape

        coder = request[CODER_KEY]
        logout = (  # a POST: no other site's link or image can log the coder out
            '<form method="post" action="logout"><button type="submit">Log out</button></form>'
            if self.access.mode in ("users", "token")
            else ""
        )
        body = self._page.substitute(
            title=escape(f"qualcode — {coder}"),
            icon="favicon.ico",
            static="static/",
            font_size=to_int(request.query.get("fontsize", "16"), 16),
            project=escape(self.project),
            coder=escape(coder),
            logout=logout,
        )
        return web.Response(
            text=body, content_type="text/html", headers={"Cache-Control": "no-store"}
        )

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A file a workbench delivers: only to the coder whose workbench made it."""
        try:
            meta = await self.download_manager.get_download_metadata(request.match_info["key"])
        except KeyError:
            raise web.HTTPNotFound(text="no such download") from None
        if getattr(meta.app_service, "coder", None) != request[CODER_KEY]:
            raise web.HTTPNotFound(text="no such download")
        return await super().handle_download(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's websocket handler, with the process run as the request's coder.
        Its place (one of :data:`MAX_PER_CODER`) and its process are released however the
        connection ends."""
        coder = request[CODER_KEY]
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        if not websocket.can_prepare(request).ok:
            log.warning("request for the websocket without a websocket handshake refused (400)")
            raise web.HTTPBadRequest(
                text="400: this address is the workbench's websocket; open the workbench "
                "at ./ in a browser\n"
            )
        if sum(s.coder == coder for s in self.services) >= MAX_PER_CODER:
            raise web.HTTPServiceUnavailable(
                text=f"{coder} has {MAX_PER_CODER} workbenches open: close one first\n"
            )
        session = request[SESSION_KEY]
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: CoderAppService | None = None
        try:
            await websocket.prepare(request)
            if session is not None and not self.access.sessions.alive(session):
                await websocket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"logged out")
                return websocket  # the login ended while the websocket opened
            service = CoderAppService(
                self.command,
                coder=coder,
                db=self.db_url,
                session=session,
                websocket=websocket,
                lock_coder=self.access.mode == "users",
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.services.add(service)
            log.info("workbench opened for %s", coder)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await websocket.close()
        except ConnectionError as error:  # the browser went away
            log.info("connection of %s lost: %s", coder, _one_line(error))
        except Exception as error:
            log.exception(error)
        finally:
            if service is not None:
                try:
                    await service.stop()
                finally:
                    service.kill()  # (only if it still runs: `stop` was interrupted)
                    self.services.discard(service)
                    log.info("workbench closed for %s", coder)
        return websocket

    async def _process_messages(  # type: ignore[override]
        self, websocket: web.WebSocketResponse, service: CoderAppService
    ) -> None:
        """The browser's messages to the workbench (textual-serve's, checked): a message that
        is not one the page sends closes the websocket with 1003 (unknown kind, wrong shape)
        or 1007 (not JSON) and one line in the log."""
        async for message in websocket:
            if message.type == WSMsgType.BINARY:
                problem = BadMessage(WSCloseCode.UNSUPPORTED_DATA, "a binary message")
            elif message.type != WSMsgType.TEXT:
                continue
            else:
                try:
                    await self._forward(websocket, service, message.data)
                    continue
                except BadMessage as bad:
                    problem = bad
            log.warning(
                "bad message on the websocket of %s (%s): closed (%d)",
                service.coder,
                problem.reason,
                problem.code,
            )
            await websocket.close(code=problem.code, message=problem.reason.encode()[:120])
            return

    async def _forward(
        self, websocket: web.WebSocketResponse, service: CoderAppService, text: str
    ) -> None:
        kind, data = parse_message(text)
        if kind == "stdin":
            await service.send_bytes(data.encode("utf-8"))
        elif kind == "resize":
            await service.set_terminal_size(data["width"], data["height"])
        elif kind == "ping":
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()

    def end_sessions(self, sessions: set[bytes], why: str) -> None:
        """End the workbenches of these sessions (a logout, a coder removed from the users
        file or with a new password, an expired session): their websockets are closed, the
        processes asked to quit and killed after :data:`QUIT_WAIT` seconds."""
        for service in [s for s in self.services if s.session in sessions]:
            log.info("workbench of %s ended (%s)", service.coder, why)
            task = asyncio.get_running_loop().create_task(self._end(service, why))
            self._endings.add(task)
            task.add_done_callback(self._endings.discard)

    async def _end(self, service: CoderAppService, why: str) -> None:
        if service.websocket is not None:
            with contextlib.suppress(Exception):
                await service.websocket.close(
                    code=WSCloseCode.POLICY_VIOLATION, message=why.encode()[:120]
                )
        deadline = asyncio.get_running_loop().time() + QUIT_WAIT
        while service.running and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        service.kill()

    async def on_shutdown(self, app: web.Application) -> None:
        """Ask every workbench to quit (each action is its own transaction: nothing is
        lost); kill those that do not within :data:`QUIT_WAIT` seconds."""
        services = [s for s in self.services if s.running]
        for service in services:
            with contextlib.suppress(Exception):
                await service.send_meta({"type": "quit"})
        deadline = asyncio.get_running_loop().time() + QUIT_WAIT
        while any(s.running for s in services):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        for service in services:
            service.kill()

    # --- running ----------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until SIGINT / SIGTERM (Ctrl+C)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%X")
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        _hide_server_software()
        app = await self._make_app()
        runner = web.AppRunner(
            app,
            handle_signals=False,
            shutdown_timeout=QUIT_WAIT + 1,
            logger=_QuietBadRequests(logging.getLogger("aiohttp.server")),
        )
        await runner.setup()
        watcher: asyncio.Task | None = None
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
            try:
                await site.start()
            except (OSError, socket.gaierror) as exc:
                raise _listen_error(self.host, self.port, exc) from None
            port = _bound_port(site) or self.port
            self.access.for_port(port)
            watcher = asyncio.get_running_loop().create_task(self.access.watch())
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            portable.on_stop(loop, stop.set)
            self.announce(self._address(port))
            await stop.wait()
            self.announce("qualcode serve: stopping (the open workbenches are closed)")
        finally:
            if watcher is not None:
                watcher.cancel()
            await runner.cleanup()

    def _address(self, port: int) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"http://{host}:{port}/"
        if self.access.mode == "token" and self.show_token:  # a terminal, never a log
            url += f"?token={self.access.token}"
        return f"qualcode serve: the workbench is at {url}"


class BadMessage(ValueError):
    """A websocket message the page never sends; ``code``: the websocket close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = int(code), reason


def parse_message(text: str) -> tuple[str, Any]:
    """``["stdin", "keys"]``, ``["resize", {"width": W, "height": H}]``, ``["ping", "…"]``,
    ``["blur"]``, ``["focus"]`` (textual.js) → (kind, data); anything else: :class:`BadMessage`."""
    try:
        envelope = json.loads(text)
    except ValueError:
        raise BadMessage(WSCloseCode.INVALID_TEXT, "not JSON") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise BadMessage(WSCloseCode.UNSUPPORTED_DATA, "not a [kind, data] list")
    kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind in ("stdin", "ping"):
        if not isinstance(data, str):
            raise BadMessage(WSCloseCode.UNSUPPORTED_DATA, f"{kind} without a text")
    elif kind == "resize":
        size = data if isinstance(data, dict) else {}
        if not all(_positive_int(size.get(k)) for k in ("width", "height")):
            raise BadMessage(WSCloseCode.UNSUPPORTED_DATA, "resize without a width and height")
    elif kind not in ("blur", "focus"):
        raise BadMessage(WSCloseCode.UNSUPPORTED_DATA, f"unknown kind {kind[:40]!r}")
    return kind, data


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:200]


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_HEADER


def _hide_server_software() -> None:
    """Also the answers aiohttp gives before a request reaches the application (a bad
    request line, a header too large) say "qualcode", not Python's and aiohttp's versions."""
    from aiohttp import web_response

    if hasattr(web_response, "SERVER_SOFTWARE"):
        web_response.SERVER_SOFTWARE = SERVER_HEADER  # type: ignore[attr-defined]


class _QuietBadRequests(logging.LoggerAdapter):
    """aiohttp's connection logger, without a traceback for a malformed request (a 20 kB
    cookie, a broken request line): one line instead; the client gets 400."""

    def exception(self, msg, *args, exc_info=True, **kw) -> None:  # type: ignore[override]
        if isinstance(exc_info, HttpProcessingError):
            reason = str(exc_info.message).split(":", 1)[0].strip()[:80] or type(exc_info).__name__
            self.warning("bad request refused (%d): %s", exc_info.code, reason)
            return
        super().exception(msg, *args, exc_info=exc_info, **kw)


def _bound_port(site: web.TCPSite) -> int | None:
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    for sock in sockets:
        return int(sock.getsockname()[1])
    return None


def _listen_error(host: str, port: int, exc: OSError) -> InvalidInput:
    code = getattr(exc, "errno", None)
    if code == errno.EADDRINUSE:
        return InvalidInput(
            f"port {port} on {host} is already in use", "choose another with --port (e.g. 8001)"
        )
    if code == errno.EACCES:
        return InvalidInput(
            f"no permission to listen on port {port}",
            "choose a port above 1023, or put a reverse proxy in front (documentation: Teams, the browser)",
        )
    return InvalidInput(
        f"cannot listen on {host}:{port} ({exc.strerror or exc})",
        "check --host: an address of this machine, or 127.0.0.1",
    )


def sqlite_notice(db_url: str) -> str | None:
    from qualcode.config import sqlite_path

    if sqlite_path(db_url) is None:
        return None
    return (
        "note: a SQLite project is for one machine — every browser works on this server's "
        "file; for a team use PostgreSQL (documentation: Teams, the browser)"
    )


def env_token() -> str | None:
    return os.environ.get("QUALCODE_SERVE_TOKEN") or None
