"""Where webhooks may go: http(s) to a configured host *and* port, nothing else.

`API_WEBHOOK_ALLOWED_TARGETS` lists `host:port` entries (`[v6]:port` for IPv6);
an entry without a port allows 443 for https and 80 for http. A URL is checked
when a subscription is saved (service, model field, admin form) and again
before each delivery connects, so a row written straight into the table
cannot reach Redis, PostgreSQL or any other port on the host."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


class TargetRefused(Exception):
    """The URL is not one deliveries may connect to (checked before connecting)."""


def _entry(text: str) -> tuple[str, int | None]:
    parts = urlsplit("//" + text.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or parts.path or parts.username is not None:
        raise ImproperlyConfigured(f"API_WEBHOOK_ALLOWED_TARGETS: “{text}” is not host or host:port")
    return parts.hostname.lower(), port


def allowed_targets() -> list[tuple[str, int | None]]:
    """(host, port) pairs from the setting; port None means the scheme's default."""
    return [_entry(e) for e in settings.API_WEBHOOK_ALLOWED_TARGETS if e.strip()]


def _shown(entries) -> str:
    def one(host, port):
        host = f"[{host}]" if ":" in host else host
        return host if port is None else f"{host}:{port}"

    return ", ".join(one(h, p) for h, p in entries) or "—"


def target_of(url: str) -> Target:
    """The scheme, host and port a URL connects to, if it is an allowed target;
    otherwise `TargetRefused` (no translation: callers choose the words)."""
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise TargetRefused("scheme")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefused("userinfo")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise TargetRefused("port") from None
    host = parts.hostname.lower()
    allowed = allowed_targets()
    if (host, port) not in allowed and not ((host, None) in allowed and port == DEFAULT_PORTS[scheme]):
        raise TargetRefused("target")
    return Target(scheme, host, port)


def validate_webhook_url(url: str) -> None:
    """Raise a translated ValidationError unless deliveries may go to `url`."""
    try:
        target_of(url)
    except TargetRefused as exc:
        reason = exc.args[0]
        if reason == "scheme":
            raise ValidationError(_("Enter an http or https URL.")) from None
        if reason == "userinfo":
            raise ValidationError(_("A webhook URL may not contain a user name or password.")) from None
        if reason == "port":
            raise ValidationError(_("The port in this URL is not valid.")) from None
        raise ValidationError(
            _("Webhooks may only be sent to these hosts and ports: %(targets)s "
              "(a host without a port means 443 for https, 80 for http).")
            % {"targets": _shown(allowed_targets())}
        ) from None
