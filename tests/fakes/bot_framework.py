"""A fake Bot Framework token service on loopback: its signing keys (JWKS) and the tokens it
would put in ``Authorization: Bearer`` on each activity sent to ``/api/messages``.

The Agents SDK validates those tokens with ``PyJWKClient`` against the Bot Framework's JWKS
address; ``BotFrameworkTokens.install`` points that address at this fake, so the SDK's real
validation (signature, issuer, audience, expiry) runs on every test request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from microsoft_agents.hosting.core.authorization import _entra_issuers

from tests.fakes.slack_api import serve

ISSUER = "https://api.botframework.com"  # the Bot Framework's public-cloud token issuer
KEY_ID = "flexcalc-test-key"


@dataclass
class BotFrameworkTokens:
    """Signs tokens for ``app_id`` and serves the public key as a JWKS on loopback."""

    app_id: str
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    jwks_url: str = ""

    def app(self) -> Flask:
        web = Flask("fake-bot-framework-keys")
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": KEY_ID, "use": "sig", "alg": "RS256"})

        @web.get("/keys")
        def keys() -> dict[str, Any]:
            return {"keys": [public]}

        return web

    def token(self, audience: str | None = None, lifetime: float = 3600.0) -> str:
        """A Bot Framework token for this app (``audience`` overrides the app id)."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": audience or self.app_id, "iat": now, "nbf": now,
                  "exp": now + int(lifetime), "serviceurl": "https://smba.example/"}  # fmt: skip
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def header(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}


@contextmanager
def running(app_id: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkTokens]:
    """Serve the keys and make the SDK fetch them from here (its only network dependency)."""
    fake = BotFrameworkTokens(app_id)
    server, url = serve(fake.app())
    fake.jwks_url = f"{url}/keys"
    monkeypatch.setitem(_entra_issuers.BOTFRAMEWORK_JWKS_URIS, ISSUER, fake.jwks_url)
    try:
        yield fake
    finally:
        server.shutdown()
