"""Writes for the integration side: API keys, webhook subscriptions and
deliveries. The admin, commands and tasks call these."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyMembership
from workorders.models import WorkOrderEvent

from .models import ApiKey, WebhookDelivery, WebhookEvent, WebhookSubscription
from .selectors import KEY_PREFIX, KEY_PREFIX_LEN, key_hash
from .targets import validate_webhook_url

User = get_user_model()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw: str  # shown once, never stored


@transaction.atomic
def api_key_create(*, name: str, agency: Agency, actor=None) -> IssuedKey:
    """Create a key and its service user (a liaison of `agency`).

    Returns the row and the raw key; only the key's hash is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the key a name (the agency system that uses it)."))
    if not agency.is_active:
        raise ValidationError(_("The agency “%(agency)s” is not active.") % {"agency": agency.name})
    prefix = secrets.token_hex(KEY_PREFIX_LEN // 2)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    user = User(username=f"api-{prefix}", first_name=name[:150], last_name=_("(integration)")[:150])
    user.set_unusable_password()
    user.save()
    AgencyMembership.objects.create(user=user, agency=agency, role=AgencyMembership.Role.LIAISON)
    key = ApiKey.objects.create(name=name[:100], agency=agency, user=user, prefix=prefix,
                                key_hash=key_hash(raw), created_by=actor)
    return IssuedKey(key, raw)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor=None, now=None) -> ApiKey:
    """Revoke at once: the key stops authenticating and its service user is
    deactivated, so no session or cached role can outlive it."""
    now = now or timezone.now()
    key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = now, actor
        key.save(update_fields=["revoked_at", "revoked_by"])
        User.objects.filter(pk=key.user_id).update(is_active=False)
        WebhookSubscription.objects.filter(api_key=key).update(is_active=False)
    return key


def api_key_touch(*, api_key: ApiKey, now=None) -> None:
    """Record use at most once a minute, so most requests write nothing."""
    now = now or timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


# ---------------------------------------------------------------- webhooks

def _validate_events(events) -> list[str]:
    events = list(dict.fromkeys(events or ()))
    if not events:
        raise ValidationError(_("Choose at least one event."))
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError(_("Unknown event type: %(events)s.") % {"events": ", ".join(map(str, unknown))})
    return events


@transaction.atomic
def webhook_subscription_create(*, name: str, agency: Agency, url: str, events, api_key: ApiKey | None = None,
                                actor=None) -> WebhookSubscription:
    """Subscribe; only events logged after this moment are delivered."""
    validate_webhook_url(url)
    events = _validate_events(events)
    if api_key is not None and api_key.agency_id != agency.pk:
        raise ValidationError(_("The API key belongs to another agency."))
    last = WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return WebhookSubscription.objects.create(
        name=(name or "").strip()[:100] or url[:100], agency=agency, api_key=api_key, url=url, events=events,
        secret=secrets.token_urlsafe(32), cursor=last, created_by=actor,
    )


@transaction.atomic
def webhook_subscription_update(*, subscription: WebhookSubscription, name: str, url: str, events,
                                is_active: bool) -> WebhookSubscription:
    validate_webhook_url(url)
    sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    sub.name, sub.url, sub.events, sub.is_active = name.strip()[:100], url, _validate_events(events), is_active
    sub.save(update_fields=["name", "url", "events", "is_active"])
    return sub


@transaction.atomic
def webhook_secret_rotate(*, subscription: WebhookSubscription) -> str:
    secret = secrets.token_urlsafe(32)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret=secret)
    return secret


def webhook_deliveries_retry(*, ids, now=None) -> int:
    """Queue failed or waiting deliveries for an immediate new attempt."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(pk__in=list(ids)).exclude(
        status=WebhookDelivery.Status.DELIVERED
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now)
