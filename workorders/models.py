import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Duty, WorkOrderType
from audit.models import ImmutableError  # one error for both immutable logs
from cases.models import Court, EnforcementCase, Party

from .files import ATTACHMENT_ROOT


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SIGNED = "signed", _("In progress")
    RETURNED = "returned", _("Returned for supplement")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The clock runs (and escalation may fire) only while the agency holds the work order.
CLOCK_RUNNING = (Status.SUBMITTED, Status.SIGNED)
TERMINAL = (Status.CLOSED, Status.WITHDRAWN)
ACTIVE = (Status.DRAFT, Status.SUBMITTED, Status.SIGNED, Status.RETURNED, Status.ANSWERED)

def running_q(prefix: str = "") -> Q:
    """"Running": the agency holds the work order and its clock counts."""
    return Q(**{f"{prefix}__status__in" if prefix else "status__in": [s.value for s in CLOCK_RUNNING]})


def overdue_q(now, prefix: str = "") -> Q:
    """"Overdue": running and past its due instant. The one spelling; the
    instance form is `WorkOrder.is_overdue`, the SQL form `OVERDUE_SQL`."""
    return running_q(prefix) & Q(**{f"{prefix}__due_at__lt" if prefix else "due_at__lt": now})


def is_overdue(status, due_at, now) -> bool:
    """`overdue_q` for one row already in memory (a model instance or a values() dict)."""
    return status in CLOCK_RUNNING and due_at is not None and due_at < now


def due_soon_q(now, cal=None) -> Q:
    """"Due soon": running, not yet overdue, due by close of business on the
    `DUE_SOON_WORKING_DAYS`th working day after today (today included)."""
    from .deadlines import due_soon_until

    return running_q() & Q(due_at__gte=now, due_at__lte=due_soon_until(now, cal))


_running_q = running_q()


def ever_submitted_q(prefix: str = "") -> Q:
    """"Ever submitted", the one spelling of who outside the court may see a work
    order: `submitted_at` is set on the first submission and never cleared, so a
    draft withdrawn before submission stays the court's alone whatever its status.
    `prefix` reaches it through a relation (`ever_submitted_q("work_order")`)."""
    return Q(**{f"{prefix}__submitted_at__isnull" if prefix else "submitted_at__isnull": False})


EVER_SUBMITTED = ever_submitted_q()
# The same terms for hand-written SQL over the work-order table (alias it as needed).
EVER_SUBMITTED_SQL = "submitted_at IS NOT NULL"


def running_sql(alias: str = "") -> tuple[str, list]:
    """`running_q` as (SQL, params) over the work-order table, `alias.` prefixed."""
    col = f"{alias}." if alias else ""
    values = [s.value for s in CLOCK_RUNNING]
    return f"{col}status IN ({', '.join(['%s'] * len(values))})", values


def overdue_sql(now, alias: str = "") -> tuple[str, list]:
    """`overdue_q(now)` as (SQL, params); pass `now` adapted for the cursor if need be."""
    col = f"{alias}." if alias else ""
    running, params = running_sql(alias)
    return f"({running} AND {col}due_at < %s)", [*params, now]


def reference_for(pk: int | None) -> str:
    """The human reference of a work order (`GD0000042`); the only place it is spelt."""
    return f"{REFERENCE_PREFIX}{pk or 0:07d}"


def pk_from_reference(text: str) -> int | None:
    """The work-order id a typed reference (`GD0000042`, `gd42`, `42`) names, else None."""
    digits = text.strip().upper().removeprefix(REFERENCE_PREFIX)
    return int(digits) if digits.isdigit() else None


REFERENCE_PREFIX = "GD"


class WorkOrderQuerySet(models.QuerySet):
    def running(self):
        return self.filter(running_q())

    def overdue(self, now):
        return self.filter(overdue_q(now))

    def due_soon(self, now, cal=None):
        return self.filter(due_soon_q(now, cal))

    def with_pending_extension(self, name: str = "_pending_extension"):
        """Annotate `name` (an undecided extension request exists); the default is
        what `WorkOrder.has_pending_extension` reads instead of asking per row."""
        pending = ExtensionRequest.objects.filter(work_order=OuterRef("pk"),
                                                  status=ExtensionRequest.Decision.PENDING)
        return self.annotate(**{name: Exists(pending)})

    def ever_submitted(self):
        return self.filter(EVER_SUBMITTED)

    def never_submitted(self):
        return self.exclude(EVER_SUBMITTED)


class WorkOrderBatch(models.Model):
    """A batch request: several cases/respondents × several duties filed at once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What people call the batch (PL-2026-000123): numbered per year by the batch service.
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )
    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="+")
    total = models.PositiveIntegerField(_("work orders requested"), default=0)
    created_count = models.PositiveIntegerField(_("work orders created"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch request")
        verbose_name_plural = _("batch requests")

    def __str__(self):
        return self.reference or str(self.pk)[:8]


class WorkOrder(models.Model):
    # FKs whose lookups the composite indexes below already serve carry no index of their
    # own: fewer indexes to maintain on every escalation and status change.
    case = models.ForeignKey(
        EnforcementCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="work_orders",
        db_index=False,
    )
    court = models.ForeignKey(
        Court, verbose_name=_("requesting court"), on_delete=models.PROTECT, related_name="work_orders",
        db_index=False,
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT,
        related_name="requested_work_orders",
    )
    respondent = models.ForeignKey(
        Party, verbose_name=_("respondent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="work_orders",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("member agency"), on_delete=models.PROTECT, related_name="work_orders",
        db_index=False,
    )
    duty = models.ForeignKey(Duty, verbose_name=_("duty"), on_delete=models.PROTECT, related_name="work_orders")
    type = models.CharField(_("type"), max_length=16, choices=WorkOrderType.choices)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    batch = models.ForeignKey(
        WorkOrderBatch, verbose_name=_("batch"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="work_orders",
    )

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    receipt_date = models.DateField(_("receipt date"), null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(
        _("working days allowed"), null=True, blank=True,
        help_text=_("Working days counted from the receipt date, extensions included."),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    due_provisional = models.BooleanField(
        _("provisional due date"), default=False,
        help_text=_("The deadline reaches into a year without an official calendar."),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("returns for supplement"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        indexes = [
            # "What is overdue" and "due soon" are index scans over open rows only.
            models.Index(fields=["due_at"], name="wo_running_due", condition=_running_q),
            models.Index(
                fields=["next_escalation_at"], name="wo_next_escalation",
                condition=_running_q & Q(next_escalation_at__isnull=False),
            ),
            models.Index(fields=["agency", "status", "due_at"], name="wo_agency_status_due"),
            models.Index(fields=["court", "status", "due_at"], name="wo_court_status_due"),
            models.Index(fields=["case", "id"], name="wo_case"),
            models.Index(fields=["updated_at", "id"], name="wo_updated"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def reference(self):
        return reference_for(self.pk)

    @property
    def ever_submitted(self) -> bool:
        """The instance form of `EVER_SUBMITTED`."""
        return self.submitted_at is not None

    @property
    def clock_running(self):
        return self.status in CLOCK_RUNNING

    @property
    def has_pending_extension(self):
        # Pages annotate `_pending_extension`; otherwise ask once.
        cached = getattr(self, "_pending_extension", None)
        if cached is None:
            cached = self.extensions.filter(status=ExtensionRequest.Decision.PENDING).exists()
            self._pending_extension = cached
        return bool(cached)

    def is_overdue(self, now=None):
        return is_overdue(self.status, self.due_at, now or timezone.now())


class Reply(models.Model):
    class Outcome(models.TextChoices):
        FOUND = "found", _("Found")
        PARTLY_FOUND = "partly_found", _("Partly found")
        NOT_FOUND = "not_found", _("Not found")
        CANNOT_ASSIST = "cannot_assist", _("Cannot assist")

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="replies"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    result_text = models.TextField(_("result"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-created_at", "-id"]


private_storage = SimpleLazyObject(
    lambda: FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
)


def _private_storage():
    return private_storage


def attachment_path(instance, filename):
    # The stored name is random; the original name is kept in a column.
    return f"{ATTACHMENT_ROOT}/{instance.work_order_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    class Purpose(models.TextChoices):
        REQUEST = "request", _("Legal document")
        SUPPLEMENT = "supplement", _("Supplement")
        REPLY = "reply", _("Reply attachment")

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="attachments"
    )
    reply = models.ForeignKey(
        Reply, verbose_name=_("reply"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="attachments",
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    file = models.FileField(_("file"), storage=_private_storage, upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class EventAction(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SUBMITTED = "submitted", _("Submitted")
    SIGNED = "signed", _("Signed for")
    RETURNED = "returned", _("Returned for supplement")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ANSWERED = "answered", _("Answered")
    ACCEPTED = "accepted", _("Accepted and closed")
    REOPENED = "reopened", _("Reopened")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    EXTENSION_LAPSED = "extension_lapsed", _("Extension request lapsed")
    DEADLINE_RECOMPUTED = "deadline_recomputed", _("Deadline recomputed")
    ESCALATION_RESCHEDULED = "escalation_rescheduled", _("Escalation steps rescheduled")
    ID_REVEALED = "id_revealed", _("ID number revealed")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ATTACHMENT_REMOVED = "attachment_removed", _("Attachment removed")
    ESCALATED = "escalated", _("Escalated")
    WARNED = "warned", _("Due-today warning")


class WorkOrderEvent(models.Model):
    """The audit log. Rows are written once and never changed or deleted."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="events",
        db_index=False,  # served by event_wo
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=EventAction.choices)
    from_status = models.CharField(_("from status"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=Status.choices, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["work_order", "id"], name="event_wo")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("work-order events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("work-order events are immutable")


class ExtensionRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        # Undecided when the work order stopped running (answered, withdrawn, returned).
        LAPSED = "lapsed", _("Lapsed")

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"], condition=Q(status="pending"), name="one_pending_extension"
            )
        ]


class FilingToken(models.Model):
    """The one-time token of a new-request form or a batch confirmation, spent
    by the transaction that files: the primary key makes a second POST of the
    same form (parallel, double click, back button) wait for the first and
    then fail."""

    token = models.CharField(_("token"), max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    work_order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(WorkOrderBatch, verbose_name=_("batch"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(_("used at"), default=timezone.now)

    class Meta:
        verbose_name = _("filing token")
        verbose_name_plural = _("filing tokens")

    def __str__(self):
        return self.token


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday, or an adjusted working weekend."""

    class Source(models.TextChoices):
        OFFICIAL = "official", _("Official schedule")
        MANUAL = "manual", _("Entered by an administrator")

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.note}"


class CalendarYear(models.Model):
    """A year whose official holiday schedule is loaded; deadlines beyond are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=100, default="chinesecalendar")
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class SlaPolicy(models.Model):
    type = models.CharField(_("type"), max_length=16, choices=WorkOrderType.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    DEFAULTS = {WorkOrderType.QUERY: 1, WorkOrderType.COORDINATION: 5, WorkOrderType.COMPLEX: 10}

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["working_days"]

    def __str__(self):
        return f"{self.get_type_display()}: {self.working_days}"


class EscalationStep(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    WARNING = 1, _("Due-today warning")
    OVERDUE = 2, _("Step 1 — overdue")
    CENTER = 3, _("Step 2 — center supervision")
    SUPERVISION = 4, _("Step 3 — joint meeting")


class EscalationRule(models.Model):
    """The ladder for one work-order type; admins may tune it."""

    type = models.CharField(_("type"), max_length=16, choices=WorkOrderType.choices, unique=True)
    warning_time = models.TimeField(
        _("warning time on the due day"), default="09:00",
        help_text=_("The liaison is told on the morning of the due day."),
    )
    center_after_days = models.PositiveSmallIntegerField(
        _("center supervision after (working days overdue)"), default=1
    )
    supervision_after_days = models.PositiveSmallIntegerField(
        _("joint-meeting supervision after (working days overdue)"), default=3
    )

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self):
        return self.get_type_display()


class Escalation(models.Model):
    """One rung of the ladder fired for one deadline; unique so a repeated or
    concurrent sweep can never fire it twice."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="escalations",
        db_index=False,  # served by uniq_escalation_step
    )
    step = models.PositiveSmallIntegerField(_("step"), choices=EscalationStep.choices)
    due_at = models.DateTimeField(_("due at"))
    fired_at = models.DateTimeField(_("fired at"))
    notified = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "step", "due_at"], name="uniq_escalation_step")
        ]
        indexes = [models.Index(fields=["step", "fired_at"], name="escalation_step_time")]
