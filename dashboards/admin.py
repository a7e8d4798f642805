from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enforcement_hub.admin_base import ReadOnlyModelAdmin

from .models import (
    AgencyDailyCounts,
    BacklogSnapshot,
    JointMeeting,
    RankingPolicy,
    RollupState,
    SnapshotDay,
    WorkingDayOrdinal,
)


@admin.register(RankingPolicy)
class RankingPolicyAdmin(admin.ModelAdmin):
    list_display = ["threshold_percent", "min_due", "updated_at"]

    def has_add_permission(self, request):
        # One policy: the scorecards read the first row.
        return not RankingPolicy.objects.exists()


@admin.register(JointMeeting)
class JointMeetingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "title", "location"]
    date_hierarchy = "held_on"


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = ["last_finished_at", "last_full_at", "last_days", "last_ms"]
    readonly_fields = ["last_started_at", "last_finished_at", "last_full_at", "last_days", "last_ms"]
    actions = ["run_full"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Rebuild the rollups now (full)"))
    def run_full(self, request, queryset):
        from .services import refresh_rollups

        result = refresh_rollups(full=True)
        self.message_user(request, _("Rollup rebuilt in %(ms)d ms.") % {"ms": result.ms})


class RollupRowAdmin(ReadOnlyModelAdmin):
    """Rollup rows are written only by the rollup job."""


@admin.register(AgencyDailyCounts)
class AgencyDailyCountsAdmin(RollupRowAdmin):
    list_display = ["day", "agency", "court", "received", "answered", "due", "on_time", "late_unanswered"]
    list_filter = ["agency", "court"]
    list_select_related = ["agency", "court"]
    date_hierarchy = "day"


@admin.register(BacklogSnapshot)
class BacklogSnapshotAdmin(RollupRowAdmin):
    list_display = ["day", "agency", "court", "type", "open", "overdue"]
    list_filter = ["type", "agency"]
    list_select_related = ["agency", "court"]
    date_hierarchy = "day"


@admin.register(SnapshotDay)
class SnapshotDayAdmin(RollupRowAdmin):
    list_display = ["day", "taken_at", "reconstructed"]
    list_filter = ["reconstructed"]


@admin.register(WorkingDayOrdinal)
class WorkingDayOrdinalAdmin(RollupRowAdmin):
    list_display = ["date", "ordinal"]
