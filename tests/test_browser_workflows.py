"""The workflows in a real browser (Debian's Chromium through Playwright), in
zh-hans, at 1366×768. Every main page is saved under test-artifacts/.

(1) a judge files a request with a PDF → the police liaison signs and answers
    with an attachment → the judge sees the notification and accepts;
(2) the liaison returns it for supplement → the judge resubmits → the due date
    starts again;
(3) a batch of 50 work orders."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Party
from tests.browser import ARTIFACTS, DESKTOP, Session, browser  # noqa: F401  (browser: the Chromium fixture)
from tests.factories import duty, make_case, make_work_order, user
from workorders import deadlines, services
from workorders.models import Attachment, Reply, Status, WorkOrder, WorkOrderBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = DESKTOP
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    from django.core.files.storage import FileSystemStorage

    from workorders.models import private_storage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))
    ARTIFACTS.mkdir(exist_ok=True)


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def test_file_sign_answer_accept(browser, live_server, ref):
    judge = user("judge")
    case = make_case(judge=judge, respondents=2)
    respondent = case.parties.filter(role=Party.Role.RESPONDENT).order_by("id").last()
    police = duty("L04")   # information query on the respondent's lodging and travel

    anon = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    login = anon.new_page()
    login.goto(live_server.url + "/accounts/login/")
    assert "登录" in login.title()
    login.screenshot(path=str(ARTIFACTS / "01-login.png"))
    anon.close()

    j = Session(browser, live_server, "judge")
    assert "我的案件" in j.page.inner_text("nav.mainnav")
    j.shot("02-judge-home")
    page = j.go("/cases/")
    page.fill("#id_q", respondent.name)
    page.click("form.filters button[type=submit]")
    page.click(f"text={case.number}")
    assert respondent.masked_id_number in page.content() and respondent.id_number not in page.content()
    j.shot("03-case-detail")
    j.go("/cases/")
    j.shot("04-case-list")

    # (1) File the request with a PDF.
    page = j.go("/workorders/new/")
    page.select_option("#id_case", str(case.pk))
    page.wait_for_selector(f"#id_respondent option[value='{respondent.pk}']", state="attached")
    page.select_option("#id_respondent", str(respondent.pk))
    page.select_option("#id_duty", str(police.pk))
    assert page.input_value("#id_type") == "query"
    assert page.inner_text("#duty-agency") == "市公安局"
    page.wait_for_selector("#due-preview-result")
    expected = deadlines.compute_deadline("query", timezone.now())
    assert page.get_attribute("#due-preview-result .due", "data-due") == local(expected.due_at)
    page.fill("#id_details", "请协助查询被执行人住宿及出行轨迹信息。")
    page.set_input_files("#id_attachments", files=[{"name": "执行裁定书.pdf", "mimeType": "application/pdf",
                                                    "buffer": PDF}])
    j.shot("05-new-request")
    page.click("button[name=intent][value=submit]")
    page.wait_for_selector(".messages .success")
    wo = WorkOrder.objects.get(case=case)
    assert wo.status == Status.SUBMITTED and wo.agency.code == "PSB" and wo.respondent == respondent
    assert wo.attachments.get().original_name == "执行裁定书.pdf"
    assert "期限是如何计算的" in page.content()
    j.shot("06-judge-work-order-submitted")

    # The liaison signs for it and answers with an attachment.
    li = Session(browser, live_server, "liaison")
    assert int(li.page.get_attribute("#unread-badge .badge", "data-unread")) >= 1
    page = li.go("/workorders/")
    assert wo.reference in page.inner_text("table")
    li.shot("07-liaison-inbox-new")
    page.click(f"text={wo.reference}")
    page.click("#respondent-id button")
    page.wait_for_selector("#respondent-id .revealed")
    assert respondent.id_number in page.inner_text("#respondent-id")
    li.shot("08-liaison-work-order")
    with page.expect_download() as download:
        page.click("text=执行裁定书.pdf")
    assert download.value.suggested_filename == "执行裁定书.pdf"
    page.click("button:has-text('签收')")
    page.wait_for_selector(".messages .success")
    page.check("input[name=answer-outcome][value=found]")
    page.fill("textarea[name=answer-result_text]", "经查，被执行人近期在本市和平区某酒店有住宿记录。")
    page.set_input_files("input[name=answer-attachments]", files=[
        {"name": "住宿记录.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    li.shot("09-liaison-answer-form")
    page.click("button:has-text('发送答复')")
    page.wait_for_selector(".messages .success")
    wo.refresh_from_db()
    assert wo.status == Status.ANSWERED
    assert Attachment.objects.get(reply__work_order=wo).original_name == "住宿记录.pdf"
    li.go("/workorders/?tab=done")
    li.shot("10-liaison-inbox-done")
    li.close()

    # The judge sees the notification and accepts.
    page = j.go("/")
    assert int(page.get_attribute("#unread-badge .badge", "data-unread")) >= 1
    page.click("a.bell")
    assert f"{wo.reference} 已答复" in page.inner_text("main")
    j.shot("11-judge-notifications")
    page.click(f"main table a:has-text('{wo.reference} 已答复')")
    assert "经查，被执行人近期" in page.inner_text("main")
    j.shot("12-judge-work-order-answered")
    page.click("button:has-text('采纳并办结')")   # the confirm dialog is accepted
    page.wait_for_selector(".messages .success")
    wo.refresh_from_db()
    assert wo.status == Status.CLOSED
    assert page.locator("#unread-badge .badge").count() == 0
    j.shot("13-judge-work-order-closed")
    j.shot("14-work-order-print", print_media=True)
    page = j.go(f"/cases/{case.pk}/")
    assert page.locator(".timeline > li").count() == wo.events.count()
    j.shot("15-case-detail-timeline")
    # The same page in English, through the language switch.
    page.click("form.langswitch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Timeline" in page.inner_text("main") and "My cases" in page.inner_text("nav.mainnav")
    j.shot("16-case-detail-english")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    j.close()


def test_return_resubmit_restarts_the_due_date(browser, live_server, ref):
    judge, liaison = user("judge"), user("liaison")
    case = make_case(judge=judge)
    # Submitted a week ago, so that a new period visibly ends later.
    wo = make_work_order(case=case, judge=judge, duty_code="L03", now=timezone.now() - timedelta(days=7))
    old_due = wo.due_at

    li = Session(browser, live_server, "liaison")
    page = li.go(f"/workorders/{wo.pk}/")
    page.click("#action-return summary")
    page.click("button:has-text('退回法院')")   # no reason: the browser refuses to send it
    assert page.eval_on_selector("textarea[name=return-reason]", "el => el.validity.valueMissing")
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED
    page.fill("textarea[name=return-reason]", "请补充生效法律文书及被执行人身份证明。")
    page.click("button:has-text('退回法院')")
    page.wait_for_selector(".messages .success")
    wo.refresh_from_db()
    assert wo.status == Status.RETURNED
    li.shot("20-liaison-returned")
    li.close()

    j = Session(browser, live_server, "judge")
    page = j.go(f"/workorders/{wo.pk}/")
    assert "请补充生效法律文书" in page.inner_text("main")
    assert "停止计时" in page.inner_text(".due-box")
    j.shot("21-judge-returned")
    page.click("#action-resubmit summary")
    page.fill("textarea[name=resubmit-note]", "已补充执行裁定书。")
    page.set_input_files("input[name=resubmit-attachments]", files=[
        {"name": "补充材料.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#action-resubmit button[type=submit]")
    page.wait_for_selector(".messages .success")
    wo.refresh_from_db()
    expected = deadlines.compute_deadline("coordination", wo.submitted_at)
    assert wo.status == Status.SUBMITTED
    assert wo.due_at == expected.due_at and wo.due_at > old_due
    assert wo.receipt_date == expected.receipt_date
    due_box = page.inner_text(".due-box")
    assert timezone.localtime(wo.due_at).strftime("%Y-%m-%d") in due_box
    assert "退回补正 1 次" in due_box
    assert "办理期限 " + local(old_due) + " → " + local(wo.due_at) in page.inner_text(".timeline")
    j.shot("22-judge-resubmitted")
    assert wo.signed_at is None and liaison


def test_batch_of_fifty(browser, live_server, ref):
    judge = user("judge")
    cases = [make_case(judge=judge) for _ in range(10)]
    five = [duty(c) for c in ("L01", "L04", "P01", "P04", "P09")]

    j = Session(browser, live_server, "judge")
    page = j.go("/workorders/batch/")
    page.fill("#case-filter", "民间借贷")   # the factory's cause of action
    page.click("[data-check-visible=on]")
    for d in five:
        page.check(f"input[name=duties][value='{d.pk}']")
    page.fill("#id_subject", "一键批量查询财产")
    j.shot("30-batch-form")
    page.click("button:has-text('生成清单并确认')")
    page.wait_for_selector("form[data-batch-progress]")
    assert "确认 50 件交办单" in page.inner_text("h1")
    assert page.locator("table tbody tr").count() == 50
    j.shot("31-batch-confirm")
    page.click("button:has-text('生成并发送 50 件交办单')")
    page.wait_for_url("**/workorders/batch/*/")
    batch = WorkOrderBatch.objects.get()
    assert batch.created_count == 50 and {c.pk for c in cases} == set(
        WorkOrder.objects.filter(batch=batch).values_list("case_id", flat=True))
    assert WorkOrder.objects.filter(batch=batch, status=Status.SUBMITTED).count() == 50
    assert "已生成 50 件交办单" in page.inner_text(".messages")
    j.shot("32-batch-detail")
    j.close()

    # The agencies see them at once; the centre's views.
    li = Session(browser, live_server, "liaison")
    li.go("/")
    li.shot("33-liaison-home")
    li.close()
    wo = WorkOrder.objects.filter(batch=batch, agency__code="PSB").first()
    services.work_order_sign(work_order=wo, actor=user("liaison"))
    services.extension_request(work_order=wo, actor=user("liaison"), days=3, reason="需调取历史档案")
    c = Session(browser, live_server, "center")
    c.shot("34-center-home")
    page = c.go("/workorders/extensions/")
    assert wo.reference in page.inner_text("table")
    c.shot("35-center-extensions")
    page.click("a:has-text('审批')")
    page.check("input[name=decide-decision][value=approve]")
    page.click("button:has-text('提交审批意见')")
    page.wait_for_selector(".messages .success")
    wo.refresh_from_db()
    assert wo.period_days == 4
    c.shot("36-center-extension-approved")
    c.close()
    assert Reply.objects.count() == 0
