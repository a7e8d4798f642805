"""Each business term has one definition: the work-order queryset (running,
overdue, due soon, never submitted, pending extension) and its Q / SQL / row
forms agree, "due soon" follows the real calendar and the one setting, and the
reference, the center tree and the recipients have one helper each."""
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from agencies.models import AgencyMembership, CenterMembership, LinkageCenter
from agencies.selectors import (
    agency_staff,
    center_staff,
    centers_with_ancestors,
    centers_with_descendants,
)
from tests.factories import at, make_case, make_work_order
from workorders import deadlines, services
from workorders.models import (
    ExtensionRequest,
    Status,
    WorkOrder,
    is_overdue,
    overdue_sql,
    pk_from_reference,
    reference_for,
)

# Wednesday before the 2026 National Day holiday (10-01…10-07 off, Saturday 10-10 worked).
NOW = at("2026-09-30 10:00")


@pytest.fixture
def orders(judge):
    """Work orders whose due instants sit on the boundaries of the terms."""
    case = make_case(judge=judge)
    due = {
        "now": NOW,                                  # due this instant: not overdue yet, due soon
        "just_late": NOW - timedelta(minutes=1),     # overdue
        "second_day": at("2026-10-09 18:00"),        # 2nd working day after 09-30, across the holiday
        "after": at("2026-10-09 18:01"),             # past the due-soon window
        "first_day": at("2026-10-08 18:00"),         # 1st working day after 09-30
        "holiday_naive": at("2026-10-02 18:00"),     # what Monday–Friday counting would call day 2
    }
    out = {}
    for name, due_at in due.items():
        wo = make_work_order(case=case, judge=judge, now=NOW - timedelta(days=1))
        WorkOrder.objects.filter(pk=wo.pk).update(due_at=due_at)
        out[name] = wo.pk
    returned = make_work_order(case=case, judge=judge, now=NOW - timedelta(days=5), status=Status.RETURNED)
    WorkOrder.objects.filter(pk=returned.pk).update(due_at=NOW - timedelta(days=1))
    out["returned_late"] = returned.pk
    out["draft"] = make_work_order(case=case, judge=judge, status=Status.DRAFT).pk
    return out


def _names(qs, orders):
    by_pk = {pk: name for name, pk in orders.items()}
    return {by_pk[pk] for pk in qs.filter(pk__in=orders.values()).values_list("pk", flat=True)}


def test_running_and_overdue(orders):
    running = {"now", "just_late", "second_day", "after", "first_day", "holiday_naive"}
    assert _names(WorkOrder.objects.running(), orders) == running
    # A returned work order's clock is stopped: past its due date, but not overdue.
    assert _names(WorkOrder.objects.overdue(NOW), orders) == {"just_late"}


def test_the_row_and_sql_forms_of_overdue_agree_with_the_queryset(orders):
    expected = set(WorkOrder.objects.overdue(NOW).filter(pk__in=orders.values()).values_list("pk", flat=True))
    rows = WorkOrder.objects.filter(pk__in=orders.values())
    assert {w.pk for w in rows if w.is_overdue(NOW)} == expected
    assert {w["pk"] for w in rows.values("pk", "status", "due_at")
            if is_overdue(w["status"], w["due_at"], NOW)} == expected
    sql, params = overdue_sql(NOW)
    ids = list(orders.values())
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {WorkOrder._meta.db_table} WHERE {sql} AND id = ANY(%s)", [*params, ids])
        assert {r[0] for r in cur.fetchall()} == expected


def test_due_soon_counts_working_days_on_the_real_calendar(orders, settings):
    settings.DUE_SOON_WORKING_DAYS = 2
    assert deadlines.due_soon_until(NOW) == at("2026-10-09 18:00")
    assert _names(WorkOrder.objects.due_soon(NOW), orders) == {"now", "first_day", "second_day", "holiday_naive"}
    settings.DUE_SOON_WORKING_DAYS = 1
    assert deadlines.due_soon_until(NOW) == at("2026-10-08 18:00")
    assert _names(WorkOrder.objects.due_soon(NOW), orders) == {"now", "first_day", "holiday_naive"}


def test_due_soon_is_the_same_on_the_inbox_and_the_dashboard(client, orders, liaison, center, settings):
    settings.DUE_SOON_WORKING_DAYS = 2
    soon = WorkOrder.objects.due_soon(NOW).filter(pk__in=orders.values())
    with time_machine.travel(NOW, tick=False):
        client.force_login(liaison)
        inbox = client.get(reverse("workorders:inbox"), {"tab": "due_soon"})
        client.force_login(center)
        totals = client.get(reverse("dashboards:overdue")).context["totals"]
    assert {w.pk for w in inbox.context["page"].object_list} == set(soon.values_list("pk", flat=True))
    # The dashboard shows what is due today on its own card and the rest as due soon.
    assert totals.due_today + totals.due_soon == soon.count()
    assert totals.due_soon == soon.filter(due_at__gte=at("2026-10-01 00:00")).count()


def test_ever_and_never_submitted(orders):
    assert _names(WorkOrder.objects.never_submitted(), orders) == {"draft"}
    assert "draft" not in _names(WorkOrder.objects.ever_submitted(), orders)


def test_with_pending_extension_annotates_what_the_property_reads(orders, liaison):
    wo = WorkOrder.objects.get(pk=orders["first_day"])
    ExtensionRequest.objects.create(work_order=wo, requested_by=liaison, days=2, reason="需要时间")
    rows = {w.pk: w for w in WorkOrder.objects.filter(pk__in=orders.values()).with_pending_extension()}
    assert {pk for pk, w in rows.items() if w.has_pending_extension} == {wo.pk}
    assert rows[wo.pk]._pending_extension is True


# ---------------------------------------------------------------- reference

def test_reference_round_trip():
    assert reference_for(42) == "GD0000042"
    assert reference_for(None) == "GD0000000"
    assert [pk_from_reference(t) for t in ("GD0000042", "gd42", " 42 ", "GDx", "")] == [42, 42, 42, None, None]


def test_the_model_and_the_api_use_the_helper(orders):
    wo = WorkOrder.objects.get(pk=orders["now"])
    assert wo.reference == reference_for(wo.pk)


# ---------------------------------------------------------------- tree and people

def test_center_tree_walks(ref):
    city, district = LinkageCenter.objects.get(code="TJ"), LinkageCenter.objects.get(code="TJ-HP")
    every = set(LinkageCenter.objects.values_list("pk", flat=True))
    assert centers_with_ancestors([district.pk]) == {district.pk, city.pk}
    assert centers_with_ancestors([None]) == set()
    assert centers_with_descendants([city.pk]) == every
    assert centers_with_descendants([district.pk]) == {district.pk}
    assert city.subtree_ids() == every


def test_recipients(ref, liaison, head, center):
    agency_id = AgencyMembership.objects.get(user=liaison).agency_id
    assert liaison in agency_staff(agency_id)
    assert head in agency_staff(agency_id, AgencyMembership.Role.HEAD)
    district = LinkageCenter.objects.get(code="TJ-HP")
    # The city center's admin hears about a district's agencies too.
    assert center in center_staff(district.pk, CenterMembership.Role.ADMIN)
    assert services.agency_recipients is agency_staff and services.center_recipients is center_staff


# ---------------------------------------------------------------- one transaction

def test_editing_and_submitting_a_draft_is_one_transaction(judge, monkeypatch):
    case = make_case(judge=judge)
    wo = make_work_order(case=case, judge=judge, status=Status.DRAFT)

    def refuse(**kwargs):
        raise ValidationError("no")

    monkeypatch.setattr(services, "work_order_submit", refuse)
    with pytest.raises(ValidationError):
        services.work_order_edit_draft(work_order=wo, actor=judge, subject="改过的主题", details="",
                                       duty=wo.duty, respondent=wo.respondent, submit=True)
    wo.refresh_from_db()
    assert wo.subject != "改过的主题" and wo.status == Status.DRAFT
