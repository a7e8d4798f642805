"""Every main page of every role on a phone (390×844, Chromium): nothing wider
than the screen, the page's primary action on screen without sideways
scrolling, touch-size controls, the navigation behind a menu button; the batch
form's case filter; the favicon. Screenshots go to test-artifacts/phone-*.png."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import ARTIFACTS, PHONE, Session, browser  # noqa: F401  (browser: the Chromium fixture)
from tests.factories import at, make_case, make_work_order, user
from workorders import services
from workorders.models import Escalation, EscalationStep, Status, WorkOrder

browser_test = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The first match of each selector list is the page's primary action; it must be
# visible and lie inside the screen's width (reachable by scrolling down only).
FIRST_ROW = "main table tbody tr:first-child a, main table .empty"
HOME = ".page-head .tools .btn, .grid-cards a.stat"
INBOX = "table.wo-table tbody tr:first-child a, table.wo-table .empty"
DASH = "main h1"
COURT_TABS = ("action", "waiting", "overdue", "drafts", "done")
AGENCY_TABS = ("new", "progress", "due_soon", "overdue", "done")


def build():
    """Work orders in every state the pages show, some overdue and escalated,
    one extension request waiting; notifications follow from the services."""
    judge = user("judge")
    case = make_case(judge=judge, respondents=2)
    long_case = make_case(judge=judge)
    orders = {
        "submitted": make_work_order(case=case, judge=judge, duty_code="L04"),
        "signed": make_work_order(case=case, judge=judge, duty_code="L04", status=Status.SIGNED),
        "answered": make_work_order(case=case, judge=judge, duty_code="L04", status=Status.ANSWERED),
        "draft": make_work_order(case=long_case, judge=judge, duty_code="L04", status=Status.DRAFT),
        "closed": make_work_order(case=long_case, judge=judge, duty_code="L01", status=Status.CLOSED),
    }
    for level, filed in ((EscalationStep.OVERDUE, "2026-11-16 10:00"), (EscalationStep.CENTER, "2026-11-09 10:00"),
                         (EscalationStep.SUPERVISION, "2026-11-02 10:00")):
        wo = make_work_order(case=case, judge=judge, duty_code="L04", status=Status.SIGNED, now=at(filed))
        Escalation.objects.bulk_create([Escalation(work_order=wo, step=s, due_at=wo.due_at, fired_at=wo.due_at)
                                        for s in range(EscalationStep.OVERDUE, level + 1)])
        WorkOrder.objects.filter(pk=wo.pk).update(escalation_level=level)
        orders[f"step{level}"] = wo
    services.extension_request(work_order=orders["signed"], actor=user("liaison"), days=3,
                               reason="需调取历史档案，涉及多个派出所，请求延长办理期限")
    return case, orders


def pages_for(role, case, orders):
    """(name, path, primary selectors) of the main pages a role uses."""
    common_tail = [("notifications", "/notifications/", ".page-head .tools button"),
                   ("password", "/accounts/password/", "main form button[type=submit]")]
    dashboards = [("dash-overdue", "/dashboards/", DASH), ("dash-scorecards", "/dashboards/scorecards/", DASH),
                  ("dash-courts", "/dashboards/courts/", DASH), ("dash-agenda", "/dashboards/agenda/", DASH),
                  ("dash-supervision", "/dashboards/supervision/", DASH)]
    court = [("new", "/workorders/new/", "button[name=intent][value=submit]"),
             ("batch", "/workorders/batch/", "form button[type=submit].btn:not(.small)"),
             ("cases", "/cases/", FIRST_ROW), ("case", f"/cases/{case.pk}/", ".page-head .tools .btn")]
    wo = f"/workorders/{orders['signed'].pk}/"
    if role == "judge":
        tabs = COURT_TABS
        rest = [("workorder", f"/workorders/{orders['answered'].pk}/", ".actions .btn, .actions summary"), *court]
    elif role in ("liaison", "head"):
        tabs = AGENCY_TABS
        rest = [("workorder", f"/workorders/{orders['submitted'].pk}/", ".actions .btn, .actions summary"),
                ("workorder-answer", f"/workorders/{orders['signed'].pk}/#action-answer", "#action-answer button[type=submit]"),
                ("cases", "/cases/", FIRST_ROW), ("case", f"/cases/{case.pk}/", "main h1")]
        rest += dashboards if role == "head" else []
    else:
        tabs = AGENCY_TABS
        rest = [("workorder", wo, ".actions .btn, .actions summary" if role in ("center", "admin") else "main h1")]
        rest += court if role == "admin" else [("cases", "/cases/", FIRST_ROW), ("case", f"/cases/{case.pk}/", "main h1")]
        if role in ("center", "admin"):
            rest.append(("extensions", "/workorders/extensions/", "main table tbody tr:first-child a.btn"))
        rest += dashboards
    return [("home", "/", HOME), *[(f"inbox-{t}", f"/workorders/?tab={t}", INBOX) for t in tabs],
            *rest, *common_tail]


FITS = """(primary) => {
  const width = window.innerWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth + 'px wide');
  // Lists are cards on a phone: no table scrolls sideways (a cross-tab marked .matrix may).
  document.querySelectorAll('.table-wrap, .dash .scroll').forEach((box) => {
    if (!box.matches('.matrix') && box.scrollWidth > box.clientWidth + 1) out.push('table scrolls sideways: ' + box.scrollWidth + 'px');
  });
  // …and each card takes the list's full width (a squeezed card wraps a word a line).
  document.querySelectorAll('table.stack tbody tr:first-child').forEach((tr) => {
    const box = tr.closest('table').parentElement.getBoundingClientRect().width;
    if (tr.getBoundingClientRect().width < box - 2) out.push('card ' + tr.getBoundingClientRect().width + 'px in a ' + box + 'px list');
  });
  const el = primary.split(',').map((s) => document.querySelector(s.trim())).find(Boolean);
  if (!el) out.push('no primary action: ' + primary);
  else {
    const r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) out.push('primary action hidden: ' + primary);
    if (r.left < 0 || r.right > width) out.push('primary action off-screen: ' + r.left + '..' + r.right);
  }
  // Touch targets: controls at least 44 px high (inline links in text are exempt).
  const controls = 'main .btn, main button, main summary, main select, main input:not([type=checkbox]):not([type=radio]):not([type=hidden]), '
    + 'main label:has(> input[type=checkbox]), main label:has(> input[type=radio]), '
    + '.topbar button, .topbar summary, .topbar .mainnav a, .tabs a, .pagination a';
  document.querySelectorAll(controls).forEach((c) => {
    const r = c.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.height < 43.5) out.push('small target ' + r.height.toFixed(0) + 'px: ' + (c.innerText || c.name || c.tagName).trim().slice(0, 30));
  });
  return out;
}"""


ROLES = ("judge", "liaison", "head", "center", "supervisor", "admin")
SHOTS = {("liaison", "inbox-new"), ("liaison", "workorder"), ("judge", "inbox-action"), ("judge", "workorder"),
         ("center", "dash-overdue"), ("center", "extensions"), ("judge", "cases"), ("liaison", "home")}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_of_every_role_fits_a_phone(browser, live_server, ref):  # noqa: F811
    """One data set, one context per role (the whole walk in one test keeps the
    module quick: a transactional test reloads the reference data)."""
    case, orders = build()
    problems = []
    for role in ROLES:
        s = Session(browser, live_server, role, viewport=PHONE)
        for name, path, primary in pages_for(role, case, orders):
            response = s.page.goto(s.base + path)
            assert response.status == 200, (role, path, response.status)
            problems += [f"{role} {path}: {p}" for p in s.page.evaluate(FITS, primary)]
            if (role, name) in SHOTS:
                s.shot(f"phone-{role}-{name}")
        s.close()
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_fits_a_phone_in_both_languages(browser, live_server, ref):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    problems = page.evaluate(FITS, "main form button[type=submit]")
    page.screenshot(path=str(ARTIFACTS / "phone-login.png"))
    page.click(".langswitch button[value=en]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    problems += page.evaluate(FITS, "main form button[type=submit]")
    context.close()
    assert not problems, problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_scripts_the_phone_navigation_stays_open(browser, live_server, ref):  # noqa: F811
    from workorders.demo import demo_password

    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "liaison")
    page.fill("#id_password", demo_password())
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".mainnav a[href='/workorders/']").is_visible()
    assert page.locator(".topbar .langswitch").is_visible()
    assert not page.evaluate(FITS, "main h1")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_menu_button_opens_the_navigation(browser, live_server, ref):  # noqa: F811
    s = Session(browser, live_server, "liaison", viewport=PHONE)
    page = s.page
    toggle = page.locator(".topbar .menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".mainnav a[href='/workorders/']").is_visible()
    assert not page.get_by_role("button", name="退出登录").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    inbox = page.locator(".mainnav a[href='/workorders/']")
    assert inbox.is_visible()
    page.locator(".usermenu summary").click()   # the account menu, inside the navigation
    logout = page.get_by_role("button", name="退出登录")
    assert logout.is_visible() and logout.bounding_box()["x"] + logout.bounding_box()["width"] <= PHONE["width"]
    lang = page.locator(".topbar .langswitch button").first
    assert lang.is_visible() and lang.bounding_box()["x"] + lang.bounding_box()["width"] <= PHONE["width"]
    s.shot("phone-menu-open")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not inbox.is_visible()
    # On a desktop the navigation is simply there, with no menu button.
    page.set_viewport_size({"width": 1366, "height": 768})
    assert not toggle.is_visible() and inbox.is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('table.stack')).display") == "table"
    # English words are longer: the phone header and inbox still fit.
    page.set_viewport_size(PHONE)
    toggle.click()
    page.click(".topbar .langswitch button[value=en]")
    page.wait_for_load_state("load")
    assert toggle.inner_text().strip().startswith("Menu")
    for path in ("/", "/workorders/?tab=new"):
        s.go(path)
        assert not page.evaluate(FITS, "main h1"), path
    s.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_batch_case_filter_hides_cases_and_ticks_only_the_shown(browser, live_server, ref):  # noqa: F811
    judge = user("judge")
    cases = [make_case(judge=judge) for _ in range(4)]
    wanted = cases[1]
    s = Session(browser, live_server, "judge", viewport=PHONE)
    page = s.go("/workorders/batch/")
    label = page.locator("#case-pick label")
    assert label.count() == 4
    page.fill("#case-filter", wanted.number)
    visible = [i for i in range(4) if label.nth(i).is_visible()]
    assert visible == [next(i for i in range(4) if wanted.number in label.nth(i).inner_text())]
    page.click("button[data-check-visible=on]")
    ticked = page.eval_on_selector_all("#case-pick input:checked", "els => els.map(e => e.value)")
    assert ticked == [str(wanted.pk)]
    s.shot("phone-batch-filtered")
    page.fill("#case-filter", "")
    assert all(label.nth(i).is_visible() for i in range(4))
    page.click("button[data-check-visible=off]")
    assert page.locator("#case-pick input:checked").count() == 0
    s.close()


def test_favicon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code in (200, 301, 302)
    if response.status_code != 200:
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/svg+xml", "image/png", "image/x-icon", "image/vnd.microsoft.icon")


def test_every_page_links_the_icon(client, ref):
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page and "favicon" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_work_order_page_leads_to_its_actions(browser, live_server, ref):  # noqa: F811
    """On a phone the actions come after the request and the due date: a link at
    the top of the page goes straight to them (desktop shows them beside)."""
    judge = user("judge")
    wo = make_work_order(case=make_case(judge=judge), judge=judge, duty_code="L01")
    s = Session(browser, live_server, "liaison", viewport=PHONE)
    page = s.page
    s.go(f"/workorders/{wo.pk}/")
    jump = page.locator(".wo-head .phone-only")
    assert jump.is_visible() and jump.bounding_box()["y"] < PHONE["height"]
    jump.click()
    heading = page.locator("#h-actions")
    box = heading.bounding_box()
    assert 0 <= box["y"] < PHONE["height"]          # scrolled to the actions
    assert page.locator(".actions .btn").first.is_visible()
    s.shot("phone-workorder-actions")
    page.set_viewport_size({"width": 1366, "height": 768})
    assert not jump.is_visible()
    s.close()
