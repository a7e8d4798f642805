"""Every lifecycle transition, every forbidden one, the audit log and access."""
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import Http404

from cases.selectors import cases_for
from notifications.models import Notification
from tests.factories import at, duty, make_case, make_work_order, user
from workorders import services
from workorders.access import allowed_actions
from workorders.errors import ConflictError
from workorders.models import EventAction, ExtensionRequest, ImmutableError, Status, WorkOrder, WorkOrderEvent
from workorders.selectors import get_work_order_for, work_orders_for
from workorders.transitions import TRANSITIONS, Action

pytestmark = pytest.mark.django_db


def actions(wo):
    return list(wo.events.order_by("id").values_list("action", flat=True))


def test_full_happy_path_writes_an_event_for_every_change(ref, case, judge, liaison):
    wo = services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject="查户籍",
                                    respondent=case.parties.get(role="respondent"))
    assert wo.status == Status.DRAFT and wo.due_at is None
    services.work_order_submit(work_order=wo, actor=judge, now=at("2026-11-18 10:00"))
    wo.refresh_from_db()
    assert (wo.status, wo.receipt_date.isoformat(), wo.due_at) == (Status.SUBMITTED, "2026-11-18",
                                                                     at("2026-11-19 18:00"))
    assert Notification.objects.filter(work_order=wo, kind="assigned", recipient=liaison).exists()
    services.work_order_sign(work_order=wo, actor=liaison, now=at("2026-11-18 11:00"))
    reply = services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="户籍地：河北区",
                                       now=at("2026-11-18 15:00"))
    assert Notification.objects.filter(work_order=wo, kind="answered", recipient=judge).exists()
    services.work_order_accept(work_order=wo, actor=judge, now=at("2026-11-18 16:00"))
    wo.refresh_from_db()
    assert wo.status == Status.CLOSED and wo.closed_at == at("2026-11-18 16:00")
    assert reply.outcome == "found"
    assert actions(wo) == ["created", "submitted", "signed", "answered", "accepted"]
    answered = wo.events.get(action="answered")
    assert (answered.from_status, answered.to_status, answered.actor) == ("signed", "answered", liaison)
    assert answered.details["on_time"] is True


def test_return_stops_the_clock_and_resubmission_restarts_it(ref, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, duty_code="L03", now=at("2026-11-16 10:00"))  # 5 days
    assert wo.due_at == at("2026-11-23 18:00")
    services.work_order_return(work_order=wo, actor=liaison, reason="请补充生效法律文书", now=at("2026-11-17 10:00"))
    wo.refresh_from_db()
    assert wo.status == Status.RETURNED and wo.next_escalation_at is None and wo.return_count == 1
    assert not wo.is_overdue(at("2026-12-30 10:00"))   # the clock is stopped
    services.work_order_resubmit(work_order=wo, actor=judge, note="已补充", now=at("2026-11-20 10:00"))
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED
    assert wo.receipt_date.isoformat() == "2026-11-20"
    assert wo.due_at == at("2026-11-27 18:00")   # full five working days again
    event = wo.events.get(action="resubmitted")
    assert event.details["old_due_at"] == at("2026-11-23 18:00").isoformat()


def test_approved_extension_adds_working_days_to_the_current_due_date(ref, case, judge, liaison, center):
    wo = make_work_order(case=case, judge=judge, duty_code="L03", now=at("2026-09-29 10:00"), status=Status.SIGNED)
    assert wo.due_at == at("2026-10-12 18:00")    # 9-30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12
    ext = services.extension_request(work_order=wo, actor=liaison, days=2, reason="需调取档案")
    assert Notification.objects.filter(work_order=wo, kind="extension_requested", recipient=center).exists()
    with pytest.raises(ConflictError):
        services.extension_request(work_order=wo, actor=liaison, days=1, reason="再延")
    services.extension_decide(extension=ext, actor=center, approve=True, note="同意", now=at("2026-10-08 10:00"))
    wo.refresh_from_db()
    assert wo.due_at == at("2026-10-14 18:00")   # +2 working days on the current due date
    assert wo.period_days == 7
    with pytest.raises(ConflictError):
        services.extension_decide(extension=ext, actor=center, approve=False)


def test_refused_extension_keeps_the_due_date(ref, case, judge, liaison, center):
    wo = make_work_order(case=case, judge=judge, duty_code="L03", now=at("2026-11-16 10:00"))
    ext = services.extension_request(work_order=wo, actor=liaison, days=3, reason="人手不足")
    services.extension_decide(extension=ext, actor=center, approve=False, note="不予延期")
    wo.refresh_from_db()
    assert wo.due_at == at("2026-11-23 18:00")
    assert ExtensionRequest.objects.get(pk=ext.pk).status == "refused"
    assert wo.events.filter(action=EventAction.EXTENSION_REFUSED).exists()


def test_reopen_sends_it_back_with_a_new_due_date(ref, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, now=at("2026-11-16 10:00"), status=Status.ANSWERED)
    services.work_order_reopen(work_order=wo, actor=judge, reason="答复不完整", now=at("2026-11-20 19:00"))
    wo.refresh_from_db()
    assert wo.status == Status.SIGNED and wo.answered_at is None
    assert wo.due_at == at("2026-11-24 18:00")   # after close Friday → receipt Monday → due Tuesday
    assert Notification.objects.filter(work_order=wo, kind="reopened", recipient=liaison).exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.SIGNED, Status.RETURNED])
def test_withdraw_from_every_open_state(ref, case, judge, status):
    wo = make_work_order(case=case, judge=judge, status=status)
    services.work_order_withdraw(work_order=wo, actor=judge, reason="已履行")
    wo.refresh_from_db()
    assert wo.status == Status.WITHDRAWN and wo.next_escalation_at is None


def _call(action, wo, actor):
    args = {"work_order": wo, "actor": actor}
    fn = {
        Action.SUBMIT: services.work_order_submit, Action.SIGN: services.work_order_sign,
        Action.RETURN: lambda **k: services.work_order_return(reason="补", **k),
        Action.RESUBMIT: services.work_order_resubmit,
        Action.ANSWER: lambda **k: services.work_order_answer(outcome="found", result_text="结果", **k),
        Action.ACCEPT: services.work_order_accept,
        Action.REOPEN: lambda **k: services.work_order_reopen(reason="不足", **k),
        Action.WITHDRAW: services.work_order_withdraw,
        Action.REQUEST_EXTENSION: lambda **k: services.extension_request(days=1, reason="因", **k),
    }[action]
    return fn(**args)


ALL_STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.SIGNED, Status.RETURNED, Status.ANSWERED,
                Status.CLOSED, Status.WITHDRAWN]
TESTED = [a for a in TRANSITIONS if a not in (Action.EDIT, Action.DECIDE_EXTENSION)]


FORBIDDEN = [(a, s) for a in TESTED for s in ALL_STATUSES if s not in TRANSITIONS[a].sources]


@pytest.mark.parametrize("action,status", FORBIDDEN, ids=lambda x: x.value)
def test_forbidden_transitions_are_clear_errors_and_change_nothing(ref, case, judge, liaison, action, status):
    wo = make_work_order(case=case, judge=judge, status=status)
    actor = judge if TRANSITIONS[action].side.value == "court" else liaison
    before = (WorkOrder.objects.filter(pk=wo.pk).values().get(), WorkOrderEvent.objects.count())
    with pytest.raises(ConflictError) as err:
        _call(action, wo, actor)
    assert str(wo.get_status_display()) in err.value.message
    after = (WorkOrder.objects.filter(pk=wo.pk).values().get(), WorkOrderEvent.objects.count())
    assert before == after


@pytest.mark.parametrize("action", TESTED, ids=lambda a: a.value)
def test_wrong_side_is_denied(ref, case, judge, liaison, liaison2, judge2, action):
    source = TRANSITIONS[action].sources[0]
    wo = make_work_order(case=case, judge=judge, status=source)
    intruders = [liaison2, judge2] + ([liaison] if TRANSITIONS[action].side.value == "court" else [judge])
    for intruder in intruders:
        with pytest.raises(PermissionDenied):
            _call(action, wo, intruder)
    wo.refresh_from_db()
    assert wo.status == source


def test_bad_input_is_a_validation_error(ref, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    with pytest.raises(ValidationError):
        services.work_order_return(work_order=wo, actor=liaison, reason="  ")
    with pytest.raises(ValidationError):
        services.work_order_answer(work_order=wo, actor=liaison, outcome="maybe", result_text="x")
    with pytest.raises(ValidationError):
        services.extension_request(work_order=wo, actor=liaison, days=0, reason="x")
    other = make_case(court_code="津0101", judge=user("judge2"))
    with pytest.raises(ValidationError):
        services.work_order_create(actor=judge, case=other, duty=duty("L01"), subject="越权")
    with pytest.raises(ValidationError):
        services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject="x",
                                   respondent=other.parties.get(role="respondent"))
    wo.refresh_from_db()
    assert wo.status == Status.SIGNED


def test_event_log_is_immutable(ref, case, judge):
    wo = make_work_order(case=case, judge=judge)
    event = wo.events.first()
    event.details = {"tampered": True}
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()


def test_reveal_is_logged(ref, case, judge, liaison, liaison2):
    wo = make_work_order(case=case, judge=judge)
    assert services.respondent_id_reveal(work_order=wo, actor=liaison) == wo.respondent.id_number
    assert wo.events.filter(action=EventAction.ID_REVEALED, actor=liaison).count() == 1
    with pytest.raises(PermissionDenied):
        services.respondent_id_reveal(work_order=wo, actor=liaison2)


def test_access_scopes_by_role(ref, judge, judge2, liaison, liaison2, head, center, supervisor, admin_user):
    mine = make_work_order(case=make_case(judge=judge), judge=judge, duty_code="L01")          # police
    land = make_work_order(case=make_case(court_code="津0101", judge=judge2), judge=judge2, duty_code="P01")
    draft = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.DRAFT)

    def visible(u):
        return set(work_orders_for(u).values_list("pk", flat=True))

    assert visible(judge) == {mine.pk, draft.pk}
    assert visible(judge2) == {land.pk}
    assert visible(liaison) == visible(head) == {mine.pk}          # drafts stay with the court
    assert visible(liaison2) == {land.pk}
    assert visible(center) == visible(supervisor) == {mine.pk, land.pk}
    assert visible(admin_user) >= {mine.pk, land.pk, draft.pk}
    with pytest.raises(Http404):
        get_work_order_for(liaison2, mine.pk)
    with pytest.raises(Http404):
        get_work_order_for(judge2, mine.pk)
    with pytest.raises(Http404):
        get_work_order_for(liaison, 10**9)
    assert set(cases_for(liaison2).values_list("pk", flat=True)) == {land.case_id}
    assert mine.case_id not in set(cases_for(judge2).values_list("pk", flat=True))
    assert Action.SIGN in allowed_actions(liaison, mine)
    assert Action.SIGN not in allowed_actions(judge, mine)
    assert Action.WITHDRAW in allowed_actions(judge, mine)


def test_batch_creates_one_work_order_per_pair(ref, judge, django_assert_max_num_queries):
    cases = [make_case(judge=judge) for _ in range(5)]
    items = [(c, c.parties.get(role="respondent"), duty(code), None)
             for c in cases for code in ("L01", "P01", "P04", "P09")]
    with django_assert_max_num_queries(60):
        batch = services.work_orders_create_batch(actor=judge, items=items, subject="批量查询",
                                                  now=at("2026-11-18 10:00"))
    assert batch.created_count == 20
    wos = WorkOrder.objects.filter(batch=batch)
    assert wos.count() == 20 and set(wos.values_list("status", flat=True)) == {"submitted"}
    assert set(wos.values_list("due_at", flat=True)) == {at("2026-11-19 18:00")}
    assert WorkOrderEvent.objects.filter(work_order__batch=batch, action="submitted").count() == 20


# ------------------------------------------------------------------ concurrency

def _race(*fns):
    """Run the callables at once in threads; return their outcomes."""
    barrier = threading.Barrier(len(fns))
    outcomes = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            outcomes[i] = ("ok", fn())
        except Exception as exc:
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_liaisons_answering_at_once_leave_one_winner(ref):
    from django.contrib.auth import get_user_model

    from agencies.models import AgencyMembership

    judge, liaison = user("judge"), user("liaison")
    other = get_user_model().objects.create(username="liaison_b")
    AgencyMembership.objects.create(user=other, agency=liaison.agency_memberships.first().agency, role="liaison")
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.SIGNED)
    outcomes = _race(
        lambda: services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="A"),
        lambda: services.work_order_answer(work_order=wo, actor=user("liaison_b"), outcome="not_found",
                                           result_text="B"),
    )
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["error", "ok"]
    loser = next(o[1] for o in outcomes if o[0] == "error")
    assert isinstance(loser, ConflictError) and loser.message
    assert wo.replies.count() == 1
    assert wo.events.filter(action="answered").count() == 1


@pytest.mark.django_db(transaction=True)
def test_answer_racing_a_withdrawal_has_exactly_one_winner(ref):
    judge, liaison = user("judge"), user("liaison")
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.SIGNED)
    outcomes = _race(
        lambda: services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="A"),
        lambda: services.work_order_withdraw(work_order=wo, actor=judge, reason="撤回"),
    )
    assert sorted(o[0] for o in outcomes) == ["error", "ok"]
    assert isinstance(next(o[1] for o in outcomes if o[0] == "error"), ConflictError)
    wo.refresh_from_db()
    if wo.status == Status.ANSWERED:
        assert wo.replies.count() == 1 and not wo.events.filter(action="withdrawn").exists()
    else:
        assert wo.status == Status.WITHDRAWN and wo.replies.count() == 0


def test_notices_are_written_in_the_platform_language(ref, case, judge, liaison):
    from django.utils import translation

    with translation.override("en"):
        wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
        services.work_order_return(work_order=wo, actor=liaison, reason="请补充")
    notice = Notification.objects.get(work_order=wo, kind="returned")
    assert "退回" in notice.title, notice.title


def test_filing_to_an_agency_outside_the_courts_centers_is_refused(ref, case, judge):
    from agencies.models import Agency, Duty, LinkageCenter

    elsewhere = LinkageCenter.objects.create(code="BJ", name="北京市执行联动中心", level="city")
    agency = Agency.objects.create(code="BJ-PSB", name="北京市公安局", center=elsewhere)
    foreign = Duty.objects.create(code="BJ-L01", name="查询户籍", area="locate", agency=agency, default_type="query")
    with pytest.raises(ValidationError):
        services.work_order_create(actor=judge, case=case, duty=foreign, subject="越界")
    assert not WorkOrder.objects.filter(duty=foreign).exists()


def test_events_carry_the_services_time(ref, case, judge):
    wo = make_work_order(case=case, judge=judge, now=at("2026-11-18 10:00"))
    assert wo.events.get(action="submitted").created_at == at("2026-11-18 10:00")
