"""Agency integrations: API keys, idempotency records, webhook subscriptions
and their deliveries. Rows here change only through api/services.py."""
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .targets import validate_webhook_url


class ApiKey(models.Model):
    """One key per integration, scoped to one agency.

    The key acts as its own service user (a liaison of the agency), so the
    same role rules scope what it sees and the audit log names the integration.
    Only a prefix (to find the row) and the SHA-256 of the whole key are stored;
    the key itself is shown once, when it is created."""

    name = models.CharField(_("name"), max_length=100, help_text=_("The agency system using the key."))
    agency = models.ForeignKey(
        Agency, verbose_name=_("member agency"), on_delete=models.PROTECT, related_name="api_keys"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("service user"), on_delete=models.PROTECT,
        related_name="api_key", editable=False,
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key header.

    Inserted before the action runs, in the action's transaction: a concurrent
    duplicate waits on the unique index and then replays the stored response."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="uniq_idempotency_key"),
        ]

    def __str__(self):
        return self.key


class WebhookEvent(models.TextChoices):
    ASSIGNED = "work_order.assigned", _("Work order assigned (submitted or resubmitted)")
    REOPENED = "work_order.reopened", _("Work order reopened")
    WITHDRAWN = "work_order.withdrawn", _("Work order withdrawn")
    EXTENSION_DECIDED = "work_order.extension_decided", _("Extension decided")


class WebhookSubscription(models.Model):
    """An agency system's endpoint for events on its agency's work orders.

    `cursor` is the id of the last work-order event already turned into
    deliveries; the audit log is the outbox."""

    name = models.CharField(_("name"), max_length=100)
    agency = models.ForeignKey(
        Agency, verbose_name=_("member agency"), on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("API key"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    events = models.JSONField(_("events"), default=list, help_text=_("Event types to deliver."))
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    cursor = models.BigIntegerField(_("last event scanned"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["agency", "name"]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        "workorders.WorkOrderEvent", verbose_name=_("work-order event"), on_delete=models.PROTECT,
        related_name="+",
    )
    event_type = models.CharField(_("event type"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="uniq_webhook_delivery"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_pending",
                         condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.subscription}"
