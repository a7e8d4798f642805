"""One fetch-and-authorize helper per aggregate, tested for every role (404
alike for missing and foreign), and the parties an agency may see (the "Trust"
issue, item 16)."""
from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from api.models import ApiKey
from cases.models import Party
from cases.selectors import get_case_for, parties_for
from notifications.selectors import get_notification_for
from notifications.services import notify
from tests.factories import PartyFactory, duty, make_case, make_work_order, user
from tests.test_api_support import PDF, _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders import services
from workorders.errors import ConflictError
from workorders.models import Status, private_storage
from workorders.selectors import (
    get_attachment_for,
    get_batch_for,
    get_extension_for,
    get_pending_extension_for,
    get_work_order_for,
    pending_extensions_for,
)

pytestmark = pytest.mark.django_db

ROLES = ["judge", "judge2", "liaison", "liaison2", "head", "center", "supervisor"]
# Who reaches the judge's PSB work order and what hangs off it.
SEES_ORDER = {"judge", "liaison", "head", "center", "supervisor"}


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def world(ref, judge):
    case = make_case(court_code="津0105", judge=judge)
    wo = make_work_order(case=case, judge=judge, duty_code="L01", status=Status.SIGNED)
    services._save_attachments(wo, judge, [SimpleUploadedFile("文书.pdf", PDF)], "request")
    ext = services.extension_request(work_order=wo, actor=user("liaison"), days=2, reason="调档")
    batch = services.work_orders_create_batch(
        actor=judge, items=[(case, case.parties.filter(role="respondent").first(), duty("L02"), None)], subject="批量")
    notify(recipients=[judge], kind="assigned", title="给法官的通知")
    return {"case": case, "wo": wo, "attachment": wo.attachments.get(), "ext": ext, "batch": batch,
            "note": judge.notifications.latest("id")}


HELPERS = {  # helper, the world's object, who may reach it, a missing key
    "work_order": (get_work_order_for, "wo", SEES_ORDER, 10**9),
    "attachment": (get_attachment_for, "attachment", SEES_ORDER, 10**9),
    "extension": (get_extension_for, "ext", SEES_ORDER, 10**9),
    "case": (get_case_for, "case", SEES_ORDER, 10**9),
    "batch": (get_batch_for, "batch", {"judge"}, uuid.uuid4()),
    "notification": (get_notification_for, "note", {"judge"}, 10**9),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("aggregate", sorted(HELPERS))
def test_one_helper_per_aggregate_for_every_role(world, role, aggregate):
    helper, key, allowed, missing = HELPERS[aggregate]
    u, obj = user(role), world[key]
    if role in allowed:
        assert helper(u, obj.pk) == obj
    else:
        with pytest.raises(Http404):
            helper(u, obj.pk)
    for bad in (missing, "x", None):
        with pytest.raises(Http404):
            helper(u, bad)


def test_pending_extensions_are_the_deciders(world):
    assert list(pending_extensions_for(user("center"))) == [world["ext"]]
    for role in ("judge", "liaison", "head", "supervisor", "judge2", "liaison2"):
        assert not pending_extensions_for(user(role)).exists(), role
    assert get_pending_extension_for(user("center"), world["wo"]) == world["ext"]
    with pytest.raises(Http404):
        get_pending_extension_for(user("liaison2"), world["wo"])
    services.extension_decide(extension=world["ext"], actor=user("center"), approve=True, note="")
    with pytest.raises(ConflictError):
        get_pending_extension_for(user("center"), world["wo"])


def test_page_and_api_download_send_the_same_headers(world, client, judge):
    client.force_login(judge)
    page = client.get(reverse("workorders:attachment", args=[world["attachment"].pk]))
    api = client_for(judge).get(url("attachment-download", world["attachment"].pk))
    assert page.status_code == api.status_code == 200
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control", "Content-Disposition"):
        assert page[header] == api[header], header
    assert "sandbox" in api["Content-Security-Policy"]


def test_batch_link_shows_only_to_who_may_open_it(world, client):
    wo = world["batch"].work_orders.get()
    link = reverse("workorders:batch_detail", args=[world["batch"].pk])
    client.force_login(user("judge"))
    assert link in client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    client.force_login(user("liaison"))
    r = client.get(reverse("workorders:detail", args=[wo.pk]))
    assert r.status_code == 200 and link not in r.content.decode()


# ---------------------------------------------------------------- parties (item 16)

@pytest.fixture
def parties(ref, judge):
    """A case with an applicant (with address) and three respondents; PSB is
    asked about the first respondent only; PLAN about the case as a whole."""
    case = make_case(court_code="津0105", judge=judge, respondents=3)
    applicant = case.parties.get(role=Party.Role.APPLICANT)
    applicant.address = "申请人住所：和平区南京路1号"
    applicant.save(update_fields=["address"])
    r1, r2, r3 = case.parties.filter(role=Party.Role.RESPONDENT).order_by("id")
    for i, p in enumerate((r1, r2, r3)):
        p.address = f"被执行人住所{i}号"
        p.save(update_fields=["address"])
    make_work_order(case=case, judge=judge, duty_code="L01")  # names r1 (the factory takes the first)
    whole = services.work_order_create(actor=judge, case=case, duty=duty("P01"), respondent=None,
                                       subject="全案查询", submit=True)
    assert whole.respondent_id is None
    return {"case": case, "applicant": applicant, "r1": r1, "r2": r2, "r3": r3}


def _names(rows):
    return {p["name"] for p in rows}


def test_an_agency_sees_only_the_parties_its_work_orders_name(parties):
    p, case = parties, parties["case"]
    assert set(parties_for(user("liaison")).filter(case=case)) == {p["r1"]}
    assert set(parties_for(user("head")).filter(case=case)) == {p["r1"]}
    # A work order about the case as a whole: every respondent, still no applicant.
    assert set(parties_for(user("liaison2")).filter(case=case)) == {p["r1"], p["r2"], p["r3"]}
    # The court side sees every party.
    assert set(parties_for(user("judge")).filter(case=case)) == {p["applicant"], p["r1"], p["r2"], p["r3"]}
    assert set(parties_for(user("center")).filter(case=case)) == {p["applicant"], p["r1"], p["r2"], p["r3"]}


def test_case_page_hides_other_parties_from_the_agency(parties, client):
    p = parties
    client.force_login(user("liaison"))
    body = client.get(reverse("cases:detail", args=[p["case"].pk])).content.decode()
    assert p["r1"].name in body
    for hidden in (p["r2"].name, p["r3"].name, p["applicant"].name, p["applicant"].address, p["r2"].address):
        assert hidden not in body, hidden
    listing = client.get(reverse("cases:list"), {"q": p["case"].number[6:-1], "status": ""}).content.decode()
    assert p["r1"].name in listing and p["r2"].name not in listing and p["applicant"].name not in listing
    # A hidden party's name does not find the case.
    found = client.get(reverse("cases:list"), {"q": p["r2"].name, "status": ""}).content.decode()
    assert p["case"].number not in found
    client.force_login(user("judge"))
    body = client.get(reverse("cases:detail", args=[p["case"].pk])).content.decode()
    assert p["r2"].name in body and p["applicant"].address in body


@pytest.mark.parametrize("who", ["liaison", "key_psb"])
def test_api_case_endpoints_hide_other_parties(parties, who):
    p = parties
    c = client_for(key=issue_key("PSB").raw) if who == "key_psb" else client_for(user("liaison"))
    detail = c.get(url("case-detail", p["case"].pk)).json()
    assert _names(detail["parties"]) == {p["r1"].name}
    assert p["applicant"].address not in str(detail)
    rows = {row["id"]: row for row in c.get(url("case-list")).json()["results"]}
    assert _names(rows[p["case"].pk]["parties"]) == {p["r1"].name}
    judge_view = client_for(user("judge")).get(url("case-detail", p["case"].pk)).json()
    assert _names(judge_view["parties"]) == {p[k].name for k in ("applicant", "r1", "r2", "r3")}
    assert ApiKey.objects.exists() or who == "liaison"
