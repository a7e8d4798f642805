"""A pending extension request does not outlive the running work order:
answering, withdrawing or returning lapses it (with an event), so the center's
queue holds only live requests. A data migration lapses old leftovers."""
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from tests.factories import at, make_work_order
from tests.test_api_support import _fresh_throttles, client_for, url  # noqa: F401
from workorders import services
from workorders.access import allowed_actions
from workorders.models import EventAction, ExtensionRequest, Status, WorkOrderEvent
from workorders.transitions import Action

pytestmark = pytest.mark.django_db

T0 = at("2026-11-16 10:00")
T1 = at("2026-11-17 11:00")


def _pending(wo, liaison):
    return services.extension_request(work_order=wo, actor=liaison, days=2, reason="需调取档案")


def _assert_lapsed(wo, ext, cause, actor):
    ext.refresh_from_db()
    assert ext.status == ExtensionRequest.Decision.LAPSED
    assert ext.decided_at == T1 and ext.decided_by is None and ext.decision_note
    event = wo.events.get(action=EventAction.EXTENSION_LAPSED)
    assert (event.actor, event.details["extension"], event.details["cause"]) == (actor, ext.pk, cause)
    assert event.created_at == T1
    assert not ExtensionRequest.objects.filter(status=ExtensionRequest.Decision.PENDING).exists()


def test_answering_lapses_the_pending_extension(ref, case, judge, liaison, center, client):
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED, now=T0)
    ext = _pending(wo, liaison)
    services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到", now=T1)
    _assert_lapsed(wo, ext, "answered", liaison)
    wo.refresh_from_db()
    assert not wo.has_pending_extension
    assert Action.DECIDE_EXTENSION not in allowed_actions(center, wo)
    # The center's queue, its home-page count and the API no longer show it as waiting.
    client.force_login(center)
    assert wo.reference not in client.get(reverse("workorders:extensions")).content.decode()
    assert client.get(reverse("home")).context["pending_extensions"] == 0
    api = client_for(center).get(url("work-order-detail", wo.pk)).json()
    assert api["has_pending_extension"] is False
    assert [e["status"] for e in api["extensions"]] == ["lapsed"]


def test_withdrawing_lapses_the_pending_extension(ref, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED, now=T0)
    ext = _pending(wo, liaison)
    services.work_order_withdraw(work_order=wo, actor=judge, reason="已和解", now=T1)
    _assert_lapsed(wo, ext, "withdrawn", judge)


def test_returning_lapses_the_pending_extension(ref, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED, now=T0)
    ext = _pending(wo, liaison)
    services.work_order_return(work_order=wo, actor=liaison, reason="请补充", now=T1)
    _assert_lapsed(wo, ext, "returned", liaison)
    # After resubmission the agency may ask again.
    services.work_order_resubmit(work_order=wo, actor=judge, note="已补充", now=T1)
    wo.refresh_from_db()
    assert Action.REQUEST_EXTENSION in allowed_actions(liaison, wo)


def test_a_transition_without_a_pending_request_logs_no_lapse(ref, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED, now=T0)
    services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到", now=T1)
    assert not wo.events.filter(action=EventAction.EXTENSION_LAPSED).exists()


def test_data_migration_lapses_leftovers_of_finished_work_orders(ref, case, judge, liaison):
    running = make_work_order(case=case, judge=judge, status=Status.SIGNED, now=T0)
    live = _pending(running, liaison)
    stale = {}
    for status in (Status.ANSWERED, Status.CLOSED, Status.WITHDRAWN, Status.RETURNED):
        wo = make_work_order(case=case, judge=judge, status=status, now=T0)
        # What the old code left behind: a pending row on a finished work order.
        stale[status] = ExtensionRequest.objects.create(work_order=wo, requested_by=liaison, days=1, reason="旧")
    migration = importlib.import_module("workorders.migrations.0005_lapse_stale_extension_requests")
    migration.lapse_stale_extension_requests(apps, None)
    live.refresh_from_db()
    assert live.status == ExtensionRequest.Decision.PENDING
    for status, ext in stale.items():
        ext.refresh_from_db()
        assert ext.status == ExtensionRequest.Decision.LAPSED and ext.decided_at is not None
        event = WorkOrderEvent.objects.get(work_order=ext.work_order, action=EventAction.EXTENSION_LAPSED)
        assert event.details["cause"] == status and event.details["extension"] == ext.pk
    # Running it again changes nothing.
    migration.lapse_stale_extension_requests(apps, None)
    assert WorkOrderEvent.objects.filter(action=EventAction.EXTENSION_LAPSED).count() == 4
