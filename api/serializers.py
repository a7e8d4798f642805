"""Shapes of what goes in and out. No logic lives here: writes are validated
for form, then handed to the services."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, Duty, WorkOrderType
from cases.masking import mask_identifier
from cases.models import Court, EnforcementCase, Party
from enforcement_hub.inputs import check_datetime, reject_control_characters, reject_line_breaks
from notifications.models import Notification
from workorders.models import (
    Attachment,
    ExtensionRequest,
    Reply,
    Status,
    WorkOrder,
    WorkOrderEvent,
    is_overdue,
    reference_for,
)
from workorders.limits import REASON_MAX_LENGTH, TEXT_MAX_LENGTH
from workorders.transitions import Action

# Set by the services from the work order's duty, case, clock and sweep; a
# caller naming one of these is told so rather than silently ignored.
PROTECTED_FIELDS = frozenset({
    "agency", "agency_id", "status", "due_at", "due_provisional", "receipt_date", "period_days",
    "submitted_at", "signed_at", "answered_at", "closed_at", "withdrawn_at", "escalation_level",
    "escalation_step", "next_escalation_at", "court", "court_id", "judge", "judge_id", "return_count",
    "id", "reference", "created_at", "updated_at",
})


# ---------------------------------------------------------------- references

class CourtRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AgencyRefSerializer(CourtRefSerializer):
    pass


class DutyRefSerializer(CourtRefSerializer):
    pass


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class PartySerializer(serializers.ModelSerializer):
    id_number_masked = serializers.CharField(source="masked_id_number", read_only=True,
                                             help_text=_("ID number or credit code, masked."))

    class Meta:
        model = Party
        fields = ["id", "role", "kind", "name", "id_number_masked", "address"]


class RespondentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    id_number_masked = serializers.CharField()


# ---------------------------------------------------------------- work orders

class WorkOrderListSerializer(serializers.Serializer):
    """A list row. `to_representation` is written out by hand: it runs 50 times
    per page and DRF's field machinery would be most of the request's cost."""

    id = serializers.IntegerField()
    reference = serializers.CharField(help_text=_("Human reference, e.g. GD0000042."))
    url = serializers.URLField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    subject = serializers.CharField()
    case = CaseRefSerializer()
    court = CourtRefSerializer()
    agency = AgencyRefSerializer()
    duty = DutyRefSerializer()
    judge = serializers.CharField(help_text=_("The requesting judge's name."))
    respondent = RespondentRefSerializer(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    receipt_date = serializers.DateField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    due_provisional = serializers.BooleanField()
    overdue = serializers.BooleanField()
    escalation_level = serializers.IntegerField(help_text=_("Escalation step reached (0–4)."))
    return_count = serializers.IntegerField()
    has_pending_extension = serializers.BooleanField()
    signed_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def _shared(self):
        """Per-request constants, computed once for the whole page."""
        ctx = self.context
        shared = ctx.get("_list_shared")
        if shared is None:
            request = ctx.get("request")
            path = reverse("api:work-order-detail", args=[0])
            base = request.build_absolute_uri(path) if request else path
            head, tail = base.rsplit("/0/", 1)
            shared = ctx["_list_shared"] = {
                "now": ctx.get("now") or timezone.now(),
                "tz": timezone.get_current_timezone(),
                "url": (head + "/", "/" + tail),
                "labels": {value: str(label) for value, label in Status.choices},
            }
        return shared

    def to_representation(self, row: dict):
        """`row` is a dict of api.selectors.LIST_COLUMNS; what it points at comes
        from `context["related"]` (api.selectors.related_of)."""
        sh = self._shared()
        tz, rel = sh["tz"], self.context.get("related", {})

        def local(dt):
            return dt.astimezone(tz).isoformat() if dt is not None else None

        def ref(kind):
            pk = row[f"{kind}_id"]
            code, name, _ = rel.get((kind, pk), (None, None, None))
            return {"id": pk, "code": code, "name": name}

        pk, status, due_at = row["id"], row["status"], row["due_at"]
        username, first, last = rel.get(("judge", row["judge_id"]), ("", "", ""))
        respondent = rel.get(("respondent", row["respondent_id"])) if row["respondent_id"] else None
        return {
            "id": pk,
            "reference": reference_for(pk),
            "url": f"{sh['url'][0]}{pk}{sh['url'][1]}",
            "status": status,
            "status_label": sh["labels"].get(status, status),
            "type": row["type"],
            "subject": row["subject"],
            "case": {"id": row["case_id"], "number": rel.get(("case", row["case_id"]), ("",))[0]},
            "court": ref("court"),
            "agency": ref("agency"),
            "duty": ref("duty"),
            "judge": " ".join(p for p in (first, last) if p) or username,
            "respondent": None if respondent is None else {
                "id": row["respondent_id"], "name": respondent[0], "kind": respondent[1],
                "id_number_masked": mask_identifier(respondent[2]),
            },
            "submitted_at": local(row["submitted_at"]),
            "receipt_date": row["receipt_date"].isoformat() if row["receipt_date"] else None,
            "due_at": local(due_at),
            "due_provisional": row["due_provisional"],
            "overdue": is_overdue(status, due_at, sh["now"]),
            "escalation_level": row["escalation_level"],
            "return_count": row["return_count"],
            "has_pending_extension": bool(row["pending_extension"]),
            "signed_at": local(row["signed_at"]),
            "answered_at": local(row["answered_at"]),
            "closed_at": local(row["closed_at"]),
            "withdrawn_at": local(row["withdrawn_at"]),
            "created_at": local(row["created_at"]),
            "updated_at": local(row["updated_at"]),
        }


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "purpose", "original_name", "content_type", "size", "sha256", "reply", "uploaded_at",
                  "download_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj):
        path = reverse("api:attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReplySerializer(serializers.ModelSerializer):
    answered_by = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["id", "outcome", "result_text", "answered_by", "created_at"]

    def get_answered_by(self, obj) -> str:
        return obj.answered_by.get_full_name() or obj.answered_by.get_username()


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "days", "reason", "status", "created_at", "decided_at", "decision_note"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrderEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "details", "created_at"]

    def get_actor(self, obj) -> str | None:
        if obj.actor is None:
            return None
        return obj.actor.get_full_name() or obj.actor.get_username()


class WorkOrderDetailSerializer(WorkOrderListSerializer):
    details = serializers.CharField()
    period_days = serializers.IntegerField(allow_null=True)
    allowed_actions = serializers.ListField(child=serializers.ChoiceField(choices=[a.value for a in Action]))
    replies = ReplySerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    extensions = ExtensionSerializer(many=True)
    events = EventSerializer(many=True)

    def to_representation(self, wo: WorkOrder):
        from workorders.access import allowed_actions

        from .selectors import row_of

        ctx = self.context
        row, ctx["related"] = row_of(wo)
        data = super().to_representation(row)
        request = ctx.get("request")
        data.update({
            "details": wo.details,
            "period_days": wo.period_days,
            "allowed_actions": sorted(a.value for a in allowed_actions(request.user, wo)) if request else [],
            "replies": ReplySerializer(wo.replies.all(), many=True, context=ctx).data,
            "attachments": AttachmentSerializer(wo.attachments.all(), many=True, context=ctx).data,
            "extensions": ExtensionSerializer(wo.extensions.all(), many=True, context=ctx).data,
            "events": EventSerializer(wo.events.select_related("actor").order_by("id"), many=True, context=ctx).data,
        })
        data["has_pending_extension"] = any(e["status"] == ExtensionRequest.Decision.PENDING for e in data["extensions"])
        return data


class ProtectedFieldsMixin:
    """Reject fields the services set: a client must learn that its value was not applied."""

    def validate(self, attrs):
        sent = set(getattr(self, "initial_data", {}) or {})
        named = sorted(sent & PROTECTED_FIELDS)
        if named:
            raise serializers.ValidationError({
                name: [_("This field is set by the platform and cannot be written.")] for name in named
            })
        return super().validate(attrs)


class CleanTextMixin:
    """Every writable text field refuses control characters, as the page forms do."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.CharField) and not field.read_only \
                    and reject_control_characters not in field.validators:
                field.validators.append(reject_control_characters)
        return fields


class WriteSerializer(ProtectedFieldsMixin, CleanTextMixin, serializers.Serializer):
    """The base of every request body."""


class FilesField(serializers.ListField):
    child = serializers.FileField(allow_empty_file=False)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", settings.MAX_UPLOAD_FILES)
        kwargs.setdefault("help_text", _("Files (PDF, PNG, JPEG, Word, Excel); send as multipart/form-data."))
        super().__init__(**kwargs)


class WorkOrderCreateSerializer(WriteSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=EnforcementCase.objects.none(), help_text=_("Case id."))
    duty = serializers.PrimaryKeyRelatedField(queryset=Duty.objects.filter(is_active=True),
                                              help_text=_("Duty id; it decides the agency."))
    respondent = serializers.PrimaryKeyRelatedField(queryset=Party.objects.none(), required=False,
                                                    allow_null=True, help_text=_("Respondent party id."))
    type = serializers.ChoiceField(choices=WorkOrderType.choices, required=False, allow_null=True,
                                   help_text=_("Defaults to the duty's type."))
    subject = serializers.CharField(max_length=200, validators=[reject_line_breaks])
    details = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(required=False, default=False,
                                      help_text=_("Submit at once instead of keeping a draft."))
    allow_duplicate = serializers.BooleanField(
        required=False, default=False,
        help_text=_("File even though an open work order for the same case, duty and respondent exists; "
                    "without it such a request is refused with 409."))
    attachments = FilesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.selectors import cases_for

        request = self.context.get("request")
        if request is not None:
            visible = cases_for(request.user)
            self.fields["case"].queryset = visible
            self.fields["respondent"].queryset = Party.objects.filter(case__in=visible.values("pk"))


class ReasonSerializer(WriteSerializer):
    # Blank reasons reach the service, which owns the rule and its message.
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, trim_whitespace=False)


class OptionalReasonSerializer(WriteSerializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class EmptySerializer(WriteSerializer):
    pass


class ResubmitSerializer(WriteSerializer):
    note = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    details = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True,
                                    help_text=_("The request's details as they should now read; omitted: unchanged."))
    respondent = serializers.PrimaryKeyRelatedField(
        queryset=Party.objects.none(), required=False, allow_null=True,
        help_text=_("Respondent party id of the same case, or null for the case as a whole; omitted: unchanged."))
    remove_attachments = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=100,
        help_text=_("Ids of the request's documents to remove; each removal is logged."))
    attachments = FilesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.selectors import cases_for

        request = self.context.get("request")
        if request is not None:
            self.fields["respondent"].queryset = Party.objects.filter(case__in=cases_for(request.user).values("pk"))


class AnswerSerializer(WriteSerializer):
    outcome = serializers.ChoiceField(choices=Reply.Outcome.choices)
    result_text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    attachments = FilesField()


class ExtensionRequestSerializer(WriteSerializer):
    days = serializers.IntegerField(min_value=1, max_value=30, help_text=_("Working days to add (1–30)."))
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class ExtensionDecisionSerializer(WriteSerializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- cases

class CaseSerializer(serializers.ModelSerializer):
    court = CourtRefSerializer()
    judge = serializers.SerializerMethodField()
    # Only the parties the caller may see (`cases.selectors.prefetch_parties(user,
    # to_attr="visible_parties")`); a view that forgets the prefetch fails closed.
    parties = PartySerializer(many=True, source="visible_parties")

    class Meta:
        model = EnforcementCase
        fields = ["id", "number", "court", "judge", "cause", "amount", "status", "filed_on", "created_at", "parties"]

    def get_judge(self, obj) -> str | None:
        if obj.judge is None:
            return None
        return obj.judge.get_full_name() or obj.judge.get_username()


# ---------------------------------------------------------------- reference data

class DutySerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer()

    class Meta:
        model = Duty
        fields = ["id", "code", "name", "area", "default_type", "description", "is_active", "agency"]


class AgencyDutySerializer(serializers.ModelSerializer):
    class Meta:
        model = Duty
        fields = ["id", "code", "name", "area", "default_type", "is_active"]


class AgencySerializer(serializers.ModelSerializer):
    center = serializers.SerializerMethodField()
    duties = AgencyDutySerializer(many=True)

    class Meta:
        model = Agency
        fields = ["id", "code", "name", "short_name", "kind", "is_active", "center", "duties"]

    @extend_schema_field({"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}})
    def get_center(self, obj):
        return {"code": obj.center.code, "name": obj.center.name}


class CourtSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Court
        fields = ["id", "code", "name", "level", "parent"]


# ---------------------------------------------------------------- calendar

MIN_YEAR, MAX_YEAR = 2000, 2100


def sane_year(value):
    """The clock works on real calendars; far years would only overflow it."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(
            _("Use a date between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR})
    return value


class CalendarQuerySerializer(serializers.Serializer):
    start = serializers.DateField(validators=[sane_year])
    end = serializers.DateField(validators=[sane_year])

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        if (attrs["end"] - attrs["start"]).days > 366:
            raise serializers.ValidationError({"end": [_("Ask for at most 366 days at a time.")]})
        return attrs


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_working = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    official = serializers.BooleanField(help_text=_("From the calendar table (a holiday or an adjusted working day)."))


class InstantField(serializers.DateTimeField):
    """An ISO 8601 instant whose offset and year are checked before it is
    converted to the server's time zone (an impossible offset is a 400)."""

    def enforce_timezone(self, value):
        try:
            check_datetime(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code)
        return super().enforce_timezone(value)


class DueDateQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    submitted_at = InstantField(required=False, validators=[sane_year],
                                             help_text=_("Defaults to now."))


class DueDateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    submitted_at = serializers.DateTimeField()
    receipt_date = serializers.DateField()
    receipt_reason = serializers.ChoiceField(choices=["same_day", "after_close", "non_working_day"])
    working_days = serializers.IntegerField()
    due_at = serializers.DateTimeField()
    provisional = serializers.BooleanField()


# ---------------------------------------------------------------- notifications

class NotificationSerializer(serializers.ModelSerializer):
    # Written for the reader: in the request's language (Accept-Language).
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "work_order", "created_at", "read_at"]

    def _text(self, obj):
        cache = self.context.setdefault("_notice_text", {})
        if obj.pk not in cache:
            cache[obj.pk] = obj.rendered()
        return cache[obj.pk]

    def get_title(self, obj) -> str:
        return self._text(obj).title

    def get_body(self, obj) -> str:
        return self._text(obj).body


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False,
                                allow_empty=False, max_length=1000,
                                help_text=_("Notification ids; omit to mark all as read."))


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


# ---------------------------------------------------------------- scorecards

class ScorecardQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, validators=[sane_year],
                                  help_text=_("First day (default: first of this month)."))
    end = serializers.DateField(required=False, validators=[sane_year], help_text=_("Last day (default: today)."))

    def validate(self, attrs):
        today = timezone.localdate()
        attrs.setdefault("end", today)
        attrs.setdefault("start", attrs["end"].replace(day=1))
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        if (attrs["end"] - attrs["start"]).days > 731:
            raise serializers.ValidationError({"end": [_("Ask for at most two years at a time.")]})
        return attrs


class ScorecardRowSerializer(serializers.Serializer):
    agency = AgencyRefSerializer()
    received = serializers.IntegerField(help_text=_("Work orders submitted to the agency in the period."))
    answered = serializers.IntegerField(help_text=_("Answers given in the period."))
    answered_on_time = serializers.IntegerField(help_text=_("Answers given by the due time."))
    on_time_rate = serializers.FloatField(allow_null=True, help_text=_("answered_on_time / answered."))
    open_overdue = serializers.IntegerField(help_text=_("Open work orders past their due time now."))


class ScorecardSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    agencies = ScorecardRowSerializer(many=True)


# ---------------------------------------------------------------- me

class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(help_text=_("Primary role: judge, liaison, head, center, supervisor, admin."))
    court_ids = serializers.ListField(child=serializers.IntegerField())
    agency_ids = serializers.ListField(child=serializers.IntegerField())
    center_ids = serializers.ListField(child=serializers.IntegerField())
    api_key = serializers.DictField(allow_null=True, help_text=_("The key used, when authenticated by API key."))


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False)
