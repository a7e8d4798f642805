"""The work-order pages through Django's test client: filing, the actions on
both sides, errors shown to the user, the inbox tabs and the due-date story."""
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse

from cases.models import Party
from tests.factories import at, duty, make_case, make_work_order
from workorders import services
from workorders.models import (
    Attachment,
    EventAction,
    ExtensionRequest,
    Reply,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.models import private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(monkeypatch, tmp_path):
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def frozen():
    with time_machine.travel(at("2026-11-18 10:00"), tick=False) as traveller:
        yield traveller


def pdf(name="执行裁定书.pdf", size=300):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * size, content_type="application/pdf")


def respondent_of(case):
    return case.parties.filter(role=Party.Role.RESPONDENT).first()


def text(response):
    return response.content.decode()


# ---------------------------------------------------------------- filing

def test_judge_files_and_submits_a_request_with_a_pdf(client, judge, liaison, case, frozen):
    client.force_login(judge)
    page = client.get(reverse("workorders:new"), {"case": case.pk})
    assert page.status_code == 200
    html = text(page)
    # Duties grouped by the six areas; each option names its agency and default type.
    assert html.count("<optgroup") == 6
    assert 'data-agency="市公安局"' in html and 'data-type="query"' in html
    d = duty("L01")
    response = client.post(reverse("workorders:new"), {
        "case": case.pk, "respondent": respondent_of(case).pk, "duty": d.pk, "type": "",
        "subject": "", "details": "请查询户籍", "attachments": [pdf()], "intent": "submit",
    })
    wo = WorkOrder.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("workorders:detail", args=[wo.pk])
    assert wo.status == Status.SUBMITTED and wo.agency == d.agency and wo.type == "query"
    assert wo.subject == f"{d.name}：{respondent_of(case).name}"   # filled in from duty and respondent
    assert wo.due_at == at("2026-11-19 18:00")
    assert wo.attachments.get().original_name == "执行裁定书.pdf"
    detail = text(client.get(response["Location"]))
    assert "执行裁定书.pdf" in detail and "2026-11-19" in detail


def test_type_can_be_changed_and_draft_edited_then_submitted(client, judge, case, frozen):
    client.force_login(judge)
    client.post(reverse("workorders:new"), {
        "case": case.pk, "respondent": "", "duty": duty("L01").pk, "type": "complex",
        "subject": "疑难查询", "details": "", "intent": "draft"})
    wo = WorkOrder.objects.get(case=case)
    assert (wo.status, wo.type, wo.respondent) == (Status.DRAFT, "complex", None)
    page = client.get(reverse("workorders:detail", args=[wo.pk]))
    assert reverse("workorders:edit", args=[wo.pk]) in text(page)
    response = client.post(reverse("workorders:edit", args=[wo.pk]), {
        "respondent": respondent_of(case).pk, "duty": duty("L03").pk, "type": "",
        "subject": "查找下落", "details": "补充地址", "intent": "submit"})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert (wo.status, wo.type, wo.duty.code, wo.subject) == (Status.SUBMITTED, "coordination", "L03", "查找下落")
    assert wo.due_at == at("2026-11-25 18:00")   # five working days


def test_form_errors_are_shown_and_nothing_is_created(client, judge, judge2, case, case2, frozen):
    client.force_login(judge)
    response = client.post(reverse("workorders:new"), {
        "case": case2.pk, "duty": duty("L01").pk, "intent": "submit"})   # another court's case
    assert response.status_code == 200
    assert 'class="field has-error' in text(response)
    other = respondent_of(case2)
    response = client.post(reverse("workorders:new"), {
        "case": case.pk, "respondent": other.pk, "duty": duty("L01").pk, "intent": "submit"})
    assert response.status_code == 200 and "errorlist" in text(response)
    assert not WorkOrder.objects.exists()


def test_upload_over_the_limit_gets_a_clear_message(client, judge, case, settings, frozen):
    settings.MAX_UPLOAD_MB = 1
    client.force_login(judge)
    big = pdf("大文件.pdf", size=1024 * 1024 + 10)
    response = client.post(reverse("workorders:new"), {
        "case": case.pk, "duty": duty("L01").pk, "attachments": [big], "intent": "submit"})
    assert response.status_code == 200
    assert "大文件.pdf" in text(response) and "1 MB" in text(response)
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()


def test_upload_type_is_checked_by_content(client, judge, case, frozen):
    client.force_login(judge)
    fake = SimpleUploadedFile("看似文书.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf")
    response = client.post(reverse("workorders:new"), {
        "case": case.pk, "duty": duty("L01").pk, "attachments": [fake], "intent": "submit"})
    assert response.status_code == 200 and "看似文书.pdf" in text(response)
    assert not WorkOrder.objects.exists()


def test_due_preview_matches_the_clock(client, judge, ref):
    client.force_login(judge)
    with time_machine.travel(at("2026-09-30 10:00"), tick=False):   # the eve of National Day
        html = text(client.get(reverse("workorders:due_preview"), {"type": "query"}))
        assert 'data-due="2026-10-08 18:00"' in html
        assert "国庆节" in html   # the holidays on the way are named
        by_duty = text(client.get(reverse("workorders:due_preview"), {"duty": duty("L03").pk}))
        assert 'data-due="2026-10-13 18:00"' in by_duty   # coordination: the adjusted Saturday counts
    assert "data-due" not in text(client.get(reverse("workorders:due_preview")))


def test_respondent_options_only_for_own_cases(client, judge, case, case2):
    client.force_login(judge)
    html = text(client.get(reverse("workorders:respondent_options"), {"case": case.pk}))
    assert respondent_of(case).name in html and respondent_of(case).id_number not in html
    assert client.get(reverse("workorders:respondent_options"), {"case": case2.pk}).status_code == 404


def test_agency_users_cannot_file(client, liaison, center, case):
    for user in (liaison, center):
        client.force_login(user)
        assert client.get(reverse("workorders:new")).status_code == 403
        assert client.get(reverse("workorders:batch_new")).status_code == 403


# ---------------------------------------------------------------- the agency's side

def test_liaison_signs_returns_and_answers(client, judge, liaison, case, frozen):
    wo = make_work_order(case=case, judge=judge)
    client.force_login(liaison)
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert reverse("workorders:sign", args=[wo.pk]) in page
    assert reverse("workorders:return", args=[wo.pk]) in page
    assert reverse("workorders:accept", args=[wo.pk]) not in page
    assert client.post(reverse("workorders:sign", args=[wo.pk])).status_code == 302
    wo.refresh_from_db()
    assert wo.status == Status.SIGNED

    # A reply without a result text is refused with the form shown again.
    response = client.post(reverse("workorders:answer", args=[wo.pk]), {"answer-outcome": "found"})
    assert response.status_code == 400 and 'id="action-answer" open' in text(response)
    wo.refresh_from_db()
    assert wo.status == Status.SIGNED

    response = client.post(reverse("workorders:answer", args=[wo.pk]), {
        "answer-outcome": "partly_found", "answer-result_text": "名下车辆一台：津A12345",
        "answer-attachments": [pdf("查询结果.pdf")]})
    assert response.status_code == 302
    reply = Reply.objects.get(work_order=wo)
    assert reply.outcome == "partly_found" and reply.attachments.get().original_name == "查询结果.pdf"
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert "名下车辆一台" in page and "查询结果.pdf" in page


def test_return_needs_a_reason(client, judge, liaison, case, frozen):
    wo = make_work_order(case=case, judge=judge)
    client.force_login(liaison)
    response = client.post(reverse("workorders:return", args=[wo.pk]), {"return-reason": "  "})
    assert response.status_code == 400
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED
    client.post(reverse("workorders:return", args=[wo.pk]), {"return-reason": "请补充身份证号码"})
    wo.refresh_from_db()
    assert wo.status == Status.RETURNED
    assert "请补充身份证号码" in text(client.get(reverse("workorders:detail", args=[wo.pk])))


def test_a_stale_action_shows_the_conflict_and_changes_nothing(client, judge, liaison, case, frozen):
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    client.force_login(liaison)
    events = WorkOrderEvent.objects.count()
    response = client.post(reverse("workorders:sign", args=[wo.pk]), follow=True)
    assert response.status_code == 200
    assert 'class="error"' in text(response)
    assert WorkOrderEvent.objects.count() == events


def test_wrong_side_is_forbidden(client, judge, liaison, case, frozen):
    wo = make_work_order(case=case, judge=judge, status=Status.ANSWERED)
    client.force_login(liaison)
    assert client.post(reverse("workorders:accept", args=[wo.pk])).status_code == 403
    client.force_login(judge)
    assert client.post(reverse("workorders:sign", args=[wo.pk])).status_code in (302, 403)
    wo.refresh_from_db()
    assert wo.status == Status.ANSWERED


def test_extension_requested_by_liaison_decided_by_center(client, judge, liaison, center, case, frozen):
    wo = make_work_order(case=case, judge=judge, duty_code="L03", status=Status.SIGNED)   # due 11-25
    client.force_login(liaison)
    response = client.post(reverse("workorders:extension", args=[wo.pk]),
                           {"extension-days": "0", "extension-reason": "调档"})
    assert response.status_code == 400 and not ExtensionRequest.objects.exists()
    client.post(reverse("workorders:extension", args=[wo.pk]),
                {"extension-days": "3", "extension-reason": "需调取历史档案"})
    assert ExtensionRequest.objects.get().status == "pending"
    # The liaison cannot decide; the centre admin sees it in the list and on the page.
    assert client.post(reverse("workorders:decide", args=[wo.pk]),
                       {"decide-decision": "approve"}).status_code == 403
    client.force_login(center)
    assert reverse("workorders:detail", args=[wo.pk]) in text(client.get(reverse("workorders:extensions")))
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert "需调取历史档案" in page and "2026-11-30" in page   # the due date if approved
    client.post(reverse("workorders:decide", args=[wo.pk]), {"decide-decision": "approve", "decide-note": "同意"})
    wo.refresh_from_db()
    assert wo.due_at == at("2026-11-30 18:00") and wo.period_days == 8
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert "2026-11-30" in page
    assert reverse("workorders:detail", args=[wo.pk]) not in text(client.get(reverse("workorders:extensions")))


def test_extension_list_is_for_center_admins(client, judge, liaison, supervisor):
    for user in (judge, liaison, supervisor):
        client.force_login(user)
        assert client.get(reverse("workorders:extensions")).status_code == 403


def test_reveal_shows_the_full_id_and_logs_it(client, judge, liaison, center, case, frozen):
    wo = make_work_order(case=case, judge=judge)
    full = respondent_of(case).id_number
    client.force_login(liaison)
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert full not in page and respondent_of(case).masked_id_number in page
    fragment = client.post(reverse("workorders:reveal_id", args=[wo.pk]), HTTP_HX_REQUEST="true")
    assert full in text(fragment) and "<html" not in text(fragment)
    assert wo.events.filter(action=EventAction.ID_REVEALED, actor=liaison).count() == 1
    # Without htmx the whole page comes back, revealed.
    assert full in text(client.post(reverse("workorders:reveal_id", args=[wo.pk])))
    assert client.get(reverse("workorders:reveal_id", args=[wo.pk])).status_code == 405
    # Centre staff see the work order but not the number.
    client.force_login(center)
    page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert reverse("workorders:reveal_id", args=[wo.pk]) not in page
    assert client.post(reverse("workorders:reveal_id", args=[wo.pk])).status_code == 403
    assert wo.events.filter(action=EventAction.ID_REVEALED).count() == 2


# ---------------------------------------------------------------- the court's side

def test_judge_accepts_reopens_resubmits_and_withdraws(client, judge, liaison, case, frozen):
    client.force_login(judge)
    answered = make_work_order(case=case, judge=judge, status=Status.ANSWERED)
    response = client.post(reverse("workorders:reopen", args=[answered.pk]), {"reopen-reason": ""})
    assert response.status_code == 400
    client.post(reverse("workorders:reopen", args=[answered.pk]), {"reopen-reason": "请补充查询配偶名下财产"})
    answered.refresh_from_db()
    assert answered.status == Status.SIGNED

    services.work_order_answer(work_order=answered, actor=liaison, outcome="found", result_text="已补充")
    client.post(reverse("workorders:accept", args=[answered.pk]))
    answered.refresh_from_db()
    assert answered.status == Status.CLOSED

    returned = make_work_order(case=case, judge=judge, status=Status.RETURNED)
    page = text(client.get(reverse("workorders:detail", args=[returned.pk])))
    assert "action-resubmit" in page and "请补充" in page
    client.post(reverse("workorders:resubmit", args=[returned.pk]),
                {"resubmit-note": "已补充裁定书", "resubmit-attachments": [pdf("补充.pdf")]})
    returned.refresh_from_db()
    assert returned.status == Status.SUBMITTED
    assert returned.attachments.get().purpose == Attachment.Purpose.SUPPLEMENT

    client.post(reverse("workorders:withdraw", args=[returned.pk]), {"withdraw-reason": "已自动履行"})
    returned.refresh_from_db()
    assert returned.status == Status.WITHDRAWN


def test_resubmission_restarts_the_due_date_and_the_page_says_why(client, judge, liaison, case):
    wo = make_work_order(case=case, judge=judge, duty_code="L03", now=at("2026-11-16 10:00"))
    assert wo.due_at == at("2026-11-23 18:00")
    services.work_order_return(work_order=wo, actor=liaison, reason="补充", now=at("2026-11-17 10:00"))
    client.force_login(judge)
    with time_machine.travel(at("2026-11-20 19:30"), tick=False):   # after close of business on Friday
        client.post(reverse("workorders:resubmit", args=[wo.pk]), {"resubmit-note": "已补充"})
        wo.refresh_from_db()
        assert wo.receipt_date.isoformat() == "2026-11-23" and wo.due_at == at("2026-11-30 18:00")
        page = text(client.get(reverse("workorders:detail", args=[wo.pk])))
    assert "2026-11-30" in page
    assert "18:00" in page and "11-24" in page   # close of business, the counted days


def test_due_date_explanation_names_holidays_and_adjusted_days(client, judge, case):
    wo = make_work_order(case=case, judge=judge, duty_code="L03", now=at("2026-09-30 10:00"))
    client.force_login(judge)
    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        page = text(client.get(reverse("workorders:detail", args=[wo.pk]), HTTP_ACCEPT_LANGUAGE="en"))
    assert "2026-10-13" in page
    assert "国庆节" in page   # the holiday's name, from the calendar
    assert "10-10" in page    # the adjusted working Saturday, counted
    assert re.search(r"Receipt date: 2026-09-30", page)


# ---------------------------------------------------------------- the inbox

def test_inbox_tabs_sort_by_due_date_and_show_time_left(client, judge, liaison, head):
    case = make_case(judge=judge, respondents=1)
    new = make_work_order(case=case, judge=judge, duty_code="L03", now=at("2026-11-18 10:00"))       # due 11-25
    soon = make_work_order(case=case, judge=judge, duty_code="L01", now=at("2026-11-18 10:00"))      # due 11-19
    late = make_work_order(case=case, judge=judge, duty_code="L01", now=at("2026-11-10 10:00"),
                           status=Status.SIGNED)                                                    # due 11-11
    done = make_work_order(case=case, judge=judge, duty_code="L01", status=Status.CLOSED, now=at("2026-11-10 10:00"))
    make_work_order(case=case, judge=judge, duty_code="P01", now=at("2026-11-18 10:00"))            # not police
    for user in (liaison, head):
        client.force_login(user)
        with time_machine.travel(at("2026-11-18 12:00"), tick=False):
            r = client.get(reverse("workorders:inbox"))
            tabs = {t.key: n for t, n in r.context["tabs"]}
            assert tabs == {"new": 2, "progress": 1, "due_soon": 1, "overdue": 1, "done": 1}
            assert [w.pk for w in r.context["page"].object_list] == [soon.pk, new.pk]   # by due date
            html = text(r)
            overdue = client.get(reverse("workorders:inbox"), {"tab": "overdue"})
            due_soon = client.get(reverse("workorders:inbox"), {"tab": "due_soon"})
            finished = client.get(reverse("workorders:inbox"), {"tab": "done"})
        assert [w.pk for w in overdue.context["page"].object_list] == [late.pk]
        assert overdue.context["page"].object_list[0].overdue_by == 5
        assert [w.pk for w in due_soon.context["page"].object_list] == [soon.pk]
        assert [w.pk for w in finished.context["page"].object_list] == [done.pk]
        assert 'class="clock ok"' in html and 'class="clock overdue"' in text(overdue)


def test_inbox_shows_provisional_flag_and_search(client, judge, liaison):
    case = make_case(judge=judge)
    wo = make_work_order(case=case, judge=judge, duty_code="L01", now=at("2026-12-31 10:00"))   # into 2027
    assert wo.due_provisional
    with time_machine.travel(at("2026-12-31 11:00"), tick=False):
        client.force_login(liaison)   # a session made now would have expired by then
        html = text(client.get(reverse("workorders:inbox")))
        assert 'class="pill flag"' in html
        found = client.get(reverse("workorders:inbox"), {"q": wo.reference})
        missed = client.get(reverse("workorders:inbox"), {"q": "不存在的名字"})
    assert [w.pk for w in found.context["page"].object_list] == [wo.pk]
    assert not missed.context["page"].object_list


def test_judge_sees_own_requests_by_what_needs_action(client, judge, liaison, case, frozen):
    answered = make_work_order(case=case, judge=judge, status=Status.ANSWERED)
    make_work_order(case=case, judge=judge, status=Status.DRAFT)
    client.force_login(judge)
    r = client.get(reverse("workorders:inbox"))
    tabs = {t.key: n for t, n in r.context["tabs"]}
    assert tabs["action"] == 1 and tabs["drafts"] == 1
    assert [w.pk for w in r.context["page"].object_list] == [answered.pk]
    home = client.get(reverse("home"))
    assert home.status_code == 200 and answered.reference in text(home)


@pytest.mark.parametrize("who", ["judge", "liaison", "head", "center", "supervisor", "admin_user"])
def test_home_page_fits_every_role(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["primary"] in ("judge", "liaison", "head", "center", "supervisor", "admin")


def test_language_switch(client, judge):
    client.force_login(judge)
    assert "我的案件" in text(client.get(reverse("home")))
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert "My cases" in text(client.get(reverse("home")))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    assert "我的案件" in text(client.get(reverse("home")))


def test_login_password_change_and_logout(client, judge):
    from workorders.demo import demo_password

    response = client.post(reverse("login"), {"username": "judge", "password": "wrong"})
    assert response.status_code == 200 and "errorlist" in text(response)
    response = client.post(reverse("login"), {"username": "judge", "password": demo_password()})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "修改密码" in text(page)
    response = client.post(reverse("password_change"), {
        "old_password": demo_password(), "new_password1": "Zhixing-2026-new", "new_password2": "Zhixing-2026-new"})
    assert response["Location"] == reverse("password_change_done")
    assert "密码已修改" in text(client.get(response["Location"]))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    # Axes (the login lockout) needs the request that Django's test client does not pass.
    assert client.login(request=HttpRequest(), username="judge", password="Zhixing-2026-new")
