"""Idempotency-Key on POST actions: a retry replays the first response and
changes nothing; the same key with another body is refused; two concurrent
requests with one key execute once."""
import threading
from unittest import mock

import pytest
from django.db import connection, connections

from api.models import IdempotencyRecord
from tests.factories import duty, make_case, make_work_order, user
from tests.test_api_support import _fresh_throttles, client_for, issue_key, pdf, url  # noqa: F401
from workorders import services
from workorders.models import Attachment, EventAction, Reply, Status, WorkOrder, WorkOrderEvent


def _events(wo, action):
    return WorkOrderEvent.objects.filter(work_order=wo, action=action).count()


def test_same_key_twice_replays_and_changes_nothing(ref, judge, case):
    c = client_for(key=issue_key().raw)
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    first = c.post(url("work-order-sign", wo.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    updated = WorkOrder.objects.get(pk=wo.pk).updated_at
    again = c.post(url("work-order-sign", wo.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _events(wo, EventAction.SIGNED) == 1
    assert WorkOrder.objects.get(pk=wo.pk).updated_at == updated
    # Without a key the retry is a new request, refused by the state: 409.
    assert c.post(url("work-order-sign", wo.pk), {}, format="json").status_code == 409


def test_same_key_with_another_body_is_refused(ref, judge, case):
    c = client_for(key=issue_key().raw)
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    r = c.post(url("work-order-request-extension", wo.pk), {"days": 2, "reason": "调档"}, format="json",
               HTTP_IDEMPOTENCY_KEY="ext-1")
    assert r.status_code == 200
    r = c.post(url("work-order-request-extension", wo.pk), {"days": 5, "reason": "调档"}, format="json",
               HTTP_IDEMPOTENCY_KEY="ext-1")
    assert r.status_code == 422
    assert r.json()["code"] == "unprocessable" and "Idempotency-Key" in r.json()["detail"]
    # The same key on another endpoint is another request too.
    r = c.post(url("work-order-sign", wo.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="ext-1")
    assert r.status_code == 422
    assert wo.extensions.count() == 1 and wo.extensions.get().days == 2


def test_create_with_a_key_files_one_work_order(ref, judge, case):
    c = client_for(judge)
    body = {"case": case.pk, "duty": duty("L01").pk, "subject": "查询", "submit": True}
    r1 = c.post(url("work-order-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="file-1")
    r2 = c.post(url("work-order-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="file-1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"]
    assert WorkOrder.objects.filter(case=case).count() == 1


def test_multipart_answer_is_fingerprinted_with_its_files(ref, judge, case):
    c = client_for(key=issue_key().raw)
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    body = {"outcome": "found", "result_text": "已查到", "attachments": [pdf("a.pdf")]}
    r1 = c.post(url("work-order-answer", wo.pk), body, format="multipart", HTTP_IDEMPOTENCY_KEY="ans-1")
    r2 = c.post(url("work-order-answer", wo.pk), {**body, "attachments": [pdf("a.pdf")]}, format="multipart",
                HTTP_IDEMPOTENCY_KEY="ans-1")
    assert r1.status_code == r2.status_code == 200 and r2["Idempotent-Replayed"] == "true"
    other = pdf("a.pdf")
    other.seek(0, 2)
    other.write(b"% changed\n")
    other.seek(0)
    r3 = c.post(url("work-order-answer", wo.pk), {**body, "attachments": [other]}, format="multipart",
                HTTP_IDEMPOTENCY_KEY="ans-1")
    assert r3.status_code == 422
    assert Reply.objects.filter(work_order=wo).count() == 1
    assert Attachment.objects.filter(work_order=wo).count() == 1


def test_errors_are_results_too_but_crashes_are_not_stored(ref, judge, case):
    c = client_for(judge)
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    r = c.post(url("work-order-accept", wo.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="acc-1")
    assert r.status_code == 409
    assert c.post(url("work-order-accept", wo.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="acc-1").status_code == 409
    with mock.patch.object(services, "work_order_withdraw", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            c.post(url("work-order-withdraw", wo.pk), {"reason": "已履行"}, format="json", HTTP_IDEMPOTENCY_KEY="wd-1")
    assert not IdempotencyRecord.objects.filter(key="wd-1").exists()
    r = c.post(url("work-order-withdraw", wo.pk), {"reason": "已履行"}, format="json", HTTP_IDEMPOTENCY_KEY="wd-1")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"


def test_keys_are_per_caller(ref, judge, case):
    wo1 = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    wo2 = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    a, b = client_for(key=issue_key().raw), client_for(key=issue_key(name="另一系统").raw)
    assert a.post(url("work-order-sign", wo1.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 200
    r = b.post(url("work-order-sign", wo2.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert r.status_code == 200 and "Idempotent-Replayed" not in r


@pytest.mark.parametrize("bad", ["", " ", "x" * 256])
def test_bad_keys(ref, judge, case, bad):
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    r = client_for(judge).post(url("work-order-withdraw", wo.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY=bad)
    assert r.status_code == 400
    wo.refresh_from_db()
    assert wo.status == Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_execute_once(ref):
    """Request A holds its transaction open inside the service; B, with the same
    key, waits on the unique index, then replays A's response."""
    judge = user("judge")
    wo = make_work_order(case=make_case(court_code="津0105", judge=judge), judge=judge, status=Status.SUBMITTED)
    raw = issue_key().raw
    inside, release = threading.Event(), threading.Event()
    real_sign = services.work_order_sign

    def slow_sign(**kwargs):
        result = real_sign(**kwargs)
        inside.set()
        release.wait(10)
        return result

    results = {}

    def post(name):
        try:
            results[name] = client_for(key=raw).post(url("work-order-sign", wo.pk), {}, format="json",
                                                     HTTP_IDEMPOTENCY_KEY="race-1")
        finally:
            connections.close_all()

    with mock.patch.object(services, "work_order_sign", side_effect=slow_sign):
        a = threading.Thread(target=post, args=("a",))
        a.start()
        assert inside.wait(10)
        b = threading.Thread(target=post, args=("b",))
        b.start()
        # Poll (bounded) until B is blocked on A's uncommitted idempotency row.
        blocked = False
        for _ in range(50_000):
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                blocked = cur.fetchone()[0] > 0
            if blocked or not b.is_alive():
                break
        release.set()
        a.join(10)
        b.join(10)
    assert blocked, "B should have waited on A's row"
    assert results["a"].status_code == results["b"].status_code == 200
    assert results["a"].json() == results["b"].json()
    assert results["b"]["Idempotent-Replayed"] == "true"
    assert _events(wo, EventAction.SIGNED) == 1


@pytest.mark.django_db
def test_expired_idempotency_records_are_purged(ref, judge):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    old = IdempotencyRecord.objects.create(owner=judge, key="old", request_hash="h", method="POST", path="/x")
    fresh = IdempotencyRecord.objects.create(owner=judge, key="new", request_hash="h", method="POST", path="/x")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    call_command("purge_idempotency")
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
