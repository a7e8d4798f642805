"""API keys: stored hashed, shown once, scoped to one agency, revocable at
once, throttled per key; created and revoked by admins in the Django admin."""
import hashlib
import re

import pytest
from django.urls import reverse

from agencies.models import Agency
from agencies.roles import roles_of
from api import services
from api.models import ApiKey
from tests.factories import make_work_order
from tests.test_api_support import _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders.models import Status


def test_key_is_stored_hashed_and_acts_as_a_liaison_of_its_agency(ref):
    issued = issue_key("PSB")
    key = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.raw.startswith("eh_") and issued.raw not in (key.key_hash, key.prefix)
    assert key.key_hash == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert not key.user.has_usable_password()
    roles = roles_of(key.user)
    assert roles.agency_ids == {Agency.objects.get(code="PSB").pk} and not roles.head_agency_ids
    assert roles.primary == "liaison" and not roles.court_ids and not roles.center_ids


def test_key_scope_is_its_agency(ref, judge, case):
    psb = make_work_order(case=case, judge=judge, duty_code="L01", status=Status.SUBMITTED)
    plan = make_work_order(case=case, judge=judge, duty_code="P01", status=Status.SUBMITTED)
    c = client_for(key=issue_key("PSB").raw)
    rows = c.get(url("work-order-list")).json()["results"]
    assert [r["id"] for r in rows] == [psb.pk]
    assert c.get(url("work-order-detail", plan.pk)).status_code == 404
    assert c.post(url("work-order-sign", plan.pk), {}, format="json").status_code == 404
    assert c.post(url("work-order-sign", psb.pk), {}, format="json").status_code == 200
    # A key cannot file work orders: it is no judge.
    assert c.post(url("work-order-list"), {"case": case.pk, "duty": 1, "subject": "x"},
                  format="json").status_code == 403


@pytest.mark.parametrize("header", [
    "Api-Key eh_000000000000_nonsense", "Api-Key nonsense", "Api-Key", "Api-Key a b", "Api-Key eh_",
])
def test_bad_keys_are_401(ref, header):
    r = client_for().get(url("me"), HTTP_AUTHORIZATION=header)
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Api-Key"


def test_a_tampered_key_with_a_real_prefix_is_refused(ref):
    raw = issue_key().raw
    assert client_for(key=raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB")).get(url("me")).status_code == 401
    assert client_for(key=raw).get(url("me")).status_code == 200
    assert client_for().get(url("me"), HTTP_X_API_KEY=raw).status_code == 200


def test_revocation_is_immediate(ref, admin_user):
    issued = issue_key()
    c = client_for(key=issued.raw)
    assert c.get(url("me")).status_code == 200
    services.api_key_revoke(api_key=issued.api_key, actor=admin_user)
    assert c.get(url("me")).status_code == 401
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_by == admin_user and not issued.api_key.user.is_active


def test_last_used_is_recorded_sparingly(ref):
    issued = issue_key()
    c = client_for(key=issued.raw)
    c.get(url("me"))
    first = ApiKey.objects.get(pk=issued.api_key.pk).last_used_at
    c.get(url("me"))
    assert first is not None and ApiKey.objects.get(pk=issued.api_key.pk).last_used_at == first


def test_throttle_is_per_key(ref, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"api_key": "3/day", "api_user": "1000/day"}}
    a, b = client_for(key=issue_key().raw), client_for(key=issue_key(name="二号系统").raw)
    assert [a.get(url("me")).status_code for _ in range(3)] == [200, 200, 200]
    r = a.get(url("me"))
    assert r.status_code == 429 and int(r["Retry-After"]) > 0 and r.json()["code"] == "throttled"
    assert b.get(url("me")).status_code == 200


def test_admin_creates_a_key_shown_once_and_revokes_it(ref, admin_user, client):
    client.force_login(admin_user)
    psb = Agency.objects.get(code="PSB")
    r = client.post(reverse("admin:api_apikey_add"), {"name": "公安局执行联动系统", "agency": psb.pk})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    raw = re.search(r'value="(eh_[A-Za-z0-9_\-]+)"', r.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert key.created_by == admin_user and key.agency == psb
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert client_for(key=raw).get(url("me")).json()["api_key"]["agency"] == "PSB"
    # The change page never shows it again.
    page = client.get(reverse("admin:api_apikey_change", args=[key.pk])).content.decode()
    assert raw not in page and key.prefix in page
    r = client.post(reverse("admin:api_apikey_changelist"),
                    {"action": "revoke", "_selected_action": [key.pk]}, follow=True)
    assert r.status_code == 200
    assert client_for(key=raw).get(url("me")).status_code == 401


def test_command_creates_a_key(ref, capsys):
    from django.core.management import call_command

    call_command("create_api_key", "PLAN", "不动产登记系统")
    raw = capsys.readouterr().out.strip()
    assert client_for(key=raw).get(url("me")).json()["api_key"]["agency"] == "PLAN"
