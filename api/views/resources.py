"""Cases, attachments, reference data, the calendar, notifications,
scorecards and the caller's identity."""
from datetime import timedelta

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, Duty
from agencies.roles import roles_of
from cases.models import Court
from cases.selectors import cases_for, get_case_for, prefetch_parties
from notifications.models import Notification
from notifications.selectors import get_notification_for, notifications_for
from notifications.services import mark_read
from workorders import deadlines
from workorders.downloads import attachment_response
from workorders.files import ALLOWED as ALLOWED_UPLOADS
from workorders.selectors import get_attachment_for

from .. import serializers as s
from ..filters import CaseFilter, DutyFilter, NotificationFilter
from ..idempotency import idempotent
from ..models import ApiKey
from ..pagination import KeysetPagination
from ..permissions import CanReadScorecards
from ..selectors import scorecards
from .base import ApiViewMixin

CASE_EXAMPLE = {
    "id": 7, "number": "（2026）津0105执1234号",
    "court": {"id": 5, "code": "津0105", "name": "天津市河北区人民法院"}, "judge": "王法官",
    "cause": "民间借贷纠纷", "amount": "100000.00", "status": "open", "filed_on": "2026-03-02",
    "created_at": "2026-03-02T09:00:00+08:00",
    "parties": [
        {"id": 14, "role": "applicant", "kind": "company", "name": "天津市和平商贸有限公司",
         "id_number_masked": "911***********XY12", "address": ""},
        {"id": 15, "role": "respondent", "kind": "person", "name": "张伟",
         "id_number_masked": "120***********1234", "address": "天津市河北区中山路1号"},
    ],
}


AGENCY_EXAMPLE = {
    "id": 6, "code": "PSB", "name": "市公安局", "short_name": "公安局", "kind": "public_security", "is_active": True,
    "center": {"code": "TJ", "name": "天津市司法裁判执行联动中心"},
    "duties": [{"id": 1, "code": "L01", "name": "查询被执行人户籍及身份信息", "area": "locate",
                "default_type": "query", "is_active": True}],
}
DUTY_EXAMPLE = {"id": 1, "code": "L01", "name": "查询被执行人户籍及身份信息", "area": "locate", "default_type": "query",
                "description": "", "is_active": True, "agency": {"id": 6, "code": "PSB", "name": "市公安局"}}
COURT_EXAMPLE = {"id": 5, "code": "津0105", "name": "天津市河北区人民法院", "level": "basic", "parent": "津01"}
ATTACHMENT_EXAMPLE = {"id": 9, "purpose": "reply", "original_name": "答复意见单.pdf", "content_type": "application/pdf",
                      "size": 48213, "sha256": "9f2c…", "reply": 3, "uploaded_at": "2026-11-19T15:02:11+08:00",
                      "download_url": "http://127.0.0.1:8000/api/v1/attachments/9/download/"}
NOTIFICATION_EXAMPLE = {"id": 101, "kind": "assigned", "title": "新的工作交办单 GD0000042：查询被执行人户籍及身份信息：张伟",
                        "body": "办理期限 2026-11-19 18:00。", "work_order": 42,
                        "created_at": "2026-11-18T10:00:00+08:00", "read_at": None}


def _example(name, value):
    return [OpenApiExample(name, value=value, response_only=True)]


# ---------------------------------------------------------------- cases

@extend_schema_view(
    list=extend_schema(summary=_("List cases"), tags=["cases"],
                       description=_("Cases the caller may see, with their parties (ID numbers masked)."),
                       examples=[OpenApiExample("page", response_only=True, value=CASE_EXAMPLE)]),
    retrieve=extend_schema(summary=_("Case detail"), tags=["cases"],
                           examples=[OpenApiExample("case", value=CASE_EXAMPLE, response_only=True)]),
)
class CaseViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    pagination_class = KeysetPagination
    ordering_fields = {"id": (False, False), "created_at": (False, True)}
    default_ordering = "-id"

    def get_queryset(self):
        return cases_for(self.request.user).prefetch_related(prefetch_parties(self.request.user, "visible_parties"))

    def get_object(self):
        case = get_case_for(self.request.user, self.kwargs["pk"])
        prefetch_related_objects([case], prefetch_parties(self.request.user, "visible_parties"))
        return case


# ---------------------------------------------------------------- attachments

@extend_schema_view(
    retrieve=extend_schema(summary=_("Attachment metadata"), tags=["attachments"],
                           examples=_example("attachment", ATTACHMENT_EXAMPLE)),
)
class AttachmentViewSet(ApiViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AttachmentSerializer

    def get_object(self):
        return get_attachment_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary=_("Download an attachment"),
        examples=[OpenApiExample("a PDF", value="%PDF-1.7 …", response_only=True, media_type="application/pdf")],
        description=_("The file itself, as an attachment (never rendered inline), after the same access "
                      "check as its work order."),
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY) for media_type in ALLOWED_UPLOADS},
        tags=["attachments"])
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return attachment_response(self.get_object())


# ---------------------------------------------------------------- reference data

@extend_schema_view(
    list=extend_schema(summary=_("List member agencies with their duties"), tags=["reference data"],
                       examples=_example("agency", AGENCY_EXAMPLE)),
    retrieve=extend_schema(summary=_("Member agency"), tags=["reference data"],
                           examples=_example("agency", AGENCY_EXAMPLE)),
)
class AgencyViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AgencySerializer
    queryset = Agency.objects.select_related("center").prefetch_related("duties").order_by("code")


@extend_schema_view(
    list=extend_schema(summary=_("List duties"), tags=["reference data"], examples=_example("duty", DUTY_EXAMPLE)),
    retrieve=extend_schema(summary=_("Duty"), tags=["reference data"], examples=_example("duty", DUTY_EXAMPLE)),
)
class DutyViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DutySerializer
    filterset_class = DutyFilter
    queryset = Duty.objects.select_related("agency").order_by("code")


@extend_schema_view(
    list=extend_schema(summary=_("List courts"), tags=["reference data"], examples=_example("court", COURT_EXAMPLE)),
    retrieve=extend_schema(summary=_("Court"), tags=["reference data"], examples=_example("court", COURT_EXAMPLE)),
)
class CourtViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CourtSerializer
    queryset = Court.objects.select_related("parent").order_by("code")


# ---------------------------------------------------------------- calendar

class CalendarDaysView(ApiViewMixin, APIView):
    @extend_schema(
        summary=_("Working and non-working days"), tags=["calendar"],
        parameters=[s.CalendarQuerySerializer], responses={200: s.CalendarDaySerializer(many=True)},
        examples=[OpenApiExample("National Day", response_only=True, value=[
            {"date": "2026-10-01", "is_working": False, "note": "国庆节", "official": True},
            {"date": "2026-10-10", "is_working": True, "note": "调休上班（国庆节）", "official": True}])])
    def get(self, request):
        q = s.CalendarQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        start, end = q.validated_data["start"], q.validated_data["end"]
        cal = deadlines.WorkingCalendar()
        days, d = [], start
        while d <= end:
            info = cal.day(d)
            days.append({"date": d, "is_working": info.is_working, "note": info.note, "official": info.official})
            d += timedelta(days=1)
        return Response(s.CalendarDaySerializer(days, many=True).data)


class DueDatePreviewView(ApiViewMixin, APIView):
    @extend_schema(
        summary=_("Preview a due date"), tags=["calendar"],
        description=_("When a work order of this type submitted at this instant would be due, by the "
                      "working-day clock the platform uses."),
        parameters=[s.DueDateQuerySerializer], responses={200: s.DueDateSerializer},
        examples=[OpenApiExample("before National Day", response_only=True, value={
            "type": "query", "submitted_at": "2026-09-30T10:00:00+08:00", "receipt_date": "2026-09-30",
            "receipt_reason": "same_day", "working_days": 1, "due_at": "2026-10-09T18:00:00+08:00",
            "provisional": False})])
    def get(self, request):
        q = s.DueDateQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        at = q.validated_data.get("submitted_at") or timezone.now()
        dl = deadlines.compute_deadline(q.validated_data["type"], at)
        return Response(s.DueDateSerializer({
            "type": q.validated_data["type"], "submitted_at": dl.submitted_at, "receipt_date": dl.receipt_date,
            "receipt_reason": dl.receipt_reason, "working_days": dl.working_days, "due_at": dl.due_at,
            "provisional": dl.provisional}).data)


# ---------------------------------------------------------------- notifications

@extend_schema_view(
    list=extend_schema(summary=_("My notifications"), tags=["notifications"],
                       examples=_example("notification", NOTIFICATION_EXAMPLE)),
    retrieve=extend_schema(summary=_("Notification"), tags=["notifications"],
                           examples=_example("notification", NOTIFICATION_EXAMPLE)),
)
class NotificationViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilter
    pagination_class = KeysetPagination
    ordering_fields = {"id": (False, False)}
    default_ordering = "-id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        return notifications_for(self.request.user)

    def get_object(self):
        return get_notification_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary=_("Mark notifications read"), tags=["notifications"],
        request=s.MarkReadSerializer, responses={200: s.MarkReadResultSerializer},
        examples=[OpenApiExample("some", value={"ids": [101, 102]}, request_only=True),
                  OpenApiExample("result", value={"marked": 2}, response_only=True)])
    @action(detail=False, methods=["post"], url_path="mark-read", url_name="mark-read")
    @idempotent
    def mark_read(self, request):
        ser = s.MarkReadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return Response({"marked": mark_read(user=request.user, ids=ser.validated_data.get("ids"))})


# ---------------------------------------------------------------- scorecards

class ScorecardView(ApiViewMixin, APIView):
    permission_classes = [IsAuthenticated, CanReadScorecards]

    @extend_schema(
        summary=_("Agency scorecards"), tags=["scorecards"],
        description=_("Per agency the caller belongs to or supervises: work orders received, answered and "
                      "answered on time in the period, and open work orders overdue now."),
        parameters=[s.ScorecardQuerySerializer], responses={200: s.ScorecardSerializer},
        examples=[OpenApiExample("month", response_only=True, value={
            "start": "2026-11-01", "end": "2026-11-30", "agencies": [
                {"agency": {"id": 6, "code": "PSB", "name": "市公安局"}, "received": 120, "answered": 110,
                 "answered_on_time": 104, "on_time_rate": 0.9455, "open_overdue": 3}]})])
    def get(self, request):
        q = s.ScorecardQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        start, end = q.validated_data["start"], q.validated_data["end"]
        rows = scorecards(user=request.user, start=start, end=end, now=timezone.now())
        return Response(s.ScorecardSerializer({"start": start, "end": end, "agencies": rows}).data)


# ---------------------------------------------------------------- me

class MeView(ApiViewMixin, APIView):
    @extend_schema(
        summary=_("Who am I"), tags=["identity"], responses={200: s.MeSerializer},
        examples=[OpenApiExample("agency key", response_only=True, value={
            "username": "api-3f9a1c2b4d5e", "name": "公安局执行联动系统", "role": "liaison", "court_ids": [],
            "agency_ids": [6], "center_ids": [], "api_key": {"name": "公安局执行联动系统", "agency": "PSB",
                                                             "prefix": "3f9a1c2b4d5e"}})])
    def get(self, request):
        user, roles = request.user, roles_of(request.user)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        return Response(s.MeSerializer({
            "username": user.get_username(), "name": user.get_full_name() or user.get_username(),
            "role": roles.primary, "court_ids": sorted(roles.court_ids), "agency_ids": sorted(roles.agency_ids),
            "center_ids": sorted(roles.center_ids),
            "api_key": None if key is None else {"name": key.name, "agency": key.agency.code, "prefix": key.prefix},
        }).data)
