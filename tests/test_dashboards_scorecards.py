"""Scorecard arithmetic on hand-built work orders, the ranking and last-place
flag, the incremental rollup against a full rebuild, the reconstructed trend
and the aging buckets.

October 2026 has the National Day holidays (10-01 … 10-07) and a working
Saturday (10-10); query-type work orders are due 1 working day after receipt.
"""
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from dashboards import periods, selectors
from dashboards.models import COUNT_FIELDS, AgencyDailyCounts, BacklogSnapshot, RankingPolicy
from dashboards.scorecards import AgencyScore, agency_scorecards, court_view, median_from_histogram, rank
from dashboards.services import refresh_rollups
from tests.factories import at, make_case, make_work_order, user
from workorders import deadlines, services
from workorders.models import Escalation, EscalationStep, Status, WorkOrder

pytestmark = pytest.mark.django_db

NOW = "2026-10-30 12:00"   # when the October figures are taken
LATER = "2026-11-02 10:00"


def travel(when):
    return time_machine.travel(at(when), tick=False)


def filed(case, judge, when, duty="L01"):
    with travel(when):
        return make_work_order(case=case, judge=judge, duty_code=duty, status=Status.SIGNED, now=at(when))


def answer(wo, who, when):
    with travel(when):
        services.work_order_answer(work_order=wo, actor=who, outcome="found", result_text="已查到", now=at(when))
    wo.refresh_from_db()
    return wo


@pytest.fixture
def october(ref, judge, liaison, liaison2, center):
    """PSB (query type, liaison) and PLAN (liaison2) work orders through October."""
    case = make_case(judge=judge)
    wo = {}
    # A: received 09-30, due 10-08 across the holidays, answered on time after 1 working day.
    wo["A"] = answer(filed(case, judge, "2026-09-30 10:00"), liaison, "2026-10-08 17:00")
    # B: due 10-13 18:00, answered two days late (3 working days after receipt).
    wo["B"] = answer(filed(case, judge, "2026-10-12 10:00"), liaison, "2026-10-15 10:00")
    # C: due 10-15 18:00, never answered: late while open; escalated to step 3.
    wo["C"] = filed(case, judge, "2026-10-14 10:00")
    # D: returned for supplement before its due date: waits on the court.
    wo["D"] = filed(case, judge, "2026-10-20 10:00")
    with travel("2026-10-21 09:00"):
        services.work_order_return(work_order=wo["D"], actor=liaison, reason="请补充", now=at("2026-10-21 09:00"))
    # E: due 10-23, extended by 3 working days to 10-28, answered 10-27: on time.
    wo["E"] = filed(case, judge, "2026-10-22 10:00")
    with travel("2026-10-23 10:00"):
        ext = services.extension_request(work_order=wo["E"], actor=liaison, days=3, reason="需调取档案")
        services.extension_decide(extension=ext, actor=center, approve=True, now=at("2026-10-23 10:00"))
    answer(wo["E"], liaison, "2026-10-27 10:00")
    # F: due 10-30 18:00, after NOW: pending.
    wo["F"] = filed(case, judge, "2026-10-29 10:00")
    # G: withdrawn before its due date: not counted.
    wo["G"] = filed(case, judge, "2026-10-26 10:00")
    with travel("2026-10-27 09:00"):
        services.work_order_withdraw(work_order=wo["G"], actor=judge, reason="已履行", now=at("2026-10-27 09:00"))
    # G2: withdrawn unanswered after falling due (10-20 18:00): late.
    wo["G2"] = filed(case, judge, "2026-10-19 10:00")
    with travel("2026-10-22 09:00"):
        services.work_order_withdraw(work_order=wo["G2"], actor=judge, reason="已履行", now=at("2026-10-22 09:00"))
    # H: PLAN, answered on time.
    wo["H"] = answer(filed(case, judge, "2026-10-12 10:00", duty="P01"), liaison2, "2026-10-13 09:00")
    # The ladder fired on C (test setup: the sweep is not under test here).
    c = wo["C"]
    c.refresh_from_db()
    cal = deadlines.WorkingCalendar()
    from workorders import escalation

    Escalation.objects.bulk_create([
        Escalation(work_order=c, step=s, due_at=c.due_at, fired_at=escalation.rung_at(s, c.type, c.due_at, cal))
        for s in (EscalationStep.WARNING, EscalationStep.OVERDUE, EscalationStep.CENTER, EscalationStep.SUPERVISION)
    ])
    WorkOrder.objects.filter(pk=c.pk).update(escalation_level=EscalationStep.SUPERVISION)
    for w in wo.values():
        w.refresh_from_db()
    return wo


def board_for(center, period, when=NOW):
    with travel(when):
        return agency_scorecards(center, period, now=at(when))


def row(board, code):
    return next(r for r in board.rows if r.agency.code == code)


def test_fixture_deadlines_are_what_the_scenario_says(october):
    assert october["A"].due_at == at("2026-10-08 18:00")
    assert october["E"].due_at == at("2026-10-28 18:00")
    assert october["G2"].due_at == at("2026-10-20 18:00")
    assert october["D"].status == Status.RETURNED


def test_october_scorecard_arithmetic(october, center):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    psb = row(board_for(center, periods.month(2026, 10)), "PSB")
    assert psb.received == 7          # B C D E F G G2 (A was received in September)
    assert psb.answered == 3          # A B E
    assert psb.due == 6               # A B C E F G2; D returned, G withdrawn in time
    assert psb.on_time == 2           # A, E against its extended date
    assert psb.late_answered == 1     # B
    assert psb.late_unanswered == 2   # C still open, G2 withdrawn after falling due
    assert psb.pending == 1           # F
    assert psb.rate == pytest.approx(2 / 5)
    assert psb.rate_percent == 40.0
    # Response: A 1 (holidays skipped), B 3, E 3 working days.
    assert psb.response_days_sum == 7
    assert psb.mean_days == 2.3
    assert psb.median_days == 3
    assert psb.returns == 1 and psb.extensions == 1
    assert (psb.esc_warning, psb.esc_overdue, psb.esc_center, psb.esc_supervision) == (1, 1, 1, 1)
    assert psb.overdue_now == 1 and psb.open_now == 2   # C overdue; C and F open

    plan = row(board_for(center, periods.month(2026, 10)), "PLAN")
    assert (plan.received, plan.answered, plan.due, plan.on_time, plan.rate_percent) == (1, 1, 1, 1, 100.0)
    assert plan.median_days == 1


def test_work_orders_count_in_the_period_of_their_due_date(october, center):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    sept = row(board_for(center, periods.month(2026, 9)), "PSB")
    assert (sept.received, sept.due, sept.answered) == (1, 0, 0)     # A: received 09-30, due 10-08
    q4 = row(board_for(center, periods.quarter(2026, 4)), "PSB")
    assert q4.due == 6 and q4.rate_percent == 40.0
    custom = row(board_for(center, periods.Period("custom", date(2026, 10, 13), date(2026, 10, 15))), "PSB")
    assert (custom.due, custom.on_time, custom.late) == (2, 0, 2)    # B and C


def test_ranking_flags_last_place_and_threshold(october, center):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    board = board_for(center, periods.month(2026, 10))
    ranked = [r for r in board.rows if r.rank is not None]
    assert [(r.agency.code, r.rank) for r in ranked] == [("PLAN", 1), ("PSB", 2)]
    assert row(board, "PSB").last_place and row(board, "PSB").below_threshold
    assert not row(board, "PLAN").flagged
    assert [r.agency.code for r in board.flagged] == ["PSB"]
    # Agencies with nothing due are listed, unranked and unflagged.
    assert row(board, "TAX").rank is None and not row(board, "TAX").flagged

    RankingPolicy.objects.create(threshold_percent=Decimal("30"), min_due=1)
    board = board_for(center, periods.month(2026, 10))
    assert row(board, "PSB").last_place and not row(board, "PSB").below_threshold
    RankingPolicy.objects.update(min_due=2)
    board = board_for(center, periods.month(2026, 10))
    assert row(board, "PLAN").rank is None          # 1 decided < 2
    assert row(board, "PSB").rank == 1 and not row(board, "PSB").last_place   # alone: no last place


def _score(code, on_time, late, mean=None):
    from agencies.models import Agency

    values = {f: 0 for f in COUNT_FIELDS}
    values.update(on_time=on_time, late_answered=late, answered=on_time + late,
                  response_days_sum=int((mean or 0) * (on_time + late)))
    return AgencyScore(values=values, agency=Agency(code=code, name=code))


def test_rank_ties_share_a_rank_and_the_last_place():
    rows = [_score("A", 9, 1, 1), _score("B", 8, 2, 1), _score("C", 4, 1, 2), _score("D", 3, 2, 1),
            _score("E", 6, 4, 3), _score("F", 0, 0)]
    rank(rows, RankingPolicy(threshold_percent=Decimal("75"), min_due=1))
    assert [(r.agency.code, r.rank) for r in rows] == [
        ("A", 1), ("B", 2), ("C", 2), ("D", 4), ("E", 4), ("F", None)]
    assert [r.agency.code for r in rows if r.last_place] == ["D", "E"]
    assert [r.agency.code for r in rows if r.below_threshold] == ["D", "E"]
    tied = [_score("A", 1, 0), _score("B", 2, 0)]
    rank(tied, RankingPolicy(threshold_percent=Decimal("80"), min_due=1))
    assert not any(r.last_place for r in tied)      # everyone first: nobody last


def test_median_from_histogram():
    assert median_from_histogram([0, 0, 0]) is None
    assert median_from_histogram([0, 1, 0, 2]) == 3          # 1 3 3
    assert median_from_histogram([1, 1]) == 0.5              # 0 1
    assert median_from_histogram([0, 2, 0, 0, 2]) == 2.5     # 1 1 4 4


def test_court_view(october, center):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    with travel(NOW):
        rows, total = court_view(center, periods.month(2026, 10), now=at(NOW))
    assert [r.court.code for r in rows] == ["津0105"]
    court = rows[0]
    assert (court.received, court.answered) == (8, 4)           # PSB 7 + PLAN 1; A B E H
    assert court.median_days == 2                               # 1 1 3 3
    assert court.open_now == 2 and court.overdue_now == 1


def _dump():
    return sorted(tuple(r) for r in AgencyDailyCounts.objects.values_list(
        "day", "agency_id", "court_id", *COUNT_FIELDS))


def test_incremental_rollup_equals_full_rebuild(october, judge, liaison):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    # Later: C answered late, D resubmitted (new receipt and due dates), E reopened
    # (its answer leaves October), F falls due unanswered.
    answer(october["C"], liaison, LATER)
    with travel(LATER):
        services.work_order_resubmit(work_order=october["D"], actor=judge, note="已补充", now=at(LATER))
        services.work_order_reopen(work_order=october["E"], actor=judge, reason="答复不完整", now=at(LATER))
        result = refresh_rollups(now=at(LATER))
    assert not result.full and result.days < 40
    incremental = _dump()
    with travel(LATER):
        refresh_rollups(full=True, now=at(LATER))
    assert incremental == _dump()


def test_a_second_run_with_nothing_changed_refreshes_only_today(october):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    with travel("2026-10-30 12:30"):
        first = _dump()
        result = refresh_rollups(now=at("2026-10-30 12:30"))
    assert result.days == 1 and first == _dump()


def test_trend_reconstructs_past_days_and_observes_today(october, center):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
        trend = selectors.trend(center, today=date(2026, 10, 30))
    by_day = dict(zip(trend.days, zip(trend.open, trend.overdue)))
    assert by_day[date(2026, 10, 14)] == (2, 1)    # B (overdue) and C
    assert by_day[date(2026, 10, 15)] == (1, 1)    # B answered that morning
    assert by_day[date(2026, 10, 21)] == (2, 2)    # C and G2; D returned
    assert by_day[date(2026, 10, 29)] == (2, 1)    # C and F
    assert by_day[date(2026, 10, 30)] == (2, 1)    # live snapshot
    assert by_day[date(2026, 9, 1)] == (0, 0)
    assert len(trend.days) == 90
    # An observed day is kept on the next run; a later run only fills gaps.
    assert BacklogSnapshot.objects.filter(day=date(2026, 10, 30)).exists()


def test_trend_is_scoped(october, head, center):
    with travel(NOW):
        refresh_rollups(now=at(NOW))
    psb_only = selectors.trend(head, today=date(2026, 10, 30))
    assert psb_only.open[-1] == 2
    from agencies.models import AgencyMembership, Agency

    plan_head = user("liaison2")
    AgencyMembership.objects.create(user=plan_head, agency=Agency.objects.get(code="PLAN"), role="head")
    plan_head = user("liaison2")
    assert selectors.trend(plan_head, today=date(2026, 10, 30)).open[-1] == 0


def test_aging_buckets_match_the_per_row_count(ref, judge, center):
    case = make_case(judge=judge)
    for when, duty in [("2026-09-28 10:00", "L01"), ("2026-09-29 10:00", "L01"), ("2026-09-30 10:00", "L01"),
                       ("2026-09-15 10:00", "L03"), ("2026-08-03 10:00", "L03"), ("2026-10-08 10:00", "L01")]:
        filed(case, judge, when, duty=duty)
    now = at("2026-10-09 19:00")
    with travel("2026-10-09 19:00"):
        cal = selectors.calendar_for(now.date())
        buckets = dict(selectors.aging(WorkOrder.objects.all(), now=now, cal=cal))
        expected = {str(label): 0 for _, label in selectors.AGING_BUCKETS}
        for wo in WorkOrder.objects.filter(status__in=selectors.RUNNING, due_at__lt=now):
            n = selectors.working_days_overdue(wo, now=now, cal=cal)
            label = [lbl for lower, lbl in selectors.AGING_BUCKETS if n >= lower][-1]
            expected[str(label)] += 1
    assert buckets == expected
    labels = [str(lbl) for _, lbl in selectors.AGING_BUCKETS]
    # Due 10-08 and 10-09 (today, past 18:00): 1; due 09-29 and 09-30: 2–3 across the holidays.
    assert buckets[labels[0]] == 2 and buckets[labels[1]] == 2
    assert sum(buckets.values()) == 6
