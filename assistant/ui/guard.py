"""With a login configured, nothing but the login page answers before signing in.

Gradio checks the login on its data and API routes, but a few of its routes answer
anyone (event cancel and reset, the run-history page, a heartbeat stream, the OpenAPI
schema, ...). :class:`LoginRequired` is an ASGI middleware in front of all of them: an
**allow-list** of what the login page itself needs (its HTML shell, scripts, styles,
icons, the login and login-check calls); every other request without a signed-in
session cookie gets 401 (a websocket is closed). ``tests/test_security.py`` walks every
route the app has and checks each one.
"""

from __future__ import annotations

import json

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

    def __init__(self, app):
        self.app = app

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
        if (scope["type"] in ("http", "websocket") and getattr(gradio_app, "auth", None)
                and not is_public(path) and not self.signed_in(gradio_app, scope)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = json.dumps({"detail": "Not authenticated: sign in first"}).encode()
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
