"""The escalation ladder and the sweep, on PostgreSQL, with the clock frozen."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction

from notifications.models import Notification
from tests.factories import at, make_case, make_work_order, user
from workorders import services
from workorders.models import Escalation, EscalationStep, EventAction, Status, WorkOrder
from workorders.sweep import escalate_due

pytestmark = pytest.mark.django_db

ONE_US = timedelta(microseconds=1)


def sweep_at(instant):
    with time_machine.travel(instant, tick=False):
        return escalate_due()


def steps_of(wo):
    return list(Escalation.objects.filter(work_order=wo).order_by("fired_at", "step").values_list("step", flat=True))


def notified(wo, kind=None):
    qs = Notification.objects.filter(work_order=wo)
    if kind:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("recipient__username", flat=True))


@pytest.fixture
def query_wo(ref, judge):
    """A query submitted Wed 2026-11-18 10:00, due Thu 2026-11-19 18:00."""
    wo = make_work_order(case=make_case(judge=judge), judge=judge, duty_code="L01", now=at("2026-11-18 10:00"))
    assert wo.due_at == at("2026-11-19 18:00")
    return wo


def test_ladder_fires_each_rung_at_its_instant(query_wo):
    wo = query_wo
    assert wo.next_escalation_at == at("2026-11-19 09:00")

    assert sweep_at(at("2026-11-19 09:00") - ONE_US).escalations == 0
    assert sweep_at(at("2026-11-19 09:00")).by_step == {EscalationStep.WARNING: 1}
    assert notified(wo, Notification.Kind.DUE_TODAY) == ["liaison"]

    assert sweep_at(wo.due_at - ONE_US).escalations == 0
    assert sweep_at(wo.due_at).by_step == {EscalationStep.OVERDUE: 1}
    wo.refresh_from_db()
    assert wo.escalation_level == EscalationStep.OVERDUE
    assert sorted(Notification.objects.filter(work_order=wo, kind="escalation").values_list(
        "recipient__username", flat=True)) == ["head", "liaison"]

    # Step 2 one working day after due_at (Fri 18:00), step 3 three (weekend skipped: Tue 18:00).
    assert sweep_at(at("2026-11-20 18:00") - ONE_US).escalations == 0
    assert sweep_at(at("2026-11-20 18:00")).by_step == {EscalationStep.CENTER: 1}
    assert "center" in notified(wo)
    assert sweep_at(at("2026-11-24 18:00") - ONE_US).escalations == 0
    assert sweep_at(at("2026-11-24 18:00")).by_step == {EscalationStep.SUPERVISION: 1}
    assert "supervisor" in notified(wo)

    wo.refresh_from_db()
    assert wo.escalation_level == EscalationStep.SUPERVISION and wo.next_escalation_at is None
    assert steps_of(wo) == [1, 2, 3, 4]
    assert wo.events.filter(action=EventAction.ESCALATED).count() == 3
    assert wo.events.filter(action=EventAction.WARNED).count() == 1
    assert sweep_at(at("2026-12-30 18:00")).escalations == 0


def test_steps_two_and_three_respect_holidays_and_make_up_weekends(ref, judge):
    # Query submitted Tue 2026-09-29 10:00 → due Wed 09-30 18:00; National Day follows.
    wo = make_work_order(case=make_case(judge=judge), judge=judge, now=at("2026-09-29 10:00"))
    assert wo.due_at == at("2026-09-30 18:00")
    sweep_at(wo.due_at)
    assert sweep_at(at("2026-10-08 18:00") - ONE_US).escalations == 0   # holidays do not count
    assert sweep_at(at("2026-10-08 18:00")).by_step == {EscalationStep.CENTER: 1}
    # Three working days: 10-08, 10-09 and the make-up Saturday 10-10.
    assert sweep_at(at("2026-10-10 18:00") - ONE_US).escalations == 0
    assert sweep_at(at("2026-10-10 18:00")).by_step == {EscalationStep.SUPERVISION: 1}


def test_late_sweep_skips_the_warning_and_fires_every_passed_step(query_wo):
    result = sweep_at(at("2026-11-23 10:00"))   # Monday: overdue and center passed, supervision not
    assert result.by_step == {EscalationStep.OVERDUE: 1, EscalationStep.CENTER: 1}
    assert steps_of(query_wo) == [EscalationStep.OVERDUE, EscalationStep.CENTER]
    assert not notified(query_wo, Notification.Kind.DUE_TODAY)


def test_answered_work_order_is_never_escalated(query_wo, liaison):
    services.work_order_sign(work_order=query_wo, actor=liaison, now=at("2026-11-18 11:00"))
    services.work_order_answer(work_order=query_wo, actor=liaison, outcome="found", result_text="已查到",
                               now=at("2026-11-18 12:00"))
    query_wo.refresh_from_db()
    assert query_wo.next_escalation_at is None
    assert sweep_at(at("2026-12-01 10:00")).escalations == 0


def test_withdrawn_and_returned_work_orders_stop_their_ladder(query_wo, judge, liaison):
    services.work_order_return(work_order=query_wo, actor=liaison, reason="请补充", now=at("2026-11-18 11:00"))
    assert sweep_at(at("2026-12-01 10:00")).escalations == 0
    services.work_order_resubmit(work_order=query_wo, actor=judge, now=at("2026-12-01 10:00"))
    query_wo.refresh_from_db()
    assert query_wo.due_at == at("2026-12-02 18:00") and query_wo.escalation_level == 0
    services.work_order_withdraw(work_order=query_wo, actor=judge, reason="已履行", now=at("2026-12-01 11:00"))
    assert sweep_at(at("2026-12-10 10:00")).escalations == 0


def test_approved_extension_moves_the_ladder(query_wo, liaison, center):
    sweep_at(at("2026-11-19 09:00"))   # warning sent
    ext = services.extension_request(work_order=query_wo, actor=liaison, days=2, reason="需调档")
    services.extension_decide(extension=ext, actor=center, approve=True, now=at("2026-11-19 10:00"))
    query_wo.refresh_from_db()
    assert query_wo.due_at == at("2026-11-23 18:00")
    assert query_wo.next_escalation_at == at("2026-11-23 18:00")
    assert sweep_at(at("2026-11-19 18:00")).escalations == 0   # the old due date passes quietly
    assert sweep_at(at("2026-11-23 18:00")).by_step == {EscalationStep.OVERDUE: 1}


def test_reopen_starts_a_new_ladder(query_wo, judge, liaison):
    sweep_at(at("2026-11-20 18:00"))  # overdue and center
    services.work_order_sign(work_order=query_wo, actor=liaison, now=at("2026-11-20 18:05"))
    services.work_order_answer(work_order=query_wo, actor=liaison, outcome="not_found", result_text="未查到",
                               now=at("2026-11-20 18:10"))
    services.work_order_reopen(work_order=query_wo, actor=judge, reason="请再核实", now=at("2026-11-23 10:00"))
    query_wo.refresh_from_db()
    assert query_wo.escalation_level == 0 and query_wo.due_at == at("2026-11-24 18:00")
    # The sweep comes after both the new warning and the new due instant: overdue only.
    assert sweep_at(at("2026-11-24 18:00")).by_step == {EscalationStep.OVERDUE: 1}
    assert Escalation.objects.filter(work_order=query_wo, due_at=at("2026-11-24 18:00"),
                                     step=EscalationStep.OVERDUE).count() == 1
    assert Escalation.objects.filter(work_order=query_wo, step=EscalationStep.OVERDUE).count() == 2


def test_sweep_twice_at_the_same_instant_fires_nothing_twice(query_wo):
    sweep_at(at("2026-11-25 10:00"))
    sweep_at(at("2026-11-25 10:00"))
    assert steps_of(query_wo) == [2, 3, 4]
    assert Notification.objects.filter(work_order=query_wo, kind="escalation").count() == 4  # liaison, head, center, supervisor


def test_a_failing_row_is_pushed_back_and_the_sweep_goes_on(ref, judge, monkeypatch):
    from workorders import sweep

    case = make_case(judge=judge)
    bad = make_work_order(case=case, judge=judge, now=at("2026-11-18 10:00"))
    good = make_work_order(case=case, judge=judge, now=at("2026-11-18 10:00"))
    real = sweep.rungs_due

    def flaky(level, type_, *args):
        if type_ == "bogus":
            raise RuntimeError("boom")
        return real(level, type_, *args)

    WorkOrder.objects.filter(pk=bad.pk).update(type="bogus")
    monkeypatch.setattr(sweep, "rungs_due", flaky)
    with time_machine.travel(at("2026-11-19 18:00"), tick=False):
        result = escalate_due()
    assert result.failed == 1
    assert steps_of(good) == [EscalationStep.OVERDUE]
    bad.refresh_from_db()
    assert bad.next_escalation_at == at("2026-11-19 18:05")
    assert steps_of(bad) == []


def _due_work_orders(n, judge):
    case = make_case(judge=judge)
    for _ in range(n):
        make_work_order(case=case, judge=judge, now=at("2026-11-18 10:00"))
    return WorkOrder.objects.filter(case=case)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_each_rung_exactly_once(ref):
    judge = user("judge")
    wos = _due_work_orders(60, judge)
    errors = []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            with time_machine.travel(at("2026-11-25 10:00"), tick=False):
                escalate_due(batch_size=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert Escalation.objects.filter(work_order__in=wos).count() == 60 * 3
    assert Escalation.objects.filter(work_order__in=wos, step=EscalationStep.OVERDUE).count() == 60
    # liaison + head at step 1, center at step 2, supervisor at step 3: 4 notices per work order.
    assert Notification.objects.filter(work_order__in=wos, kind="escalation").count() == 60 * 4
    assert set(wos.values_list("escalation_level", flat=True)) == {EscalationStep.SUPERVISION}


@pytest.mark.django_db(transaction=True)
def test_sweep_killed_between_batches_completes_on_rerun(ref):
    judge = user("judge")
    wos = _due_work_orders(25, judge)

    class Killed(Exception):
        pass

    def kill(result):
        raise Killed

    with time_machine.travel(at("2026-11-19 18:00"), tick=False):
        with pytest.raises(Killed):
            escalate_due(batch_size=10, after_batch=kill)
        assert Escalation.objects.filter(work_order__in=wos).count() == 10
        result = escalate_due(batch_size=10)
    assert result.escalations == 15
    assert Escalation.objects.filter(work_order__in=wos).count() == 25
    assert Notification.objects.filter(work_order__in=wos, kind="escalation").count() == 25 * 2


@pytest.mark.django_db(transaction=True)
def test_answer_racing_the_sweep_is_not_escalated(ref):
    judge, liaison = user("judge"), user("liaison")
    wo = make_work_order(case=make_case(judge=judge), judge=judge, now=at("2026-11-18 10:00"),
                         status=Status.SIGNED)
    answering = threading.Event()
    release = threading.Event()

    def answer():
        try:
            with transaction.atomic():
                services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到",
                                           now=at("2026-11-19 18:00"))
                answering.set()       # row locked, answer written, not yet committed
                release.wait(10)
        finally:
            connections.close_all()

    t = threading.Thread(target=answer)
    t.start()
    assert answering.wait(10)
    with time_machine.travel(at("2026-11-19 18:00"), tick=False):
        assert escalate_due().escalations == 0      # the locked row is skipped, not waited for
    release.set()
    t.join(10)
    with time_machine.travel(at("2026-11-30 18:00"), tick=False):
        assert escalate_due().escalations == 0      # and once answered it is never escalated
    wo.refresh_from_db()
    assert wo.status == Status.ANSWERED and steps_of(wo) == []


def test_sweep_query_count_does_not_grow_with_due_rows(ref, judge, django_assert_max_num_queries):
    _due_work_orders(5, judge)
    with time_machine.travel(at("2026-11-19 18:00"), tick=False):
        with django_assert_max_num_queries(20):
            escalate_due()
    _due_work_orders(60, judge)
    with time_machine.travel(at("2026-11-19 18:00"), tick=False):
        with django_assert_max_num_queries(20):
            assert escalate_due().escalations == 60


def test_partial_index_serves_the_due_query(ref):
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        cur.execute(
            "EXPLAIN SELECT id FROM workorders_workorder WHERE status IN ('submitted','signed') "
            "AND next_escalation_at <= now() ORDER BY next_escalation_at LIMIT 500")
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("SET enable_seqscan = on")
    assert "wo_next_escalation" in plan
