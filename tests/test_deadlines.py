from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from workorders import deadlines
from workorders.calendar import calendar_day_set, calendar_load_year
from workorders.models import CalendarDay, CalendarYear, EventAction, Status
from tests.factories import at, make_case, make_work_order

pytestmark = pytest.mark.django_db


def due(type_, when):
    return deadlines.compute_deadline(type_, at(when))


@pytest.mark.parametrize("type_,submitted,expected", [
    ("query", "2026-09-30 10:00", "2026-10-08 18:00"),          # National Day in between
    ("coordination", "2026-09-30 10:00", "2026-10-13 18:00"),   # Saturday 10-10 is a working day
    ("complex", "2026-09-25 10:00", "2026-10-16 18:00"),        # submitted on a holiday
])
def test_issue_examples(ref, type_, submitted, expected):
    dl = due(type_, submitted)
    assert dl.due_at == at(expected)
    assert dl.provisional is False


def test_holiday_submission_moves_receipt_to_next_working_day(ref):
    dl = due("complex", "2026-09-25 10:00")
    assert dl.receipt_date == date(2026, 9, 28)
    assert dl.receipt_reason == "non_working_day"


def test_after_close_of_business(ref):
    before = due("query", "2026-11-18 17:59")   # Wednesday
    after = due("query", "2026-11-18 18:00")
    assert before.receipt_date == date(2026, 11, 18) and before.due_at == at("2026-11-19 18:00")
    assert after.receipt_date == date(2026, 11, 19) and after.receipt_reason == "after_close"
    assert after.due_at == at("2026-11-20 18:00")


def test_close_of_business_is_a_setting(ref, settings):
    from datetime import time

    settings.CLOSE_OF_BUSINESS = time(17, 0)
    dl = due("query", "2026-11-18 17:30")
    assert dl.receipt_date == date(2026, 11, 19)
    assert dl.due_at == at("2026-11-20 17:00")


def test_weekend_submission(ref):
    dl = due("query", "2026-11-21 10:00")   # Saturday
    assert dl.receipt_date == date(2026, 11, 23)
    assert dl.due_at == at("2026-11-24 18:00")


def test_make_up_saturday_counts_and_can_be_a_receipt_date(ref):
    # 2026-10-10 (Saturday) is an adjusted working day.
    assert deadlines.WorkingCalendar().is_working_day(date(2026, 10, 10))
    dl = due("query", "2026-10-09 19:00")   # Friday after close
    assert dl.receipt_date == date(2026, 10, 10)
    assert dl.due_at == at("2026-10-12 18:00")
    dl = due("query", "2026-10-10 09:00")   # on the make-up Saturday itself
    assert dl.receipt_date == date(2026, 10, 10)


def test_sla_policy_is_editable(ref):
    from workorders.models import SlaPolicy

    SlaPolicy.objects.filter(type="query").update(working_days=2)
    assert due("query", "2026-11-18 10:00").due_at == at("2026-11-20 18:00")


def test_deadline_into_year_without_data_is_provisional_then_recomputed(ref, judge):
    case = make_case(judge=judge)
    wo = make_work_order(case=case, judge=judge, duty_code="P03", now=at("2026-12-24 10:00"))  # complex
    assert wo.due_provisional is True
    # Monday–Friday fallback: 2027-01-01 (a Friday) counts, so the tenth working day is 01-07.
    assert wo.due_at == at("2027-01-07 18:00")
    # The 2027 schedule is published: New Year's Day is a holiday.
    CalendarYear.objects.create(year=2027, source="manual")
    moved = calendar_day_set(day=date(2027, 1, 1), is_working=False, note="元旦")
    wo.refresh_from_db()
    assert moved == 1
    assert wo.due_provisional is False
    assert wo.due_at == at("2027-01-08 18:00")
    event = wo.events.get(action=EventAction.DEADLINE_RECOMPUTED)
    assert event.details["old_provisional"] is True and event.details["provisional"] is False


def test_calendar_edit_recomputes_affected_open_deadlines_only(ref, judge):
    case = make_case(judge=judge)
    open_wo = make_work_order(case=case, judge=judge, duty_code="R01", now=at("2026-11-16 10:00"))  # 5 days
    answered = make_work_order(case=case, judge=judge, duty_code="R01", now=at("2026-11-16 10:00"),
                               status=Status.ANSWERED)
    assert open_wo.due_at == at("2026-11-23 18:00")
    calendar_day_set(day=date(2026, 11, 18), is_working=False, note="临时休息")
    open_wo.refresh_from_db()
    answered.refresh_from_db()
    assert open_wo.due_at == at("2026-11-24 18:00")
    assert answered.due_at == at("2026-11-23 18:00")


def test_reload_year_restores_official_schedule(ref):
    CalendarDay.objects.filter(date=date(2026, 10, 10)).update(is_working=False)
    calendar_load_year(year=2026)
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).is_working is True


def test_explanation_lists_holidays_and_make_up_days(ref):
    dl = deadlines.explain(at("2026-09-30 10:00"), date(2026, 9, 30), 5)
    assert dl.due_at == at("2026-10-13 18:00")
    notes = {d.date: d for d in dl.exceptions}
    assert notes[date(2026, 10, 1)].is_working is False
    assert notes[date(2026, 10, 10)].is_working is True
    assert dl.counted_days == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10),
                               date(2026, 10, 12), date(2026, 10, 13)]


def test_working_days_left(ref):
    due_at = at("2026-11-24 18:00")
    assert deadlines.working_days_left(due_at, at("2026-11-20 10:00")) == 2
    assert deadlines.working_days_left(due_at, at("2026-11-24 17:00")) == 0
    assert deadlines.working_days_left(due_at, at("2026-11-24 18:30")) == -1
    assert deadlines.working_days_left(due_at, at("2026-11-27 10:00")) == -3


@pytest.mark.parametrize("args,expected", [
    (["query", "2026-09-30T10:00"], "2026-10-08T18:00:00+08:00"),
    (["coordination", "2026-09-30 10:00"], "2026-10-13T18:00:00+08:00"),
    (["complex", "2026-09-25T10:00:00+08:00"], "2026-10-16T18:00:00+08:00"),
    (["complex", "2026-09-25T02:00:00+00:00"], "2026-10-16T18:00:00+08:00"),
    (["complex", "2026-12-24T10:00"], "2027-01-07T18:00:00+08:00 provisional"),
])
def test_deadline_command(ref, args, expected):
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    assert out.getvalue().strip() == expected


def test_deadline_command_rejects_bad_input(ref):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("deadline", "query", "yesterday")
