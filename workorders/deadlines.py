"""The working-day clock. Every deadline in the platform is computed here.

A date is a working day if the calendar table says so; otherwise Monday–Friday.
The receipt date is the submission date if that is a working day and the
submission came before close of business, else the next working day. A work
order is due at close of business on the Nth working day after its receipt date.
A deadline that touches a year without an official schedule is provisional.
"""
from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from agencies.models import WorkOrderType

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Longest run of non-working days a real schedule has (Spring Festival + weekends) is
# well under this; it only bounds how far ahead one calendar query reaches.
_SLACK_DAYS = 21
_PREFETCH_DAYS = 90


@dataclass
class DayInfo:
    date: date
    is_working: bool
    note: str = ""
    official: bool = False  # True when the calendar table has a row for this date


@dataclass
class Deadline:
    submitted_at: datetime
    receipt_date: date
    receipt_reason: str
    working_days: int
    due_at: datetime
    provisional: bool
    counted_days: list[date] = field(default_factory=list)
    exceptions: list[DayInfo] = field(default_factory=list)


class WorkingCalendar:
    """Calendar lookups, one query per range; reuse one instance for a batch."""

    def __init__(self):
        self._days: dict[date, tuple[bool, str]] = {}
        self._loaded: tuple[date, date] | None = None
        self._years: set[int] | None = None

    def _ensure(self, start: date, end: date):
        from .models import CalendarDay

        if self._loaded and self._loaded[0] <= start and end <= self._loaded[1]:
            return
        # Reach well past what was asked, so walking forward day by day does not
        # reload the range once per day.
        lo = min(start, self._loaded[0]) if self._loaded else start
        hi = max(end, self._loaded[1]) if self._loaded else end
        hi += timedelta(days=_PREFETCH_DAYS)
        rows = CalendarDay.objects.filter(date__range=(lo, hi)).values_list("date", "is_working", "note")
        self._days = {d: (w, n) for d, w, n in rows}
        self._loaded = (lo, hi)

    def years_with_data(self) -> set[int]:
        from .models import CalendarYear

        if self._years is None:
            self._years = set(CalendarYear.objects.values_list("year", flat=True))
        return self._years

    def day(self, d: date) -> DayInfo:
        self._ensure(d, d + timedelta(days=_SLACK_DAYS))
        if d in self._days:
            working, note = self._days[d]
            return DayInfo(d, working, note, official=True)
        return DayInfo(d, d.weekday() < 5)

    def is_working_day(self, d: date) -> bool:
        return self.day(d).is_working

    def next_working_day(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day after `start` (start itself is day 0)."""
        self._ensure(start, start + timedelta(days=n * 2 + _SLACK_DAYS))
        d = start
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        self._ensure(start, end)
        count, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

    def is_provisional(self, start: date, end: date) -> bool:
        years = self.years_with_data()
        return any(y not in years for y in range(start.year, end.year + 1))


def close_of_business(d: date) -> datetime:
    return datetime.combine(d, settings.CLOSE_OF_BUSINESS, tzinfo=SHANGHAI)


def local(dt: datetime) -> datetime:
    if timezone.is_naive(dt):
        return dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(SHANGHAI)


def receipt_date_for(submitted_at: datetime, cal: WorkingCalendar | None = None) -> tuple[date, str]:
    """The receipt date of a submission and the reason, as a short code."""
    cal = cal or WorkingCalendar()
    at = local(submitted_at)
    d = at.date()
    if not cal.is_working_day(d):
        return cal.next_working_day(d), "non_working_day"
    if at.time() >= settings.CLOSE_OF_BUSINESS:
        return cal.next_working_day(d), "after_close"
    return d, "same_day"


def sla_days(type_: str) -> int:
    from .models import SlaPolicy

    days = SlaPolicy.objects.filter(type=type_).values_list("working_days", flat=True).first()
    return days if days is not None else SlaPolicy.DEFAULTS[WorkOrderType(type_)]


def due_from_receipt(receipt: date, working_days: int, cal: WorkingCalendar | None = None,
                     *, since: date | None = None) -> tuple[datetime, bool]:
    """Due instant and provisional flag for a period starting on `receipt`."""
    cal = cal or WorkingCalendar()
    due_date = cal.add_working_days(receipt, working_days)
    return close_of_business(due_date), cal.is_provisional(since or receipt, due_date)


def compute_deadline(type_: str, submitted_at: datetime, cal: WorkingCalendar | None = None,
                     *, working_days: int | None = None) -> Deadline:
    cal = cal or WorkingCalendar()
    n = sla_days(type_) if working_days is None else working_days
    receipt, reason = receipt_date_for(submitted_at, cal)
    due_at, provisional = due_from_receipt(receipt, n, cal, since=local(submitted_at).date())
    return Deadline(local(submitted_at), receipt, reason, n, due_at, provisional)


def explain(submitted_at: datetime, receipt: date, working_days: int,
            cal: WorkingCalendar | None = None) -> Deadline:
    """The full reasoning behind a stored deadline, for the work-order page."""
    cal = cal or WorkingCalendar()
    natural_receipt, reason = receipt_date_for(submitted_at, cal)
    if receipt != natural_receipt:
        reason = "restarted"
    counted, exceptions = [], []
    d = local(submitted_at).date()
    due_date = cal.add_working_days(receipt, working_days)
    while d <= due_date:
        info = cal.day(d)
        if info.official and (info.is_working != (d.weekday() < 5) or info.note):
            exceptions.append(info)
        if receipt < d and info.is_working:
            counted.append(d)
        d += timedelta(days=1)
    return Deadline(
        local(submitted_at), receipt, reason, working_days, close_of_business(due_date),
        cal.is_provisional(local(submitted_at).date(), due_date), counted, exceptions,
    )


def working_days_left(due_at: datetime, now: datetime | None = None,
                      cal: WorkingCalendar | None = None) -> int:
    """Working days left until the due date; negative (at least -1) once overdue."""
    cal = cal or WorkingCalendar()
    now = now or timezone.now()
    today, due_date = local(now).date(), local(due_at).date()
    if now <= due_at:
        return cal.working_days_between(today, due_date)
    return -max(1, cal.working_days_between(due_date, today))


@dataclass(frozen=True)
class Overdue:
    """How far past its due instant a work order is: whole working days (each
    ends at the due time of day on the next working day) and the clock hours
    since the last of them, counted on working days only (plus the due day)."""
    working_days: int
    hours: int
    minutes: int


def overdue_span(due_at: datetime, now: datetime | None = None,
                 cal: WorkingCalendar | None = None) -> Overdue | None:
    """None while `now` is not past `due_at`."""
    cal = cal or WorkingCalendar()
    now = now or timezone.now()
    if now <= due_at:
        return None
    due, at = local(due_at), local(now)
    today = at.date()
    days = cal.working_days_between(due.date(), today)
    if days and cal.is_working_day(today) and at.time() < due.time():
        days -= 1  # today's working day is not complete yet
    mark = due if days == 0 else datetime.combine(cal.add_working_days(due.date(), days), due.time(),
                                                  tzinfo=SHANGHAI)
    seconds, d = 0.0, mark.date()
    while d <= today:
        if d == mark.date() or cal.is_working_day(d):
            start = max(mark, datetime.combine(d, time(0), tzinfo=SHANGHAI))
            end = min(at, datetime.combine(d + timedelta(days=1), time(0), tzinfo=SHANGHAI))
            seconds += max(0.0, (end - start).total_seconds())
        d += timedelta(days=1)
    minutes = int(seconds // 60)
    return Overdue(days, minutes // 60, minutes % 60)


def overdue_text(due_at: datetime, now: datetime | None = None, cal: WorkingCalendar | None = None) -> str | None:
    """"Overdue by 1 working day and 2 hours": the one wording of lateness used
    by the work-order page, the inbox, lists and dashboards. None if not overdue."""
    from django.utils.translation import gettext, ngettext

    span = overdue_span(due_at, now, cal)
    if span is None:
        return None
    if span.working_days == 0:
        if span.hours == 0:
            return gettext("Overdue by less than an hour")
        return ngettext("Overdue by %(h)d hour", "Overdue by %(h)d hours", span.hours) % {"h": span.hours}
    days = ngettext("%(d)d working day", "%(d)d working days", span.working_days) % {"d": span.working_days}
    if span.hours == 0:
        return gettext("Overdue by %(days)s") % {"days": days}
    hours = ngettext("%(h)d hour", "%(h)d hours", span.hours) % {"h": span.hours}
    return gettext("Overdue by %(days)s and %(hours)s") % {"days": days, "hours": hours}


def due_soon_until(now: datetime, cal: WorkingCalendar | None = None) -> datetime:
    """The end of "due soon": close of business on the `DUE_SOON_WORKING_DAYS`th
    working day after today (local). `WorkOrderQuerySet.due_soon` reads it."""
    cal = cal or WorkingCalendar()
    return close_of_business(cal.add_working_days(local(now).date(), settings.DUE_SOON_WORKING_DAYS))
