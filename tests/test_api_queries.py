"""Query budgets: a list page costs the same number of SQL queries for 5 rows
as for 50, and never counts or offsets the table."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_case, make_work_order, user
from tests.test_api_support import _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders import services
from workorders.models import Status


def _queries(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], r


def _fill(n, judge, *, extension_every=3):
    liaison = user("liaison")
    for i in range(n):
        case = make_case(court_code="津0105", judge=judge, respondents=1)
        wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
        if i % extension_every == 0:
            services.extension_request(work_order=wo, actor=liaison, days=2, reason="调档")


@pytest.mark.parametrize("who", ["judge", "liaison", "center", "key"])
def test_work_order_list_is_constant(ref, judge, who, django_assert_max_num_queries):
    c = client_for(key=issue_key().raw) if who == "key" else client_for(user(who))
    params = {"page_size": 50, "status": ["signed", "submitted"], "ordering": "due_at"}
    _fill(5, judge)
    few, _, r = _queries(c, url("work-order-list"), params)
    assert len(r.json()["results"]) == 5
    _fill(50, judge)
    with django_assert_max_num_queries(few):
        r = c.get(url("work-order-list"), params)
    assert len(r.json()["results"]) == 50 and r.json()["next"]
    # The next page costs the same again.
    with django_assert_max_num_queries(few):
        r = c.get(r.json()["next"])
    assert len(r.json()["results"]) == 5
    _, sqls, _ = _queries(c, url("work-order-list"), params)
    assert not any("COUNT(" in q.upper() or " OFFSET " in q.upper() for q in sqls)


def test_list_budget_is_small(ref, judge):
    _fill(5, judge)
    c = client_for(key=issue_key().raw)
    c.get(url("me"))  # the key's last-use stamp is written at most once a minute
    n, sqls, _ = _queries(c, url("work-order-list"))
    # The key (its roles come with it), the page, what the page points at.
    assert n == 3, sqls


@pytest.mark.parametrize("name,params", [
    ("case-list", {}), ("notification-list", {}), ("agency-list", {}), ("duty-list", {}), ("court-list", {}),
    ("scorecards", {"start": "2026-01-01", "end": "2026-12-31"}),
])
def test_other_lists_are_constant(ref, judge, name, params, django_assert_max_num_queries):
    c = client_for(user("center")) if name == "scorecards" else client_for(judge)
    if name == "notification-list":
        c = client_for(user("liaison"))
    _fill(5, judge)
    few, _, _ = _queries(c, url(name), params)
    _fill(45, judge)
    with django_assert_max_num_queries(few):
        c.get(url(name), params)


def test_detail_is_bounded(ref, judge, django_assert_max_num_queries):
    case = make_case(court_code="津0105", judge=judge)
    wo = make_work_order(case=case, judge=judge, status=Status.ANSWERED)
    c = client_for(judge)
    few, _, _ = _queries(c, url("work-order-detail", wo.pk))
    liaison = user("liaison")
    for _ in range(5):
        services.work_order_reopen(work_order=wo, actor=judge, reason="补充")
        services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="x")
    with django_assert_max_num_queries(few):
        c.get(url("work-order-detail", wo.pk))
