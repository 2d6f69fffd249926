"""Edge limits: WSGI middleware that shapes requests before any route (or Bolt) sees them.

- Body size per path prefix (``LIMITS``: 1 MB for Slack, 256 KB for Teams), enforced on what is
  actually read, so a chunked body with no ``Content-Length`` is cut off at the limit too; an
  oversized request gets 413 after reading at most ``limit + 1`` bytes.
- Malformed unauthenticated requests get 400/401 instead of reaching code that would raise:
  a JSON content type whose body is not a JSON object (400); a non-numeric
  ``X-Slack-Request-Timestamp`` (400); on ``/api/messages`` an ``Authorization`` header that
  is not a bearer JWT with a ``kid`` in its header (401).
Nothing here logs the body or the headers' values.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

KB = 1024
LIMITS: tuple[tuple[str, int], ...] = (
    ("/slack/", 1024 * KB),
    ("/teams/", 256 * KB),
    ("/api/messages", 256 * KB),
)
DEFAULT_LIMIT = 64 * KB  # any other path (none takes a body today)
CHUNK = 64 * KB

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def limit_for(path: str) -> int:
    return next((size for prefix, size in LIMITS if path.startswith(prefix)), DEFAULT_LIMIT)


class EdgeLimits:
    """Wrap a WSGI app: ``web.wsgi_app = EdgeLimits(web.wsgi_app)``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD", "OPTIONS"):
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        limit = limit_for(path)
        body = read_body(environ, limit)
        if body is None:
            return _answer(start_response, 413, "request body too large")
        problem = malformed(environ, path, body)
        if problem:
            status, reason = problem
            return _answer(start_response, status, reason)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)


def read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The request body, or None when it is longer than ``limit`` (read at most limit+1)."""
    stream = environ.get("wsgi.input")
    declared = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if declared.strip():
        try:
            length = int(declared)
        except ValueError:
            return None
        if length > limit:
            return None
        return stream.read(length) if stream is not None and length > 0 else b""
    if not chunked and not environ.get("wsgi.input_terminated"):
        return b""  # no length, not chunked: HTTP says there is no body
    data = bytearray()
    while stream is not None and len(data) <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    return None if len(data) > limit else bytes(data)


def malformed(environ: dict[str, Any], path: str, body: bytes) -> tuple[int, str] | None:
    """(status, reason) for a request that cannot be valid, before anyone authenticates it."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    if timestamp is not None and not timestamp.strip().isdigit():
        return 400, "bad timestamp"
    authorization = environ.get("HTTP_AUTHORIZATION")
    if path.startswith("/api/messages") and authorization and not _jwt_has_kid(authorization):
        return 401, "unauthorized"  # none at all: the bot decides (anonymous local development)
    if "json" in environ.get("CONTENT_TYPE", "").lower() and body:
        try:
            parsed = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return 400, "bad json"
        if not isinstance(parsed, dict):
            return 400, "bad json"
    return None


def _jwt_has_kid(header: str | None) -> bool:
    """True when ``Authorization: Bearer <jwt>`` has a JOSE header naming a key (``kid``)."""
    if not header or not header.startswith("Bearer "):
        return False
    token = header[len("Bearer ") :].strip()
    if token.count(".") != 2:
        return False
    head = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return (
        isinstance(decoded, dict) and isinstance(decoded.get("kid"), str) and bool(decoded["kid"])
    )


def _answer(start_response: Callable[..., Any], status: int, reason: str) -> list[bytes]:
    phrases = {400: "Bad Request", 401: "Unauthorized", 413: "Content Too Large"}
    body = json.dumps({"error": reason}).encode()
    start_response(
        f"{status} {phrases[status]}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
         ("Connection", "close")],
    )  # fmt: skip
    return [body]
