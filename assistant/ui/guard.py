"""With a login configured, nothing but the login page answers before signing in.

Gradio checks the login on its data and API routes, but a few of its routes answer
anyone (event cancel and reset, the run-history page, a heartbeat stream, the OpenAPI
schema, ...). :class:`LoginRequired` is an ASGI middleware in front of all of them: an
**allow-list** of what the login page itself needs (its HTML shell, scripts, styles,
icons, the login and login-check calls); every other request without a signed-in
session cookie gets 401 (a websocket is closed). ``tests/test_security.py`` walks every
route the app has and checks each one. Failed sign-ins are throttled per user name and per
address (:mod:`assistant.ui.throttle`): 429 with ``Retry-After`` while one must wait.
"""

from __future__ import annotations

import json
import logging
import math

from assistant.ui.throttle import LoginThrottle, keys

log = logging.getLogger("assistant.login")

PUBLIC = frozenset({
    "/", "/login", "/login/", "/logout", "/favicon.ico", "/robots.txt", "/manifest.json", "/theme.css",
    "/gradio_api/theme.css", "/gradio_api/login_check", "/gradio_api/login_check/", "/gradio_api/startup-events",
    "/gradio_api/user", "/gradio_api/user/", "/gradio_api/token", "/gradio_api/token/", "/gradio_api/app_id",
    "/gradio_api/app_id/", "/config", "/config/",  # /config itself says 401 and the login message to strangers
})
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


class LoginRequired:
    """ASGI middleware; a no-op when the app has no login (``app.auth`` unset)."""

    def __init__(self, app, throttle: LoginThrottle | None = None):
        self.app = app
        self.throttle = throttle or LoginThrottle()

    def signed_in(self, gradio_app, scope) -> bool:
        from starlette.requests import HTTPConnection

        cookies = HTTPConnection(scope).cookies
        cookie_id = getattr(gradio_app, "cookie_id", None)
        token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
        return token is not None and getattr(gradio_app, "tokens", {}).get(token) is not None

    async def __call__(self, scope, receive, send):
        gradio_app = scope.get("app")
        path, root = scope.get("path", "/"), scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        if (scope["type"] == "http" and scope.get("method") == "POST" and path in ("/login", "/login/")
                and getattr(gradio_app, "auth", None)):
            await self.sign_in(scope, receive, send)
            return
        if (scope["type"] in ("http", "websocket") and getattr(gradio_app, "auth", None)
                and not is_public(path) and not self.signed_in(gradio_app, scope)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await refuse(send, 401, "Not authenticated: sign in first")
            return
        await self.app(scope, receive, send)

    async def sign_in(self, scope, receive, send) -> None:
        """The login route, unless the user name or the address must wait after failures; its
        outcome counted (Gradio answers 200 for a right password, 400 for a wrong one)."""
        messages, body = [], b""
        while True:  # the form is small; read it to learn the user name, then hand it on unchanged
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
            if len(body) > 64_000:
                await refuse(send, 413, "the sign-in form is too large")
                return
        form = await form_values(scope, messages)
        names = form.get("username", [])
        if len(names) > 1 or len(form.get("password", [])) > 1:
            # the login would check one of them and the throttle might count another
            await refuse(send, 400, "the sign-in form names the user or the password more than once")
            return
        user = (names or [""])[0].strip()
        address = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.wait_s(keys(user, address))
        if wait > 0:
            seconds = math.ceil(wait)
            await refuse(send, 429, f"too many failed sign-ins; try again in {seconds} s",
                         [(b"retry-after", str(seconds).encode())])
            return

        async def replay():
            return messages.pop(0) if messages else await receive()

        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, replay, watch)
        if status.get("code") == 200:
            self.throttle.succeeded(user)
        elif status.get("code") in (400, 401, 403):
            self.throttle.failed(user, address)


async def form_values(scope, messages: list) -> dict[str, list[str]]:
    """The sign-in form's text fields, each with every value it was given (URL-encoded or
    multipart, as the login reads it); ``messages`` are left for the login to read."""
    from starlette.exceptions import HTTPException
    from starlette.requests import Request

    queue = list(messages)

    async def receive():
        return queue.pop(0) if queue else {"type": "http.request", "body": b"", "more_body": False}

    try:
        form = await Request(scope, receive).form()
    except HTTPException as err:  # a form that does not parse names no one; the login refuses it itself
        log.info("unreadable sign-in form: %s", err.detail)
        return {}
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form.keys()}


async def refuse(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})
