"""The in-browser upload check, in Debian's Chromium through Playwright, at a
desktop size and at 390×844: choosing a file over MAX_UPLOAD_MB, or more than
MAX_UPLOAD_FILES files, shows the translated message next to the field and the
form is not sent (no POST leaves the page). A good choice clears the message
and the form goes through. Screenshots land in test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import duty, make_case, make_work_order, user
from tests.test_browser_workflows import browser  # noqa: F401  (the Chromium fixture)
from workorders.demo import demo_password
from workorders.models import Attachment, Reply, Status, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PDF_HEAD = b"%PDF-1.4\n"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path, settings):
    from django.core.files.storage import FileSystemStorage

    from workorders.models import private_storage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))
    settings.MAX_UPLOAD_MB = 1        # so a too-big file is only a couple of MB
    ARTIFACTS.mkdir(exist_ok=True)


def pdf(name, size):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_HEAD + b"x" * (size - len(PDF_HEAD))}


def open_as(browser, live_server, username, viewport):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.posts = []
    page.on("request", lambda req: req.method == "POST" and page.posts.append(req.url))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.posts.clear()
    return context, page


def assert_no_post_after(page, click):
    click()
    page.wait_for_timeout(600)   # time enough for a POST to start, had one been sent
    assert page.posts == [], page.posts


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_too_big_or_too_many_files_are_refused_before_upload(browser, live_server, ref, size):  # noqa: F811
    judge = user("judge")
    case = make_case(judge=judge)
    context, page = open_as(browser, live_server, "judge", SIZES[size])
    page.goto(f"{live_server.url}/workorders/new/?case={case.pk}")
    page.select_option("#id_duty", str(duty("L01").pk))
    page.fill("#id_subject", "查询被执行人户籍信息")
    slot = page.locator('[data-upload-error-for="id_attachments"]')
    submit = page.locator("button[name=intent][value=submit]")

    # A 2 MB file against a 1 MB limit.
    page.set_input_files("#id_attachments", [pdf("执行裁定书（扫描件）.pdf", 2 * 1024 * 1024)])
    assert "执行裁定书（扫描件）.pdf" in slot.inner_text() and "1 MB" in slot.inner_text()
    assert_no_post_after(page, submit.click)
    assert page.url.endswith(f"/workorders/new/?case={case.pk}")
    slot.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"uploads-too-large-{size}.png"), full_page=True)
    if size == "phone":   # the field and its message fit the phone's width
        for box in (slot.bounding_box(), page.locator("#id_attachments").bounding_box()):
            assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES["phone"]["width"]

    # Eleven small files: more than one request may carry.
    page.set_input_files("#id_attachments", [pdf(f"文书{i}.pdf", 1000) for i in range(11)])
    assert "最多提交 10 个文件" in slot.inner_text() and "11" in slot.inner_text()
    assert_no_post_after(page, submit.click)
    page.screenshot(path=str(ARTIFACTS / f"uploads-too-many-{size}.png"), full_page=True)

    # A good choice clears the message, and the request is filed.
    page.set_input_files("#id_attachments", [pdf("执行裁定书.pdf", 50_000)])
    assert slot.inner_text().strip() == ""
    submit.click()
    page.wait_for_url(f"{live_server.url}/workorders/*/")
    assert len(page.posts) == 1
    assert Attachment.objects.get().original_name == "执行裁定书.pdf" and WorkOrder.objects.count() == 1
    assert page.errors == []
    context.close()


def test_answer_form_refuses_a_too_big_reply_attachment(browser, live_server, ref):  # noqa: F811
    judge = user("judge")
    wo = make_work_order(case=make_case(judge=judge), judge=judge, status=Status.SIGNED)
    context, page = open_as(browser, live_server, "liaison", SIZES["phone"])
    page.goto(f"{live_server.url}/workorders/{wo.pk}/#action-answer")
    page.check("input[name=answer-outcome][value=found]")
    page.fill("#id_answer-result_text", "经查，被执行人名下无登记车辆。")
    page.set_input_files("#id_answer-attachments", [pdf("查询结果.pdf", 2 * 1024 * 1024)])
    slot = page.locator('[data-upload-error-for="id_answer-attachments"]')
    assert "查询结果.pdf" in slot.inner_text()
    assert_no_post_after(page, page.locator("#action-answer button[type=submit]").click)
    slot.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "uploads-answer-too-large-phone.png"))
    assert not Reply.objects.exists()
    assert page.errors == []
    context.close()
