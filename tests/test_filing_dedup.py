"""Filing a request once: the new-request form carries a one-time token spent
by the transaction that files, so parallel POSTs, a double click or the back
button file one work order; and an open request for the same case, duty and
respondent is named before another one is filed (pages and API)."""
import re
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import duty, make_case, make_work_order, user
from tests.test_api_support import _fresh_throttles, client_for, url  # noqa: F401
from workorders.models import Status, WorkOrder

pytestmark = pytest.mark.django_db

ALREADY = "此表单已提交"          # "This form was already submitted"
DUPLICATE = "已有相同的未办结请求"  # "An identical open request already exists"


def _respondent(case):
    return case.parties.filter(role="respondent").first()


def _token(client, case):
    page = client.get(reverse("workorders:new"), {"case": case.pk}).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, "the form carries a one-time token"
    return found.group(1)


def _body(case, token, **extra):
    return {"case": case.pk, "respondent": _respondent(case).pk, "duty": duty("L01").pk, "type": "",
            "subject": "", "details": "请查询户籍", "intent": "submit", "form_token": token, **extra}


def test_the_back_button_does_not_file_a_second_copy(client, judge, case):
    client.force_login(judge)
    token = _token(client, case)
    first = client.post(reverse("workorders:new"), _body(case, token))
    wo = WorkOrder.objects.get(case=case)
    assert first.status_code == 302 and first["Location"] == reverse("workorders:detail", args=[wo.pk])
    # Back, change a little (the attachments are gone by now), send again.
    again = client.post(reverse("workorders:new"), _body(case, token, details="", intent="draft"))
    html = again.content.decode()
    assert again.status_code == 409 and ALREADY in html
    assert reverse("workorders:detail", args=[wo.pk]) in html and wo.reference in html
    assert WorkOrder.objects.filter(case=case).count() == 1


def test_a_token_from_another_user_or_tampered_files_nothing(client, judge, case):
    client.force_login(judge)
    token = _token(client, case)
    r = client.post(reverse("workorders:new"), _body(case, token[:-2] + "xx"))
    assert r.status_code == 200 and not WorkOrder.objects.exists()
    assert re.search(r'name="form_token" value="([^"]+)"', r.content.decode())   # a fresh one to go on with


@pytest.mark.django_db(transaction=True)
def test_four_parallel_posts_with_one_token_file_one_work_order(ref):
    judge = user("judge")
    case = make_case(judge=judge)
    clients = [Client() for _ in range(4)]
    for c in clients:
        c.force_login(judge)
    token = _token(clients[0], case)
    barrier = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def post(i):
        try:
            barrier.wait()
            statuses[i] = clients[i].post(reverse("workorders:new"), _body(case, token)).status_code
        except Exception as exc:  # pragma: no cover - shown in the assertion
            statuses[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert WorkOrder.objects.filter(case=case).count() == 1
    assert sorted(statuses, key=str) == [302, 409, 409, 409]


def test_the_selector_names_open_requests_for_the_same_thing(ref, judge, case):
    from workorders.selectors import open_duplicates

    submitted = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    make_work_order(case=case, judge=judge, status=Status.CLOSED)
    make_work_order(case=case, judge=judge, status=Status.WITHDRAWN)
    make_work_order(case=case, judge=judge, duty_code="L03", status=Status.SUBMITTED)
    assert list(open_duplicates(case=case, duty=duty("L01"), respondent=_respondent(case))) == [submitted]
    assert not open_duplicates(case=case, duty=duty("L01"), respondent=None).exists()
    draft = make_work_order(case=case, judge=judge, status=Status.DRAFT)
    assert set(open_duplicates(case=case, duty=duty("L01"), respondent=_respondent(case))) == {submitted, draft}


def test_an_identical_open_request_is_named_and_needs_confirmation(client, judge, case):
    existing = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    client.force_login(judge)
    token = _token(client, case)
    r = client.post(reverse("workorders:new"), _body(case, token))
    html = r.content.decode()
    assert r.status_code == 200 and DUPLICATE in html
    assert existing.reference in html and reverse("workorders:detail", args=[existing.pk]) in html
    with translation.override("zh-hans"):
        assert existing.get_status_display() in html   # its status
    assert 'name="file_anyway"' in html
    assert WorkOrder.objects.filter(case=case).count() == 1
    # Confirmed: filed, with the same token (nothing was spent by the warning).
    r = client.post(reverse("workorders:new"), _body(case, token, file_anyway="on"))
    assert r.status_code == 302 and WorkOrder.objects.filter(case=case).count() == 2


def test_a_closed_request_or_another_respondent_is_no_duplicate(client, judge, ref):
    case = make_case(judge=judge, respondents=2)
    make_work_order(case=case, judge=judge, status=Status.CLOSED)
    client.force_login(judge)
    r = client.post(reverse("workorders:new"), _body(case, _token(client, case)))
    assert r.status_code == 302
    other = case.parties.filter(role="respondent").order_by("-id").first()
    r = client.post(reverse("workorders:new"), _body(case, _token(client, case), respondent=other.pk))
    assert r.status_code == 302 and WorkOrder.objects.filter(case=case).count() == 3


def test_the_api_answers_409_unless_allow_duplicate(ref, judge, case):
    existing = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    court = client_for(judge)
    body = {"case": case.pk, "duty": duty("L01").pk, "respondent": _respondent(case).pk, "subject": "再查"}
    r = court.post(url("work-order-list"), body, format="json")
    assert r.status_code == 409, r.content
    assert existing.reference in r.json()["detail"] and "allow_duplicate" in r.json()["detail"]
    assert WorkOrder.objects.filter(case=case).count() == 1
    r = court.post(url("work-order-list"), {**body, "allow_duplicate": True}, format="json")
    assert r.status_code == 201 and WorkOrder.objects.filter(case=case).count() == 2


def test_a_batch_confirmation_files_once_even_after_the_cache_forgot_it(client, judge, ref):
    """The batch page's token guarded only in the cache (6 h, lost on a Redis
    restart): the back button later filed the whole batch again."""
    from django.core.cache import cache

    from workorders.models import WorkOrderBatch

    case = make_case(judge=judge)
    client.force_login(judge)
    response = client.post(reverse("workorders:batch_new"), {
        "cases": [case.pk], "case_numbers": "", "respondents": "each", "duties": [duty("L01").pk],
        "type": "", "subject": "批量查询"})
    form = response.context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    created = client.post(reverse("workorders:batch_create"), data)
    batch = WorkOrderBatch.objects.get()
    cache.clear()
    again = client.post(reverse("workorders:batch_create"), data)
    assert WorkOrderBatch.objects.count() == 1 and WorkOrder.objects.count() == 1
    assert again.status_code == 302 and again["Location"] == created["Location"] == reverse(
        "workorders:batch_detail", args=[batch.pk])
