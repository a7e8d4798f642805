import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from enforcement_hub.inputs import single_line

from .models import Notification

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 8
EMAIL_SUBJECT_MAX = 200


def notify(*, recipients, kind, title, body="", work_order=None, dedupe_key=None) -> int:
    """Queue an in-app notice (and its email) for each recipient, inside the caller's
    transaction. With a dedupe_key a recipient gets the notice at most once.
    Returns how many rows were written."""
    now = timezone.now()
    rows = [
        Notification(
            recipient=user, kind=kind, title=str(title)[:200], body=str(body),
            work_order=work_order, dedupe_key=dedupe_key, email_next_attempt_at=now,
            email_status=Notification.EmailStatus.PENDING if user.email else Notification.EmailStatus.SKIPPED,
        )
        for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    ]
    if not rows:
        return 0
    created = Notification.objects.bulk_create(rows, ignore_conflicts=dedupe_key is not None)
    kick_after_commit()
    return len(created)


def kick_after_commit():
    """One delivery kick per transaction, however many notices it writes."""
    conn = transaction.get_connection()
    if not any(func is kick_delivery for _, func, _ in conn.run_on_commit):
        transaction.on_commit(kick_delivery)


def kick_delivery():
    """Ask a worker to deliver emails now; if the broker is down the periodic
    delivery job picks them up later, so failure here is only logged."""
    from .tasks import deliver_notifications

    try:
        deliver_notifications.apply_async(retry=False)
    except Exception as exc:  # broker unreachable: the outbox keeps the row
        log.warning("could not reach the broker to deliver notifications: %s", exc)


def mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def deliver_pending_emails(*, limit=500) -> int:
    """Send pending emails; a failure backs off exponentially. Returns emails sent.

    Rows are claimed with SKIP LOCKED so that two workers never send one twice."""
    sent = 0
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "work_order")
            .filter(email_status=Notification.EmailStatus.PENDING, email_next_attempt_at__lte=now)
            .order_by("email_next_attempt_at")[:limit]
        )
        for n in batch:
            try:
                _send(n)
            except Exception as exc:
                n.email_attempts += 1
                n.email_error = str(exc)[:1000]
                if n.email_attempts >= MAX_EMAIL_ATTEMPTS:
                    n.email_status = Notification.EmailStatus.FAILED
                else:
                    n.email_next_attempt_at = now + timedelta(minutes=2 ** n.email_attempts)
                log.warning("email for notification %s failed: %s", n.pk, exc)
            else:
                n.email_attempts += 1
                n.email_status = Notification.EmailStatus.SENT
                n.emailed_at = now
                sent += 1
            n.save(update_fields=["email_attempts", "email_error", "email_status",
                                  "email_next_attempt_at", "emailed_at"])
    return sent


def _send(n: Notification):
    with translation.override(settings.LANGUAGE_CODE):
        body = n.body
        if n.work_order_id:
            body += "\n\n" + settings.SITE_URL + reverse("workorders:detail", args=[n.work_order_id])
        # A header is one line: a newline in a stored subject would make Django refuse the mail.
        send_mail(single_line(n.title, EMAIL_SUBJECT_MAX), body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
