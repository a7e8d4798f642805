"""Batch requests: choose, confirm every pair, create with progress, once."""
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Duty
from tests.factories import at, duty, make_case
from workorders import services
from workorders.models import Status, WorkOrder, WorkOrderBatch
from workorders.views import batch as batch_views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at("2026-11-18 10:00"), tick=False):
        yield


def confirm_data(response):
    form = response.context["form"]
    return {name: form.initial.get(name, "") for name in form.fields}


def test_form_confirm_create(client, judge, liaison, liaison2):
    cases = [make_case(judge=judge, respondents=n) for n in (1, 2)]
    client.force_login(judge)
    page = client.get(reverse("workorders:batch_new"))
    assert page.status_code == 200 and cases[0].number in page.content.decode()
    response = client.post(reverse("workorders:batch_new"), {
        "cases": [cases[0].pk], "case_numbers": cases[1].number.replace("（", "(").replace("）", ")"),
        "respondents": "each", "duties": [duty("L01").pk, duty("P01").pk], "type": "", "subject": "批量查询"})
    assert response.status_code == 200
    rows = response.context["rows"]
    # (1 + 2 respondents) × 2 duties, every pair listed with its agency and due date.
    assert len(rows) == 6
    html = response.content.decode()
    assert "公安局" in html and "规自局" in html   # each pair names its agency
    assert {r["due"].due_at for r in rows} == {at("2026-11-19 18:00")}
    data = confirm_data(response)
    created = client.post(reverse("workorders:batch_create"), data)
    batch = WorkOrderBatch.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("workorders:batch_detail", args=[batch.pk])
    assert WorkOrder.objects.filter(batch=batch, status=Status.SUBMITTED).count() == 6
    detail = client.get(created["Location"])
    assert detail.status_code == 200 and len(detail.context["page"].object_list) == 6
    # A second click on the same confirmation does not file the batch again.
    again = client.post(reverse("workorders:batch_create"), data)
    assert again["Location"] == created["Location"] and WorkOrder.objects.count() == 6
    job = client.get(reverse("workorders:batch_job", args=[data["token"]]), HTTP_ACCEPT="application/json").json()
    assert job["state"] == "done" and job["done"] == 6 and job["url"] == created["Location"]


def test_case_level_mode_and_type_override(client, judge):
    cases = [make_case(judge=judge, respondents=2) for _ in range(2)]
    client.force_login(judge)
    response = client.post(reverse("workorders:batch_new"), {
        "cases": [c.pk for c in cases], "respondents": "case", "duties": [duty("L01").pk],
        "type": "complex", "subject": "整案查询"})
    data = confirm_data(response)
    client.post(reverse("workorders:batch_create"), data, HTTP_ACCEPT="application/json")
    orders = WorkOrder.objects.all()
    assert orders.count() == 2 and {o.respondent for o in orders} == {None} and {o.type for o in orders} == {"complex"}


def test_errors_are_shown(client, judge, judge2):
    other = make_case(court_code="津0101", judge=judge2)
    client.force_login(judge)
    response = client.post(reverse("workorders:batch_new"), {
        "case_numbers": f"{other.number}\n不是案号", "respondents": "each", "duties": [], "subject": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "不是案号" in html and "errorlist" in html
    response = client.post(reverse("workorders:batch_new"), {
        "case_numbers": other.number, "respondents": "each", "duties": [duty("L01").pk], "subject": "x"})
    assert "不是本院在办案件" in response.content.decode()
    # A tampered confirmation naming another court's case files nothing.
    response = client.post(reverse("workorders:batch_create"), {
        "case_ids": str(other.pk), "duty_ids": str(duty("L01").pk), "respondents": "each", "type": "",
        "subject": "x", "details": "", "token": "a" * 32})
    assert response.status_code == 302 and response["Location"] == reverse("workorders:batch_new")
    assert not WorkOrder.objects.exists()


def test_a_thousand_work_orders_with_progress(client, judge, monkeypatch, capsys):
    cases = [make_case(judge=judge) for _ in range(100)]
    ten = list(Duty.objects.filter(code__in=["L01", "L02", "L04", "L05", "L07", "L08", "P01", "P04", "P07",
                                             "P09"]))
    client.force_login(judge)
    response = client.post(reverse("workorders:batch_new"), {
        "case_numbers": "\n".join(c.number for c in cases), "respondents": "each",
        "duties": [d.pk for d in ten], "subject": "一键批量查询"})
    assert response.context["total"] == 1000
    data = confirm_data(response)
    key = batch_views._job_key(judge, data["token"])
    seen = []
    real = services.work_orders_create_batch

    def spy(**kwargs):
        report = kwargs["progress"]

        def progress(done, total):
            report(done, total)
            seen.append(cache.get(key))   # what the page's poll would read now
        return real(**{**kwargs, "progress": progress})

    monkeypatch.setattr(batch_views.services, "work_orders_create_batch", spy)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        created = client.post(reverse("workorders:batch_create"), data, HTTP_ACCEPT="application/json")
    elapsed = time.perf_counter() - started
    assert created.status_code == 200 and created.json()["url"].startswith("/workorders/batch/")
    assert WorkOrder.objects.filter(status=Status.SUBMITTED).count() == 1000
    assert [s["done"] for s in seen] == [200, 400, 600, 800, 1000]
    assert all(s["state"] == "running" and s["total"] == 1000 for s in seen)
    assert cache.get(key)["state"] == "done"
    with capsys.disabled():
        print(f"\n[batch of 1,000] {elapsed:.2f}s, {len(queries.captured_queries)} queries")

    # Five thousand is the ceiling; more is refused before anything is written.
    all_duties = list(Duty.objects.values_list("pk", flat=True))
    too_many = client.post(reverse("workorders:batch_new"), {
        "case_numbers": "\n".join(c.number for c in cases), "respondents": "each",
        "duties": all_duties, "subject": "过多"})
    assert "5,000" in too_many.content.decode() and "rows" not in too_many.context


def test_job_page_for_a_running_batch(client, judge):
    client.force_login(judge)
    token = "b" * 32
    cache.set(batch_views._job_key(judge, token), {"state": "running", "done": 400, "total": 1000}, 60)
    page = client.get(reverse("workorders:batch_job", args=[token]))
    assert page.status_code == 200 and 'value="400"' in page.content.decode()
    assert client.get(reverse("workorders:batch_job", args=[token]), {"format": "json"}).json()["done"] == 400
