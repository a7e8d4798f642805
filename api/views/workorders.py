"""Work orders: list, detail, filing, and every lifecycle action. Each action
looks the work order up through the selector (404 for another agency's or
court's) and calls the same service the pages call."""
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from workorders import services
from workorders.access import require
from workorders.errors import ConflictError
from workorders.models import Attachment, ExtensionRequest, Reply
from workorders.selectors import get_pending_extension_for, get_work_order_for
from workorders.transitions import Action

from .. import serializers as s
from ..filters import WorkOrderFilter
from ..idempotency import idempotent
from ..pagination import KeysetPagination
from ..parsers import BoundedJSONParser
from ..permissions import IsJudge
from ..selectors import related_of, work_order_rows_for, work_orders_for_api
from .base import ApiViewMixin

TAG = ["work orders"]

WORK_ORDER_EXAMPLE = {
    "id": 42, "reference": "GD0000042", "url": "http://127.0.0.1:8000/api/v1/work-orders/42/",
    "status": "submitted", "status_label": "已提交", "type": "query",
    "subject": "查询被执行人户籍及身份信息：张伟",
    "case": {"id": 7, "number": "（2026）津0105执1234号"},
    "court": {"id": 5, "code": "津0105", "name": "天津市河北区人民法院"},
    "agency": {"id": 6, "code": "PSB", "name": "市公安局"},
    "duty": {"id": 1, "code": "L01", "name": "查询被执行人户籍及身份信息"},
    "judge": "王法官",
    "respondent": {"id": 15, "name": "张伟", "kind": "person", "id_number_masked": "120***********1234"},
    "submitted_at": "2026-11-18T10:00:00+08:00", "receipt_date": "2026-11-18",
    "due_at": "2026-11-19T18:00:00+08:00", "due_provisional": False, "overdue": False,
    "escalation_level": 0, "return_count": 0, "has_pending_extension": False,
    "signed_at": None, "answered_at": None, "closed_at": None, "withdrawn_at": None,
    "created_at": "2026-11-18T09:58:12+08:00", "updated_at": "2026-11-18T10:00:00+08:00",
}
DETAIL_EXAMPLE = {
    **WORK_ORDER_EXAMPLE, "details": "请协助查询。", "period_days": 1, "allowed_actions": ["sign", "return",
                                                                                      "request_extension"],
    "replies": [], "attachments": [], "extensions": [],
    "events": [{"id": 301, "action": "submitted", "from_status": "draft", "to_status": "submitted",
                "actor": "王法官", "details": {"due_at": "2026-11-19T18:00:00+08:00"},
                "created_at": "2026-11-18T10:00:00+08:00"}],
}
DETAIL_RESPONSE = [OpenApiExample("work order", value=DETAIL_EXAMPLE, response_only=True)]


def _action_schema(summary, request, example=None, description=""):
    examples = list(DETAIL_RESPONSE)
    if example is not None:
        examples.append(OpenApiExample("request", value=example, request_only=True))
    return extend_schema(summary=summary, description=description, request=request,
                         responses={200: s.WorkOrderDetailSerializer}, examples=examples, tags=TAG)


@extend_schema_view(
    list=extend_schema(
        summary=_("List work orders"),
        description=_(
            "Work orders the caller may see (an agency key: its agency's that were ever submitted), newest first. "
            "Cursor-paginated: follow `next`; there is no total count. For incremental sync use "
            "`updated_since` with `ordering=updated_at`."),
        examples=[OpenApiExample("page", value=WORK_ORDER_EXAMPLE, response_only=True)],
        tags=TAG),
    retrieve=extend_schema(summary=_("Work order detail"), examples=DETAIL_RESPONSE, tags=TAG),
)
class WorkOrderViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.WorkOrderListSerializer
    filterset_class = WorkOrderFilter
    pagination_class = KeysetPagination
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    ordering_fields = {"id": (False, False), "due_at": (True, True), "updated_at": (False, True),
                       "created_at": (False, True), "submitted_at": (True, True)}
    default_ordering = "-id"

    def get_queryset(self):
        return work_order_rows_for(self.request.user)

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "related": related_of(rows)}
        return self.get_paginated_response(s.WorkOrderListSerializer(rows, many=True, context=context).data)

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), IsJudge()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.WorkOrderDetailSerializer
        return super().get_serializer_class()

    def get_object(self):
        wo = get_work_order_for(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, wo)
        return wo

    def _acting_on(self, action_: Action):
        """The work order, if visible (else 404), and if this role acts on it (else 403),
        before the body is even read; the service checks again under its lock."""
        wo = self.get_object()
        require(self.request.user, wo, action_)
        return wo

    def _detail(self, wo, code=status.HTTP_200_OK):
        wo = (work_orders_for_api(self.request.user)
              .prefetch_related(
                  Prefetch("replies", queryset=Reply.objects.select_related("answered_by")),
                  Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
                  Prefetch("extensions", queryset=ExtensionRequest.objects.order_by("-created_at")),
              ).get(pk=wo.pk))
        return Response(s.WorkOrderDetailSerializer(wo, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _input(self, serializer_class, request):
        ser = serializer_class(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    @extend_schema(
        summary=_("File a work order (judges)"),
        description=_(
            "Creates a draft, or submits it at once with `submit: true`. The agency follows from the duty; "
            "status, due date, court and judge are set by the platform and refused if sent. Attachments "
            "need multipart/form-data."),
        request={"application/json": s.WorkOrderCreateSerializer, "multipart/form-data": s.WorkOrderCreateSerializer},
        responses={201: s.WorkOrderDetailSerializer},
        examples=[OpenApiExample("request", request_only=True, value={
            "case": 7, "duty": 1, "respondent": 15, "subject": "查询被执行人户籍及身份信息：张伟",
            "details": "请协助查询。", "submit": True}), *DETAIL_RESPONSE],
        tags=TAG)
    @idempotent
    def create(self, request, *args, **kwargs):
        data = self._input(s.WorkOrderCreateSerializer, request)
        try:
            wo = services.work_order_create(
                actor=request.user, case=data["case"], duty=data["duty"], respondent=data.get("respondent"),
                type=data.get("type"), subject=data["subject"], details=data.get("details", ""),
                attachments=data.get("attachments", ()), submit=data["submit"],
                allow_duplicate=data["allow_duplicate"])
        except services.DuplicateRequest as exc:
            hint = _("Send allow_duplicate=true to file another one anyway.")
            raise ConflictError(f"{exc.message} {hint}") from None
        return self._detail(wo, status.HTTP_201_CREATED)

    # ------------------------------------------------------------ court side

    @_action_schema(_("Submit a draft (judges)"), s.EmptySerializer, {})
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        wo = self._acting_on(Action.SUBMIT)
        self._input(s.EmptySerializer, request)
        return self._detail(services.work_order_submit(work_order=wo, actor=request.user))

    @_action_schema(_("Resubmit after a return (judges)"),
                    {"application/json": s.ResubmitSerializer, "multipart/form-data": s.ResubmitSerializer},
                    {"note": "已补充生效法律文书。"})
    @action(detail=True, methods=["post"])
    @idempotent
    def resubmit(self, request, pk=None):
        wo = self._acting_on(Action.RESUBMIT)
        data = self._input(s.ResubmitSerializer, request)
        changes = {k: data[k] for k in ("details", "respondent") if k in data}
        return self._detail(services.work_order_resubmit(
            work_order=wo, actor=request.user, note=data["note"], attachments=data.get("attachments", ()),
            remove_attachments=data.get("remove_attachments", ()), **changes))

    @_action_schema(_("Accept the answer and close (judges)"), s.EmptySerializer, {})
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        wo = self._acting_on(Action.ACCEPT)
        self._input(s.EmptySerializer, request)
        return self._detail(services.work_order_accept(work_order=wo, actor=request.user))

    @_action_schema(_("Reopen an answered work order (judges)"), s.ReasonSerializer,
                    {"reason": "答复未包含不动产坐落信息，请补充。"})
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request, pk=None):
        wo = self._acting_on(Action.REOPEN)
        data = self._input(s.ReasonSerializer, request)
        return self._detail(services.work_order_reopen(work_order=wo, actor=request.user, reason=data["reason"]))

    @_action_schema(_("Withdraw (judges)"), s.ReasonSerializer, {"reason": "当事人已自动履行。"})
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        wo = self._acting_on(Action.WITHDRAW)
        data = self._input(s.ReasonSerializer, request)
        return self._detail(services.work_order_withdraw(work_order=wo, actor=request.user, reason=data["reason"]))

    # ------------------------------------------------------------ agency side

    @_action_schema(_("Sign for a work order (agency)"), s.EmptySerializer, {})
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request, pk=None):
        wo = self._acting_on(Action.SIGN)
        self._input(s.EmptySerializer, request)
        return self._detail(services.work_order_sign(work_order=wo, actor=request.user))

    @_action_schema(_("Return for supplement (agency)"), s.ReasonSerializer,
                    {"reason": "请补充被执行人身份证号码及生效法律文书。"})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    @idempotent
    def return_(self, request, pk=None):
        wo = self._acting_on(Action.RETURN)
        data = self._input(s.ReasonSerializer, request)
        return self._detail(services.work_order_return(work_order=wo, actor=request.user, reason=data["reason"]))

    @_action_schema(
        _("Answer (agency)"),
        {"multipart/form-data": s.AnswerSerializer, "application/json": s.AnswerSerializer},
        {"outcome": "found", "result_text": "经查，被执行人名下有不动产一处：河北区中山路1号。"},
        description=_("Send attachments (the reply sheet, query results) as multipart/form-data parts named "
                      "`attachments`."))
    @action(detail=True, methods=["post"])
    @idempotent
    def answer(self, request, pk=None):
        wo = self._acting_on(Action.ANSWER)
        data = self._input(s.AnswerSerializer, request)
        services.work_order_answer(work_order=wo, actor=request.user, outcome=data["outcome"],
                                   result_text=data["result_text"], attachments=data.get("attachments", ()))
        return self._detail(wo)

    @_action_schema(_("Request more working days (agency)"), s.ExtensionRequestSerializer,
                    {"days": 3, "reason": "需调取历史档案。"})
    @action(detail=True, methods=["post"], url_path="request-extension", url_name="request-extension")
    @idempotent
    def request_extension(self, request, pk=None):
        wo = self._acting_on(Action.REQUEST_EXTENSION)
        data = self._input(s.ExtensionRequestSerializer, request)
        services.extension_request(work_order=wo, actor=request.user, days=data["days"], reason=data["reason"])
        return self._detail(wo)

    # ------------------------------------------------------------ center side

    @_action_schema(_("Decide the pending extension (center administrators)"), s.ExtensionDecisionSerializer,
                    {"approve": True, "note": "同意延长。"})
    @action(detail=True, methods=["post"], url_path="decide-extension", url_name="decide-extension")
    @idempotent
    def decide_extension(self, request, pk=None):
        wo = self._acting_on(Action.DECIDE_EXTENSION)
        data = self._input(s.ExtensionDecisionSerializer, request)
        ext = get_pending_extension_for(request.user, wo)
        services.extension_decide(extension=ext, actor=request.user, approve=data["approve"], note=data["note"])
        return self._detail(wo)

