from django.contrib import admin

from enforcement_hub.admin_base import AuditedModelAdmin

from . import services
from .models import Agency, AgencyMembership, CenterMembership, Duty, LinkageCenter


@admin.register(LinkageCenter)
class LinkageCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


class DutyInline(admin.TabularInline):
    model = Duty
    extra = 0
    fields = ["code", "name", "area", "default_type", "is_active"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "center", "is_active"]
    list_filter = ["kind", "center", "is_active"]
    search_fields = ["code", "name", "short_name"]
    inlines = [DutyInline]


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "area", "agency", "default_type", "is_active"]
    list_filter = ["area", "default_type", "agency", "is_active"]
    search_fields = ["code", "name", "agency__name"]
    list_select_related = ["agency"]


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(AuditedModelAdmin):
    """Memberships decide who sees which work orders: every edit is audited."""

    list_display = ["user", "agency", "role"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "user__first_name", "agency__name"]
    list_select_related = ["user", "agency"]
    autocomplete_fields = ["user", "agency"]

    def create_object(self, request, values):
        return services.agency_membership_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return services.agency_membership_update(membership=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        services.agency_membership_delete(membership=obj, actor=request.user)


@admin.register(CenterMembership)
class CenterMembershipAdmin(AuditedModelAdmin):
    """Memberships decide who sees which work orders: every edit is audited."""

    list_display = ["user", "center", "role"]
    list_filter = ["role", "center"]
    search_fields = ["user__username", "center__name"]
    list_select_related = ["user", "center"]

    def create_object(self, request, values):
        return services.center_membership_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return services.center_membership_update(membership=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        services.center_membership_delete(membership=obj, actor=request.user)
