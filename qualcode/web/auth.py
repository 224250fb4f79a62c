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
files, downloads — gets the login page with status 401, nothing else. Failed logins are
counted per client address: after :data:`FAILED_LOGINS` within :data:`WINDOW` seconds the
next attempts get 429 until the window has passed. Secrets are compared in constant time:
argon2 for passwords, :func:`hmac.compare_digest` for the token, and sessions are looked
up by the SHA-256 of their cookie.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import ipaddress
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

from qualcode.web import users as users_file

log = logging.getLogger("qualcode.serve")

COOKIE = "qualcode_session"
SESSION_TTL = 12 * 3600.0  # seconds: a working day, then log in again
FAILED_LOGINS = 5  # failed logins per client address …
WINDOW = 60.0  # … within this many seconds; then 429 until the window has passed
MAX_CLIENTS = 10_000  # addresses remembered by the rate limiter (the oldest are dropped)
MIN_TOKEN = 16  # characters of a token given in $QUALCODE_SERVE_TOKEN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A request's authenticated coder name, set by the middleware (never taken from the client).
CODER_KEY = "qualcode_coder"


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
    """Failed attempts per key (client address) in a sliding window."""

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

    def failed(self, key: str) -> None:
        times = self._recent(key)
        times.append(self.clock())
        self._failures[key] = times
        if len(self._failures) > MAX_CLIENTS:
            del self._failures[next(iter(self._failures))]


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
        now = self.clock()
        for key in [k for k, (_, until) in self._by_digest.items() if until <= now]:
            del self._by_digest[key]
        cookie = secrets.token_urlsafe(32)
        self._by_digest[self._digest(cookie)] = (coder, now + self.ttl)
        return cookie

    def coder(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        entry = self._by_digest.get(self._digest(cookie))
        if entry is None:
            return None
        coder, until = entry
        if until <= self.clock():
            del self._by_digest[self._digest(cookie)]
            return None
        return coder

    def drop(self, cookie: str | None) -> None:
        if cookie:
            self._by_digest.pop(self._digest(cookie), None)


@dataclass
class Access:
    """How connections are authenticated; see the module docstring."""

    mode: str  # "open" | "users" | "token"
    coder: str = ""  # the coder in "open" and "token" mode
    users: dict[str, str] = field(default_factory=dict)  # "users" mode: name → argon2 hash
    token: str = ""  # "token" mode
    behind_proxy: bool = False  # trust X-Forwarded-For/-Proto (from a reverse proxy on this host)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sessions: Sessions = field(default_factory=Sessions)

    def __post_init__(self) -> None:
        self._token_digest = hashlib.sha256(self.token.encode()).digest()

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

    def client(self, request: web.Request) -> str:
        """The client's address (the rate limiter's key)."""
        if self.behind_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "")
            last = forwarded.split(",")[-1].strip()  # the address the proxy itself saw
            if last:
                return last
        return request.remote or "?"

    def secure(self, request: web.Request) -> bool:
        if self.behind_proxy:
            return request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        return request.secure

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
        if not _same_origin(request):  # another site's script must not drive the workbench
            return web.Response(status=403, text="403: cross-site request refused\n")
        if self.mode == "open":
            if not is_loopback(_host_name(request.host)):
                return web.Response(
                    status=403, text="403: this server answers to localhost / 127.0.0.1 only\n"
                )
            request[CODER_KEY] = self.coder
            return await handler(request)
        if request.path == "/login":
            if request.method == "POST":
                return await self.login(request)
            return self.login_page(request, status=200)
        if request.path == "/logout":
            self.sessions.drop(request.cookies.get(COOKIE))
            response = _redirect(_relative(request, "login"))
            response.del_cookie(COOKIE, path="/")
            return response
        coder = self.sessions.coder(request.cookies.get(COOKIE))
        if coder is None and self.mode == "token" and "token" in request.query:
            return await self._token_in_url(request)
        if coder is None:
            return self.login_page(request, status=401)
        request[CODER_KEY] = coder
        return await handler(request)

    async def _token_in_url(self, request: web.Request) -> web.StreamResponse:
        """``/?token=…`` (the address printed at start): log in, then drop the token from
        the address bar."""
        client = self.client(request)
        wait = self.limiter.retry_after(client)
        if wait is not None:
            return self._too_many(request, wait)
        coder = self.check_token(request.query.get("token", ""))
        if coder is None:
            self._failed(client, "(token)")
            return self.login_page(request, status=401, error="wrong token")
        return self._logged_in(request, coder)

    async def login(self, request: web.Request) -> web.StreamResponse:
        client = self.client(request)
        wait = self.limiter.retry_after(client)
        if wait is not None:
            return self._too_many(request, wait)
        try:
            form = await request.post()
        except Exception:  # too large, malformed
            form = {}  # type: ignore[assignment]
        name = str(form.get("name", ""))[:200]
        secret = str(form.get("token" if self.mode == "token" else "password", ""))
        if self.mode == "token":
            coder = self.check_token(secret)
        else:  # argon2 takes a moment of CPU: not on the event loop
            coder = await asyncio.get_running_loop().run_in_executor(
                None, self.check_password, name, secret
            )
        if coder is None:
            self._failed(client, name or "(token)")
            error = "wrong token" if self.mode == "token" else "wrong name or password"
            return self.login_page(request, status=401, error=error, name=name)
        log.info("login: %s from %s", coder, client)
        return self._logged_in(request, coder)

    def _failed(self, client: str, name: str) -> None:
        self.limiter.failed(client)
        log.warning("failed login for %r from %s", name, client)

    def _logged_in(self, request: web.Request, coder: str) -> web.StreamResponse:
        response = _redirect(_relative(request, ""))
        response.set_cookie(
            COOKIE,
            self.sessions.create(coder),
            max_age=int(self.sessions.ttl),
            path="/",
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
            error=f"too many failed logins from your address: try again in {seconds} s",
        )
        response.headers["Retry-After"] = str(seconds)
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
        body = LOGIN_PAGE.format(fields=fields, message=message, action=action)
        response = web.Response(status=status, text=body, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response


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


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qualcode — log in</title>
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
