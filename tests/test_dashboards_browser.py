"""The overdue dashboard and the scorecards in Chromium, in Chinese: charts
drawn by the vendored Chart.js, no script errors, screenshots saved to
test-artifacts/ for a human to look at."""
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from dashboards.services import refresh_rollups
from tests.factories import at, make_case, make_work_order
from workorders import services
from workorders.models import Escalation, EscalationStep, Status, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NOW = "2026-11-18 10:00"


def build(judge, judge2):
    """Work orders across six agencies: answered on time, late, open and overdue
    at each step."""
    case, case2 = make_case(judge=judge), make_case(court_code="津0101", judge=judge2)
    plan = [  # duty, filed, answered (None: open), escalation level
        ("L01", "2026-10-12 10:00", "2026-10-13 09:00", 0), ("L01", "2026-10-19 10:00", "2026-10-22 10:00", 0),
        ("L01", "2026-11-09 10:00", None, EscalationStep.OVERDUE),
        ("L03", "2026-11-02 10:00", None, EscalationStep.SUPERVISION),
        ("P01", "2026-10-14 10:00", "2026-10-15 10:00", 0), ("P01", "2026-11-05 10:00", None, EscalationStep.CENTER),
        ("P04", "2026-10-20 10:00", "2026-10-21 10:00", 0), ("P04", "2026-11-03 10:00", "2026-11-04 11:00", 0),
        ("P09", "2026-10-21 10:00", "2026-10-26 10:00", 0), ("P09", "2026-11-10 10:00", None, EscalationStep.SUPERVISION),
        ("P07", "2026-10-27 10:00", "2026-10-28 10:00", 0), ("L06", "2026-10-26 10:00", "2026-10-29 10:00", 0),
        ("L06", "2026-11-17 10:00", None, 0), ("P01", "2026-11-16 10:00", None, 0),
    ]
    for i, (duty, filed, answered, level) in enumerate(plan):
        c, j = (case2, judge2) if i % 3 == 0 else (case, judge)
        wo = make_work_order(case=c, judge=j, duty_code=duty, status=Status.SIGNED, now=at(filed))
        if answered:
            liaison = wo.agency.memberships.filter(role="liaison").first().user
            services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到",
                                       now=at(answered))
        elif level:
            wo.refresh_from_db()
            Escalation.objects.bulk_create([Escalation(work_order=wo, step=s, due_at=wo.due_at, fired_at=wo.due_at)
                                            for s in range(EscalationStep.OVERDUE, level + 1)])
            WorkOrder.objects.filter(pk=wo.pk).update(escalation_level=level)


def test_dashboard_and_scorecards_in_chinese(live_server, ref, judge, judge2, center):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with time_machine.travel(at(NOW), tick=True):
        build(judge, judge2)
        refresh_rollups(now=at(NOW))
        client = Client()
        client.force_login(center)
        session = client.cookies["sessionid"].value
        errors = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900},
                                          extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(live_server.url + "/dashboards/")
            page.wait_for_load_state("networkidle")
            assert page.locator("h1").first.inner_text() == "超期看板"
            assert page.evaluate("!!Chart.getChart(document.querySelector('canvas[data-chart]'))")
            assert page.locator("table").nth(2).locator("tbody tr").count() == 5   # the five overdue
            page.screenshot(path=str(ARTIFACTS / "dashboards-overdue.png"), full_page=True)

            page.goto(live_server.url + "/dashboards/scorecards/?kind=month&year=2026&month=10")
            page.wait_for_load_state("networkidle")
            assert "成员单位考评" in page.locator("h1").first.inner_text()
            assert page.evaluate("document.querySelectorAll('canvas[data-chart]').length") == 2
            assert page.evaluate(
                "[...document.querySelectorAll('canvas[data-chart]')].every(c => !!Chart.getChart(c))")
            assert page.locator("tr.flagged").count() >= 1
            page.screenshot(path=str(ARTIFACTS / "dashboards-scorecards.png"), full_page=True)

            page.goto(live_server.url + "/dashboards/agenda/")
            page.wait_for_load_state("networkidle")
            assert page.locator("section.agency-block").count() == 2
            page.emulate_media(media="print")
            page.screenshot(path=str(ARTIFACTS / "dashboards-agenda-print.png"), full_page=True)
            browser.close()
    assert errors == []
