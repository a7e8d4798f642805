"""The admin is another interface: it has no back door around the services.

- The work-order log (work orders, replies, attachments, events, escalations,
  extension requests, batches, notifications) is read-only in the admin.
- Edits to cases, parties, memberships, SLA policies and escalation rules write
  an AuditEntry (who, when, what, field old → new).
- Full ID numbers are masked; revealing one is logged.
"""
from datetime import time

import pytest
from django.utils import translation
from django.contrib import admin
from django.urls import reverse

from agencies.models import AgencyMembership, CenterMembership
from audit.models import AuditEntry
from cases.models import EnforcementCase, JudgeMembership, Party
from notifications.models import Notification
from tests.factories import make_case, make_work_order
from workorders import services
from workorders.deadlines import local
from workorders.models import (
    Attachment,
    Escalation,
    EscalationRule,
    EventAction,
    ExtensionRequest,
    Reply,
    SlaPolicy,
    Status,
    WorkOrder,
    WorkOrderBatch,
    WorkOrderEvent,
)

READ_ONLY = [WorkOrder, Reply, Attachment, WorkOrderEvent, Escalation, ExtensionRequest, WorkOrderBatch,
             Notification]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """The POST body the admin change form would send back unchanged."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            key = form.add_prefix(name)
            if isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = field.widget.format_value(value) if hasattr(field.widget, "format_value") \
                    and not isinstance(value, str) else value
            if data[key] is None:
                del data[key]

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        mgmt = fs.management_form
        for name in mgmt.fields:
            data[mgmt.add_prefix(name)] = mgmt[name].value()
        for form in fs.initial_forms:
            add(form)
    return data


@pytest.fixture
def work_order(ref, judge, liaison):
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.ANSWERED)
    return wo


@pytest.fixture
def log_rows(work_order, judge, admin_user):
    """One row of every read-only model."""
    wo = make_work_order(case=make_case(judge=judge), judge=judge)
    liaison = wo.agency.memberships.filter(role="liaison").first().user
    services.extension_request(work_order=wo, actor=liaison, days=2, reason="需要时间")
    Escalation.objects.create(work_order=wo, step=1, due_at=wo.due_at, fired_at=wo.due_at)
    Attachment.objects.create(work_order=wo, purpose="request", file="x/doc.pdf", original_name="doc.pdf",
                              content_type="application/pdf", size=3, sha256="0" * 64, uploaded_by=judge)
    WorkOrderBatch.objects.create(created_by=judge, court=wo.court, total=1, created_count=1)
    return {m: m.objects.first() for m in READ_ONLY}


# ---------------------------------------------------------------- read-only log

@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_log_models_refuse_add_change_delete(client, admin_user, log_rows, model):
    obj = log_rows[model]
    assert obj is not None
    client.force_login(admin_user)
    model_admin = admin.site._registry[model]
    request = client.get(url(model, "changelist")).wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert "delete_selected" not in model_admin.get_actions(request)

    assert client.get(url(model, "add")).status_code == 403
    assert client.get(url(model, "delete", obj.pk)).status_code == 403
    assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    page = client.get(url(model, "change", obj.pk))
    assert page.status_code == 200  # shown, read-only
    assert 'type="submit" value="保存"' not in page.content.decode()
    assert client.post(url(model, "change", obj.pk), {}).status_code == 403


@pytest.mark.django_db
def test_work_order_subject_cannot_be_edited_in_the_admin(client, admin_user, work_order):
    client.force_login(admin_user)
    page = client.get(url(WorkOrder, "change", work_order.pk))
    assert 'name="subject"' not in page.content.decode()
    assert 'name="details"' not in page.content.decode()
    client.post(url(WorkOrder, "change", work_order.pk), {"subject": "改过的", "details": "改过的"})
    work_order.refresh_from_db()
    assert work_order.subject != "改过的"


@pytest.mark.django_db
def test_admin_withdraw_action_goes_through_the_service(client, admin_user, judge):
    wo = make_work_order(case=make_case(judge=judge), judge=judge)
    client.force_login(admin_user)
    ask = client.post(url(WorkOrder, "changelist"), {"action": "withdraw_selected", "_selected_action": [wo.pk]})
    assert ask.status_code == 200 and 'name="reason"' in ask.content.decode()
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED  # nothing happens before the reason is confirmed
    response = client.post(url(WorkOrder, "changelist"), {
        "action": "withdraw_selected", "_selected_action": [wo.pk], "apply": "1", "reason": "案件已结案"})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.status == Status.WITHDRAWN
    event = wo.events.get(action=EventAction.WITHDRAWN)
    assert event.actor == admin_user
    assert event.details["reason"] == "案件已结案"


# ---------------------------------------------------------------- audited edits

def _change(client, model, obj, **changes):
    page = client.get(url(model, "change", obj.pk))
    assert page.status_code == 200
    data = form_data(page)
    data.update({k: str(v) for k, v in changes.items()})
    response = client.post(url(model, "change", obj.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    return response


def _entry(obj, action=AuditEntry.Action.CHANGE):
    return AuditEntry.objects.filter(
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}", object_id=str(obj.pk), action=action,
    ).latest("id")


@pytest.mark.django_db
def test_case_edit_writes_an_audit_entry(client, admin_user, judge):
    case = make_case(judge=judge)
    client.force_login(admin_user)
    _change(client, EnforcementCase, case, cause="买卖合同纠纷", amount="123.45")
    case.refresh_from_db()
    assert case.cause == "买卖合同纠纷"
    entry = _entry(case)
    assert entry.actor == admin_user
    assert entry.changes["cause"] == ["民间借贷纠纷", "买卖合同纠纷"]
    assert entry.changes["amount"] == ["100000.00", "123.45"]
    assert entry.object_repr == case.number


@pytest.mark.django_db
def test_party_edit_in_case_inline_writes_an_audit_entry(client, admin_user, judge):
    case = make_case(judge=judge)
    party = case.parties.get(role=Party.Role.RESPONDENT)
    client.force_login(admin_user)
    page = client.get(url(EnforcementCase, "change", case.pk))
    data = form_data(page)
    index = [k for k, v in data.items() if k.endswith("-id") and v == str(party.pk)][0].split("-")[1]
    data[f"parties-{index}-name"] = "改名后的被执行人"
    assert client.post(url(EnforcementCase, "change", case.pk), data).status_code == 302
    party.refresh_from_db()
    assert party.name == "改名后的被执行人"
    assert _entry(party).changes == {"name": [_entry(party).changes["name"][0], "改名后的被执行人"]}


@pytest.mark.django_db
def test_party_edit_writes_an_audit_entry_and_id_change_is_masked(client, admin_user, judge):
    case = make_case(judge=judge)
    party = case.parties.get(role=Party.Role.RESPONDENT)
    old_id = party.id_number
    client.force_login(admin_user)
    _change(client, Party, party, name="新名字", new_id_number="120105199001011234")
    party.refresh_from_db()
    assert party.name == "新名字"
    assert party.id_number == "120105199001011234"
    entry = _entry(party)
    assert entry.changes["name"][1] == "新名字"
    # the audit log itself never holds a full ID number
    assert entry.changes["id_number"] == [Party(id_number=old_id).masked_id_number, "120***********1234"]
    assert old_id not in str(entry.changes)


@pytest.mark.django_db
@pytest.mark.parametrize("model,field,new", [
    (AgencyMembership, "role", "head"),
    (CenterMembership, "role", "supervisor"),
])
def test_membership_edit_writes_an_audit_entry(client, admin_user, ref, model, field, new):
    obj = model.objects.exclude(**{field: new}).first()
    old = getattr(obj, field)
    client.force_login(admin_user)
    _change(client, model, obj, **{field: new})
    obj.refresh_from_db()
    assert getattr(obj, field) == new
    assert _entry(obj).changes == {field: [old, new]}
    assert _entry(obj).actor == admin_user


@pytest.mark.django_db
def test_judge_membership_delete_writes_an_audit_entry(client, admin_user, ref):
    obj = JudgeMembership.objects.first()
    pk, text = obj.pk, str(obj)
    client.force_login(admin_user)
    assert client.post(url(JudgeMembership, "delete", pk), {"post": "yes"}).status_code == 302
    assert not JudgeMembership.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(object_type="cases.judgemembership", object_id=str(pk),
                                   action=AuditEntry.Action.DELETE)
    assert entry.object_repr == text
    assert entry.actor == admin_user


@pytest.mark.django_db
def test_center_membership_add_writes_an_audit_entry(client, admin_user, ref, judge):
    center = CenterMembership.objects.first().center
    client.force_login(admin_user)
    response = client.post(url(CenterMembership, "add"),
                           {"user": judge.pk, "center": center.pk, "role": "supervisor"})
    assert response.status_code == 302
    obj = CenterMembership.objects.get(user=judge, center=center)
    entry = _entry(obj, AuditEntry.Action.CREATE)
    assert entry.changes["role"] == [None, "supervisor"]


@pytest.mark.django_db
def test_sla_policy_edit_writes_an_audit_entry(client, admin_user, ref):
    policy = SlaPolicy.objects.get(type="coordination")
    client.force_login(admin_user)
    _change(client, SlaPolicy, policy, working_days=7)
    assert _entry(policy).changes == {"working_days": [5, 7]}


@pytest.mark.django_db
def test_escalation_rule_edit_reschedules_open_work_orders_of_that_type(client, admin_user, judge):
    coord = [make_work_order(case=make_case(judge=judge), judge=judge, type="coordination") for _ in range(2)]
    query = make_work_order(case=make_case(judge=judge), judge=judge, type="query")
    closed = make_work_order(case=make_case(judge=judge), judge=judge, type="coordination",
                             status=Status.CLOSED)
    before = {wo.pk: WorkOrder.objects.get(pk=wo.pk).next_escalation_at for wo in coord + [query]}
    events_before = WorkOrderEvent.objects.count()
    rule = EscalationRule.objects.get(type="coordination")
    client.force_login(admin_user)
    _change(client, EscalationRule, rule, warning_time="10:30:00")
    rule.refresh_from_db()
    assert rule.warning_time == time(10, 30)
    assert _entry(rule).changes == {"warning_time": ["09:00:00", "10:30:00"]}
    for wo in coord:
        wo.refresh_from_db()
        assert wo.next_escalation_at != before[wo.pk]
        assert local(wo.next_escalation_at).time() == time(10, 30)  # the warning rung, on the due day
        event = wo.events.get(action=EventAction.ESCALATION_RESCHEDULED)
        assert event.actor == admin_user
        assert event.details["escalation_rule"] == "coordination"
    # The timeline names the move, in the reader's language.
    from workorders.views.common import describe_event
    with translation.override("en"):
        assert any(line.startswith("Next escalation step") and "10:30" in line
                   for line in describe_event(event))
    query.refresh_from_db()
    assert query.next_escalation_at == before[query.pk]
    assert not closed.events.filter(action=EventAction.ESCALATION_RESCHEDULED).exists()
    assert WorkOrderEvent.objects.count() == events_before + 2


# ---------------------------------------------------------------- ID numbers

@pytest.fixture
def party(ref, judge):
    return make_case(judge=judge).parties.get(role=Party.Role.RESPONDENT)


@pytest.mark.django_db
def test_party_id_masked_in_changelist_change_view_and_inline(client, admin_user, party, judge):
    wo = make_work_order(case=party.case, judge=judge)
    client.force_login(admin_user)
    pages = [
        client.get(url(Party, "changelist")),
        client.get(url(Party, "change", party.pk)),
        client.get(url(EnforcementCase, "change", party.case_id)),
        client.get(url(WorkOrder, "change", wo.pk)),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert party.id_number not in html
    assert party.masked_id_number in pages[0].content.decode()
    assert party.masked_id_number in pages[1].content.decode()


@pytest.mark.django_db
def test_party_search_by_exact_id_finds_it_without_showing_it(client, admin_user, party):
    client.force_login(admin_user)
    page = client.get(url(Party, "changelist"), {"q": party.id_number})
    html = page.content.decode()
    assert party.name in html
    assert party.id_number not in html
    partial = client.get(url(Party, "changelist"), {"q": party.id_number[:10]}).content.decode()
    assert party.name not in partial


@pytest.mark.django_db
def test_party_admin_reveal_is_logged(client, admin_user, party):
    client.force_login(admin_user)
    response = client.post(url(Party, "changelist"),
                           {"action": "reveal_id_numbers", "_selected_action": [party.pk]})
    assert response.status_code == 200
    assert party.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = _entry(party, AuditEntry.Action.REVEAL)
    assert entry.actor == admin_user
    assert party.id_number not in str(entry.changes)


@pytest.mark.django_db
def test_work_order_admin_reveal_writes_the_page_event(client, admin_user, party, judge):
    wo = make_work_order(case=party.case, judge=judge)
    client.force_login(admin_user)
    response = client.post(url(WorkOrder, "changelist"),
                           {"action": "reveal_respondent_ids", "_selected_action": [wo.pk]})
    assert response.status_code == 200
    assert party.id_number in response.content.decode()
    event = wo.events.get(action=EventAction.ID_REVEALED)
    assert event.actor == admin_user
    assert event.details["party"] == party.pk


@pytest.mark.django_db
def test_audit_log_is_read_only(client, admin_user, party):
    client.force_login(admin_user)
    client.post(url(Party, "changelist"), {"action": "reveal_id_numbers", "_selected_action": [party.pk]})
    entry = AuditEntry.objects.latest("id")
    assert client.get(url(AuditEntry, "add")).status_code == 403
    assert client.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert client.get(url(AuditEntry, "change", entry.pk)).status_code == 200


@pytest.mark.django_db
def test_membership_moved_to_another_agency_logs_both_names(client, admin_user, ref):
    obj = AgencyMembership.objects.select_related("agency").first()
    other = type(obj.agency).objects.exclude(pk=obj.agency_id).first()
    old_name = str(obj.agency)
    client.force_login(admin_user)
    _change(client, AgencyMembership, obj, agency=other.pk)
    assert _entry(obj).changes == {"agency": [old_name, str(other)]}


@pytest.mark.django_db
def test_case_added_with_a_party_in_the_admin_is_audited_and_the_id_logged_masked(client, admin_user, ref, judge):
    court = ref["courts"]["津0105"]
    client.force_login(admin_user)
    response = client.post(url(EnforcementCase, "add"), {
        "number": "(2026)津0105执7777号", "court": court.pk, "judge": judge.pk, "cause": "借款合同纠纷",
        "amount": "5000", "status": "open", "filed_on": "2026-11-02",
        "parties-TOTAL_FORMS": "1", "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0", "parties-MAX_NUM_FORMS": "1000",
        "parties-0-role": "respondent", "parties-0-kind": "person", "parties-0-name": "张三",
        "parties-0-new_id_number": "12010519800101777x", "parties-0-address": "",
    })
    assert response.status_code == 302
    case = EnforcementCase.objects.get(number="（2026）津0105执7777号")
    party = case.parties.get()
    assert party.id_number == "12010519800101777X"
    assert _entry(case, AuditEntry.Action.CREATE).changes["number"] == [None, case.number]
    party_entry = _entry(party, AuditEntry.Action.CREATE)
    assert party_entry.changes["id_number"] == [None, "120***********777X"]
    assert party_entry.changes["case"] == [None, case.number]


# ---------------------------------------------------------------- services, without the admin

@pytest.mark.django_db
def test_sla_policy_edit_moves_no_open_deadline(admin_user, judge):
    from workorders import rules

    wo = make_work_order(case=make_case(judge=judge), judge=judge, type="coordination")
    due, events = wo.due_at, wo.events.count()
    rules.sla_policy_update(policy=SlaPolicy.objects.get(type="coordination"), actor=admin_user,
                            values={"working_days": 9})
    wo.refresh_from_db()
    assert wo.due_at == due and wo.period_days == 5 and wo.events.count() == events


@pytest.mark.django_db
def test_deleting_an_escalation_rule_falls_back_to_the_default_ladder(admin_user, judge):
    from workorders import rules

    rule = EscalationRule.objects.get(type="coordination")
    rules.escalation_rule_update(rule=rule, actor=admin_user, values={"warning_time": time(11, 0)})
    wo = make_work_order(case=make_case(judge=judge), judge=judge, type="coordination")
    assert local(wo.next_escalation_at).time() == time(11, 0)
    rules.escalation_rule_delete(rule=rule, actor=admin_user)
    wo.refresh_from_db()
    assert local(wo.next_escalation_at).time() == time(9, 0)
    assert wo.events.filter(action=EventAction.ESCALATION_RESCHEDULED).count() == 1
    assert AuditEntry.objects.filter(object_type="workorders.escalationrule", action="delete").exists()


@pytest.mark.django_db
def test_party_reveal_is_refused_to_non_staff(judge, party):
    from django.core.exceptions import PermissionDenied

    from cases.services import party_id_reveal

    with pytest.raises(PermissionDenied):
        party_id_reveal(party=party, actor=judge)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


@pytest.mark.django_db
def test_audit_entries_are_immutable(admin_user, party):
    from audit.models import ImmutableError
    from cases.services import party_id_reveal

    party_id_reveal(party=party, actor=admin_user)
    entry = AuditEntry.objects.get()
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()


@pytest.mark.django_db
def test_party_change_view_has_a_logged_reveal_button(client, admin_user, party):
    client.force_login(admin_user)
    reveal = reverse("admin:cases_party_reveal", args=[party.pk])
    page = client.get(url(Party, "change", party.pk)).content.decode()
    assert reveal in page and party.id_number not in page
    assert client.get(reveal).status_code == 405  # a reveal is a deliberate POST, never a link
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()
    response = client.post(reveal)
    assert response.status_code == 200 and party.id_number in response.content.decode()
    assert _entry(party, AuditEntry.Action.REVEAL).actor == admin_user
