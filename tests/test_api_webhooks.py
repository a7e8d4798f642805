"""Webhooks: the audit log as outbox, HMAC-SHA256 signatures, retries with
backoff, visible to admins. A real HTTP server on 127.0.0.1 receives them."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from agencies.models import Agency
from api import services, webhooks
from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests.factories import at, make_work_order, user
from tests.test_api_support import _fresh_throttles, client_for, url  # noqa: F401
from workorders import services as wo_services
from workorders.models import Status, WorkOrderEvent

T0 = at("2026-11-18 10:00")


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records posts and answers with the
    next status from `script` (204 once the script runs out)."""

    def __init__(self, script=()):
        self.posts, self.script = [], list(script)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((self.headers, body, self.path))
                code = receiver.script.pop(0) if receiver.script else 204
                self.send_response(code)
                if code in (301, 302):
                    self.send_header("Location", "http://example.com/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/hooks/eh"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    made = []

    def make(script=()):
        r = Receiver(script)
        made.append(r)
        # Deliveries go only to listed host:port pairs: list this receiver's.
        settings.API_WEBHOOK_ALLOWED_TARGETS = [*settings.API_WEBHOOK_ALLOWED_TARGETS,
                                                f"127.0.0.1:{r.server.server_port}"]
        return r

    yield make
    for r in made:
        r.close()


def _subscribe(url_, agency="PSB", events=tuple(WebhookEvent.values)):
    return services.webhook_subscription_create(name="公安局系统", agency=Agency.objects.get(code=agency),
                                                url=url_, events=list(events))


def _verify(sub, headers, body):
    ts = headers["X-EnforcementHub-Timestamp"]
    expected = hmac.new(sub.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-EnforcementHub-Signature"], "sha256=" + expected)
    return json.loads(body)


def test_events_of_the_agency_are_delivered_signed(ref, judge, case, center, receiver):
    rx = receiver()
    with time_machine.travel(T0, tick=False):
        before = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)  # before subscribing
        sub = _subscribe(rx.url)
        liaison = user("liaison")
        wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)          # assigned
        make_work_order(case=case, judge=judge, duty_code="P01", status=Status.SUBMITTED)  # other agency
        draft = make_work_order(case=case, judge=judge, status=Status.DRAFT)
        wo_services.work_order_withdraw(work_order=draft, actor=judge)                  # never seen: skipped
        wo_services.work_order_sign(work_order=wo, actor=liaison)                      # not subscribed
        ext = wo_services.extension_request(work_order=wo, actor=liaison, days=2, reason="调档")
        wo_services.extension_decide(extension=ext, actor=center, approve=True)         # extension decided
        wo_services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="x")
        wo_services.work_order_reopen(work_order=wo, actor=judge, reason="补充")        # reopened
        wo_services.work_order_withdraw(work_order=wo, actor=judge, reason="已履行")     # withdrawn
        counts = webhooks.dispatch()
    assert counts == {"created": 4, "delivered": 4, "failed": 0}
    types = [h["X-EnforcementHub-Event"] for h, _, _ in rx.posts]
    assert types == ["work_order.assigned", "work_order.extension_decided", "work_order.reopened",
                     "work_order.withdrawn"]
    for headers, body, path in rx.posts:
        payload = _verify(sub, headers, body)
        assert path == "/hooks/eh" and headers["Content-Type"].startswith("application/json")
        assert payload["work_order"]["id"] == wo.pk and payload["work_order"]["agency"] == "PSB"
        assert payload["work_order"]["url"].endswith(url("work-order-detail", wo.pk))
        assert payload["work_order"]["id"] != before.pk
    first = json.loads(rx.posts[0][1])
    assert first["type"] == "work_order.assigned" and first["work_order"]["status"] == "submitted"
    assert json.loads(rx.posts[1][1])["details"]["days"] == 2
    # A second run sends nothing again.
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert webhooks.dispatch() == {"created": 0, "delivered": 0, "failed": 0}
    assert WebhookDelivery.objects.filter(subscription=sub).count() == 4


def test_a_tampered_body_fails_verification(ref, judge, case, receiver):
    rx = receiver()
    with time_machine.travel(T0, tick=False):
        sub = _subscribe(rx.url, events=[WebhookEvent.ASSIGNED])
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        webhooks.dispatch()
    headers, body, _ = rx.posts[0]
    with pytest.raises(AssertionError):
        _verify(sub, headers, body.replace(b"PSB", b"PLAN"))
    with pytest.raises(AssertionError):
        _verify(sub, {"X-EnforcementHub-Timestamp": "1",
                      "X-EnforcementHub-Signature": headers["X-EnforcementHub-Signature"]}, body)


def test_failures_are_retried_with_backoff(ref, judge, case, receiver):
    rx = receiver(script=[500, 503])
    with time_machine.travel(T0, tick=False):
        sub = _subscribe(rx.url, events=[WebhookEvent.ASSIGNED])
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        assert webhooks.dispatch() == {"created": 1, "delivered": 0, "failed": 1}
    d = WebhookDelivery.objects.get(subscription=sub)
    assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, 500)
    assert d.next_attempt_at == T0 + timedelta(seconds=30)
    with time_machine.travel(T0 + timedelta(seconds=29), tick=False):
        assert webhooks.dispatch()["failed"] == 0 and len(rx.posts) == 1  # not yet due
    with time_machine.travel(T0 + timedelta(seconds=31), tick=False):
        assert webhooks.dispatch()["failed"] == 1
    d.refresh_from_db()
    assert (d.attempts, d.last_status_code) == (2, 503)
    assert d.next_attempt_at == T0 + timedelta(seconds=31) + timedelta(seconds=60)
    with time_machine.travel(T0 + timedelta(seconds=92), tick=False):
        assert webhooks.dispatch()["delivered"] == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code, d.last_error) == ("delivered", 3, 204, "")
    # Every attempt was signed alike over the same body.
    assert len({body for _, body, _ in rx.posts}) == 1
    for headers, body, _ in rx.posts:
        _verify(sub, headers, body)


def test_gives_up_after_max_attempts_and_admin_can_retry(ref, judge, case, receiver, admin_user, client):
    rx = receiver(script=[500] * webhooks.MAX_ATTEMPTS)
    now = T0
    with time_machine.travel(now, tick=False):
        sub = _subscribe(rx.url, events=[WebhookEvent.ASSIGNED])
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    for _ in range(webhooks.MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            webhooks.dispatch()
        now += timedelta(hours=7)
    d = WebhookDelivery.objects.get(subscription=sub)
    assert (d.status, d.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    # Visible to admins, with the error, and retried from the admin.
    client.force_login(admin_user)
    page = client.get(reverse("admin:api_webhookdelivery_changelist")).content.decode()
    assert "work_order.assigned" in page
    assert "HTTP 500" in client.get(reverse("admin:api_webhookdelivery_change", args=[d.pk])).content.decode()
    assert client.get(reverse("admin:api_webhooksubscription_change", args=[sub.pk])).status_code == 200
    with time_machine.travel(now, tick=False):
        client.post(reverse("admin:api_webhookdelivery_changelist"),
                    {"action": "retry_now", "_selected_action": [d.pk]})
        d.refresh_from_db()
        assert d.status == "pending"
        assert webhooks.dispatch()["delivered"] == 1


def test_a_late_committing_event_is_not_skipped(ref, judge, case, receiver):
    """An event whose id the cursor already passed (its transaction committed
    after a later one) is still picked up while young."""
    rx = receiver()
    with time_machine.travel(T0, tick=False):
        sub = _subscribe(rx.url, events=[WebhookEvent.ASSIGNED])
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        WebhookSubscription.objects.filter(pk=sub.pk).update(
            cursor=WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first())
        assert webhooks.dispatch()["delivered"] == 1


def test_redirects_are_not_followed_and_only_loopback_is_allowed(ref, judge, case, receiver, settings):
    rx = receiver(script=[302])
    with time_machine.travel(T0, tick=False):
        _subscribe(rx.url, events=[WebhookEvent.ASSIGNED])
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        assert webhooks.dispatch()["failed"] == 1
    assert WebhookDelivery.objects.get().last_status_code == 302
    with pytest.raises(ValidationError):
        _subscribe("https://example.com/hook")
    with pytest.raises(ValidationError):
        _subscribe("ftp://127.0.0.1/hook")
    with pytest.raises(ValidationError):
        _subscribe(rx.url, events=["work_order.exploded"])


def test_admin_creates_a_subscription_and_sees_the_secret_once(ref, admin_user, client, receiver):
    rx = receiver()
    client.force_login(admin_user)
    r = client.post(reverse("admin:api_webhooksubscription_add"), {
        "name": "公安局系统", "agency": Agency.objects.get(code="PSB").pk, "url": rx.url,
        "events": ["work_order.assigned", "work_order.reopened"], "is_active": "on",
        "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"})
    assert r.status_code == 200, r.content[:500]
    sub = WebhookSubscription.objects.get()
    assert sub.secret in r.content.decode()
    assert sub.events == ["work_order.assigned", "work_order.reopened"]
    assert sub.secret not in client.get(reverse("admin:api_webhooksubscription_change", args=[sub.pk])).content.decode()
    r = client.post(reverse("admin:api_webhooksubscription_add"), {
        "name": "x", "agency": Agency.objects.get(code="PSB").pk, "url": "https://example.com/",
        "events": ["work_order.assigned"], "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"})
    assert WebhookSubscription.objects.count() == 1 and "127.0.0.1" in r.content.decode()


def test_task_and_command(ref, judge, case, receiver, capsys):
    from api.tasks import dispatch_webhooks

    assert dispatch_webhooks.name == "api.webhooks.dispatch"
    assert settings.CELERY_BEAT_SCHEDULE["dispatch-webhooks"]["task"] == dispatch_webhooks.name
    rx = receiver()
    with time_machine.travel(T0, tick=False):
        _subscribe(rx.url, events=[WebhookEvent.ASSIGNED])
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        assert dispatch_webhooks.apply().get() == {"created": 1, "delivered": 1, "failed": 0}
        make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
        call_command("dispatch_webhooks")
    assert "delivered 1" in capsys.readouterr().out
    assert len(rx.posts) == 2


def test_revoking_the_key_stops_its_subscriptions(ref, receiver):
    from tests.test_api_support import issue_key

    issued = issue_key()
    sub = services.webhook_subscription_create(name="x", agency=issued.api_key.agency, url=receiver().url,
                                               events=[WebhookEvent.ASSIGNED], api_key=issued.api_key)
    services.api_key_revoke(api_key=issued.api_key)
    sub.refresh_from_db()
    assert not sub.is_active
    assert client_for(key=issued.raw).get(url("me")).status_code == 401
