from django.contrib import admin

from .models import Court, EnforcementCase, JudgeMembership, Party


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "center"]
    list_filter = ["level", "center"]
    search_fields = ["code", "name"]


@admin.register(JudgeMembership)
class JudgeMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "court"]
    list_filter = ["court"]
    search_fields = ["user__username", "user__first_name", "court__name"]
    list_select_related = ["user", "court"]


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = ["role", "kind", "name", "id_number", "address"]


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(admin.ModelAdmin):
    list_display = ["number", "court", "judge", "cause", "amount", "status", "filed_on"]
    list_filter = ["status", "court"]
    search_fields = ["number", "parties__name"]
    list_select_related = ["court", "judge"]
    inlines = [PartyInline]
    date_hierarchy = "filed_on"

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "kind", "masked_id_number", "case"]
    list_filter = ["role", "kind"]
    search_fields = ["name", "case__number"]
    list_select_related = ["case"]
