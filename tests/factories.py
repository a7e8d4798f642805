"""factory_boy factories and helpers that build state through the real services."""
from datetime import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Duty, LinkageCenter
from cases.models import Court, EnforcementCase, Party
from workorders import services
from workorders.calendar import calendar_load_year
from workorders.deadlines import SHANGHAI
from workorders.demo import seed_reference, seed_users
from workorders.models import CalendarYear, Status

User = get_user_model()
TEST_CALENDAR_YEARS = (2024, 2025, 2026)


def ensure_reference():
    if not LinkageCenter.objects.exists():
        ref = seed_reference()
        seed_users(ref)
    for year in TEST_CALENDAR_YEARS:
        if not CalendarYear.objects.filter(year=year).exists():
            calendar_load_year(year=year)
    return {
        "courts": {c.code: c for c in Court.objects.all()},
        "duties": {d.code: d for d in Duty.objects.select_related("agency")},
    }


def user(username):
    return User.objects.get(username=username)


def duty(code):
    return Duty.objects.select_related("agency").get(code=code)


def at(text):
    """An aware Asia/Shanghai datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnforcementCase

    number = factory.Sequence(lambda n: f"（2026）津0105执{5000 + n}号")
    court = factory.LazyFunction(lambda: Court.objects.get(code="津0105"))
    cause = "民间借贷纠纷"
    amount = Decimal("100000.00")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    role = Party.Role.RESPONDENT
    kind = Party.Kind.PERSON
    name = factory.Sequence(lambda n: f"被执行人{n}")
    id_number = factory.Sequence(lambda n: f"12010519800101{n % 10000:04d}")


_case_serial = iter(range(1, 10**9))


def make_case(*, court_code="津0105", judge=None, respondents=1):
    n = next(_case_serial)
    case = CaseFactory(number=f"（2026）{court_code}执{9000 + n}号",
                       court=Court.objects.get(code=court_code), judge=judge)
    PartyFactory(case=case, role=Party.Role.APPLICANT, kind=Party.Kind.COMPANY, name="申请人公司")
    for _ in range(respondents):
        PartyFactory(case=case)
    return case


def make_work_order(*, case, judge, duty_code="L01", status=Status.SUBMITTED, now=None,
                    agency_user=None, type=None):
    """A work order driven through the services to `status`."""
    now = now or timezone.now()
    d = duty(duty_code)
    respondent = case.parties.filter(role=Party.Role.RESPONDENT).first()
    wo = services.work_order_create(actor=judge, case=case, duty=d, respondent=respondent,
                                    subject=f"{d.name}：{respondent.name}", details="请协助", type=type)
    if status == Status.DRAFT:
        return wo
    services.work_order_submit(work_order=wo, actor=judge, now=now)
    agency_user = agency_user or d.agency.memberships.filter(role="liaison").first().user
    if status == Status.SIGNED or status in (Status.ANSWERED, Status.CLOSED):
        services.work_order_sign(work_order=wo, actor=agency_user, now=now)
    if status == Status.RETURNED:
        services.work_order_return(work_order=wo, actor=agency_user, reason="请补充", now=now)
    if status in (Status.ANSWERED, Status.CLOSED):
        services.work_order_answer(work_order=wo, actor=agency_user, outcome="found", result_text="已查到", now=now)
    if status == Status.CLOSED:
        services.work_order_accept(work_order=wo, actor=judge, now=now)
    if status == Status.WITHDRAWN:
        services.work_order_withdraw(work_order=wo, actor=judge, reason="当事人已履行", now=now)
    wo.refresh_from_db()
    return wo
