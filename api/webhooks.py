"""Webhook dispatch. The work-order audit log is the outbox: each run turns
new events of a subscription's agency into delivery rows (unique per
subscription and event), then posts due deliveries, signed, with exponential
backoff. The Celery beat task and the `dispatch_webhooks` command call
`dispatch`."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import http.client
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from workorders.models import EventAction, WorkOrderEvent, ever_submitted_q

from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .targets import TargetRefused, target_of

log = logging.getLogger(__name__)

ACTIONS = {
    WebhookEvent.ASSIGNED: (EventAction.SUBMITTED, EventAction.RESUBMITTED),
    WebhookEvent.REOPENED: (EventAction.REOPENED,),
    WebhookEvent.WITHDRAWN: (EventAction.WITHDRAWN,),
    WebhookEvent.EXTENSION_DECIDED: (EventAction.EXTENSION_APPROVED, EventAction.EXTENSION_REFUSED),
}
TYPE_OF = {action: kind for kind, actions in ACTIONS.items() for action in actions}

SIGNATURE_HEADER = "X-EnforcementHub-Signature"
TIMESTAMP_HEADER = "X-EnforcementHub-Timestamp"
EVENT_HEADER = "X-EnforcementHub-Event"
DELIVERY_HEADER = "X-EnforcementHub-Delivery"

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
# Event ids are taken at insert, but a transaction may commit after a later
# one: events this young are scanned again (deduplicated) so none is skipped.
OUTBOX_LAG = timedelta(minutes=5)
FAN_OUT_LIMIT = 2000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over `timestamp.body`, as sent in the signature header."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


# ---------------------------------------------------------------- fan-out

def _payload(event: WorkOrderEvent, kind: str) -> dict:
    wo = event.work_order
    return {
        "type": kind,
        "event_id": event.pk,
        "action": event.action,
        "occurred_at": event.created_at,
        "details": event.details,
        "work_order": {
            "id": wo.pk,
            "reference": wo.reference,
            "status": event.to_status or wo.status,
            "type": wo.type,
            "subject": wo.subject,
            "agency": wo.agency.code,
            "duty": wo.duty.code,
            "court": wo.court.code,
            "case_number": wo.case.number,
            "due_at": wo.due_at,
            "url": settings.SITE_URL.rstrip("/") + reverse("api:work-order-detail", args=[wo.pk]),
        },
    }


def fan_out(*, now: datetime | None = None) -> int:
    """Create deliveries for new events of every active subscription.
    Returns how many were created."""
    now = now or timezone.now()
    created = 0
    for sub_id in WebhookSubscription.objects.filter(is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            sub = (WebhookSubscription.objects.select_for_update(skip_locked=True)
                   .filter(pk=sub_id, is_active=True).first())
            if sub is None:  # another worker has it
                continue
            created += _fan_out_one(sub, now)
    return created


def _fan_out_one(sub: WebhookSubscription, now: datetime) -> int:
    actions = [a for kind in sub.events for a in ACTIONS.get(kind, ())]
    if not actions:
        return 0
    delivered = WebhookDelivery.objects.filter(subscription=sub, event=OuterRef("pk"))
    events = list(
        WorkOrderEvent.objects
        .filter(Q(id__gt=sub.cursor)
                | Q(id__lte=sub.cursor, created_at__gte=now - OUTBOX_LAG, created_at__gt=sub.created_at))
        # A work order never submitted is the court's alone: nothing of it reaches the agency.
        .filter(ever_submitted_q("work_order"), action__in=actions, work_order__agency_id=sub.agency_id)
        .exclude(Exists(delivered))
        .select_related("work_order__case", "work_order__duty", "work_order__agency", "work_order__court")
        .order_by("id")[:FAN_OUT_LIMIT]
    )
    rows = [
        WebhookDelivery(subscription=sub, event=e, event_type=TYPE_OF[e.action],
                        payload=_payload(e, TYPE_OF[e.action]), next_attempt_at=now)
        for e in events
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if events and events[-1].pk > sub.cursor:
        sub.cursor = events[-1].pk
        sub.save(update_fields=["cursor"])
    elif not events:
        # Nothing for this agency: jump over other agencies' events.
        last = WorkOrderEvent.objects.filter(created_at__lt=now - OUTBOX_LAG).order_by("-id") \
            .values_list("id", flat=True).first()
        if last and last > sub.cursor:
            sub.cursor = last
            sub.save(update_fields=["cursor"])
    return len(rows)


# ---------------------------------------------------------------- sending

def _post(url: str, body: bytes, headers: dict) -> int:
    """One POST with http.client: no proxies from the environment, no redirects
    followed (a 3xx is a failure), and only to an allowed host and port, checked
    here again before connecting (`TargetRefused` otherwise)."""
    target = target_of(url)
    parts = urlsplit(url)
    conn_class = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(target.host, target.port, timeout=TIMEOUT_SECONDS)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
        return response.status
    finally:
        conn.close()


# What `last_error` may say. Only these categories: the socket's own words would
# tell a closed port from an open or filtered one (a port scanner's oracle).
REFUSED = "refused: target not allowed"
TIMEOUT = "timeout"
CONNECTION_FAILED = "connection failed"


def _failure(exc: Exception) -> str:
    if isinstance(exc, TargetRefused):
        return REFUSED
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return TIMEOUT
    return CONNECTION_FAILED


def attempt(delivery: WebhookDelivery, *, now: datetime) -> bool:
    """Post one delivery and record the outcome. Returns True when delivered."""
    sub = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "EnforcementHub-Webhooks/1",
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: "sha256=" + sign(sub.secret, timestamp, body),
    }
    code, error = None, ""
    try:
        code = _post(sub.url, body, headers)
    except Exception as exc:  # network errors are the receiver's outage, not ours
        error = _failure(exc)
        log.info("webhook delivery %s: %s", delivery.pk, f"{type(exc).__name__}: {exc}"[:300])
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code = now, code
    ok = code is not None and 200 <= code < 300
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at, delivery.last_error = (
            WebhookDelivery.Status.DELIVERED, now, None, "")
    else:
        delivery.last_error = error or f"HTTP {code}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        log.warning("webhook delivery %s to %s failed (attempt %d): %s",
                    delivery.pk, sub.url, delivery.attempts, delivery.last_error)
    delivery.save(update_fields=["attempts", "last_attempt_at", "last_status_code", "status",
                                 "delivered_at", "next_attempt_at", "last_error"])
    return ok


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Post deliveries whose attempt is due. Claims rows with SKIP LOCKED and a
    lease (next attempt pushed ahead) before posting outside any transaction,
    so two workers never post one delivery at once. Returns (delivered, failed)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
                    subscription__is_active=True)
            .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    ok = failed = 0
    for delivery in WebhookDelivery.objects.filter(pk__in=ids).select_related("subscription").order_by("id"):
        if attempt(delivery, now=now):
            ok += 1
        else:
            failed += 1
    return ok, failed


def dispatch(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    created = fan_out(now=now)
    delivered, failed = deliver_due(now=now)
    return {"created": created, "delivered": delivered, "failed": failed}
