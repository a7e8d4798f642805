"""Every input is checked at the door: control characters, NUL bytes, line
breaks in subjects, absurd datetimes, deep or huge JSON bodies, oversize
bodies and over-long reasons get a clear 400 and change nothing."""
import base64
import json

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from notifications.services import deliver_pending_emails
from tests.factories import at, duty, make_work_order
from tests.test_api_support import _fresh_throttles, client_for, psb_key, url  # noqa: F401  (fixtures)
from workorders import services
from workorders.limits import REASON_MAX_LENGTH, TEXT_MAX_LENGTH
from workorders.models import Status, WorkOrder

pytestmark = pytest.mark.django_db

CONTROL = "请补充\x0b身份证号码"      # a vertical tab, as pasted from Word


@pytest.fixture
def frozen():
    with time_machine.travel(at("2026-11-18 10:00"), tick=False):
        yield


@pytest.fixture
def wo(judge, case, frozen):
    return make_work_order(case=case, judge=judge)


def control_message():
    with translation.override("zh-hans"):
        return translation.gettext(
            "This text contains control characters (e.g. from a pasted document); remove them.")


def new_request(case, **overrides):
    respondent = case.parties.filter(role="respondent").first()
    data = {"case": case.pk, "respondent": respondent.pk, "duty": duty("L01").pk, "type": "",
            "subject": "查询户籍", "details": "请查询", "intent": "draft"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- control characters (item 6)

def test_pages_refuse_control_characters(client, wo, liaison):
    client.force_login(liaison)
    response = client.post(reverse("workorders:return", args=[wo.pk]), {"return-reason": CONTROL})
    assert response.status_code == 400
    assert control_message() in response.content.decode()
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED


def test_filing_page_refuses_control_characters_in_details(client, judge, case, frozen):
    client.force_login(judge)
    response = client.post(reverse("workorders:new"), new_request(case, details="请\x01查询"))
    assert response.status_code == 200 and control_message() in response.content.decode()
    assert not WorkOrder.objects.filter(case=case).exists()


def test_api_refuses_control_characters(ref, judge, case, wo, psb_key):
    r = client_for(judge).post(url("work-order-list"), {
        "case": case.pk, "duty": duty("L01").pk, "subject": "查询", "details": "请\x1b协助"}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["errors"]["details"] == [control_message()]
    r = client_for(key=psb_key.raw).post(url("work-order-return", wo.pk), {"reason": CONTROL}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED


def test_tabs_and_newlines_are_fine_in_multi_line_text(client, wo, liaison):
    client.force_login(liaison)
    response = client.post(reverse("workorders:return", args=[wo.pk]), {"return-reason": "第一行\r\n\t第二行"})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.status == Status.RETURNED


# ---------------------------------------------------------------- subjects are one line (item 13)

def test_filing_page_refuses_a_line_break_in_the_subject(client, judge, case, frozen):
    client.force_login(judge)
    response = client.post(reverse("workorders:new"), new_request(case, subject="查询\n户籍"))
    assert response.status_code == 200
    assert "form" in response.context and response.context["form"].errors.get("subject")
    assert not WorkOrder.objects.filter(case=case).exists()


def test_batch_page_refuses_a_line_break_in_the_subject(client, judge, case, frozen):
    client.force_login(judge)
    response = client.post(reverse("workorders:batch_new"), {
        "cases": [case.pk], "respondents": "each", "duties": [duty("L01").pk], "subject": "查询\r\n户籍"})
    assert response.context["form"].errors.get("subject")


def test_api_refuses_a_line_break_in_the_subject(ref, judge, case):
    r = client_for(judge).post(url("work-order-list"), {
        "case": case.pk, "duty": duty("L01").pk, "subject": "查询\n户籍"}, format="json")
    assert r.status_code == 400 and "subject" in r.json()["errors"]
    assert not WorkOrder.objects.filter(case=case).exists()


@pytest.mark.parametrize("subject", ["查询\n户籍", "查询\x0b户籍"])
def test_the_service_refuses_a_subject_with_line_breaks_or_controls(judge, case, frozen, subject):
    with pytest.raises(ValidationError):
        services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject=subject)
    assert not WorkOrder.objects.filter(case=case).exists()


def test_a_stored_subject_with_a_newline_still_sends_its_email(ref, judge, case, frozen):
    draft = make_work_order(case=case, judge=judge, status=Status.DRAFT)
    WorkOrder.objects.filter(pk=draft.pk).update(subject="查询户籍\r\n抄送: x@evil.example" + "长" * 170)
    draft.refresh_from_db()
    services.work_order_submit(work_order=draft, actor=judge)
    mail.outbox.clear()
    assert deliver_pending_emails() >= 1
    assert not Notification.objects.filter(email_status=Notification.EmailStatus.FAILED).exists()
    subject = mail.outbox[0].subject
    assert "\n" not in subject and "\r" not in subject and "查询户籍 抄送" in subject
    assert len(subject) <= 200


# ---------------------------------------------------------------- NUL bytes (item 10)

@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "tab=all&%00=1"])
def test_nul_in_a_page_query_is_a_400(client, judge, query):
    client.force_login(judge)
    response = client.get(reverse("workorders:inbox") + "?" + query)
    assert response.status_code == 400
    assert "查询参数" in response.content.decode()


def test_nul_in_an_api_query_is_a_400(ref, judge):
    r = client_for(judge).get(url("work-order-list") + "?case_number=%00")
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"


def test_too_many_query_fields_keep_the_api_error_shape(ref, judge, settings):
    # The NUL check reads the query first; an unreadable one is still the API's JSON 400.
    query = "&".join(f"x{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    r = client_for(judge).get(url("work-order-list") + "?" + query)
    assert r.status_code == 400 and r.json()["code"] == "parse_error"


def test_nul_in_a_posted_form_is_a_400(client, wo, liaison):
    client.force_login(liaison)
    response = client.post(reverse("workorders:return", args=[wo.pk]), {"return-reason": "请\x00补充"})
    assert response.status_code == 400
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED


# ---------------------------------------------------------------- datetimes (item 11)

@pytest.mark.parametrize("value", [
    "2026-01-01T00:00:00+99:00", "2026-01-01T00:00:00-24:00", "2026-01-01T00:00:00+20:00",
    "2026-01-01T00:00:00-16:00", "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59-08:00", "10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
])
@pytest.mark.parametrize("param", ["due_before", "due_after", "updated_since"])
def test_absurd_datetimes_in_api_filters_are_a_400(ref, judge, param, value):
    r = client_for(judge).get(url("work-order-list"), {param: value})
    assert r.status_code == 400, (r.status_code, r.content[:200])
    assert param in r.json()["errors"]


def test_a_plausible_datetime_filter_still_works(ref, judge, wo):
    r = client_for(judge).get(url("work-order-list"), {"updated_since": "1970-01-01T00:00:00Z"})
    assert r.status_code == 200 and len(r.json()["results"]) == 1


def cursor(v, ordering="due_at"):
    data = {"o": ordering, "v": v, "i": 1, "p": False}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize("v", ["2026-01-01T00:00:00+99:00", "2026-01-01T00:00:00+20:00", "0001-01-01T00:00:00+08:00",
                               "9999-12-31T23:59:59-08:00"])
def test_absurd_datetimes_in_cursors_are_a_400(ref, judge, wo, v):
    r = client_for(judge).get(url("work-order-list"), {"ordering": "due_at", "cursor": cursor(v)})
    assert r.status_code == 400, (r.status_code, r.content[:200])
    assert "cursor" in r.json()["errors"]


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00+99:00", "2026-01-01T00:00:00+20:00",
                                   "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_absurd_datetimes_in_the_due_date_preview_are_a_400(ref, judge, value):
    r = client_for(judge).get(url("due-date"), {"type": "query", "submitted_at": value})
    assert r.status_code == 400, (r.status_code, r.content[:200])
    assert "submitted_at" in r.json()["errors"]


# ---------------------------------------------------------------- JSON bodies (item 12)

@pytest.mark.parametrize("body", ["[" * 10000 + "]" * 10000, '{"a":' * 5000 + "1" + "}" * 5000,
                                  '{"subject": ' + "[" * 100 + "]" * 100 + "}"])
def test_deeply_nested_json_is_a_400(ref, judge, body):
    r = client_for(judge).post(url("work-order-list"), body, content_type="application/json")
    assert r.status_code == 400, (r.status_code, r.content[:200])
    assert r.json()["code"] == "parse_error"


def test_a_huge_json_body_is_a_400(ref, judge, case, settings):
    body = json.dumps({"case": case.pk, "duty": duty("L01").pk, "subject": "查询",
                       "details": "长" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)})
    r = client_for(judge).post(url("work-order-list"), body, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "parse_error"
    assert not WorkOrder.objects.filter(case=case).exists()


def test_an_oversize_page_form_is_a_400(client, wo, liaison, settings):
    client.force_login(liaison)
    response = client.post(reverse("workorders:return", args=[wo.pk]),
                           {"return-reason": "长" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    assert response.status_code == 400
    assert "请求过大或格式有误" in response.content.decode()     # a translated page, not "Bad Request (400)"
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED


# ---------------------------------------------------------------- length caps (item 17)

def test_page_reasons_are_capped(client, wo, liaison):
    client.force_login(liaison)
    response = client.post(reverse("workorders:return", args=[wo.pk]),
                           {"return-reason": "长" * (REASON_MAX_LENGTH + 1)})
    assert response.status_code == 400
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED
    response = client.post(reverse("workorders:extension", args=[wo.pk]),
                           {"extension-days": 2, "extension-reason": "长" * (REASON_MAX_LENGTH + 1)})
    assert response.status_code == 400 and not wo.extensions.exists()


def test_api_reasons_are_capped(ref, wo, psb_key):
    r = client_for(key=psb_key.raw).post(url("work-order-return", wo.pk), {"reason": "长" * (REASON_MAX_LENGTH + 1)},
                                         format="json")
    assert r.status_code == 400 and "reason" in r.json()["errors"]


@pytest.mark.parametrize("call", [
    lambda wo, judge, liaison: services.work_order_return(work_order=wo, actor=liaison,
                                                          reason="长" * (REASON_MAX_LENGTH + 1)),
    lambda wo, judge, liaison: services.extension_request(work_order=wo, actor=liaison, days=2,
                                                          reason="长" * (REASON_MAX_LENGTH + 1)),
    lambda wo, judge, liaison: services.work_order_withdraw(work_order=wo, actor=judge,
                                                            reason="长" * (REASON_MAX_LENGTH + 1)),
    lambda wo, judge, liaison: services.work_order_return(work_order=wo, actor=liaison, reason=CONTROL),
])
def test_services_enforce_the_caps_whoever_calls(wo, judge, liaison, call):
    with pytest.raises(ValidationError):
        call(wo, judge, liaison)
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED and not wo.extensions.exists()


def test_details_and_results_are_capped(judge, liaison, case, frozen):
    with pytest.raises(ValidationError):
        services.work_order_create(actor=judge, case=case, duty=duty("L01"), subject="查询",
                                   details="长" * (TEXT_MAX_LENGTH + 1))
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    with pytest.raises(ValidationError):
        services.work_order_answer(work_order=wo, actor=liaison, outcome="found",
                                   result_text="长" * (TEXT_MAX_LENGTH + 1))
    wo.refresh_from_db()
    assert wo.status == Status.SIGNED
