"""Login lockout (django-axes): the answer a locked-out login gets, the client address axes
counts against, and the admin pages where an administrator sees and lifts lockouts.

The policy itself (limit, cool-off, per username and address) is in settings."""
from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.conf import settings
from django.contrib import admin
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

# Axes ships no Simplified Chinese; these of its admin strings are translated in our catalogue.
_AXES_STRINGS = [
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access log"),
    gettext_noop("access logs"), gettext_noop("access failure"), gettext_noop("access failures"),
    gettext_noop("Locked Out"), gettext_noop("Attempt Remaining"), gettext_noop("Failed Logins"),
    gettext_noop("IP Address"), gettext_noop("Attempt Time"), gettext_noop("Logout Time"),
    gettext_noop("User Agent"), gettext_noop("Path"), gettext_noop("Access lock out"),
    gettext_noop("Form Data"), gettext_noop("Meta Data"), gettext_noop("Expires At"),
]


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed logins for this account from your address: it is locked for %(minutes)d "
        "minute. Try again later, or ask an administrator to unlock it.",
        "Too many failed logins for this account from your address: it is locked for %(minutes)d "
        "minutes. Try again later, or ask an administrator to unlock it.",
        minutes) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page that was just rendered (the site's or the admin's,
    each in its own layout), its error replaced by the lockout message, as 429 with Retry-After."""
    message = lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(original_response, TemplateResponse) and form is not None:
        form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
        original_response.content = original_response.rendered_content
        response = original_response
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8")
    response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE. With TRUSTED_PROXY_COUNT = n > 0 proxies in front, each
    appending its peer to X-Forwarded-For, the client is the n-th entry from the right; what
    lies further left the client wrote itself. Too few entries: the peer address."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    return hops[-count] if len(hops) >= count else remote


class LockoutAdmin(AccessAttemptAdmin):
    """Failed-login counters: view only; unlocking deletes the counter (the "Unlock" action,
    the same as `manage.py axes_reset_username`)."""
    actions = ["unlock"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Unlock the selected logins"), permissions=["delete"])
    def unlock(self, request, queryset):
        count = sum(reset(ip=a.ip_address, username=a.username) for a in queryset)
        self.message_user(request, ngettext("%(count)d login unlocked.", "%(count)d logins unlocked.",
                                            count) % {"count": count})


class ViewOnlyLogAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def register_admin(site: admin.AdminSite) -> None:
    """Replace axes' own admin pages by view-only ones (the login logs are an audit trail)."""
    for model, base in ((AccessAttempt, LockoutAdmin), (AccessLog, AccessLogAdmin),
                        (AccessFailureLog, AccessFailureLogAdmin)):
        if site.is_registered(model):
            site.unregister(model)
        if base is LockoutAdmin:
            site.register(model, base)
        else:
            site.register(model, type(base.__name__, (ViewOnlyLogAdmin, base), {}))
