from django.contrib import admin

from enforcement_hub.admin_base import ReadOnlyModelAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    """Written only by `audit.services`; browse and search, never edit."""

    list_display = ["at", "actor", "action", "object_type", "object_repr", "changes"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor", "action", "object_type", "object_id", "object_repr", "changes"]
