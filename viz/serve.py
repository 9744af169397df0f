"""Serving the page: uvicorn with Solara's app (as Solara documents for self-hosting), with the limits a shared
machine needs. Used by `compute-market app`.

- A session whose browser went away without closing the page (a dropped connection, a killed browser) is culled
  after `CULL_AFTER`, so its model is freed (Solara's default waits 24 hours); a closed page frees it at once.
- At most `max_sessions` sessions run at once (each holds one model, a few tens of MB); more wait for a place.
- A websocket message may be at most `WS_MAX_BYTES` (uvicorn's default is 16 MiB) and a request's headers at
  most `HEAD_MAX_BYTES` (a larger one gets 431, or its websocket is refused); the page's inputs are small.
- SIGINT and SIGTERM stop the server gracefully within `STOP_WITHIN_S`.
"""

from __future__ import annotations

import os
import warnings

CULL_AFTER = "2m"
WS_MAX_BYTES = 1 << 20
HEAD_MAX_BYTES = 32 * 1024
STOP_WITHIN_S = 5


def serve(host: str, port: int, max_sessions: int) -> None:
    """Serve `viz.app` on host:port until stopped."""
    os.environ.update(SOLARA_APP="viz.app", SOLARA_KERNEL_CULL_TIMEOUT=CULL_AFTER,
                      SOLARA_KERNEL_MAX_COUNT=str(max_sessions), SERVER_NAME=host, SERVER_PORT=str(port))
    import uvicorn  # after the settings above: Solara reads them when it is imported
    from solara.server.starlette import app

    # over plain http Solara falls back to a same-site cookie, as it should, and warns at every page load
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    uvicorn.run(BoundedHeaders(app), host=host, port=port, log_level="warning", ws_max_size=WS_MAX_BYTES,
                timeout_graceful_shutdown=STOP_WITHIN_S)


class BoundedHeaders:
    """ASGI middleware: a request whose headers together exceed HEAD_MAX_BYTES is refused before the app sees
    it (HTTP 431; a websocket is closed before it is accepted)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and \
                sum(len(name) + len(value) for name, value in scope.get("headers", ())) > HEAD_MAX_BYTES:
            if scope["type"] == "http":
                await send({"type": "http.response.start", "status": 431,
                            "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"request headers too large\n"})
            else:
                await send({"type": "websocket.close", "code": 1009})
            return
        await self.app(scope, receive, send)
