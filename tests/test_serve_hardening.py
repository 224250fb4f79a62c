"""`qualcode serve` against a coder who tries more than coding, and against connections
that end badly: the coder of a login is fixed, forwarded headers count only from a proxy
on this machine, a dropped websocket frees its place and ends its workbench, malformed
websocket traffic is refused in one log line, logging out needs this server's page, and a
new login ends the browser's former session."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time
from pathlib import Path
from unittest import mock

import pytest
from conftest import WAIT_LIMIT, wait_for, wait_until
from serving import RawWebSocket, Server

pytest.importorskip("textual_serve")
pytest.importorskip("argon2")

from qualcode.web import users  # noqa: E402

PASSWORD = "geheim-123"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    users.add_user(path, "anna", PASSWORD)
    users.add_user(path, "ben", "ben-secret")
    return path


def _children(server: Server) -> list[int]:
    """The server's child processes (its workbenches)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server.proc.pid:
            found.append(int(entry))
    return found


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode("utf-8", "replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def _tracebacks(server: Server) -> list[str]:
    """The server's own tracebacks (a workbench's, relayed from its stderr, are drawn in a
    box: one that quits in the middle of its first paint may print one)."""
    lines = server.output.splitlines()
    return [x for x in lines if x.startswith("Traceback") or "Error handling request" in x]


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


# --- 1. the coder of a login is the login ----------------------------------------------------


@pytest.fixture
def settings(monkeypatch, tmp_path: Path) -> Path:
    """A fresh settings folder of the server's OS account; its coders.json."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "qualcode" / "coders.json"


def test_a_locked_workbench_neither_offers_nor_takes_another_coder(
    demo_db: str, settings: Path, monkeypatch
) -> None:
    from conftest import rows

    from qualcode.database import make_engine
    from qualcode.tui.app import CODER_LOCKED_ENV, QualcodeApp
    from qualcode.tui.screens.coder import CoderScreen

    monkeypatch.setenv(CODER_LOCKED_ENV, "1")  # as `qualcode serve --users` starts it
    app = QualcodeApp(
        make_engine(demo_db), "ben", db_label="demo.sqlite", suggestions=False, project_url=demo_db
    )
    before = rows(demo_db, "SELECT count(*) FROM audit_entry")

    async def run() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(pilot, lambda: app.screen.query("#status"), "the coding screen")
            (command,) = [
                c
                for c in app.get_system_commands(app.screen)
                if c.title.startswith("Who is coding")
            ]
            assert command.title == "Who is coding? (the login)"
            assert "'ben', the name you logged in with" in command.help
            command.callback()
            app.ask_coder(False)
            app._coder_chosen(False, "anna")  # a dialog's answer cannot change it either
            await pilot.pause()
            assert not isinstance(app.screen, CoderScreen)
            messages = [n.message for n in app._notifications]
            assert messages and all(
                m == "you code as 'ben', the name you logged in with: "
                "log out and log in as another coder to code under another name"
                for m in messages
            )
            assert app.coder == "ben" and "coder ben" in app.sub_title

    asyncio.run(run())
    assert not settings.exists()  # the server's OS account's settings are not written
    assert rows(demo_db, "SELECT count(*) FROM audit_entry") == before


def test_an_unlocked_workbench_still_offers_the_coder_dialog(
    demo_db: str, settings: Path, monkeypatch
) -> None:
    from qualcode.database import make_engine
    from qualcode.tui.app import CODER_LOCKED_ENV, QualcodeApp

    monkeypatch.delenv(CODER_LOCKED_ENV, raising=False)
    app = QualcodeApp(make_engine(demo_db), "ben", suggestions=False, project_url=demo_db)
    titles = [c.title for c in app.get_system_commands(mock.Mock())]
    assert "Who is coding? (change the coder)" in titles and not app.coder_locked


def test_the_server_locks_the_coder_of_a_login_only() -> None:
    from textual_serve.download_manager import DownloadManager

    from qualcode.tui.app import CODER_LOCKED_ENV
    from qualcode.web.server import CODER_LOCKED_ENV as SERVER_NAME
    from qualcode.web.server import CoderAppService

    assert SERVER_NAME == CODER_LOCKED_ENV

    async def nothing(*_a) -> None:
        return None

    def env(lock: bool) -> dict[str, str]:
        service = CoderAppService(
            "true",
            coder="anna",
            db="sqlite:////srv/p.sqlite",
            lock_coder=lock,
            write_bytes=nothing,
            write_str=nothing,
            close=nothing,
            download_manager=DownloadManager(),
        )
        return service._build_environment(80, 24)

    with mock.patch.dict(os.environ, {CODER_LOCKED_ENV: "1"}):
        assert env(True)[CODER_LOCKED_ENV] == "1"
        assert CODER_LOCKED_ENV not in env(False)  # not inherited from the server's shell


@needs_proc
def test_a_users_server_starts_the_workbench_with_the_coder_locked(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        cookie = server.login("ben", "ben-secret").cookie
        tab = RawWebSocket(server, cookie)
        try:
            tab.wait_for_data()
            (pid,) = _children(server)
            env = _environ(pid)
            assert env["QUALCODE_CODER"] == "ben" and env["QUALCODE_CODER_LOCKED"] == "1"
        finally:
            tab.close()


# --- 2. X-Forwarded-* only from a proxy on this machine --------------------------------------


def _request(peer: str, headers: dict[str, str]):
    from aiohttp.test_utils import make_mocked_request

    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default
    )
    return make_mocked_request("POST", "/login", headers=headers, transport=transport)


def test_forwarded_headers_count_only_from_a_loopback_peer() -> None:
    from qualcode.web.auth import Access

    access = Access("users", behind_proxy=True)
    forged = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    # a client that reaches the server directly: its own address, whatever it claims
    direct = _request("203.0.113.9", forged)
    assert access.client(direct) == "203.0.113.9"
    assert access.secure(direct) is False
    # the reverse proxy on this machine: the address it saw, the scheme it spoke
    for proxy in ("127.0.0.1", "::1"):
        assert access.client(_request(proxy, forged)) == "198.51.100.7"
        assert access.secure(_request(proxy, forged)) is True
    # without --behind-proxy the headers never count
    assert Access("users").client(_request("127.0.0.1", forged)) == "127.0.0.1"


# --- 3. a dropped websocket ------------------------------------------------------------------


def _handshake(server: Server, cookie: str, size: int) -> bytes:
    return (
        f"GET /ws?width={size}&height={size} HTTP/1.1\r\n"
        f"Host: {server.host}:{server.port}\r\n"
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: {cookie}\r\n\r\n"
    ).encode()


def _send_queue(server: Server, client_port: int) -> int:
    """Bytes the kernel holds for the server's connection to ``client_port``, unsent."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(f.split(":")[1], 16) for f in fields[1:3])
        if (local, remote) == (server.port, client_port):
            return int(fields[4].split(":")[0], 16)
    return 0


@needs_proc
def test_a_websocket_dropped_while_the_workbench_draws_frees_its_place(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        cookie = server.login("anna", PASSWORD).cookie
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # never read: it fills
        sock.settimeout(WAIT_LIMIT)
        sock.connect((server.host, server.port))
        sock.sendall(_handshake(server, cookie, 1000))  # a huge screen: a long first paint
        head = sock.recv(12)
        assert head == b"HTTP/1.1 101", head
        port = sock.getsockname()[1]
        seen: list[tuple[float, int]] = []

        def stuck() -> bool:  # the kernel takes no more: the server waits for the tab to read
            now, queued = time.monotonic(), _send_queue(server, port)
            seen.append((now, queued))
            before = [q for t, q in seen if now - t >= 0.5]
            return queued >= 1_000_000 and bool(before) and before[-1] == queued

        wait_for(stuck, "the server's queue for the tab to be full")
        server.wait_output("workbench opened for anna")
        assert _children(server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset, as a browser tab that crashed or a network that failed
        server.wait_output("workbench closed for anna")  # its place among the 8 is free
        wait_for(lambda: not _children(server), "the workbench process to end")
        # and anna opens another one
        tab = RawWebSocket(server, cookie)
        try:
            assert tab.status == 101
            tab.wait_for_data()
        finally:
            tab.close()
    assert not _tracebacks(server)
    assert "Connection lost" not in server.output and "ended with an error" not in server.output


# --- 4. malformed websocket traffic ------------------------------------------------------------


def test_a_websocket_request_without_the_handshake_gets_400(demo_db: str, users_file: Path) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        cookie = server.login("anna", PASSWORD).cookie
        reply = server.request("GET", "/ws", headers={"Cookie": cookie})
        assert reply.status == 400
        assert reply.text == (
            "400: this address is the workbench's websocket; open the workbench at ./ "
            "in a browser\n"
        )
        server.wait_output("request for the websocket without a websocket handshake refused")
    assert not _tracebacks(server)
    assert server.output.count("without a websocket handshake") == 1


def test_bad_websocket_messages_close_it_with_1003_or_1007(demo_db: str, users_file: Path) -> None:
    cases = [
        (0x1, b"not json", 1007, "not JSON"),
        (0x1, b'{"a":1}', 1003, "not a [kind, data] list"),
        (0x1, b'["resize", {}]', 1003, "resize without a width and height"),
        (0x1, b'["stdin", 5]', 1003, "stdin without a text"),
        (0x1, b'["launch", "x"]', 1003, "unknown kind 'launch'"),
        (0x2, b"\x00\x01", 1003, "a binary message"),
    ]
    with Server(demo_db, "--users", str(users_file)) as server:
        cookie = server.login("anna", PASSWORD).cookie
        for opcode, payload, code, reason in cases:
            tab = RawWebSocket(server, cookie)
            try:
                tab.wait_for_data()
                tab._send(0x1, b'["stdin", "j"]')  # a good message first: it stays open
                tab._send(opcode, payload)
                frame = tab.wait(lambda op: op == 8, f"the close after {payload!r}")
                assert frame is not None, payload
                assert int.from_bytes(frame[1][:2], "big") == code, payload
                assert frame[1][2:].decode() == reason
            finally:
                tab.close()
            line = f"bad message on the websocket of anna ({reason}): closed ({code})"
            server.wait_output(line)
        wait_for(
            lambda: server.output.count("workbench closed for anna") == len(cases),
            "every workbench closed",
        )
    assert not _tracebacks(server)
    assert server.output.count("bad message on the websocket") == len(cases)


# --- 5. logging out ----------------------------------------------------------------------------


def test_logout_is_a_post_of_this_servers_page(demo_db: str, users_file: Path) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        cookie = server.login("anna", PASSWORD).cookie
        page = server.request("GET", "/", headers={"Cookie": cookie})
        assert '<form method="post" action="logout"><button type="submit">Log out</button>' in (
            page.text
        )
        assert 'href="logout"' not in page.text

        def alive() -> bool:
            return server.request("GET", "/", headers={"Cookie": cookie}).is_workbench

        # another site's form, link or image cannot log anna out
        reply = server.request(
            "POST", "/logout", headers={"Cookie": cookie, "Origin": "http://evil.example"}
        )
        assert reply.status == 403 and alive()
        for site in ("cross-site", "same-site"):
            reply = server.request(
                "GET", "/logout", headers={"Cookie": cookie, "Sec-Fetch-Site": site}
            )
            assert reply.status == 403 and reply.text == "403: cross-site request refused\n"
            assert alive()
        # the page's button
        origin = server.base.rstrip("/")
        reply = server.request(
            "POST",
            "/logout",
            headers={"Cookie": cookie, "Origin": origin, "Sec-Fetch-Site": "same-origin"},
        )
        assert reply.status == 303 and reply.headers["location"] == "login"
        assert not alive()
        # typed into the address bar (Sec-Fetch-Site: none) still logs out
        again = server.login("anna", PASSWORD).cookie
        reply = server.request(
            "GET", "/logout", headers={"Cookie": again, "Sec-Fetch-Site": "none"}
        )
        assert reply.status == 303
        assert server.request("GET", "/", headers={"Cookie": again}).status == 401
    assert server.output.count("cross-site logout refused") == 2


# --- 6. a new login ends the former session -----------------------------------------------------


def test_a_new_login_ends_the_session_of_the_cookie_it_brings(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        first = server.login("anna", PASSWORD).cookie
        elsewhere = server.login("anna", PASSWORD).cookie  # anna on another computer
        tab = RawWebSocket(server, first)
        try:
            tab.wait_for_data()
            # ben logs in in the same browser: anna's session there ends, with its workbench
            reply = server.login("ben", "ben-secret", headers={"Cookie": first})
            assert reply.status == 303 and reply.cookie and reply.cookie != first
            frame = tab.wait(lambda op: op == 8, "anna's workbench to be closed")
            assert frame is None or b"logged in again" in frame[1]
            assert server.request("GET", "/", headers={"Cookie": first}).status == 401
            page = server.request("GET", "/", headers={"Cookie": reply.cookie})
            assert page.is_workbench and "ben" in page.text
            # the other computer's session is not the browser's: it goes on
            assert server.request("GET", "/", headers={"Cookie": elsewhere}).is_workbench
            # a failed login ends nothing
            assert (
                server.login("ben", "wrong-password", headers={"Cookie": reply.cookie}).status
                == 401
            )
            assert server.request("GET", "/", headers={"Cookie": reply.cookie}).is_workbench
        finally:
            tab.close()
        server.wait_output("workbench of anna ended (logged in again)")
