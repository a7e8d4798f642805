"""axe-core (through axe-playwright-python) on the main pages, desktop and
phone: no serious or critical violation (labels, contrast, landmarks, the lang
attribute, names of buttons and links…)."""
from __future__ import annotations

import pytest

from tests.browser import DESKTOP, PHONE, Session, browser  # noqa: F401  (browser: the Chromium fixture)
from tests.test_phone import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("serious", "critical")


def pages(case, orders):
    """role → the main pages that role uses (one visit per template is enough)."""
    return {
        "judge": ["/", "/workorders/?tab=waiting", f"/workorders/{orders['answered'].pk}/", "/workorders/new/",
                  "/workorders/batch/", "/cases/", f"/cases/{case.pk}/", "/notifications/", "/accounts/password/"],
        "liaison": ["/", "/workorders/?tab=new", f"/workorders/{orders['submitted'].pk}/"],
        "center": ["/workorders/extensions/", f"/workorders/{orders['signed'].pk}/", "/dashboards/",
                   "/dashboards/scorecards/", "/dashboards/courts/", "/dashboards/agenda/",
                   "/dashboards/supervision/"],
    }


def blocking(page, label):
    """Serious and critical violations on the page as it is now (axe injected)."""
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [f"{label}: {v['id']} ({v['impact']}) {v['help']} — "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            for v in violations if v["impact"] in BLOCKING]


def check_both_sizes(page, script, label):
    page.evaluate(script)   # axe-core, once per page
    found = []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        found += blocking(page, f"{label} {size}")
    page.set_viewport_size(PHONE)
    return found


def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, ref):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    script = Axe().axe_script
    case, orders = build()
    anon = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = anon.new_page()
    page.goto(live_server.url + "/accounts/login/")
    problems = check_both_sizes(page, script, "anonymous /accounts/login/")
    anon.close()
    for role, paths in pages(case, orders).items():
        s = Session(browser, live_server, role, viewport=PHONE)
        for path in paths:
            s.go(path)
            s.page.wait_for_load_state("load")
            problems += check_both_sizes(s.page, script, f"{role} {path}")
        if role == "liaison":   # the unfolded phone navigation too
            s.page.click(".menu-toggle")
            problems += blocking(s.page, f"{role} menu open phone")
        s.close()
    assert not problems, "\n".join(problems)
