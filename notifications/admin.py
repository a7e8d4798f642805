from django.contrib import admin

from enforcement_hub.admin_base import ReadOnlyModelAdmin, ScopedAdminMixin

from .models import Notification, Preference
from .selectors import notifications_for


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, ReadOnlyModelAdmin):
    scope = staticmethod(notifications_for)
    """The outbox is written by the services and the delivery task only."""

    list_display = ["created_at", "recipient", "kind", "title", "read_at", "email_status", "email_attempts"]
    list_filter = ["kind", "email_status"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyModelAdmin):
    """Set by the user's own language switch (services.set_preferred_language)."""

    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in Preference._meta.fields]
