"""Outbound URL policy for user-supplied destinations (Teams workflows now, any webhook later).

A URL passes when it is ``https``, on port 443, has no user info, and its host is on the
allow-list (``FLEX_OUTBOUND_HOSTS``: comma-separated names, ``*.suffix`` for any subdomain;
default: the Teams / Power Automate workflow hosts in ``DEFAULT_HOSTS``). Its addresses must be
public: private, loopback, link-local (cloud metadata 169.254.169.254), shared, reserved and
multicast addresses are refused. The address check runs twice: when the URL is registered (the
name is resolved; an unresolvable name is accepted, it cannot be reached either) and on every
connection, against the socket's connected peer, so a name re-pointed at an internal address
after registration (DNS rebinding) is refused before a byte of the request is sent.

``GuardedAdapter`` is the requests transport adapter doing the connect-time check; sessions built
with it must also post with ``allow_redirects=False`` and ``trust_env=False`` (no proxies), as
``bot.teams.workflows`` does.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

HOSTS_ENV = "FLEX_OUTBOUND_HOSTS"
DEFAULT_HOSTS = (
    "*.logic.azure.com",  # Power Automate / Logic Apps: prod-NN.<region>.logic.azure.com
    "*.environment.api.powerplatform.com",  # Teams Workflows (Power Platform environments)
    "*.webhook.office.com",  # Office 365 connector webhooks (being retired by Microsoft)
)

Resolver = Callable[..., list[tuple[Any, ...]]]


class OutboundRefused(Exception):
    """The policy refused a destination; ``str(error)`` is a short reason safe to show users."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Which destinations may be posted to. The defaults are production's."""

    hosts: tuple[str, ...] = DEFAULT_HOSTS
    schemes: tuple[str, ...] = ("https",)
    allow_private: bool = False  # tests with loopback fakes only; never in production
    resolve: Resolver = field(default=socket.getaddrinfo, compare=False, repr=False)

    @classmethod
    def from_env(cls) -> OutboundPolicy:
        names = [h.strip().lower() for h in os.environ.get(HOSTS_ENV, "").split(",") if h.strip()]
        return cls(hosts=tuple(names) or DEFAULT_HOSTS)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be used (a short sentence for the user), or None if it may."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return "That is not a valid URL."
        if parts.scheme.lower() not in self.schemes:
            return "The workflow URL must start with https://."
        if parts.username is not None or parts.password is not None:
            return "The workflow URL must not contain a user name or password."
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            return "The workflow URL has no host."
        if not self.allow_private and port not in (None, 443):
            return "The workflow URL must use the standard https port (443)."
        if not self.host_allowed(host):
            return (
                f"{host} is not a Teams or Power Automate workflow host this Flexcalc accepts "
                "(ask whoever runs Flexcalc to add it to FLEX_OUTBOUND_HOSTS)."
            )
        return None if self.allow_private else self._address_refusal(host, port or 443)

    def host_allowed(self, host: str) -> bool:
        host = host.rstrip(".").lower()
        for pattern in self.hosts:
            if pattern.startswith("*."):
                if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                    return True
            elif host == pattern:
                return True
        return False

    def address_refusal(self, address: str) -> str | None:
        """Why a connection to ``address`` (an IP) is refused, or None."""
        if self.allow_private:
            return None
        return None if is_public(address) else "it points to an internal network address"

    def _address_refusal(self, host: str, port: int) -> str | None:
        try:
            infos = self.resolve(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None  # unreachable now; every connection is checked again anyway
        for info in infos:
            if self.address_refusal(str(info[4][0])):
                return "The workflow URL points to an internal network address."
        return None


# Not reachable from the internet, whatever ``is_global`` says of parts of them (Python counts
# e.g. 192.0.0.8 as global; NAT64 and 6to4 embed IPv4 addresses we would otherwise miss).
_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.0.0/24", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "100.64.0.0/10")
)


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == n.version and ip in n for n in _BLOCKED):
        return False
    return ip.is_global and not ip.is_multicast


_policy: OutboundPolicy | None = None


def current() -> OutboundPolicy:
    """The process's policy (from the environment on first use)."""
    global _policy
    if _policy is None:
        _policy = OutboundPolicy.from_env()
    return _policy


def use_policy(policy: OutboundPolicy | None) -> None:
    """Replace the process's policy (tests with loopback fakes); None re-reads the environment."""
    global _policy
    _policy = policy


def refusal(url: str) -> str | None:
    """``current().refusal(url)``."""
    return current().refusal(url)


# -- the connect-time check ----------------------------------------------------------------


class _PeerChecked:
    """Mixin for urllib3 connections: refuse the socket when its peer is not allowed."""

    policy: Callable[[], OutboundPolicy] = staticmethod(current)

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        why = self.policy().address_refusal(peer)
        if why:
            sock.close()
            raise OutboundRefused(f"Refused to connect: {why}.")
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose every connection is checked against the outbound policy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }
