"""The parts every API request pays for: the per-key throttle (an atomic Redis
counter), the key lookup, and the orjson renderer (DRF's bytes, faster)."""
import datetime as dt
import decimal
import threading
import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy, override
from rest_framework.renderers import JSONRenderer

from api import selectors, throttles
from api.models import ApiKey
from api.renderers import OrjsonRenderer
from tests.test_api_support import _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders.deadlines import SHANGHAI


def _throttle(rate, key_pk=1, now=1_000_000.0):
    t = throttles.ApiKeyThrottle()
    t.get_rate = lambda: rate
    t.timer = lambda: now
    return t, SimpleNamespace(auth=ApiKey(pk=key_pk), user=None)


def test_concurrent_requests_never_exceed_the_budget():
    """Eight workers racing for one key's budget: exactly the budget gets through
    (a read-modify-write history, as in DRF's SimpleRateThrottle, can lose updates)."""
    allowed, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(25):
            t, request = _throttle("50/min")
            allowed.append(t.allow_request(request, None))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(allowed) == 200 and sum(allowed) == 50


def test_budget_is_per_key_and_resets_with_the_window():
    for _ in range(3):
        t, r = _throttle("3/min", key_pk=7, now=600.0)
        assert t.allow_request(r, None)
    t, r = _throttle("3/min", key_pk=7, now=619.5)
    assert not t.allow_request(r, None) and t.wait() == 41  # the minute ends at 660
    t, r = _throttle("3/min", key_pk=8, now=619.5)
    assert t.allow_request(r, None)  # another key has its own budget
    t, r = _throttle("3/min", key_pk=7, now=660.0)
    assert t.allow_request(r, None)  # a new minute


def test_without_redis_the_cache_counts(settings):
    """The embedded default (no REDIS_URL) counts through Django's cache."""
    settings.REDIS_URL = ""
    assert throttles._redis() is None
    results = []
    for _ in range(4):
        t, r = _throttle("3/min", key_pk=9)
        results.append(t.allow_request(r, None))
    assert results == [True, True, True, False]


def test_a_key_whose_service_user_is_deactivated_is_refused(ref):
    issued = issue_key()
    c = client_for(key=issued.raw)
    assert c.get(url("me")).status_code == 200
    get_user_model().objects.filter(pk=issued.api_key.user_id).update(is_active=False)
    assert c.get(url("me")).status_code == 401


def test_key_lookup_returns_the_key_with_its_user_in_one_query(ref, django_assert_num_queries):
    issued = issue_key()
    with django_assert_num_queries(1):
        key = selectors.active_api_key(issued.raw)
        assert key.pk == issued.api_key.pk and key.agency_id == issued.api_key.agency_id
        assert key.user.pk == issued.api_key.user_id and key.user.is_active
    assert selectors.active_api_key(issued.raw + "x") is None
    assert selectors.active_api_key("eh_short") is None


PAYLOAD = {
    "text": "（2026）津0105执123号 — 张伟\u2028line",
    "lazy": gettext_lazy("Submitted"),
    "utc": dt.datetime(2026, 10, 8, 1, 2, 3, 456789, tzinfo=dt.timezone.utc),
    "local": dt.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI),
    "date": dt.date(2026, 10, 10),
    "time": dt.time(9, 30, 0, 120000),
    "decimal": decimal.Decimal("12.50"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "numbers": [0, -1, 2**40, 1.5, True, False, None],
    "nested": {"rows": [{"id": 1, "tags": ("a", "b")}], 3: "int key"},
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_orjson_renderer_writes_drfs_bytes(lang):
    with override(lang):
        assert OrjsonRenderer().render(PAYLOAD) == JSONRenderer().render(PAYLOAD)
    assert OrjsonRenderer().render(None) == b""
    # A client asking for indentation gets DRF's pretty output.
    assert OrjsonRenderer().render(PAYLOAD, "application/json; indent=2") == \
        JSONRenderer().render(PAYLOAD, "application/json; indent=2")


def test_a_work_order_page_renders_as_drf_would(ref, judge, case):
    from tests.factories import make_work_order
    from workorders.models import Status

    for _ in range(3):
        make_work_order(case=case, judge=judge, duty_code="L01", status=Status.SUBMITTED)
    r = client_for(key=issue_key("PSB").raw).get(url("work-order-list"))
    assert r.status_code == 200 and len(r.data["results"]) == 3
    assert r.content == JSONRenderer().render(r.data)


def test_with_redis_down_the_api_still_answers(ref, settings, caplog):
    """Nothing on a key's request path needs Redis but the throttle: it lets the
    request through and says so, rather than failing every agency call."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    t, r = _throttle("1/min", key_pk=11)
    assert t.allow_request(r, None) and t.allow_request(r, None)
    c = client_for(key=issue_key().raw)
    assert c.get(url("me")).status_code == 200
    assert "Redis unreachable" in caplog.text
