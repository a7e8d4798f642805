"""Words the user reads: sort labels, batch references, outcome labels, the API's
conflict wording, punctuation in the Chinese catalogs."""
import pathlib
import re

import pytest
from django.utils import translation

from dashboards.filters import OverdueFilter
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_sort_choices_are_translated_in_chinese(ref):
    with translation.override("zh-hans"):
        choices = [str(label) for _, label in OverdueFilter(queryset=WorkOrder.objects.none()).filters["ordering"].field.choices]
    assert "---------" not in choices
    assert not any("descending" in c for c in choices), choices
    assert any("降序" in c for c in choices)


def test_sort_choices_read_well_in_english(ref):
    with translation.override("en"):
        choices = [str(label) for _, label in OverdueFilter(queryset=WorkOrder.objects.none()).filters["ordering"].field.choices]
    assert choices[0] == "Default order"
    assert "Due (latest first)" in choices


# ---------------------------------------------------------------- the API's 409 wording

def test_api_conflict_tells_a_system_to_fetch_again_pages_keep_reload(ref, judge, case):
    from django.urls import reverse

    from tests.factories import make_work_order
    from tests.test_api_support import _fresh_throttles, client_for, url  # noqa: F401
    from workorders.models import Status

    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    r = client_for(judge).post(url("work-order-accept", wo.pk), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "Reload the page" not in detail and "Fetch the work order again" in detail
    with translation.override("zh-hans"):
        r = client_for(judge).post(url("work-order-accept", wo.pk), format="json")
        assert "刷新页面" not in r.json()["detail"] and "重新获取" in r.json()["detail"]
    # The page keeps the words meant for a person.
    from django.test import Client
    c = Client()
    c.force_login(judge)
    r = c.post(reverse("workorders:accept", args=[wo.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Reload the page" in r.content.decode()


# ---------------------------------------------------------------- demo answers

def test_demo_answers_are_human_text_without_outcome_codes():
    from workorders import demo
    from workorders.models import Reply

    for code in Reply.Outcome.values:
        text = demo.result_text(code, "张伟")
        assert "张伟" in text or code == Reply.Outcome.CANNOT_ASSIST
        assert not any(c in text for c in Reply.Outcome.values), text
        assert not re.search(r"[a-z_]{4,}", text), text


# ---------------------------------------------------------------- batch references

def _batch(judge, n=1):
    from tests.factories import duty, make_case
    from workorders import services

    items = [(make_case(judge=judge), None, duty("L01"), None) for _ in range(n)]
    return services.work_orders_create_batch(actor=judge, items=items, subject="批量查询")


def test_batches_get_a_readable_sequential_reference(client, judge, liaison):
    import time_machine
    from django.urls import reverse

    from notifications.models import Notification
    from tests.factories import at
    from workorders.models import WorkOrder

    with time_machine.travel(at("2026-11-18 10:00"), tick=False):
        first, second = _batch(judge), _batch(judge)
    assert first.reference == "PL-2026-000001" and second.reference == "PL-2026-000002"
    assert str(first) == "PL-2026-000001"
    client.force_login(judge)
    html = client.get(reverse("workorders:batch_detail", args=[first.pk])).content.decode()
    assert "PL-2026-000001" in html and f">{str(first.pk)[:8]}<" not in html
    wo = WorkOrder.objects.filter(batch=first).get()
    html = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert "PL-2026-000001" in html and f">{str(first.pk)[:8]}<" not in html
    with time_machine.travel(at("2027-01-04 10:00"), tick=False):
        assert _batch(judge).reference == "PL-2027-000001"
    from workorders.models import EventAction
    event = wo.events.get(action=EventAction.CREATED)
    assert event.details["batch_ref"] == "PL-2026-000001"


# ---------------------------------------------------------------- punctuation

CATALOGS = ["locale", "api/locale", "dashboards/locale"]
CJK = r"[\u4e00-\u9fff\u3001-\u303f\uff08\uff09\u201c\u201d]"
# Technical notations where an ASCII dot or colon is the point.
TECHNICAL = ("应用.模型", "{字段: [原值, 新值]}", "X-EnforcementHub-Signature", "Api-Key", "Idempotent-Replayed")


def _msgstrs(path):
    text = path.read_text()
    for block in text.split("\n\n"):
        for first, rest in re.findall(r'^msgstr(?:\[\d\])? "(.*)"\s*$((?:\n".*")*)', block, re.M):
            yield first + "".join(re.findall(r'"(.*)"', rest))


@pytest.mark.parametrize("catalog", CATALOGS)
def test_chinese_catalogs_use_chinese_punctuation(catalog):
    bad = []
    for s in _msgstrs(ROOT / catalog / "zh_Hans/LC_MESSAGES/django.po"):
        if any(t in s for t in TECHNICAL):
            continue
        if (re.search(CJK + r"\s*[.,:;](?![\d/])", s) or re.search(r"(?<![\w%)])[,:;]\s*" + CJK, s)
                or re.match(r"\d+\. ", s)):
            bad.append(s)
    assert not bad, bad


def test_period_line_ends_with_a_chinese_full_stop(client, ref, center):
    from django.urls import reverse

    client.force_login(center)
    for name in ("dashboards:scorecards", "dashboards:courts"):
        html = client.get(reverse(name) + "?kind=month&year=2026&month=11").content.decode()
        assert not re.search(r"\d{4}-\d{2}-\d{2}\.", html), name
        assert re.search(r"2026-11-01 至 2026-11-30。", html), name


# ---------------------------------------------------------------- totals rows

def test_totals_rows_leave_no_blank_cells(client, ref, judge, center):
    from django.urls import reverse

    from tests.factories import make_case, make_work_order

    make_work_order(case=make_case(judge=judge), judge=judge)
    client.force_login(center)
    for name, live in (("dashboards:scorecards", "overdue_now"), ("dashboards:courts", "open_now")):
        response = client.get(reverse(name) + "?kind=month&year=2026&month=11")
        html = response.content.decode()
        total = re.search(r'<tr class="total">(.*?)</tr>', html, re.S).group(1)
        assert "<td></td>" not in total and '<td class="num"></td>' not in total, (name, total)
        if name == "dashboards:courts":
            rows, sums = response.context["rows"], response.context["total"]
            assert sums.open_now == sum(r.open_now for r in rows) == 1
        else:
            board = response.context["board"]
            assert board.total.overdue_now == sum(r.overdue_now for r in board.rows)


def test_the_migration_numbers_existing_batches_per_year_in_filing_order(judge):
    import importlib

    from django.apps import apps

    from tests.factories import at
    from workorders.models import WorkOrderBatch

    migration = importlib.import_module("workorders.migrations.0010_batch_reference")
    made = []
    for i, when in enumerate(["2026-03-01 10:00", "2025-12-31 10:00", "2026-01-02 10:00"]):
        b = WorkOrderBatch.objects.create(reference=f"old-{i}", created_by=judge,
                                          court_id=judge.judge_memberships.first().court_id, total=0)
        WorkOrderBatch.objects.filter(pk=b.pk).update(created_at=at(when))
        made.append(b.pk)
    migration.number_existing(apps, None)
    refs = [WorkOrderBatch.objects.get(pk=pk).reference for pk in made]
    assert refs == ["PL-2026-000002", "PL-2025-000001", "PL-2026-000001"]
