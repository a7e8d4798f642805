"""Rollup tables behind the dashboards, and the few settings admins tune.

The rollups are derived data: `dashboards.services.refresh_rollups` rebuilds
them with set-based SQL from the work orders, their events and escalations, so
a page view sums a few thousand small rows instead of scanning a million work
orders. Nothing else writes to them.
"""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, WorkOrderType
from cases.models import Court

# Response times are counted in whole working days; the histogram has one
# column per day up to this many, the last column holding "this many or more".
HISTOGRAM_DAYS = 20
HISTOGRAM_FIELDS = [f"rt_{i:02d}" for i in range(HISTOGRAM_DAYS + 1)]

# The additive measures of AgencyDailyCounts, in column order.
COUNT_FIELDS = [
    "received", "answered", "response_days_sum", *HISTOGRAM_FIELDS,
    "due", "on_time", "late_answered", "late_unanswered", "pending",
    "returns", "extensions", "esc_warning", "esc_overdue", "esc_center", "esc_supervision",
]


class AgencyDailyCounts(models.Model):
    """What happened on one day between one member agency and one requesting court.

    Each measure is dated by its own event, so one row mixes populations:
    `received` by receipt date; `answered`, `response_days_sum` and the
    histogram by answer date; `due` … `pending` by due date (a work order counts
    in the period of its due date); `returns` and `extensions` by the event's
    date; `esc_*` by the date the rung fired."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey(Agency, verbose_name=_("member agency"), on_delete=models.CASCADE, related_name="+")
    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.CASCADE, related_name="+")

    received = models.PositiveIntegerField(_("received"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    response_days_sum = models.PositiveIntegerField(_("response working days, summed"), default=0)
    # rt_00 … rt_20: answers given after that many working days (the class
    # namespace is a dict, so the columns are declared in a loop).
    for _i, _name in enumerate(HISTOGRAM_FIELDS):
        locals()[_name] = models.PositiveIntegerField(default=0)
    del _i, _name
    due = models.PositiveIntegerField(_("due"), default=0)
    on_time = models.PositiveIntegerField(_("answered on time"), default=0)
    late_answered = models.PositiveIntegerField(_("answered late"), default=0)
    late_unanswered = models.PositiveIntegerField(_("past due without answer"), default=0)
    pending = models.PositiveIntegerField(_("not yet due"), default=0)
    returns = models.PositiveIntegerField(_("returns for supplement"), default=0)
    extensions = models.PositiveIntegerField(_("extensions approved"), default=0)
    esc_warning = models.PositiveIntegerField(_("due-today warnings"), default=0)
    esc_overdue = models.PositiveIntegerField(_("step 1 escalations"), default=0)
    esc_center = models.PositiveIntegerField(_("step 2 escalations"), default=0)
    esc_supervision = models.PositiveIntegerField(_("step 3 escalations"), default=0)

    class Meta:
        verbose_name = _("daily agency counts")
        verbose_name_plural = _("daily agency counts")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "court"], name="dash_counts_day_agency_court"),
        ]
        indexes = [models.Index(fields=["agency", "day"], name="dash_counts_agency_day")]

    def __str__(self):
        return f"{self.day} {self.agency_id}/{self.court_id}"


class BacklogSnapshot(models.Model):
    """Open and overdue work orders at the end of a day (today: at the last
    rollup run), per agency, requesting court and type; feeds the 90-day trend."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey(Agency, verbose_name=_("member agency"), on_delete=models.CASCADE, related_name="+")
    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.CASCADE, related_name="+")
    type = models.CharField(_("type"), max_length=16, choices=WorkOrderType.choices)
    open = models.PositiveIntegerField(_("open"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)

    class Meta:
        verbose_name = _("backlog snapshot")
        verbose_name_plural = _("backlog snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "court", "type"], name="dash_backlog_unique"),
        ]


class SnapshotDay(models.Model):
    """A day the backlog snapshot covers; days missing here are reconstructed."""

    day = models.DateField(_("day"), primary_key=True)
    taken_at = models.DateTimeField(_("taken at"))
    reconstructed = models.BooleanField(
        _("reconstructed"), default=False,
        help_text=_("Rebuilt afterwards from the work orders' timestamps rather than observed."),
    )

    class Meta:
        verbose_name = _("snapshot day")
        verbose_name_plural = _("snapshot days")
        ordering = ["-day"]


class WorkingDayOrdinal(models.Model):
    """Working days counted from the start of the span up to and including the
    date; the difference of two ordinals is the working days between them, so
    the rollup computes response times with a join instead of a Python loop."""

    date = models.DateField(primary_key=True)
    ordinal = models.IntegerField()

    class Meta:
        verbose_name = _("working-day ordinal")
        verbose_name_plural = _("working-day ordinals")


class RollupState(models.Model):
    """The single row that serialises rollup runs and remembers the watermark."""

    last_started_at = models.DateTimeField(_("last run started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last run finished"), null=True, blank=True)
    last_full_at = models.DateTimeField(_("last full rebuild"), null=True, blank=True)
    last_days = models.PositiveIntegerField(_("days refreshed by the last run"), default=0)
    last_ms = models.PositiveIntegerField(_("duration of the last run (ms)"), default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self):
        return str(self.last_finished_at or "-")


class RankingPolicy(models.Model):
    """How the scorecard ranking flags agencies for the last-place statement."""

    threshold_percent = models.DecimalField(
        _("on-time rate threshold (%)"), max_digits=5, decimal_places=2, default=Decimal("80"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Agencies below this on-time rate are flagged as well as the last-placed one."),
    )
    min_due = models.PositiveIntegerField(
        _("work orders due for ranking"), default=1,
        help_text=_("Agencies with fewer work orders due in the period are listed but not ranked."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ranking policy")
        verbose_name_plural = _("ranking policy")

    def __str__(self):
        return f"{self.threshold_percent}%"

    @classmethod
    def current(cls) -> "RankingPolicy":
        """The saved policy, or the defaults (unsaved) when none was saved."""
        return cls.objects.order_by("pk").first() or cls()


class JointMeeting(models.Model):
    """A joint meeting (联席会议); the agenda page is headed by the next one."""

    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["held_on"]

    def __str__(self):
        return f"{self.held_on} {self.title}"
