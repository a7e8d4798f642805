"""Session hardening: the idle timeout, no-store on ID reveals and exports, and the API
documentation behind login."""
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.test_api_support import _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders.demo import demo_password

T0 = datetime.fromisoformat("2026-06-01T10:00:00+08:00")
TIMED_OUT_ZH = "无操作，已自动退出登录"


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def log_in(client, username="judge"):
    response = client.post(reverse("login"), {"username": username, "password": demo_password()})
    assert response.status_code == 302


def is_login_redirect(response, next_path="/"):
    return response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={next_path}"


# ---------------------------------------------------------------- idle timeout

def test_two_idle_hours_log_the_user_out_with_a_message(client, judge, frozen):
    log_in(client)
    frozen.shift(timedelta(hours=2, minutes=1))
    response = client.get(reverse("home"))
    assert is_login_redirect(response)
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert TIMED_OUT_ZH in page.content.decode() and "120" in page.content.decode()
    # Logged out for good: the next request is an ordinary anonymous one, without the message.
    assert TIMED_OUT_ZH not in client.get(response["Location"]).content.decode()


def test_the_message_is_in_english_on_request(client, judge, frozen):
    log_in(client)
    frozen.shift(timedelta(hours=3))
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "logged out after 120 minutes without activity" in response.content.decode()


def test_activity_keeps_the_session(client, judge, frozen):
    log_in(client)
    frozen.shift(timedelta(hours=1))
    assert client.get(reverse("home")).status_code == 200
    frozen.shift(timedelta(hours=1, minutes=30))
    assert client.get(reverse("home")).status_code == 200
    frozen.shift(timedelta(hours=1, minutes=59))
    assert client.get(reverse("home")).status_code == 200


def test_a_session_from_before_the_timeout_existed_starts_counting(client, judge, frozen):
    client.force_login(judge)  # no last-seen mark yet
    assert client.get(reverse("home")).status_code == 200
    frozen.shift(timedelta(hours=2, minutes=1))
    assert is_login_redirect(client.get(reverse("home")))


def test_the_timeout_is_a_setting(client, judge, frozen, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 10
    log_in(client)
    frozen.shift(timedelta(minutes=11))
    assert is_login_redirect(client.get(reverse("home")))


def test_the_unread_badge_poll_does_not_keep_a_forgotten_tab_logged_in(client, judge, frozen):
    log_in(client)
    badge = reverse("notifications:badge")
    for _ in range(4):
        frozen.shift(timedelta(minutes=30))
        assert client.get(badge, HTTP_HX_REQUEST="true").status_code == 200
    frozen.shift(timedelta(minutes=1))
    response = client.get(badge, HTTP_HX_REQUEST="true")
    # htmx would swap a redirect's login page into the badge: send the whole tab there.
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_an_idle_browser_api_session_gets_the_api_answer(judge, frozen):
    api = client_for()
    log_in(api)
    frozen.shift(timedelta(hours=2, minutes=1))
    response = api.get(url("me"))
    assert response.status_code in (401, 403) and response["Content-Type"].startswith("application/json")


def test_api_key_requests_are_unaffected(ref, frozen):
    from django.conf import settings
    from django.contrib.sessions.models import Session

    key = issue_key("PSB")
    api = client_for(key=key.raw)
    response = api.get(url("me"))
    assert response.status_code == 200
    # The key's user is not a session: none is created for it.
    assert settings.SESSION_COOKIE_NAME not in response.cookies and not Session.objects.exists()
    frozen.shift(timedelta(hours=5))
    assert api.get(url("me")).status_code == 200


def test_the_session_cookie_outlives_the_idle_timeout(settings):
    assert settings.SESSION_COOKIE_AGE >= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    assert settings.SESSION_COOKIE_AGE <= 24 * 3600


# ---------------------------------------------------------------- no-store on reveals and exports

def _url_names(patterns, prefix=""):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            yield from _url_names(p.url_patterns, prefix + (f"{p.namespace}:" if p.namespace else ""))
        elif p.name:
            yield prefix + p.name


# (url name, method, query, persona): every route that reveals an ID number or hands out a
# document or an export.
NO_STORE = [
    ("workorders:reveal_id", "post", "", "liaison"),
    ("workorders:attachment", "get", "", "liaison"),
    ("api:attachment-download", "get", "", "liaison"),
    ("dashboards:overdue_export", "get", "?format=csv", "center"),
    ("dashboards:overdue_export", "get", "?format=xlsx", "center"),
    ("dashboards:scorecards_export", "get", "", "center"),
    ("dashboards:agenda", "get", "", "center"),  # the printable agenda
    ("dashboards:agenda", "get", "?format=xlsx", "center"),
]
SENSITIVE = r"reveal|export|download|agenda|print|^workorders:attachment$"


def test_every_reveal_and_export_route_is_in_the_no_store_list():
    import re

    from django.urls import get_resolver

    routes = {n for n in _url_names(get_resolver().url_patterns)
              if not n.startswith("admin:") and re.search(SENSITIVE, n)}
    assert routes == {name for name, *_ in NO_STORE}


@pytest.fixture
def document(judge, case, monkeypatch, tmp_path):
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import Party
    from tests.factories import duty
    from workorders import services
    from workorders.models import private_storage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))
    wo = services.work_order_create(
        actor=judge, case=case, duty=duty("L01"), subject="查询",
        respondent=case.parties.filter(role=Party.Role.RESPONDENT).first(),
        attachments=[SimpleUploadedFile("裁定书.pdf", b"%PDF-1.4\n body")], submit=True)
    return wo.attachments.get()


@pytest.mark.parametrize("name,method,query,persona", NO_STORE, ids=lambda v: v if isinstance(v, str) else None)
def test_reveals_and_exports_are_never_stored(request, client, document, name, method, query, persona):
    client.force_login(request.getfixturevalue(persona))
    arg = {"workorders:reveal_id": document.work_order_id}.get(name, document.pk)
    args = [arg] if name in ("workorders:reveal_id", "workorders:attachment", "api:attachment-download") else []
    response = getattr(client, method)(reverse(name, args=args) + query)
    assert response.status_code == 200, response.status_code
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


# ---------------------------------------------------------------- API documentation behind login

DOCS = ["api:docs", "api:redoc"]


@pytest.mark.parametrize("name", DOCS)
def test_private_docs_send_an_anonymous_visitor_to_the_login_page(client, settings, name, db):
    settings.API_DOCS_PUBLIC = False
    response = client.get(reverse(name))
    assert is_login_redirect(response, next_path=reverse(name))


def test_private_schema_is_refused_to_an_anonymous_client(client, settings, db):
    settings.API_DOCS_PUBLIC = False
    assert client.get(reverse("api:schema")).status_code in (401, 403)


@pytest.mark.parametrize("name", [*DOCS, "api:schema"])
def test_private_docs_open_to_a_logged_in_user(client, settings, judge, name):
    settings.API_DOCS_PUBLIC = False
    client.force_login(judge)
    assert client.get(reverse(name)).status_code == 200


def test_private_schema_opens_to_an_agency_system_key(settings, ref):
    settings.API_DOCS_PUBLIC = False
    key = issue_key("PSB")
    assert client_for(key=key.raw).get(reverse("api:schema")).status_code == 200


@pytest.mark.parametrize("name", [*DOCS, "api:schema"])
def test_public_docs_open_to_anyone(client, settings, name, db):
    settings.API_DOCS_PUBLIC = True
    assert client.get(reverse(name)).status_code == 200


def test_docs_are_private_by_default_only_in_production(settings):
    assert settings.API_DOCS_PUBLIC is (not settings.PRODUCTION)
