"""The token gate of the UI behind `flowscope service`: a login page, a session cookie, logout.

The service's token is entered once on `BASE/-/login`; the answer sets a cookie that the
browser sends back with every page and every request of the page script:

- HttpOnly (no script can read it), SameSite=Strict (no other site's page makes the browser
  send it), Path=BASE (the API never sees it: API calls keep the bearer header), Secure when
  the page was served over https, and a lifetime (`SESSION_SECONDS`);
- its value is not the token but `EXPIRES.MAC`, an HMAC under a key derived from the token,
  so a leaked cookie is no API credential and expires; checked in constant time.

Without a cookie a page redirects (303) to the login page, the page script's JSON and any
write get 401. A bearer header is accepted as well (scripts, tests). `POST BASE/-/logout`
clears the cookie. The login and logout forms are writes: the same-origin rule (Origin or
Referer of this UI) applies to them as to the tag edits, and the tag edits keep their CSRF
tokens, whose secret is derived from the token too, so every server process agrees.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from flowscope.ui.guard import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from flowscope.ui.app import UI

COOKIE = "flowscope_ui"
SESSION_SECONDS = 12 * 3600
MAX_TOKEN = 4096


def _key(token: str, purpose: bytes) -> bytes:
    return hmac.new(hashlib.sha256(token.encode("utf-8")).digest(), purpose, "sha256").digest()


def csrf_secret(token: str) -> bytes:
    """The CSRF secret of a UI behind `token`: the same in every server process."""
    return _key(token, b"flowscope-ui-csrf")


class Session:
    """Issues and checks the cookie values (and bearer headers) for one token."""

    def __init__(self, token: str, lifetime: int = SESSION_SECONDS) -> None:
        self._key = _key(token, b"flowscope-ui-session")
        self._token_digest = hashlib.sha256(token.encode("utf-8")).digest()
        self.lifetime = lifetime

    def _mac(self, expires: int) -> str:
        return hmac.new(self._key, f"session:{expires}".encode(), "sha256").hexdigest()

    def issue(self, now: float | None = None) -> str:
        expires = int(now if now is not None else time.time()) + self.lifetime
        return f"{expires}.{self._mac(expires)}"

    def valid(self, value: str, now: float | None = None) -> bool:
        expires, _, mac = value.partition(".")
        if not expires.isdigit() or len(expires) > 12:
            return False
        ok = hmac.compare_digest(self._mac(int(expires)).encode(), mac.encode("utf-8", "replace"))
        return ok and int(expires) > (now if now is not None else time.time())

    def token_matches(self, given: str) -> bool:
        digest = hashlib.sha256(given.encode("utf-8", "replace")).digest()
        return hmac.compare_digest(digest, self._token_digest)

    def admits(self, request: Request) -> bool:
        """The request carries a valid session cookie, or the bearer token."""
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.token_matches(credential.strip()):
            return True
        return self.valid(request.cookies.get(COOKIE, ""))


def cookie_header(base: str, value: str, max_age: int, secure: bool) -> str:
    parts = [f"{COOKIE}={value}", f"Path={base}", f"Max-Age={max_age}", "HttpOnly"]
    parts.append("SameSite=Strict")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class TokenGate:
    """ASGI middleware in front of the UI: only the login page and static files are open."""

    def __init__(self, app: ASGIApp, session: Session, base: str) -> None:
        self.app, self.session, self.base = app, session, base
        self.open = (f"{base}/-/login", f"{base}/-/static/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == self.open[0] or path.startswith(self.open[1]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.session.admits(request):
            await self.app(scope, receive, send)
            return
        await self.refusal(request)(scope, receive, send)

    def refusal(self, request: Request) -> Response:
        if request.url.path.startswith(f"{self.base}/-/api/"):
            return JSONResponse({"error": "Sign in again: the session has ended."}, 401)
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            login = f"{self.base}/-/login?next={quote(target, safe='')}"
            return RedirectResponse(login, status_code=303)
        return PlainTextResponse("401 Unauthorized: sign in first.\n", status_code=401)


def safe_next(base: str, target: str | None) -> str:
    """Where to go after signing in: a path of this UI only (never another site)."""
    if target and target.startswith(f"{base}/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return f"{base}/"


class Login:
    """The login page, its form's POST, and logout, for the UI `ui` behind `session`
    (None: a service without a token, which needs no login)."""

    def __init__(self, ui: UI, session: Session | None) -> None:
        self.ui, self.session = ui, session

    def page(self, request: Request) -> Response:
        return self.show(request, 200, None, request.query_params.get("next"))

    def show(
        self, request: Request, status: int, error: str | None, target: str | None
    ) -> Response:
        if self.session is None:
            return RedirectResponse(f"{self.ui.base}/", status_code=303)
        return self.ui.render(
            "login.html", status, error=error, next=safe_next(self.ui.base, target)
        )

    def submit(self, request: Request, form: dict[str, list[str]]) -> Response:
        target = (form.get("next") or [""])[0]
        if self.session is None:
            return RedirectResponse(safe_next(self.ui.base, target), status_code=303)
        given = (form.get("token") or [""])[0].strip()
        if not given or len(given) > MAX_TOKEN or not self.session.token_matches(given):
            return self.show(
                request, 401, "That token was refused: check it and try again.", target
            )
        answer = RedirectResponse(safe_next(self.ui.base, target), status_code=303)
        secure = request.url.scheme == "https"
        value = self.session.issue()
        answer.headers.append(
            "set-cookie", cookie_header(self.ui.base, value, self.session.lifetime, secure)
        )
        return answer

    def logout(self, request: Request) -> Response:
        answer = RedirectResponse(f"{self.ui.base}/-/login", status_code=303)
        secure = request.url.scheme == "https"
        answer.headers.append("set-cookie", cookie_header(self.ui.base, "", 0, secure))
        return answer
