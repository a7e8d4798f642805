"""Login lockout (django-axes): per username and address, on the site's and the admin's login
page, with a message in the user's language, a cool-off, and an unlock in the admin."""
from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from enforcement_hub.lockout import client_ip
from workorders.demo import demo_password

T0 = datetime.fromisoformat("2026-06-01T10:00:00+08:00")
IP = "10.1.2.3"
LOCKED_ZH = "登录失败次数过多"
LOCKED_EN = "Too many failed logins"


def fail(client, url, username, times, ip=IP, **extra):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"}, REMOTE_ADDR=ip, **extra)
    return response


def login(client, url, username, ip=IP, **extra):
    return client.post(url, {"username": username, "password": demo_password()}, REMOTE_ADDR=ip, **extra)


def logged_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_four_failures_still_let_the_right_password_in(client, judge, frozen):
    response = fail(client, reverse("login"), "judge", 4)
    assert response.status_code == 200
    assert login(client, reverse("login"), "judge").status_code == 302
    assert logged_in_as(client) == str(judge.pk)


def test_five_failures_lock_the_right_password_out_with_a_chinese_message(client, judge, frozen):
    fifth = fail(client, reverse("login"), "judge", 5)
    assert fifth.status_code == 429
    response = login(client, reverse("login"), "judge")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED_ZH in body and "15" in body
    assert 'name="password"' in body and 'name="username"' in body  # the login form's own layout
    assert int(response["Retry-After"]) == 15 * 60
    assert logged_in_as(client) is None


def test_the_lockout_message_is_in_english_on_request(client, judge, frozen):
    fail(client, reverse("login"), "judge", 5, HTTP_ACCEPT_LANGUAGE="en")
    response = login(client, reverse("login"), "judge", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED_EN in body and "15 minutes" in body and LOCKED_ZH not in body


def test_a_locked_try_costs_no_password_hash(client, judge, frozen):
    fail(client, reverse("login"), "judge", 5)
    with mock.patch.object(ModelBackend, "authenticate", autospec=True) as backend:
        assert login(client, reverse("login"), "judge").status_code == 429
    backend.assert_not_called()


def test_another_user_and_another_address_are_unaffected(client, judge, judge2, frozen):
    fail(client, reverse("login"), "judge", 5)
    assert login(client, reverse("login"), "judge2").status_code == 302
    assert logged_in_as(client) == str(judge2.pk)
    client.logout()
    assert login(client, reverse("login"), "judge", ip="10.9.9.9").status_code == 302
    assert logged_in_as(client) == str(judge.pk)


def test_the_lockout_ends_after_the_cool_off(client, judge, frozen):
    fail(client, reverse("login"), "judge", 5)
    frozen.shift(timedelta(minutes=14))
    assert login(client, reverse("login"), "judge").status_code == 429
    # That refused try started the cool-off again.
    frozen.shift(timedelta(minutes=15, seconds=1))
    assert login(client, reverse("login"), "judge").status_code == 302
    assert logged_in_as(client) == str(judge.pk)


def test_the_admin_login_is_locked_alike(client, admin_user, frozen):
    url = reverse("admin:login")
    fail(client, url, "admin", 5)
    response = login(client, url, "admin")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED_ZH in body and 'id="login-form"' in body
    assert logged_in_as(client) is None


def test_the_password_is_not_stored(client, judge, frozen):
    fail(client, reverse("login"), "judge", 2)
    attempt = AccessAttempt.objects.get(username="judge")
    assert attempt.ip_address == IP and attempt.failures_since_start == 2
    assert "wrong-password" not in attempt.post_data + attempt.get_data


def test_the_lockout_shows_in_the_admin_and_an_administrator_unlocks_it(client, judge, admin_user, frozen):
    fail(client, reverse("login"), "judge", 5)
    admin_client = Client()
    admin_client.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    body = page.content.decode()
    assert "judge" in body and IP in body and "已锁定" in body
    attempt = AccessAttempt.objects.get(username="judge")
    assert admin_client.get(reverse("admin:axes_accessattempt_add")).status_code == 403
    response = admin_client.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert login(client, reverse("login"), "judge").status_code == 302


def test_client_login_in_tests_passes_a_request(client, judge):
    """Axes needs a request in authenticate(); tests that use client.login give it one."""
    assert client.login(request=HttpRequest(), username="judge", password=demo_password())


# ---------------------------------------------------------------- the client address

def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_ip(request) == "192.0.2.7"


def test_behind_one_proxy_the_address_it_appended_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5",
                                   HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "10.0.0.1"


def test_a_missing_forwarded_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "172.18.0.5"
