"""Fixtures and helpers shared by the API tests (imported by tests/test_api_*.py)."""
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import Agency
from api import services as api_services
from tests.factories import make_case, make_work_order
from workorders.models import Status

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle history lives in this run's own Redis db; start every test clean.
    cache.clear()
    yield


def client_for(user=None, key=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_login(user)
    if key is not None:
        c.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return c


def issue_key(agency_code="PSB", name="公安局执行联动系统"):
    return api_services.api_key_create(name=name, agency=Agency.objects.get(code=agency_code))


def pdf(name="回执.pdf"):
    f = io.BytesIO(PDF)
    f.name = name
    return f


def url(name, *args):
    return reverse(f"api:{name}", args=args)


@pytest.fixture
def psb_key(ref):
    return issue_key("PSB")


@pytest.fixture
def plan_key(ref):
    return issue_key("PLAN", "不动产登记系统")


@pytest.fixture
def world(ref, judge, judge2, case, case2):
    """Work orders on both sides of every boundary:
    judge's court (津0105) → PSB and → PLAN; judge2's court (津0101) → PSB and → PLAN; a draft."""
    return {
        "j1_psb": make_work_order(case=case, judge=judge, duty_code="L01", status=Status.SUBMITTED),
        "j1_plan": make_work_order(case=case, judge=judge, duty_code="P01", status=Status.SUBMITTED),
        "j1_draft": make_work_order(case=case, judge=judge, duty_code="L02", status=Status.DRAFT),
        "j2_psb": make_work_order(case=case2, judge=judge2, duty_code="L01", status=Status.SUBMITTED),
        "j2_plan": make_work_order(case=case2, judge=judge2, duty_code="P01", status=Status.SUBMITTED),
        "case": case, "case2": case2,
        "case_psb_only": _case_with(judge2, "L04"),
    }


def _case_with(judge, duty_code):
    c = make_case(court_code="津0101", judge=judge)
    make_work_order(case=c, judge=judge, duty_code=duty_code, status=Status.SUBMITTED)
    return c
