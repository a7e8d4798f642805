from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from enforcement_hub.admin_base import (
    AuditedModelAdmin,
    ReadOnlyInline,
    ReadOnlyModelAdmin,
    ScopedAdminMixin,
    render_reason_form,
    render_revealed,
)

from . import calendar as calendar_services
from . import rules, selectors, services
from .errors import ConflictError
from .models import (
    Attachment,
    CalendarDay,
    CalendarYear,
    Escalation,
    EscalationRule,
    ExtensionRequest,
    FilingToken,
    Reply,
    SlaPolicy,
    WorkOrder,
    WorkOrderBatch,
    WorkOrderEvent,
)


class EventInline(ReadOnlyInline):
    model = WorkOrderEvent
    fields = ["created_at", "actor", "action", "from_status", "to_status", "details"]
    readonly_fields = fields


class ReplyInline(ReadOnlyInline):
    model = Reply
    fields = ["created_at", "outcome", "result_text", "answered_by"]
    readonly_fields = fields


class EscalationInline(ReadOnlyInline):
    model = Escalation
    fields = ["step", "due_at", "fired_at", "notified"]
    readonly_fields = fields


@admin.register(WorkOrder)
class WorkOrderAdmin(ScopedAdminMixin, ReadOnlyModelAdmin):
    scope = staticmethod(selectors.work_orders_for)
    """The work order and its log change only through the services: the admin
    shows them read-only and offers actions that call those services."""

    list_display = ["reference", "subject", "case", "agency", "type", "status", "due_at",
                    "due_provisional", "escalation_level"]
    list_filter = ["status", "type", "due_provisional", "escalation_level", "agency", "court"]
    search_fields = ["subject", "case__number"]
    list_select_related = ["case", "agency"]
    date_hierarchy = "due_at"
    fields = ["case", "court", "judge", "respondent", "respondent_id_number", "agency", "duty", "type",
              "subject", "details", "batch", "status", "submitted_at", "receipt_date", "period_days", "due_at",
              "due_provisional", "signed_at", "answered_at", "closed_at", "withdrawn_at", "return_count",
              "escalation_level", "next_escalation_at"]
    readonly_fields = fields
    inlines = [ReplyInline, EscalationInline, EventInline]
    actions = ["withdraw_selected", "reveal_respondent_ids"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("respondent")

    @admin.display(description=_("respondent ID number"))
    def respondent_id_number(self, obj):
        return obj.respondent.masked_id_number if obj.respondent_id else ""

    @admin.action(description=_("Withdraw the selected work orders (logged)"))
    def withdraw_selected(self, request, queryset):
        if not request.POST.get("apply"):
            return render_reason_form(
                request, self, queryset, action="withdraw_selected",
                title=_("Withdraw work orders"), label=_("Reason for the withdrawal"))
        done = 0
        for wo in queryset:
            try:
                services.work_order_withdraw(work_order=wo, actor=request.user, reason=request.POST.get("reason", ""))
                done += 1
            except (ConflictError, PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{wo.reference}: {_error_text(exc)}", messages.ERROR)
        self.message_user(request, _("%(n)d work order(s) withdrawn.") % {"n": done}, messages.INFO)
        return None

    @admin.action(description=_("Reveal the respondents' ID numbers (logged)"))
    def reveal_respondent_ids(self, request, queryset):
        rows = []
        for wo in queryset.select_related("respondent"):
            try:
                number = services.respondent_id_reveal(work_order=wo, actor=request.user)
            except PermissionDenied as exc:
                self.message_user(request, f"{wo.reference}: {_error_text(exc)}", messages.ERROR)
                continue
            if number:
                rows.append((f"{wo.reference} {wo.respondent}", number))
        return render_revealed(request, self, rows)


def _error_text(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "work_order", "actor", "action", "from_status", "to_status"]
    list_filter = ["action"]
    search_fields = ["work_order__case__number"]
    list_select_related = ["work_order", "actor"]
    readonly_fields = ["work_order", "actor", "action", "from_status", "to_status", "details", "created_at"]


@admin.register(Reply)
class ReplyAdmin(ReadOnlyModelAdmin):
    list_display = ["work_order", "outcome", "answered_by", "created_at"]
    list_filter = ["outcome"]
    list_select_related = ["work_order", "answered_by"]
    readonly_fields = ["work_order", "outcome", "result_text", "answered_by", "created_at"]


@admin.register(Attachment)
class AttachmentAdmin(ScopedAdminMixin, ReadOnlyModelAdmin):
    scope = staticmethod(selectors.attachments_for)
    list_display = ["original_name", "work_order", "purpose", "content_type", "size", "uploaded_at"]
    list_filter = ["purpose", "content_type"]
    list_select_related = ["work_order"]
    exclude = ["file"]
    readonly_fields = ["work_order", "reply", "purpose", "original_name", "content_type", "size", "sha256",
                       "uploaded_by"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ScopedAdminMixin, ReadOnlyModelAdmin):
    scope = staticmethod(selectors.extensions_for)
    """Decided on the work-order page (`services.extension_decide`)."""

    list_display = ["work_order", "days", "status", "requested_by", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["work_order", "requested_by", "decided_by"]
    readonly_fields = ["work_order", "requested_by", "days", "reason", "status", "decided_by",
                       "decided_at", "decision_note"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Edits go through the calendar services so open deadlines are recomputed."""

    list_display = ["date", "is_working", "note", "source"]
    list_filter = ["is_working", "source"]
    search_fields = ["note"]
    date_hierarchy = "date"
    fields = ["date", "is_working", "note"]

    def save_model(self, request, obj, form, change):
        moved = 0
        old_date = form.initial.get("date") if change else None
        if old_date and old_date != obj.date:
            moved += calendar_services.calendar_day_delete(day=old_date, actor=request.user)
        moved += calendar_services.calendar_day_set(
            day=obj.date, is_working=obj.is_working, note=obj.note, actor=request.user)
        obj.pk = CalendarDay.objects.get(date=obj.date).pk
        self.message_user(request, _("%(n)d open deadline(s) recomputed.") % {"n": moved}, messages.INFO)

    def delete_model(self, request, obj):
        moved = calendar_services.calendar_day_delete(day=obj.date, actor=request.user)
        self.message_user(request, _("%(n)d open deadline(s) recomputed.") % {"n": moved}, messages.INFO)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "loaded_at"]
    actions = ["reload_official"]

    @admin.action(description=_("Reload the official schedule for the selected years"))
    def reload_official(self, request, queryset):
        moved = 0
        for cy in queryset:
            try:
                moved += calendar_services.calendar_load_year(year=cy.year, actor=request.user)
            except ValueError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(request, _("%(n)d open deadline(s) recomputed.") % {"n": moved}, messages.INFO)

    def save_model(self, request, obj, form, change):
        calendar_services.calendar_year_mark(year=obj.year, source=obj.source or "manual")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    """Edits are audited; they set the period of new submissions (see workorders.rules)."""

    list_display = ["type", "working_days", "updated_at"]

    def create_object(self, request, values):
        return rules.sla_policy_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return rules.sla_policy_update(policy=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        rules.sla_policy_delete(policy=obj, actor=request.user)


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedModelAdmin):
    """Edits are audited and reschedule the open work orders of the type."""

    list_display = ["type", "warning_time", "center_after_days", "supervision_after_days"]

    def create_object(self, request, values):
        return rules.escalation_rule_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return rules.escalation_rule_update(rule=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        rules.escalation_rule_delete(rule=obj, actor=request.user)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyModelAdmin):
    list_display = ["work_order", "step", "due_at", "fired_at", "notified"]
    list_filter = ["step"]
    list_select_related = ["work_order"]
    readonly_fields = ["work_order", "step", "due_at", "fired_at", "notified"]


@admin.register(WorkOrderBatch)
class WorkOrderBatchAdmin(ScopedAdminMixin, ReadOnlyModelAdmin):
    scope = staticmethod(selectors.batches_for)
    list_display = ["reference", "court", "created_by", "total", "created_count", "created_at", "finished_at"]
    readonly_fields = ["reference", "court", "created_by", "total", "created_count", "finished_at"]
    search_fields = ["reference"]


@admin.register(FilingToken)
class FilingTokenAdmin(ReadOnlyModelAdmin):
    """Spent one-time form tokens: which filing each form became."""

    list_display = ["token", "user", "work_order", "batch", "used_at"]
    list_select_related = ["user", "work_order", "batch"]
    date_hierarchy = "used_at"
