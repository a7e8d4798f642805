import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from enforcement_hub.inputs import single_line

from .models import Notification, Preference
from .rendering import local_time, normalise_language, stored_title

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 8
EMAIL_SUBJECT_MAX = 200


def notify(*, recipients, kind, params=None, title=None, body="", work_order=None, dedupe_key=None) -> int:
    """Queue an in-app notice (and its email) for each recipient, inside the caller's
    transaction. With a dedupe_key a recipient gets the notice at most once.

    `params` say what happened, language-free (see rendering.py); each reader
    gets the words in their language. `title` is only for a notice without a
    message of its own. `body` holds people's own words. Returns how many rows
    were written."""
    now = timezone.now()
    params = dict(params or {})
    if title is None:
        title = stored_title(kind, params)
    rows = [
        Notification(
            recipient=user, kind=kind, title=str(title)[:200], body=str(body), params=params,
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


def preferred_language(user) -> str:
    """The language a user's e-mails are written in: their last choice, else the platform's."""
    try:
        pref = user.notification_preference
    except Preference.DoesNotExist:
        return settings.LANGUAGE_CODE
    return normalise_language(pref.language)


def set_preferred_language(*, user, language: str) -> str:
    """Remember the language the user chose in the header. Unknown codes are ignored."""
    language = (language or "").lower()
    if language not in {code for code, _name in settings.LANGUAGES}:
        return preferred_language(user)
    user.notification_preference, _created = Preference.objects.update_or_create(
        user=user, defaults={"language": language})
    return language


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
            .select_related("recipient__notification_preference", "work_order__case", "work_order__court")
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
    """One notice as an e-mail (text and HTML), in the recipient's language."""
    language = preferred_language(n.recipient)
    with translation.override(language):
        text = n.rendered()
        context = email_context(n, text)
        body = render_to_string("emails/notification.txt", context)
        html = render_to_string("emails/notification.html", context)
        # A header is one line: a newline in a stored subject would make Django refuse the mail.
        mail = EmailMultiAlternatives(single_line(text.title, EMAIL_SUBJECT_MAX), body,
                                      settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
        mail.attach_alternative(html, "text/html")
        mail.send()


def _link(name, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def email_context(n: Notification, text) -> dict:
    """What the e-mail templates show: greeting, the notice, the work order
    (court, case number, subject, deadline) or the batch's work orders, and links."""
    from workorders.models import reference_for  # notices know work orders by their codes
    user = n.recipient
    wo = n.work_order
    params = n.params or {}
    items = [
        {"reference": reference_for(item[0]), "subject": item[1], "case_number": item[2] if len(item) > 2 else "",
         "url": _link("workorders:detail", item[0])}
        for item in params.get("items", [])
        if isinstance(item, list) and len(item) >= 2 and isinstance(item[0], int)
    ]
    return {
        "name": user.get_full_name() or user.get_username(),
        "title": text.title,
        # The batch's list is shown with its links below instead of the stored plain list.
        "body": "" if items else text.body,
        "work_order": wo,
        "court": wo.court.name if wo else params.get("court", ""),
        "case_number": wo.case.number if wo else "",
        "due": local_time(wo.due_at) if wo and wo.due_at else "",
        "url": _link("workorders:detail", wo.pk) if wo else "",
        "items": items,
        "batch": (n.params or {}).get("batch", ""),
        "inbox_url": _link("workorders:inbox"),
        "notices_url": _link("notifications:list"),
    }
