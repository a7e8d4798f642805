"""Webhooks go only to the configured host:port pairs, over http(s), without
userinfo or redirects; checked when the URL is saved and again before each
connection. `last_error` says only what kind of failure it was, so it cannot
tell a closed port from an open one."""
import socket
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Agency
from api import services, webhooks
from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests.factories import at, make_work_order
from workorders.models import Status

pytestmark = pytest.mark.django_db

T0 = at("2026-11-18 10:00")
TARGETS = ["127.0.0.1:8443", "agency.gov.cn", "[::1]:9000", "Hooks.Example.ORG:8080"]


@pytest.fixture
def targets(settings):
    settings.API_WEBHOOK_ALLOWED_TARGETS = list(TARGETS)
    return settings


@pytest.mark.parametrize("url_", [
    "https://127.0.0.1:8443/hooks",
    "http://127.0.0.1:8443/hooks?x=1",
    "https://agency.gov.cn/hooks",          # no port in the entry: 443 for https …
    "https://agency.gov.cn:443/hooks",
    "http://agency.gov.cn/hooks",           # … and 80 for http
    "http://[::1]:9000/",
    "https://hooks.example.org:8080/in",
])
def test_listed_targets_are_accepted(targets, url_):
    services.validate_webhook_url(url_)


@pytest.mark.parametrize("url_", [
    "http://127.0.0.1:6379/",               # Redis
    "http://127.0.0.1:5432/",               # PostgreSQL
    "http://localhost:6379/",
    "http://127.0.0.1/hooks",               # host listed with another port only
    "https://127.0.0.1/hooks",
    "https://agency.gov.cn:8443/hooks",     # entry without port: only the scheme's default
    "http://agency.gov.cn:443/hooks",
    "https://example.com/hooks",
    "https://user:pw@127.0.0.1:8443/hooks",  # userinfo
    "https://user@agency.gov.cn/hooks",
    "ftp://127.0.0.1:8443/hooks",
    "redis://127.0.0.1:6379/0",
    "gopher://127.0.0.1:8443/",
    "http://127.0.0.1:99999/",
    "http://127.0.0.1:8443x/",
    "https:///hooks",
    "",
])
def test_everything_else_is_refused_on_save(targets, url_):
    with pytest.raises(ValidationError):
        services.validate_webhook_url(url_)


def test_redis_and_postgres_are_refused_with_a_translated_message(ref, targets):
    for port in (6379, 5432):
        with pytest.raises(ValidationError) as exc:
            services.webhook_subscription_create(name="x", agency=Agency.objects.get(code="PSB"),
                                                 url=f"http://127.0.0.1:{port}/", events=[WebhookEvent.ASSIGNED])
        assert "127.0.0.1:8443" in exc.value.messages[0] and "端口" in exc.value.messages[0]
    assert not WebhookSubscription.objects.exists()
    # The model says so too, for any form built on it.
    sub = WebhookSubscription(name="x", agency=Agency.objects.get(code="PSB"), url="http://127.0.0.1:6379/",
                              events=[WebhookEvent.ASSIGNED], secret="s")
    with pytest.raises(ValidationError) as exc:
        sub.full_clean()
    assert "url" in exc.value.message_dict


def test_the_admin_form_refuses_a_loopback_service_port(ref, targets, admin_user, client):
    client.force_login(admin_user)
    r = client.post(reverse("admin:api_webhooksubscription_add"), {
        "name": "x", "agency": Agency.objects.get(code="PSB").pk, "url": "http://127.0.0.1:5432/",
        "events": ["work_order.assigned"], "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"})
    assert r.status_code == 200 and not WebhookSubscription.objects.exists()
    assert "127.0.0.1:8443" in r.content.decode()


@pytest.fixture
def no_connections(monkeypatch):
    """Fails the test if anything opens a TCP connection."""
    calls = []

    def refuse(address, *args, **kwargs):
        calls.append(address)
        raise AssertionError(f"connected to {address}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return calls


def _deliver_to(urls, *, case, judge):
    """Subscriptions written straight into the table (as a stale row or a raw
    SQL edit would be), one event, one dispatch. Returns the deliveries by URL."""
    agency = Agency.objects.get(code="PSB")
    subs = {u: WebhookSubscription.objects.create(name=u[:100], agency=agency, url=u, secret="s",
                                                  events=[WebhookEvent.ASSIGNED]) for u in urls}
    with time_machine.travel(T0, tick=False):
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        webhooks.dispatch()
    return {u: WebhookDelivery.objects.get(subscription=s) for u, s in subs.items()}


def test_a_stored_url_to_redis_or_postgres_is_never_connected(ref, case, judge, targets, no_connections):
    urls = ["http://127.0.0.1:6379/", "http://127.0.0.1:5432/", "https://u:p@127.0.0.1:8443/",
            "ftp://127.0.0.1:8443/"]
    deliveries = _deliver_to(urls, case=case, judge=judge)
    assert no_connections == []
    for d in deliveries.values():
        assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, None)
        assert d.last_error == "refused: target not allowed"


class NotHttp:
    """An open TCP port that is not an HTTP server: it answers like Redis and hangs up."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"-ERR unknown command 'POST'\r\n")

    def close(self):
        self.sock.close()


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_last_error_is_the_same_for_a_closed_port_and_an_open_non_http_port(ref, case, judge, settings):
    open_port, closed_port = NotHttp(), _closed_port()
    try:
        settings.API_WEBHOOK_ALLOWED_TARGETS = [f"127.0.0.1:{open_port.port}", f"127.0.0.1:{closed_port}"]
        urls = [f"http://127.0.0.1:{open_port.port}/", f"http://127.0.0.1:{closed_port}/",
                f"https://127.0.0.1:{open_port.port}/", f"https://127.0.0.1:{closed_port}/"]
        deliveries = _deliver_to(urls, case=case, judge=judge)
    finally:
        open_port.close()
    errors = {d.last_error for d in deliveries.values()}
    assert errors == {"connection failed"}
    assert {d.last_status_code for d in deliveries.values()} == {None}


def test_failure_categories_carry_no_socket_detail():
    import http.client
    import ssl

    from api.targets import TargetRefused

    assert webhooks._failure(TargetRefused("target")) == "refused: target not allowed"
    assert webhooks._failure(socket.timeout("timed out")) == "timeout"
    for exc in (ConnectionRefusedError(111, "Connection refused"), ConnectionResetError(104, "reset"),
                http.client.BadStatusLine("-ERR"), http.client.RemoteDisconnected("closed"),
                ssl.SSLError(1, "WRONG_VERSION_NUMBER"), OSError(113, "No route to host")):
        assert webhooks._failure(exc) == "connection failed"
