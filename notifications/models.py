from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notice and, at the same time, the outbox row for its email.

    Written in the same transaction as the change it reports, so no user action
    depends on the broker; a Celery job delivers pending emails with retries.
    """

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("New work order for your agency")
        ANSWERED = "answered", _("Your request was answered")
        RETURNED = "returned", _("Your request was returned for supplement")
        RESUBMITTED = "resubmitted", _("A returned work order was resubmitted")
        REOPENED = "reopened", _("A work order was reopened")
        WITHDRAWN = "withdrawn", _("A work order was withdrawn")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_DECIDED = "extension_decided", _("Extension decided")
        DUE_TODAY = "due_today", _("Work order due today")
        ESCALATION = "escalation", _("Work order escalated")
        ACCEPTED = "accepted", _("The court accepted an answer")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("No email address")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications", db_index=False,  # served by notif_recipient
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="notifications",
    )
    # The title in the platform language at the time of writing: shown only for
    # rows without params (older notices). Readers get rendering.render().
    title = models.CharField(_("title"), max_length=200)
    # People's own words (a reason, a result); the generated text comes from params.
    body = models.TextField(_("message"), blank=True)
    # What the notice says, language-free (see notifications/rendering.py).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Makes a repeated sweep harmless: one notice per (recipient, key).
    dedupe_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    email_status = models.CharField(
        _("email status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_next_attempt_at = models.DateTimeField(_("next email attempt"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    email_error = models.TextField(_("last email error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=Q(dedupe_key__isnull=False),
                name="uniq_notification_dedupe",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient"),
            models.Index(
                fields=["recipient"], name="notif_unread", condition=Q(read_at__isnull=True)
            ),
            models.Index(
                fields=["email_next_attempt_at"], name="notif_email_pending",
                condition=Q(email_status="pending"),
            ),
        ]

    def __str__(self):
        return self.rendered().title

    def rendered(self, language=None):
        from .rendering import render

        return render(self, language)


class Preference(models.Model):
    """A user's own settings for notices: the language their e-mails are written in
    (the one they last chose in the header; the platform's language until then)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user} ({self.language})"
