"""SSRF: an attacker registers a Teams "workflow" URL that points inside the network.

Every check runs the production policy (``OutboundPolicy()``: https, the workflow hosts, public
addresses only); name resolution is patched, never sent to a real resolver.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.alerts.commands import handle_alerts
from bot.security import outbound
from bot.security.outbound import OutboundPolicy, is_public
from bot.storage.db import get_engine
from bot.storage.teams import destinations
from bot.teams.cards import reply_card
from bot.teams.workflows import make_session, post_card
from flexcalc.commands import UsageError, parse
from flexcalc.reply import Reply

HOST = "prod-12.westeurope.logic.azure.com"
PATH = "/workflows/5f0c/triggers/manual/paths/invoke?api-version=2016-06-01&sig=Qw3rTy"
CARD = reply_card(Reply(title="Greener times today", summary="Best 2 h: 12:00-14:00"))
PUBLIC = "20.50.2.1"  # an Azure address


def _resolver(address: str, port: int | None = None):
    def resolve(host, port_asked, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or port_asked or 443))]

    return resolve


@pytest.fixture
def engine(tmp_path) -> Engine:
    return get_engine(f"sqlite:///{tmp_path}/ssrf.sqlite")


@pytest.fixture
def policy() -> Iterator[OutboundPolicy]:
    """Production's policy, with a resolver that answers a public address."""
    chosen = OutboundPolicy(resolve=_resolver(PUBLIC))
    outbound.use_policy(chosen)
    yield chosen
    outbound.use_policy(None)


def _subscribe(engine, url: str, team: str = "T0SLACK") -> Reply:
    try:
        request = parse(f"alerts subscribe 07:30 in NG1 teams {url}")
    except UsageError as problem:  # the grammar already refuses some (http://)
        return problem.reply()
    return handle_alerts(
        request,
        engine=engine, team_id=team, channel_id="C0GENERAL", user_id="U0MALLORY",
    )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        f"http://{HOST}{PATH}",  # plain http
        f"https://127.0.0.1{PATH}",
        f"https://localhost{PATH}",
        "https://169.254.169.254/latest/meta-data/?sig=1",  # cloud metadata
        f"https://10.0.0.5{PATH}",
        f"https://[::1]{PATH}",
        f"https://internal.corp.example{PATH}",  # not a workflow host
        f"https://{HOST}.attacker.example{PATH}",  # allowed name as a prefix only
        f"https://logic.azure.com.attacker.example{PATH}",
        f"https://admin:pw@{HOST}{PATH}",  # user info
        f"https://{HOST}:8443{PATH}",  # another port
        f"https://{HOST}@127.0.0.1{PATH}",  # the real host is after the @
        "https://",
    ],
)
def test_internal_and_foreign_urls_are_refused_and_not_stored(engine, policy, url):
    reply = _subscribe(engine, url)
    assert reply.is_error
    assert destinations(engine) == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.9", "172.20.0.1",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
                                     "fd00:ec2::254", "::ffff:127.0.0.1", "fe80::1"])  # fmt: skip
def test_an_allowed_name_resolving_to_an_internal_address_is_refused(engine, address):
    outbound.use_policy(OutboundPolicy(resolve=_resolver(address)))
    try:
        reply = _subscribe(engine, f"https://{HOST}{PATH}")
    finally:
        outbound.use_policy(None)
    assert reply.is_error and "internal network address" in reply.summary
    assert destinations(engine) == []


def test_a_public_workflow_url_is_accepted(engine, policy):
    reply = _subscribe(engine, f"https://{HOST}:443{PATH}")
    assert not reply.is_error, reply.to_text()
    assert len(destinations(engine)) == 1


def test_the_allow_list_is_configurable(monkeypatch):
    monkeypatch.setenv(outbound.HOSTS_ENV, "hooks.example.org, *.flows.example.net")
    chosen = OutboundPolicy.from_env()
    ok = OutboundPolicy(hosts=chosen.hosts, resolve=_resolver(PUBLIC))
    assert ok.refusal(f"https://hooks.example.org{PATH}") is None
    assert ok.refusal(f"https://eu.flows.example.net{PATH}") is None
    assert ok.refusal(f"https://flows.example.net{PATH}") is not None  # *. means a subdomain
    assert ok.refusal(f"https://{HOST}{PATH}") is not None  # the defaults are replaced


class Listener:
    """A loopback TCP listener that records every byte any client sends it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.settimeout(2)
            try:
                while chunk := conn.recv(65536):
                    self.received += chunk
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_dns_rebinding_after_registration_is_refused_on_the_connected_address(engine, monkeypatch):
    """The name is public when registered, then re-pointed at an internal service: the clock's
    post connects, sees an internal peer and sends nothing."""
    internal = Listener()
    try:
        outbound.use_policy(OutboundPolicy(resolve=_resolver(PUBLIC)))
        assert not _subscribe(engine, f"https://{HOST}{PATH}").is_error
        monkeypatch.setattr(socket, "getaddrinfo", _resolver("127.0.0.1", internal.port))
        result = post_card(f"https://{HOST}{PATH}", CARD, session=make_session(backoff=0.0))
    finally:
        outbound.use_policy(None)
        internal.close()
    assert not result.ok and result.kind == "gone" and "internal" in result.error
    assert internal.received == b""  # not even a TLS hello


def test_refused_urls_are_never_posted_to(monkeypatch):
    internal = Listener()
    try:
        monkeypatch.setattr(socket, "getaddrinfo", _resolver("127.0.0.1", internal.port))
        result = post_card(f"https://127.0.0.1:{internal.port}{PATH}", CARD)
    finally:
        internal.close()
    assert result.kind == "gone" and internal.accepted == 0


@pytest.fixture
def loopback_server(httpserver) -> Iterator:
    outbound.use_policy(
        OutboundPolicy(hosts=("localhost", "127.0.0.1"), schemes=("http",), allow_private=True)
    )
    yield httpserver
    outbound.use_policy(None)


def test_redirects_are_not_followed(loopback_server):
    loopback_server.expect_request("/hook", method="POST").respond_with_data(
        "", status=307, headers={"Location": loopback_server.url_for("/internal-admin")}
    )
    loopback_server.expect_request("/internal-admin").respond_with_data("db_password=hunter2")
    result = post_card(loopback_server.url_for("/hook"), CARD, session=make_session(backoff=0))
    assert not result.ok and result.status == 307
    assert [r.path for r, _ in loopback_server.log] == ["/hook"]


def test_response_bodies_never_reach_the_result(loopback_server):
    loopback_server.expect_request("/hook", method="POST").respond_with_data(
        "error: db_password=hunter2 at 10.0.0.5", status=400
    )
    result = post_card(loopback_server.url_for("/hook"), CARD, session=make_session(backoff=0))
    assert result.error == "HTTP 400 Bad Request"


BLOCKED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
)]  # fmt: skip


@given(st.ip_addresses(v=4))
def test_no_internal_ipv4_address_is_public(ip):
    inside = any(ip in network for network in BLOCKED)
    if inside:
        assert not is_public(str(ip))
        assert not is_public(f"::ffff:{ip}")  # the IPv4-mapped spelling too


@given(st.ip_addresses(v=6))
def test_no_loopback_link_local_or_unique_local_ipv6_is_public(ip):
    if ip.is_loopback or ip.is_link_local or ip in ipaddress.ip_network("fc00::/7"):
        assert not is_public(str(ip))
