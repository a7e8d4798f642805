"""The work-order page in everyday use: escalation history, returned requests,
required reasons, the extension preview, exact overdue wording, deleting a
draft, the decision panel link, the case page's default, one subject rule, log
labels, the liaison told of an accepted answer."""
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from cases.models import Party
from notifications.models import Notification
from tests.factories import at, duty, make_case, make_work_order, user
from workorders import deadlines, services
from workorders.models import Attachment, EventAction, ExtensionRequest, Status, WorkOrder, WorkOrderEvent
from workorders.models import private_storage
from workorders.sweep import escalate_due

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(monkeypatch, tmp_path):
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


def pdf(name="执行裁定书.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * 300, content_type="application/pdf")


def text(response):
    return response.content.decode()


@pytest.fixture
def query_wo(ref, judge):
    """A query submitted Wed 2026-11-18 10:00, due Thu 2026-11-19 18:00."""
    return make_work_order(case=make_case(judge=judge), judge=judge, duty_code="L01", now=at("2026-11-18 10:00"))


# ---------------------------------------------------------------- escalation history

def test_escalation_history_names_each_rung_and_who_was_told(client, judge, query_wo):
    with time_machine.travel(at("2026-11-19 09:30"), tick=False):
        escalate_due()
    with time_machine.travel(at("2026-11-25 10:00"), tick=False):
        escalate_due()
        client.force_login(judge)
        html = text(client.get(reverse("workorders:detail", args=[query_wo.pk])))
        case_html = text(client.get(reverse("cases:detail", args=[query_wo.case_id])))
    for page in (html, case_html):
        assert "当日到期提醒" in page
        assert "第一级 — 超期" in page
        assert "第二级 — 联动中心督办" in page
        assert "第三级 — 提交联席会议" in page
        assert "公安联络员张警官" in page and "公安局分管领导" in page  # step 1: liaison and head
        assert "联动中心管理员" in page  # step 2
    event = WorkOrderEvent.objects.filter(work_order=query_wo, action=EventAction.ESCALATED).first()
    assert event.details["recipients"]


def test_old_escalation_event_without_recipients_still_reads(client, judge, query_wo):
    WorkOrderEvent.objects.create(work_order=query_wo, action=EventAction.ESCALATED,
                                  details={"step": 3, "step_label": "x", "notified": 2})
    client.force_login(judge)
    html = text(client.get(reverse("workorders:detail", args=[query_wo.pk])))
    assert "第二级 — 联动中心督办" in html
    assert "已通知 2 人" in html


# ---------------------------------------------------------------- returned and resubmitted

def test_returned_reason_is_shown_at_the_top(client, judge, ref):
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.RETURNED)
    client.force_login(judge)
    html = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert 'class="notice warn returned-reason"' in html
    assert html.index("returned-reason") < html.index('id="h-request"')
    assert html.index("请补充") < html.index('id="h-request"')


def test_resubmit_changes_details_respondent_and_removes_an_attachment(client, judge, liaison, ref):
    case = make_case(judge=judge, respondents=2)
    d = duty("L01")
    first, second = case.parties.filter(role=Party.Role.RESPONDENT).order_by("id")
    wo = services.work_order_create(actor=judge, case=case, duty=d, respondent=first, subject="查询",
                                    attachments=[pdf("旧文书.pdf")], submit=True)
    services.work_order_return(work_order=wo, actor=liaison, reason="文书不对")
    old = wo.attachments.get()
    client.force_login(judge)
    response = client.post(reverse("workorders:resubmit", args=[wo.pk]), {
        "resubmit-note": "已换文书", "resubmit-details": "新的说明", "resubmit-respondent": str(second.pk),
        "resubmit-remove_attachments": [str(old.pk)], "resubmit-attachments": [pdf("新文书.pdf")]})
    assert response.status_code == 302, text(response)
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED and wo.details == "新的说明" and wo.respondent_id == second.pk
    assert not Attachment.objects.filter(pk=old.pk).exists()
    removed = WorkOrderEvent.objects.get(work_order=wo, action=EventAction.ATTACHMENT_REMOVED)
    assert removed.details["name"] == "旧文书.pdf"
    assert "旧文书.pdf" in text(client.get(reverse("workorders:detail", args=[wo.pk])))


def test_resubmit_to_the_case_as_a_whole_and_refuses_a_foreign_respondent(judge, liaison, ref):
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.RETURNED)
    other = make_case(judge=judge).parties.filter(role=Party.Role.RESPONDENT).first()
    with pytest.raises(ValidationError):
        services.work_order_resubmit(work_order=wo, actor=judge, respondent=other)
    services.work_order_resubmit(work_order=wo, actor=judge, respondent=None)
    wo.refresh_from_db()
    assert wo.respondent_id is None


# ---------------------------------------------------------------- reasons

def test_refusing_an_extension_needs_a_reason(client, center, liaison, query_wo):
    ext = services.extension_request(work_order=query_wo, actor=liaison, days=2, reason="调档")
    with pytest.raises(ValidationError):
        services.extension_decide(extension=ext, actor=center, approve=False, note="  ")
    client.force_login(center)
    response = client.post(reverse("workorders:decide", args=[query_wo.pk]),
                           {"decide-decision": "refuse", "decide-note": ""})
    assert response.status_code == 400
    ext.refresh_from_db()
    assert ext.status == ExtensionRequest.Decision.PENDING


def test_withdrawing_needs_a_reason(client, judge, query_wo):
    with pytest.raises(ValidationError):
        services.work_order_withdraw(work_order=query_wo, actor=judge, reason="")
    client.force_login(judge)
    response = client.post(reverse("workorders:withdraw", args=[query_wo.pk]), {"withdraw-reason": ""})
    assert response.status_code == 400
    api = client.post(f"/api/v1/work-orders/{query_wo.pk}/withdraw/", {"reason": ""},
                      content_type="application/json")
    assert api.status_code == 400
    query_wo.refresh_from_db()
    assert query_wo.status == Status.SUBMITTED


# ---------------------------------------------------------------- extension preview

def test_decision_panel_says_the_work_order_stays_overdue(client, center, liaison, query_wo):
    ext = services.extension_request(work_order=query_wo, actor=liaison, days=1, reason="调档")
    with time_machine.travel(at("2026-11-25 10:00"), tick=False):
        client.force_login(center)
        html = text(client.get(reverse("workorders:detail", args=[query_wo.pk])))
    assert "2026-11-20" in html  # one more working day after Thu 11-19
    assert "批准后仍已超期" in html
    assert ext.pk


def test_decision_panel_says_approval_ends_the_overdue(client, center, liaison, query_wo):
    services.extension_request(work_order=query_wo, actor=liaison, days=5, reason="调档")
    with time_machine.travel(at("2026-11-20 10:00"), tick=False):
        client.force_login(center)
        html = text(client.get(reverse("workorders:detail", args=[query_wo.pk])))
    assert "批准后不再超期" in html


# ---------------------------------------------------------------- overdue wording

@pytest.mark.parametrize("now, expected", [
    ("2026-11-19 17:00", None),
    ("2026-11-19 18:20", "逾期不足 1 小时"),
    ("2026-11-19 21:00", "逾期 3 小时"),
    ("2026-11-20 10:00", "逾期 16 小时"),
    ("2026-11-20 18:00", "逾期 1 个工作日"),
    ("2026-11-20 20:30", "逾期 1 个工作日又 2 小时"),
    ("2026-11-23 10:00", "逾期 1 个工作日又 16 小时"),  # the weekend is not counted
    ("2026-11-25 19:00", "逾期 4 个工作日又 1 小时"),
])
def test_overdue_is_counted_and_worded_exactly(ref, now, expected):
    due = at("2026-11-19 18:00")
    assert deadlines.overdue_text(due, at(now)) == expected


def test_clock_on_the_page_and_inbox_uses_the_exact_wording(client, liaison, query_wo):
    with time_machine.travel(at("2026-11-19 21:00"), tick=False):
        client.force_login(liaison)
        assert "逾期 3 小时" in text(client.get(reverse("workorders:detail", args=[query_wo.pk])))
        assert "逾期 3 小时" in text(client.get(reverse("workorders:inbox"), {"tab": "overdue"}))


# ---------------------------------------------------------------- deleting a draft

def test_judge_deletes_a_never_submitted_draft(client, judge, ref, django_capture_on_commit_callbacks):
    case = make_case(judge=judge)
    wo = services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject="草稿",
                                    attachments=[pdf()])
    path = wo.attachments.get().file.path
    client.force_login(judge)
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert reverse("workorders:delete_draft", args=[wo.pk]) in page and "data-confirm" in page
    with django_capture_on_commit_callbacks(execute=True):  # the files go after commit
        response = client.post(reverse("workorders:delete_draft", args=[wo.pk]))
    assert response.status_code == 302
    assert not WorkOrder.objects.filter(pk=wo.pk).exists()
    import os
    assert not os.path.exists(path)
    entry = AuditEntry.objects.get(object_type="workorders.workorder", object_id=str(wo.pk))
    assert entry.action == AuditEntry.Action.DELETE and entry.actor == judge


def test_a_submitted_or_withdrawn_request_cannot_be_deleted(judge, liaison, query_wo):
    from workorders.errors import ConflictError
    with pytest.raises(ConflictError):
        services.work_order_delete_draft(work_order=query_wo, actor=judge)
    services.work_order_withdraw(work_order=query_wo, actor=judge, reason="已履行")
    with pytest.raises(ConflictError):
        services.work_order_delete_draft(work_order=query_wo, actor=judge)
    assert WorkOrder.objects.filter(pk=query_wo.pk).exists()


def test_liaison_cannot_delete_a_draft(client, judge, liaison, ref):
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.DRAFT)
    client.force_login(liaison)
    assert client.post(reverse("workorders:delete_draft", args=[wo.pk])).status_code == 404


# ---------------------------------------------------------------- links and defaults

def test_extension_list_opens_the_decision_panel(client, center, liaison, query_wo):
    services.extension_request(work_order=query_wo, actor=liaison, days=2, reason="调档")
    client.force_login(center)
    listing = text(client.get(reverse("workorders:extensions")))
    link = reverse("workorders:detail", args=[query_wo.pk]) + "?open=decide#action-decide"
    assert link in listing
    html = text(client.get(link))
    assert '<details id="action-decide" open>' in html


def test_case_page_new_request_starts_with_the_case_as_a_whole(client, judge, case):
    client.force_login(judge)
    html = text(client.get(reverse("workorders:new"), {"case": case.pk}))
    options = html.split('name="respondent"')[1].split("</select>")[0]
    assert '<option value="" selected>' in options and options.count("selected") == 1


def test_one_subject_rule_for_single_and_batch(judge, ref):
    from workorders.forms import BatchRequestForm, WorkOrderRequestForm
    from workorders.subjects import SUBJECT_MAX_LENGTH, default_subject

    assert WorkOrderRequestForm.base_fields["subject"].max_length == SUBJECT_MAX_LENGTH
    assert BatchRequestForm.base_fields["subject"].max_length == SUBJECT_MAX_LENGTH
    assert not BatchRequestForm.base_fields["subject"].required
    case = make_case(judge=judge)
    respondent = case.parties.filter(role=Party.Role.RESPONDENT).first()
    batch = services.work_orders_create_batch(actor=judge, items=[(case, respondent, duty("L01"), None)],
                                              subject="", submit=False)
    wo = WorkOrder.objects.get(batch=batch)
    assert wo.subject == default_subject(duty("L01"), respondent)
    with pytest.raises(ValidationError):
        services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject="x" * 201)


def test_log_shows_no_arrow_repeating_the_action(client, judge, query_wo):
    client.force_login(judge)
    html = text(client.get(reverse("workorders:detail", args=[query_wo.pk])))
    assert "→ 已提交" not in html


def test_liaison_hears_when_the_judge_accepts(judge, liaison, ref):
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.CLOSED)
    notes = Notification.objects.filter(work_order=wo, kind=Notification.Kind.ACCEPTED)
    assert liaison in [n.recipient for n in notes]


def test_api_resubmit_takes_details_respondent_and_removals(client, judge, liaison, ref):
    case = make_case(judge=judge, respondents=2)
    first, second = case.parties.filter(role=Party.Role.RESPONDENT).order_by("id")
    wo = services.work_order_create(actor=judge, case=case, duty=duty("L01"), respondent=first, subject="查询",
                                    attachments=[pdf("旧文书.pdf")], submit=True)
    services.work_order_return(work_order=wo, actor=liaison, reason="文书不对")
    old = wo.attachments.get()
    client.force_login(judge)
    response = client.post(f"/api/v1/work-orders/{wo.pk}/resubmit/", {
        "note": "已换", "details": "新说明", "respondent": None, "remove_attachments": [old.pk]},
        content_type="application/json")
    assert response.status_code == 200, response.content
    wo.refresh_from_db()
    assert wo.details == "新说明" and wo.respondent_id is None and not wo.attachments.exists()
    assert WorkOrderEvent.objects.filter(work_order=wo, action=EventAction.ATTACHMENT_REMOVED).exists()


def test_api_refusal_needs_a_note(client, center, liaison, query_wo):
    services.extension_request(work_order=query_wo, actor=liaison, days=2, reason="调档")
    client.force_login(center)
    response = client.post(f"/api/v1/work-orders/{query_wo.pk}/decide-extension/", {"approve": False, "note": ""},
                           content_type="application/json")
    assert response.status_code == 400
    assert "理由" in response.content.decode()
