"""Notifications are an outbox: filing never waits on the broker, and pending
emails are delivered once a worker can run again."""
import time

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from enforcement_hub.celery import app as celery_app
from notifications.models import Notification
from notifications.services import deliver_pending_emails, kick_delivery
from tests.factories import make_case, make_work_order, user


@pytest.fixture
def broker(monkeypatch):
    """Point Celery at a given broker URL for the test; restore afterwards."""
    original = celery_app.conf.broker_url

    def use(url):
        celery_app.conf.broker_url = url
        # Drop every cached connection so the next publish dials the new URL.
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    yield use
    use(original)


@pytest.mark.django_db(transaction=True)
def test_filing_succeeds_with_the_broker_down_and_delivers_when_it_is_back(ref, broker):
    assert settings.CELERY_BROKER_URL.startswith("redis://")   # the suite runs on real Redis
    broker("redis://127.0.0.1:1/0")     # nothing listens there
    judge = user("judge")
    started = time.monotonic()
    wo = make_work_order(case=make_case(judge=judge), judge=judge)
    assert time.monotonic() - started < 30   # bounded by the connect timeout, never hangs
    pending = Notification.objects.filter(work_order=wo, kind="assigned")
    assert pending.get().email_status == Notification.EmailStatus.PENDING
    assert mail.outbox == []

    broker(settings.CELERY_BROKER_URL)  # the broker is back
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        kick_delivery()
        for _ in range(200):
            if pending.get().email_status == Notification.EmailStatus.SENT:
                break
            time.sleep(0.05)
    n = pending.get()
    assert n.email_status == Notification.EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [[n.recipient.email]]


@pytest.mark.django_db
def test_failed_email_backs_off_and_is_not_sent_twice(ref, judge, settings):
    wo = make_work_order(case=make_case(judge=judge), judge=judge)
    settings.EMAIL_BACKEND = "tests.test_outbox.BrokenBackend"
    assert deliver_pending_emails() == 0
    n = Notification.objects.get(work_order=wo, kind="assigned")
    assert n.email_status == "pending" and n.email_attempts == 1 and n.email_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_pending_emails() == 0          # backing off: not due yet
    Notification.objects.filter(pk=n.pk).update(email_next_attempt_at=n.created_at)
    assert deliver_pending_emails() == 1
    assert deliver_pending_emails() == 0
    assert len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *a, **k):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")
