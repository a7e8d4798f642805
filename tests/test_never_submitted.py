"""A work order that was never submitted is the court's alone, whatever its
status later (the "Trust" issue, item 1).

The issue's scenario: a judge saves a draft to the land registry (PLAN) with the
legal document attached, then withdraws it ("wrong agency"). The registry's
liaison, its head, its API key and the linkage-center staff above it must not
reach it anywhere: page, document, case, ID reveal, API list and detail, inbox
tabs, dashboards and exports, webhooks. The judge still sees it."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Agency, AgencyMembership
from api import webhooks
from api import services as api_services
from api.models import WebhookDelivery, WebhookEvent
from cases.selectors import cases_for
from tests.factories import duty, make_case, make_work_order, user
from tests.test_api_support import PDF, _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders import services
from workorders.access import can_reveal_id
from workorders.models import EventAction, Status, WorkOrder, WorkOrderEvent, private_storage
from workorders.selectors import work_orders_for

pytestmark = pytest.mark.django_db
User = get_user_model()

SUBJECT = "错发不动产登记：查询名下不动产"
OUTSIDERS = ["liaison2", "plan_head", "center", "supervisor"]
AGENCY_TABS = ["new", "progress", "due_soon", "overdue", "done"]


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def plan_head(ref):
    head = User.objects.create_user("plan_head", first_name="不动产登记中心分管领导")
    AgencyMembership.objects.create(user=head, agency=Agency.objects.get(code="PLAN"), role="head")
    return head


@pytest.fixture
def scenario(ref, judge, plan_head, settings):
    """The draft with its legal document, withdrawn before it was ever submitted."""
    settings.API_WEBHOOK_ALLOWED_TARGETS = [*settings.API_WEBHOOK_ALLOWED_TARGETS, "127.0.0.1:9"]
    case = make_case(court_code="津0105", judge=judge)
    respondent = case.parties.get(role="respondent")
    wo = services.work_order_create(
        actor=judge, case=case, duty=duty("P01"), respondent=respondent, subject=SUBJECT, details="内部办案说明",
        attachments=[SimpleUploadedFile("生效法律文书.pdf", PDF, content_type="application/pdf")], submit=False)
    sub = api_services.webhook_subscription_create(
        name="不动产登记系统", agency=Agency.objects.get(code="PLAN"), url="http://127.0.0.1:9/hook",
        events=list(WebhookEvent.values))
    services.work_order_withdraw(work_order=wo, actor=judge, reason="错发单位")
    wo.refresh_from_db()
    assert wo.status == Status.WITHDRAWN and wo.submitted_at is None
    return {"case": case, "wo": wo, "attachment": wo.attachments.get(), "respondent": respondent, "sub": sub}


def _markers(s):
    return [SUBJECT, s["case"].number, s["respondent"].name, s["respondent"].id_number, "内部办案说明"]


def _leaks(body: str, s) -> list[str]:
    return [m for m in _markers(s) if m in body]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_pages_answer_404(client, scenario, role):
    s = scenario
    client.force_login(user(role))
    assert client.get(reverse("workorders:detail", args=[s["wo"].pk])).status_code == 404
    assert client.get(reverse("workorders:attachment", args=[s["attachment"].pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[s["case"].pk])).status_code == 404
    assert client.post(reverse("workorders:reveal_id", args=[s["wo"].pk])).status_code == 404
    assert not WorkOrderEvent.objects.filter(work_order=s["wo"], action=EventAction.ID_REVEALED).exists()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_lists_do_not_show_it(client, scenario, role):
    s = scenario
    client.force_login(user(role))
    for query in [{"tab": t} for t in AGENCY_TABS] + [{"q": SUBJECT[:4]}, {"tab": "done", "q": s["case"].number[6:-1]}]:
        # (searches use part of a marker, so that the search box echoing it is no leak)
        r = client.get(reverse("workorders:inbox"), query)
        assert r.status_code == 200
        assert not _leaks(r.content.decode(), s), query
    r = client.get(reverse("cases:list"), {"q": s["case"].number[6:-1], "status": "", "mine": ""})
    assert not _leaks(r.content.decode(), s)
    assert not _leaks(client.get(reverse("home")).content.decode(), s)


@pytest.mark.parametrize("role", OUTSIDERS)
def test_dashboards_and_exports_do_not_count_it(client, scenario, role):
    s = scenario
    client.force_login(user(role))
    for name in ("overdue", "scorecards", "courts", "supervision", "agenda"):
        r = client.get(reverse(f"dashboards:{name}"))
        assert r.status_code in (200, 403), name
        assert not _leaks(r.content.decode(), s), name
    for fmt in ("csv", "xlsx"):
        r = client.get(reverse("dashboards:overdue_export"), {"format": fmt})
        body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
        assert SUBJECT.encode() not in body


@pytest.mark.parametrize("role", OUTSIDERS)
def test_the_one_rule(scenario, role):
    """The selectors and the ID-reveal check answer the same."""
    s, u = scenario, user(role)
    assert not work_orders_for(u).filter(pk=s["wo"].pk).exists()
    assert not cases_for(u).filter(pk=s["case"].pk).exists()
    assert not can_reveal_id(u, s["wo"])


@pytest.mark.parametrize("who", ["key_plan", "liaison2", "plan_head", "center", "supervisor"])
def test_api_answers_404_and_lists_omit_it(scenario, who):
    s = scenario
    c = client_for(key=issue_key("PLAN", "不动产登记系统").raw) if who == "key_plan" else client_for(user(who))
    assert c.get(url("work-order-detail", s["wo"].pk)).status_code == 404
    assert c.post(url("work-order-sign", s["wo"].pk), {}, format="json").status_code == 404
    assert c.get(url("attachment-detail", s["attachment"].pk)).status_code == 404
    assert c.get(url("attachment-download", s["attachment"].pk)).status_code == 404
    assert c.get(url("case-detail", s["case"].pk)).status_code == 404
    for params in ({}, {"status": "withdrawn"}, {"case": s["case"].pk}, {"ordering": "updated_at",
                                                                        "updated_since": "2000-01-01T00:00:00Z"}):
        r = c.get(url("work-order-list"), params)
        assert r.status_code == 200
        assert s["wo"].pk not in {row["id"] for row in r.json()["results"]}, params
        assert not _leaks(r.content.decode(), s)
    r = c.get(url("case-list"))
    assert s["case"].pk not in {row["id"] for row in r.json()["results"]}


def test_no_webhook_delivery(scenario):
    s = scenario
    webhooks.fan_out()
    assert not WebhookDelivery.objects.filter(subscription=s["sub"], event__work_order=s["wo"]).exists()


def test_the_judge_still_sees_it(client, scenario, judge):
    s = scenario
    client.force_login(judge)
    r = client.get(reverse("workorders:detail", args=[s["wo"].pk]))
    assert r.status_code == 200 and SUBJECT in r.content.decode()
    assert client.get(reverse("workorders:attachment", args=[s["attachment"].pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[s["case"].pk])).status_code == 200
    assert SUBJECT in client.get(reverse("workorders:inbox"), {"tab": "done"}).content.decode()
    api = client_for(judge)
    assert api.get(url("work-order-detail", s["wo"].pk)).status_code == 200
    assert s["wo"].pk in {row["id"] for row in api.get(url("work-order-list")).json()["results"]}


def test_a_submitted_then_withdrawn_order_stays_visible_to_the_agency(client, ref, judge, case):
    """The rule is "ever submitted", not a status: the agency keeps what it was sent."""
    wo = make_work_order(case=case, judge=judge, duty_code="P01", status=Status.RETURNED)
    services.work_order_withdraw(work_order=wo, actor=judge, reason="已履行")
    liaison2 = user("liaison2")
    assert work_orders_for(liaison2).filter(pk=wo.pk).exists()
    client.force_login(liaison2)
    assert client.get(reverse("workorders:detail", args=[wo.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert WorkOrder.objects.ever_submitted().filter(pk=wo.pk).exists()
    assert not WorkOrder.objects.never_submitted().filter(pk=wo.pk).exists()
