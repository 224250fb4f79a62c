"""Who is at the other end of a browser connection: logins, sessions, the rate limit.

Three modes (:class:`Access`):

- ``open``: the server listens on the loopback interface only and every connection is
  the coder who started it (``--coder`` / ``$QUALCODE_CODER`` / login name). Requests must
  name a loopback host (no DNS rebinding) and come from the page itself (no other site's
  script opening the websocket).
- ``users``: coders log in with the name and password of ``users.toml``.
- ``token``: one secret token (printed at start, or ``$QUALCODE_SERVE_TOKEN``); the
  coder is the one who started the server.

Without a valid session cookie every request — the page, the websocket, the static
files, downloads — gets the login page with status 401, nothing else. Every login attempt
is counted *before* its secret is checked, per client address and (``users`` mode) per
name; a successful one is forgiven afterwards. After :data:`FAILED_LOGINS` per address
(:data:`FAILED_PER_NAME` per name) within :data:`WINDOW` seconds the next attempts get 429
until the window has passed, however many arrive at once. At most :data:`HASH_SLOTS`
argon2 checks run at the same time (:data:`HASH_QUEUE` more may wait; beyond that 503 at
once), so that a burst costs the attacker and not the colleagues logging in. Secrets are
compared in constant time: argon2 for passwords, :func:`hmac.compare_digest` for the
token, and sessions are looked up by the SHA-256 of their cookie.

In ``users`` mode the users file is re-read when it changes (its inode, size and mtime
are compared on every request and every second): a coder who was removed, or whose
password changed, loses their sessions, and their open workbenches are ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import ipaddress
import logging
import os
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from qualcode.errors import QualcodeError
from qualcode.web import users as users_file

log = logging.getLogger("qualcode.serve")

COOKIE = "qualcode_session"  # the session cookie's name; a server adds its port (one per instance)
SESSION_TTL = 12 * 3600.0  # seconds: a working day, then log in again
FAILED_LOGINS = 5  # failed logins per client address …
FAILED_PER_NAME = 10  # … and per coder name (from any address) …
WINDOW = 60.0  # … within this many seconds; then 429 until the window has passed
HASH_SLOTS = 2  # argon2 checks at once (each takes ~0.1 s of a core and 64 MiB)
HASH_QUEUE = 8  # logins that may wait for a slot; more get 503 at once
MAX_CLIENTS = 10_000  # addresses remembered by the rate limiter (the oldest are dropped)
MIN_TOKEN = 16  # characters of a token given in $QUALCODE_SERVE_TOKEN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A request's authenticated coder name, set by the middleware (never taken from the client).
CODER_KEY = "qualcode_coder"
# The SHA-256 of the request's session cookie (None in open mode), set by the middleware.
SESSION_KEY = "qualcode_session"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """Attempts per key (a client address, a name) in a sliding window.

    A login records its attempt before the secret is checked (:meth:`attempt`) and takes
    it back when it succeeded (:meth:`forgive`): parallel requests see each other's
    attempts, so no burst gets past the limit."""

    def __init__(
        self,
        limit: int = FAILED_LOGINS,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None if it may try now."""
        times = self._recent(key)
        if len(times) < self.limit:
            return None
        return max(self.window - (self.clock() - times[0]), 1.0)

    def attempt(self, key: str) -> float:
        """Count an attempt for ``key``; the returned stamp lets :meth:`forgive` take it back."""
        times = self._recent(key)
        stamp = self.clock()
        times.append(stamp)
        self._failures[key] = times
        if len(self._failures) > MAX_CLIENTS:
            del self._failures[next(iter(self._failures))]
        return stamp

    failed = attempt

    def forgive(self, key: str, stamp: float) -> None:
        times = self._failures.get(key)
        if times is not None:
            with contextlib.suppress(ValueError):
                times.remove(stamp)
            if not times:
                del self._failures[key]


@dataclass
class Sessions:
    """Logged-in browsers: SHA-256 of the cookie → (coder, expiry). In memory: a restart
    of the server logs everyone out."""

    ttl: float = SESSION_TTL
    clock: Callable[[], float] = time.monotonic
    _by_digest: dict[bytes, tuple[str, float]] = field(default_factory=dict)

    @staticmethod
    def _digest(cookie: str) -> bytes:
        return hashlib.sha256(cookie.encode("utf-8", "replace")).digest()

    def create(self, coder: str) -> str:
        self.expire()
        cookie = secrets.token_urlsafe(32)
        self._by_digest[self._digest(cookie)] = (coder, self.clock() + self.ttl)
        return cookie

    def lookup(self, cookie: str | None) -> tuple[str, bytes] | None:
        """(coder, the session's digest) for a valid cookie, else None."""
        if not cookie:
            return None
        digest = self._digest(cookie)
        entry = self._by_digest.get(digest)
        if entry is None:
            return None
        coder, until = entry
        if until <= self.clock():
            del self._by_digest[digest]
            return None
        return coder, digest

    def coder(self, cookie: str | None) -> str | None:
        found = self.lookup(cookie)
        return found[0] if found else None

    def alive(self, digest: bytes | None) -> bool:
        entry = self._by_digest.get(digest) if digest is not None else None
        return entry is not None and entry[1] > self.clock()

    def drop(self, cookie: str | None) -> bytes | None:
        """End the session of ``cookie``; its digest if there was one."""
        if not cookie:
            return None
        digest = self._digest(cookie)
        return digest if self._by_digest.pop(digest, None) is not None else None

    def end_coder(self, coder: str) -> set[bytes]:
        """End every session of ``coder``; their digests."""
        ended = {k for k, (who, _) in self._by_digest.items() if who == coder}
        for key in ended:
            del self._by_digest[key]
        return ended

    def expire(self) -> set[bytes]:
        """Drop the sessions whose time is up; their digests."""
        now = self.clock()
        ended = {k for k, (_, until) in self._by_digest.items() if until <= now}
        for key in ended:
            del self._by_digest[key]
        return ended


@dataclass
class Access:
    """How connections are authenticated; see the module docstring."""

    mode: str  # "open" | "users" | "token"
    coder: str = ""  # the coder in "open" and "token" mode
    users: dict[str, str] = field(default_factory=dict)  # "users" mode: name → argon2 hash
    token: str = ""  # "token" mode
    behind_proxy: bool = False  # trust X-Forwarded-For/-Proto (from a reverse proxy on this host)
    users_path: Path | None = None  # "users" mode: the file, re-read when it changes
    limiter: RateLimiter = field(default_factory=RateLimiter)
    name_limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter(limit=FAILED_PER_NAME, window=WINDOW)
    )
    sessions: Sessions = field(default_factory=Sessions)
    cookie: str = COOKIE  # the cookie's name (the server makes it its own: see `for_port`)
    # called with the digests of sessions that ended (logout, a removed coder, expiry)
    on_end: Callable[[set[bytes], str], None] | None = None

    def __post_init__(self) -> None:
        self._token_digest = hashlib.sha256(self.token.encode()).digest()
        self._stamp: tuple[int, ...] | None = None
        self._hashing = 0  # argon2 checks running or waiting
        self._slots: asyncio.Semaphore | None = None
        if self.users_path is not None:
            self._stamp = _stamp(self.users_path)

    def for_port(self, port: int) -> None:
        """Name the session cookie after the server's port: browsers send a host's cookies
        to every port of it, so two servers on one host must not share one name."""
        self.cookie = f"{COOKIE}_{port}"

    # --- checks -----------------------------------------------------------------------------

    def check_token(self, given: str) -> str | None:
        """The coder if ``given`` is the token (constant-time comparison), else None."""
        if self.mode != "token" or not given:
            return None
        digest = hashlib.sha256(given.encode("utf-8", "replace")).digest()
        return self.coder if hmac.compare_digest(digest, self._token_digest) else None

    def check_password(self, name: str, password: str) -> str | None:
        if self.mode != "users":
            return None
        return users_file.verify(self.users, name, password)

    def from_proxy(self, request: web.Request) -> bool:
        """``--behind-proxy`` and the request came from the proxy on this machine (a loopback
        peer): only then are its X-Forwarded-* headers believed. A client that reaches the
        server directly (``--host`` another address) is its own address, whatever it sends."""
        return self.behind_proxy and is_loopback(request.remote or "")

    def client(self, request: web.Request) -> str:
        """The client's address (the rate limiter's key)."""
        if self.from_proxy(request):
            forwarded = request.headers.get("X-Forwarded-For", "")
            last = forwarded.split(",")[-1].strip()  # the address the proxy itself saw
            if last:
                return last
        return request.remote or "?"

    def secure(self, request: web.Request) -> bool:
        if self.from_proxy(request):
            return request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        return request.secure

    # --- the users file and the sessions' end -----------------------------------------------

    def refresh(self) -> None:
        """Re-read the users file if it changed (inode, size, mtime); end the sessions of
        the coders it no longer names and of those whose password changed. A file that
        cannot be read or used is logged, and the coders stay as they were."""
        if self.users_path is None:
            return
        stamp = _stamp(self.users_path)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            problem = users_file.check_permissions(self.users_path)
            new = users_file.load_users(self.users_path)
        except QualcodeError as exc:
            log.error(
                "the users file changed but cannot be used: %s (the coders stay as they were)",
                exc.message,
            )
            return
        if problem:
            log.warning("%s", problem)
        changed = sorted(n for n, h in self.users.items() if n in new and new[n] != h)
        removed = sorted(n for n in self.users if n not in new)
        added = sorted(n for n in new if n not in self.users)
        self.users = new
        log.info(
            "users file re-read: %d coder%s%s%s%s",
            len(new),
            "" if len(new) == 1 else "s",
            f"; added {', '.join(added)}" if added else "",
            f"; removed {', '.join(removed)}" if removed else "",
            f"; new password for {', '.join(changed)}" if changed else "",
        )
        for name in removed + changed:
            ended = self.sessions.end_coder(name)
            if ended:
                why = "removed from the users file" if name in removed else "new password"
                log.info("sessions of %s ended (%s)", name, why)
                self.end(ended, why)

    def end(self, digests: set[bytes], why: str) -> None:
        if digests and self.on_end is not None:
            self.on_end(digests, why)

    async def watch(self, every: float = 1.0) -> None:
        """Every ``every`` seconds: re-read a changed users file, end expired sessions."""
        while True:
            await asyncio.sleep(every)
            try:
                self.refresh()
                self.end(self.sessions.expire(), "the session expired")
            except Exception:  # keep watching, whatever happened
                log.exception("checking the users file and the sessions failed")

    # --- the middleware ---------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await self._dispatch(request, handler)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    async def _dispatch(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/favicon.ico":  # the browser asks before anyone logged in
            return favicon()
        if not _same_origin(request):  # another site's script must not drive the workbench
            return web.Response(status=403, text="403: cross-site request refused\n")
        if self.mode == "open":
            if not is_loopback(_host_name(request.host)):
                return web.Response(
                    status=403, text="403: this server answers to localhost / 127.0.0.1 only\n"
                )
            request[CODER_KEY] = self.coder
            request[SESSION_KEY] = None
            return await handler(request)
        self.refresh()
        if request.path == "/login":
            if request.method == "POST":
                return await self.login(request)
            return self.login_page(request, status=200)
        if request.path == "/logout":
            return self.logout(request)
        found = self.sessions.lookup(request.cookies.get(self.cookie))
        if found is None and self.mode == "token" and "token" in request.query:
            return await self._token_in_url(request)
        if found is None:
            return self.login_page(request, status=401)
        request[CODER_KEY], request[SESSION_KEY] = found
        return await handler(request)

    def logout(self, request: web.Request) -> web.StreamResponse:
        """End the session (and its workbenches). The page logs out with a POST, which the
        Origin check above keeps to this server's pages; a GET (a bookmark, the address bar,
        curl) is refused when the browser says another site sent it (``Sec-Fetch-Site``)."""
        if _cross_site(request):
            log.warning("cross-site logout refused (from %s)", self.client(request))
            return web.Response(status=403, text="403: cross-site request refused\n")
        ended = self.sessions.drop(request.cookies.get(self.cookie))
        if ended is not None:
            self.end({ended}, "logged out")
        response = _redirect(_relative(request, "login"))
        response.del_cookie(self.cookie, path="")  # no Path: the prefix's (see _logged_in)
        return response

    async def _token_in_url(self, request: web.Request) -> web.StreamResponse:
        """``/?token=…``: log in, then drop the token from the address bar."""
        return await self._attempt(request, "", request.query.get("token", ""))

    async def login(self, request: web.Request) -> web.StreamResponse:
        client = self.client(request)
        wait = self.limiter.retry_after(client)
        if wait is not None:
            return self._too_many(request, wait)
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            log.warning("login form too large (refused unread) from %s", client)
            return self.login_page(request, status=413, error="the form is too large")
        except Exception:  # malformed
            log.warning("unreadable login form from %s", client)
            return self.login_page(request, status=400, error="the form could not be read")
        name = str(form.get("name", ""))[:200]
        secret = str(form.get("token" if self.mode == "token" else "password", ""))
        return await self._attempt(request, name, secret)

    async def _attempt(self, request: web.Request, name: str, secret: str) -> web.StreamResponse:
        """Check one login: counted before the check, forgiven if it succeeds."""
        client = self.client(request)
        limits = [(self.limiter, client)]
        if self.mode == "users":
            limits.append((self.name_limiter, name.strip().casefold()))
        waits = [w for limiter, key in limits if (w := limiter.retry_after(key)) is not None]
        if waits:
            return self._too_many(request, max(waits))
        counted = [(limiter, key, limiter.attempt(key)) for limiter, key in limits]
        if self.mode == "token":
            coder = self.check_token(secret)
        else:
            if self._hashing >= HASH_SLOTS + HASH_QUEUE:  # refuse at once, without a hash
                for limiter, key, stamp in counted:
                    limiter.forgive(key, stamp)
                log.warning(
                    "login from %s refused: %d logins are being checked", client, self._hashing
                )
                return self._busy(request)
            coder = await self._check_password(name, secret)
        if coder is None:
            who = "(token)" if self.mode == "token" else repr(name)
            log.warning("failed login for %s from %s", who, client)
            error = "wrong token" if self.mode == "token" else "wrong name or password"
            return self.login_page(request, status=401, error=error, name=name)
        for limiter, key, stamp in counted:
            limiter.forgive(key, stamp)
        log.info("login: %s from %s", coder, client)
        return self._logged_in(request, coder)

    async def _check_password(self, name: str, password: str) -> str | None:
        """argon2 takes ~0.1 s of CPU: in a thread, at most :data:`HASH_SLOTS` at once. The
        hash checked must still be the coder's afterwards (the file may change meanwhile)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(HASH_SLOTS)
        users = self.users
        self._hashing += 1
        try:
            async with self._slots:
                coder = await asyncio.get_running_loop().run_in_executor(
                    None, users_file.verify, users, name, password
                )
        finally:
            self._hashing -= 1
        if coder is not None and self.users.get(coder) != users.get(coder):
            return None
        return coder

    def _logged_in(self, request: web.Request, coder: str) -> web.StreamResponse:
        # A login replaces the browser's session: the one its cookie named (a former login,
        # maybe of another coder) ends here, with its workbenches.
        previous = self.sessions.drop(request.cookies.get(self.cookie))
        if previous is not None:
            self.end({previous}, "logged in again")
        response = _redirect(_relative(request, ""))
        # No Path attribute: the browser scopes the cookie to the folder of the login's
        # address — "/" at the root, "/qualcode" behind a proxy's /qualcode/ prefix — so two
        # workbenches under two prefixes of one host keep their own sessions.
        response.set_cookie(
            self.cookie,
            self.sessions.create(coder),
            max_age=int(self.sessions.ttl),
            path="",
            httponly=True,
            samesite="Lax",
            secure=self.secure(request),
        )
        return response

    def _too_many(self, request: web.Request, wait: float) -> web.Response:
        seconds = int(wait + 0.999)
        response = self.login_page(
            request,
            status=429,
            error=f"too many failed logins: try again in {seconds} s",
        )
        response.headers["Retry-After"] = str(seconds)
        return response

    def _busy(self, request: web.Request) -> web.Response:
        response = self.login_page(
            request, status=503, error="the server is busy checking logins: try again"
        )
        response.headers["Retry-After"] = "1"
        return response

    def login_page(
        self, request: web.Request, *, status: int, error: str = "", name: str = ""
    ) -> web.Response:
        fields = (
            '<label>Token <input name="token" type="password" autocomplete="current-password" '
            "autofocus required></label>"
            if self.mode == "token"
            else f'<label>Coder <input name="name" value="{html.escape(name)}" '
            f'autocomplete="username" required{"" if name else " autofocus"}></label>'
            '<label>Password <input name="password" type="password" '
            f'autocomplete="current-password" required{" autofocus" if name else ""}></label>'
        )
        message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        action = html.escape(_relative(request, "login"))
        icon = html.escape(_relative(request, "favicon.ico"))
        body = LOGIN_PAGE.format(fields=fields, message=message, action=action, icon=icon)
        response = web.Response(status=status, text=body, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What tells a changed file: device, inode (an atomic rewrite), size, mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)


def _icon() -> bytes:
    """A 16×16 icon (a white "q" on the workbench's purple), as an .ico holding a PNG."""
    import struct
    import zlib

    rows = [
        "................",
        "................",
        "................",
        "................",
        ".....######.....",
        "....##....##....",
        "....##....##....",
        "....##....##....",
        "....##....##....",
        ".....#######....",
        "..........##....",
        "..........##....",
        "..........###...",
        "................",
        "................",
        "................",
    ]
    purple, white = bytes((0x5E, 0x0B, 0xA7, 0xFF)), bytes((0xFF, 0xFF, 0xFF, 0xFF))
    raw = b"".join(b"\0" + b"".join(white if c == "#" else purple for c in r) for r in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    header = struct.pack("<HHH", 0, 1, 1) + struct.pack(
        "<BBBBHHII", 16, 16, 0, 0, 1, 32, len(png), 22
    )
    return header + png


_ICON: list[bytes] = []


def favicon() -> web.Response:
    if not _ICON:
        _ICON.append(_icon())
    return web.Response(
        body=_ICON[0],
        content_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def _relative(request: web.Request, target: str) -> str:
    """``target`` (a path at the server's root) relative to the requested path, so that the
    links still work when a reverse proxy serves the workbench under a prefix."""
    depth = request.path.count("/") - 1
    return ("../" * depth + target) or "./"


def _host_name(host: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``::1``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(request: web.Request) -> bool:
    """A request that names an Origin (a browser's websocket, a form post) comes from a page
    of this server. Requests without one (a top-level page load, curl) pass."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == request.host.lower()


def _cross_site(request: web.Request) -> bool:
    """The browser says another site (or another port of this host) sent the request."""
    return request.headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site")


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qualcode — log in</title>
<link rel="icon" href="{icon}">
<style>
  body {{ background: #0c181f; color: #e6edf3; font-family: system-ui, sans-serif;
         display: flex; align-items: center; justify-content: center; height: 100vh; margin: 0; }}
  form {{ background: #12232d; padding: 2em 2.5em; border-radius: 6px; min-width: 18em; }}
  h1 {{ font-size: 1.3em; margin: 0 0 1em; }}
  label {{ display: block; margin: 0.8em 0; }}
  input {{ display: block; width: 100%; box-sizing: border-box; margin-top: 0.3em;
          padding: 0.5em; font-size: 1em; }}
  button {{ margin-top: 1em; padding: 0.6em 2em; font-size: 1em; background: #5e0ba7;
           color: #fff; border: none; cursor: pointer; }}
  .error {{ color: #ff8a80; }}
</style>
</head>
<body>
<form method="post" action="{action}">
<h1>qualcode — log in</h1>
{message}
{fields}
<button type="submit">Log in</button>
</form>
</body>
</html>
"""
