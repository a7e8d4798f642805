"""Agency scorecards, the ranking and the court view, from the daily rollup.

Definitions (shown on the page as well):
- received: work orders whose receipt date is in the period;
- answered, response times: answers given in the period; response time is the
  working days from the receipt date to the answer (0: answered on the day);
- due / on time / late: work orders whose due date is in the period. Answered
  by the due instant is on time; answered after it, or still unanswered past
  it (open, or withdrawn after falling due), is late. Not yet due is pending
  and left out of the rate; returned work orders wait on the court and are
  left out until resubmitted (with a new due date);
- on-time rate = on time / (on time + late);
- returns, extensions, escalations: events in the period;
- overdue now: live, whatever the period.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from agencies.models import Agency
from cases.models import Court
from workorders.models import overdue_q

from . import scope
from .models import COUNT_FIELDS, HISTOGRAM_DAYS, HISTOGRAM_FIELDS, AgencyDailyCounts, RankingPolicy
from .periods import Period, months_back

SUMS = {f: Sum(f) for f in COUNT_FIELDS}


@dataclass
class Measures:
    """Summed rollup measures with the derived figures."""

    values: dict = field(default_factory=dict)

    def __getattr__(self, name):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name] or 0
        raise AttributeError(name)

    @property
    def late(self) -> int:
        return self.late_answered + self.late_unanswered

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """On-time rate in [0, 1]; None when nothing fell due."""
        return self.on_time / self.decided if self.decided else None

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 1)

    @property
    def histogram(self) -> list[int]:
        return [self.values.get(f) or 0 for f in HISTOGRAM_FIELDS]

    @property
    def mean_days(self) -> float | None:
        return round(self.response_days_sum / self.answered, 1) if self.answered else None

    @property
    def median_days(self) -> float | None:
        return median_from_histogram(self.histogram)

    @property
    def median_capped(self) -> bool:
        """The median lies in the open-ended last bucket ("20 or more")."""
        m = self.median_days
        return m is not None and m >= HISTOGRAM_DAYS

    @property
    def escalations(self) -> int:
        return self.esc_overdue + self.esc_center + self.esc_supervision


def median_from_histogram(hist: list[int]) -> float | None:
    """Median of the multiset {i repeated hist[i] times}; the mean of the two
    middle values for an even count."""
    n = sum(hist)
    if not n:
        return None

    def value_at(position):
        seen = 0
        for value, count in enumerate(hist):
            seen += count
            if position < seen:
                return value
        return len(hist) - 1

    return (value_at((n - 1) // 2) + value_at(n // 2)) / 2


@dataclass
class AgencyScore(Measures):
    agency: Agency | None = None
    overdue_now: int = 0
    open_now: int = 0
    rank: int | None = None
    last_place: bool = False
    below_threshold: bool = False

    @property
    def flagged(self) -> bool:
        return self.last_place or self.below_threshold


@dataclass
class Scoreboard:
    period: Period
    policy: RankingPolicy
    rows: list[AgencyScore]
    total: AgencyScore

    @property
    def flagged(self) -> list[AgencyScore]:
        return [r for r in self.rows if r.flagged]


def _live_by(user, key: str, *, now: datetime) -> dict:
    rows = (scope.work_orders(user).running().values(key)
            .annotate(open=Count("id"), overdue=Count("id", filter=overdue_q(now))).order_by())
    return {r[key]: (r["open"], r["overdue"]) for r in rows}


def agency_scorecards(user, period: Period, *, now: datetime) -> Scoreboard:
    """One row per agency in the user's slice: four queries whatever the size."""
    sums = {r["agency_id"]: r for r in AgencyDailyCounts.objects
            .filter(scope.rollup_q(user), day__gte=period.start, day__lte=period.end)
            .values("agency_id").annotate(**SUMS).order_by()}
    live = _live_by(user, "agency_id", now=now)
    agencies = Agency.objects.filter(
        Q(pk__in=scope.agencies(user).filter(is_active=True).values("pk")) | Q(pk__in=list(sums) + list(live))
    ).order_by("code")
    rows = []
    for agency in agencies:
        values = {f: (sums.get(agency.pk) or {}).get(f) or 0 for f in COUNT_FIELDS}
        open_now, overdue_now = live.get(agency.pk, (0, 0))
        rows.append(AgencyScore(values=values, agency=agency, open_now=open_now, overdue_now=overdue_now))
    policy = RankingPolicy.current()
    rank(rows, policy)
    # The totals row fills every column: the live counts add up too.
    total = AgencyScore({f: sum(r.values[f] for r in rows) for f in COUNT_FIELDS},
                        overdue_now=sum(r.overdue_now for r in rows), open_now=sum(r.open_now for r in rows))
    return Scoreboard(period, policy, rows, total)


def rank(rows: list[AgencyScore], policy: RankingPolicy) -> list[AgencyScore]:
    """Rank by on-time rate (ties share a rank: 1, 2, 2, 4), then order ties by
    mean response time. Agencies with fewer than `policy.min_due` work orders
    decided in the period are listed after the ranked ones, without a rank.
    The worst rank is the last place, unless every ranked agency ties; any
    ranked agency under the threshold is flagged as well. Sorts `rows` in place."""
    threshold = float(policy.threshold_percent)
    ranked = [r for r in rows if r.rate is not None and r.decided >= max(policy.min_due, 1)]
    ranked_ids = {id(r) for r in ranked}
    unranked = [r for r in rows if id(r) not in ranked_ids]
    ranked.sort(key=lambda r: (-r.rate, r.mean_days if r.mean_days is not None else float("inf"), r.agency.code))
    previous = None
    for position, row in enumerate(ranked, start=1):
        row.rank = previous.rank if previous is not None and previous.rate == row.rate else position
        row.below_threshold = row.rate * 100 < threshold
        previous = row
    worst = ranked[-1].rank if ranked else None
    if ranked and worst > 1:
        for row in ranked:
            row.last_place = row.rank == worst
    unranked.sort(key=lambda r: r.agency.code)
    rows[:] = ranked + unranked
    return rows


# ---------------------------------------------------------------- trend

@dataclass
class MonthPoint:
    start: date
    measures: Measures


def agency_trend(user, agency_id: int, *, today: date, months: int = 12) -> list[MonthPoint]:
    """The agency's months, oldest first: one grouped query."""
    periods = months_back(today, months)
    sums = {r["month"]: r for r in AgencyDailyCounts.objects
            .filter(scope.rollup_q(user), agency_id=agency_id, day__gte=periods[0].start, day__lte=periods[-1].end)
            .annotate(month=TruncMonth("day")).values("month").annotate(**SUMS).order_by()}
    out = []
    for p in periods:
        row = sums.get(p.start) or {}
        out.append(MonthPoint(p.start, Measures({f: row.get(f) or 0 for f in COUNT_FIELDS})))
    return out


# ---------------------------------------------------------------- courts

@dataclass
class CourtRow(Measures):
    court: Court | None = None
    open_now: int = 0
    overdue_now: int = 0


def court_view(user, period: Period, *, now: datetime) -> tuple[list[CourtRow], Measures]:
    """Requests filed per court, answered, waiting time; three queries."""
    sums = {r["court_id"]: r for r in AgencyDailyCounts.objects
            .filter(scope.rollup_q(user), day__gte=period.start, day__lte=period.end)
            .values("court_id").annotate(**SUMS).order_by()}
    live = _live_by(user, "court_id", now=now)
    rows = []
    for court in Court.objects.filter(pk__in=list(sums) + list(live)).order_by("code"):
        values = {f: (sums.get(court.pk) or {}).get(f) or 0 for f in COUNT_FIELDS}
        open_now, overdue_now = live.get(court.pk, (0, 0))
        rows.append(CourtRow(values=values, court=court, open_now=open_now, overdue_now=overdue_now))
    total = CourtRow({f: sum(r.values[f] for r in rows) for f in COUNT_FIELDS},
                     open_now=sum(r.open_now for r in rows), overdue_now=sum(r.overdue_now for r in rows))
    return rows, total
