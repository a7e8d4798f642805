"""Demo data: the Tianjin reference data, one user per role and ~300 cases with
work orders in every state. Idempotent: a second run changes nothing."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyMembership, CenterMembership, Duty, LinkageCenter
from agencies.reference_data import AGENCIES, CITY_CENTER, COURTS, DISTRICT_CENTERS, DUTIES
from cases.models import Court, EnforcementCase, JudgeMembership, Party

from . import services
from .models import EscalationRule, SlaPolicy, Status, WorkOrder

User = get_user_model()
DEFAULT_DEMO_PASSWORD = "Demo@2026"
DEMO_CASES = 300


def demo_password() -> str:
    return settings.DEMO_PASSWORD or DEFAULT_DEMO_PASSWORD


@transaction.atomic
def seed_reference() -> dict:
    """Centers, agencies, duties, courts, deadline policies and escalation rules."""
    centers = {}
    for code, name, level, parent in [CITY_CENTER, *DISTRICT_CENTERS]:
        centers[code], _ = LinkageCenter.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": centers.get(parent)})
    agencies = {}
    for code, name, short, kind in AGENCIES:
        agencies[code], _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short, "kind": kind, "center": centers["TJ"]})
    for code, agency, area, type_, name in DUTIES:
        Duty.objects.update_or_create(
            code=code, defaults={"agency": agencies[agency], "area": area, "default_type": type_, "name": name})
    courts = {}
    for code, name, level, parent, center in COURTS:
        courts[code], _ = Court.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": courts.get(parent),
                                 "center": centers[center]})
    for type_, days in SlaPolicy.DEFAULTS.items():
        SlaPolicy.objects.get_or_create(type=type_, defaults={"working_days": days})
        EscalationRule.objects.get_or_create(type=type_)
    return {"centers": centers, "agencies": agencies, "courts": courts}


def _user(username, first_name, *, superuser=False):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "email": f"{username}@demo.enforcement-hub.local",
                  "is_staff": superuser, "is_superuser": superuser})
    if created:
        user.set_password(demo_password())
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_users(ref) -> dict:
    a, c, centers = ref["agencies"], ref["courts"], ref["centers"]
    users = {
        "admin": _user("admin", "系统管理员", superuser=True),
        "center": _user("center", "联动中心管理员"),
        "supervisor": _user("supervisor", "督办员"),
        "judge": _user("judge", "王法官"),
        "judge2": _user("judge2", "李法官"),
        "judge3": _user("judge3", "赵法官"),
        "judge4": _user("judge4", "孙法官"),
        "liaison": _user("liaison", "公安联络员张警官"),
        "head": _user("head", "公安局分管领导"),
        "liaison2": _user("liaison2", "不动产登记联络员刘科长"),
    }
    CenterMembership.objects.get_or_create(user=users["center"], center=centers["TJ"], role=CenterMembership.Role.ADMIN)
    CenterMembership.objects.get_or_create(user=users["supervisor"], center=centers["TJ"], role=CenterMembership.Role.SUPERVISOR)
    for name, court in [("judge", "津0105"), ("judge2", "津0101"), ("judge3", "津0103"), ("judge4", "津01")]:
        JudgeMembership.objects.get_or_create(user=users[name], court=c[court])
    AgencyMembership.objects.get_or_create(user=users["liaison"], agency=a["PSB"], role=AgencyMembership.Role.LIAISON)
    AgencyMembership.objects.get_or_create(user=users["head"], agency=a["PSB"], role=AgencyMembership.Role.HEAD)
    AgencyMembership.objects.get_or_create(user=users["liaison2"], agency=a["PLAN"], role=AgencyMembership.Role.LIAISON)
    for code, agency in a.items():
        if code in ("PSB", "PLAN"):
            continue
        u = _user(f"liaison_{code.lower()}", f"{agency.short_name}联络员")
        AgencyMembership.objects.get_or_create(user=u, agency=agency, role=AgencyMembership.Role.LIAISON)
        users[f"liaison_{code.lower()}"] = u
    return users


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红海燕宏"
TRADES = ["商贸", "建筑工程", "物流", "餐饮管理", "科技", "房地产开发", "机械制造", "装饰", "汽车销售", "食品"]
CAUSES = ["民间借贷纠纷", "买卖合同纠纷", "建设工程施工合同纠纷", "劳动争议", "金融借款合同纠纷",
          "租赁合同纠纷", "机动车交通事故责任纠纷", "离婚后财产纠纷", "追索劳动报酬纠纷"]


def _id_number(rng, region="120105"):
    birth = datetime(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(100, 999)}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(ch) * w for ch, w in zip(body, weights)) % 11]
    return body + check


def _credit_code(rng):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91120105" + "".join(rng.choice(alphabet) for _ in range(10))


def _party(rng, case, role):
    if rng.random() < 0.4:
        name = f"天津市{rng.choice('津海河滨和平南开北辰东丽西青')}{rng.choice(TRADES)}有限公司"
        return Party(case=case, role=role, kind="company", name=name, id_number=_credit_code(rng),
                     address=f"天津市河北区{rng.choice('中山路金钟河大街建国道胜利路')}{rng.randrange(1, 300)}号")
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Party(case=case, role=role, kind="person", name=name, id_number=_id_number(rng),
                 address=f"天津市{rng.choice(['和平区', '河西区', '河北区', '南开区'])}{rng.randrange(1, 99)}号楼")


def _working_hour(rng, day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(
        hours=rng.randrange(8, 18), minutes=rng.randrange(0, 60)))


def seed_cases(ref, users, *, count=DEMO_CASES, now=None) -> int:
    """Cases and work orders, driven through the real services with back-dated
    times. Skipped for a case number that already exists. Returns cases created."""
    rng = random.Random(2024)
    now = now or timezone.now()
    courts = ref["courts"]
    plan = [("judge", "津0105", 0.40), ("judge2", "津0101", 0.30), ("judge3", "津0103", 0.20),
            ("judge4", "津01", 0.10)]
    duties = list(Duty.objects.select_related("agency"))
    liaison_of = {m.agency_id: m.user for m in AgencyMembership.objects.filter(role=AgencyMembership.Role.LIAISON).select_related("user")}
    created = 0
    serial = 0
    for judge_name, court_code, share in plan:
        for i in range(round(count * share)):
            serial += 1
            year = 2026 if i % 3 else 2025
            number = f"（{year}）{court_code}执{1000 + serial}号"
            if EnforcementCase.objects.filter(number=number).exists():
                continue
            with transaction.atomic():
                case = EnforcementCase.objects.create(
                    number=number, court=courts[court_code], judge=users[judge_name],
                    cause=rng.choice(CAUSES), amount=Decimal(rng.randrange(5_000, 5_000_000)),
                    filed_on=(now - timedelta(days=rng.randrange(30, 400))).date())
                Party.objects.bulk_create(
                    [_party(rng, case, "applicant")] + [_party(rng, case, "respondent")
                                                        for _ in range(rng.choice((1, 1, 2)))])
                respondents = list(case.parties.filter(role=Party.Role.RESPONDENT))
                for _ in range(rng.choice((1, 1, 2))):
                    _demo_work_order(rng, case, users[judge_name], rng.choice(respondents),
                                     rng.choice(duties), liaison_of, users, now)
            created += 1
    return created


EXTENSION = "extension"  # a demo scenario, not a status: signed with a pending extension request


def _demo_work_order(rng, case, judge, respondent, duty, liaison_of, users, now):
    liaison = liaison_of[duty.agency_id]
    subject = f"{duty.name}：{respondent.name}"
    target = rng.choices(
        [Status.DRAFT, Status.SUBMITTED, Status.SIGNED, Status.RETURNED, Status.ANSWERED, Status.CLOSED,
         Status.WITHDRAWN, EXTENSION],
        weights=[4, 18, 20, 5, 14, 30, 4, 5])[0]
    # Open work orders are mostly recent, so only some of them are overdue.
    back = rng.randrange(0, 8) if target in (Status.SUBMITTED, Status.SIGNED, EXTENSION) and rng.random() < 0.75 \
        else rng.randrange(0, 35)
    day = (now - timedelta(days=back)).date()
    t = min(_working_hour(rng, day), now - timedelta(minutes=30))
    wo = services.work_order_create(actor=judge, case=case, duty=duty, respondent=respondent, now=t,
                                    subject=subject, details=f"请协助{duty.name}。案由：{case.cause}。")
    if target == Status.DRAFT:
        return wo
    services.work_order_submit(work_order=wo, actor=judge, now=t)
    if target == Status.SUBMITTED:
        return wo
    if target == Status.WITHDRAWN:
        services.work_order_withdraw(work_order=wo, actor=judge, reason="当事人已自动履行", now=t + timedelta(hours=3))
        return wo
    t_sign = min(t + timedelta(hours=rng.randrange(1, 20)), now)
    services.work_order_sign(work_order=wo, actor=liaison, now=t_sign)
    if target == Status.RETURNED:
        services.work_order_return(work_order=wo, actor=liaison, reason="请补充被执行人身份证号码及生效法律文书",
                                   now=min(t_sign + timedelta(hours=2), now))
        return wo
    if target == EXTENSION:
        services.extension_request(work_order=wo, actor=liaison, days=rng.choice((2, 3, 5)),
                                   reason="需调取历史档案，请求延长办理期限")
        return wo
    if target == Status.SIGNED:
        return wo
    wo.refresh_from_db()
    t_answer = min(t_sign + timedelta(hours=rng.randrange(2, 24 * 8)), now)
    outcome = rng.choices(["found", "partly_found", "not_found", "cannot_assist"], weights=[50, 20, 25, 5])[0]
    services.work_order_answer(work_order=wo, actor=liaison, outcome=outcome, now=t_answer,
                               result_text=result_text(outcome, respondent.name))
    if target == Status.CLOSED:
        services.work_order_accept(work_order=wo, actor=judge, now=min(t_answer + timedelta(hours=5), now))
    return wo


# What a liaison would write for each outcome; the outcome itself is shown by its label.
RESULT_TEXTS = {
    "found": "经查询，{name}名下有相关登记信息，具体情况详见附件。",
    "partly_found": "经查询，{name}名下部分信息已查到并附后，其余事项本单位未查到记录。",
    "not_found": "经查询，本单位系统中未发现{name}名下的相关登记信息。",
    "cannot_assist": "该事项不属于本单位职责范围，无法协助办理，建议向有关主管单位申请。",
}


def result_text(outcome: str, name: str) -> str:
    return RESULT_TEXTS[outcome].format(name=name)


def seed_demo(*, cases=DEMO_CASES, stdout=None) -> dict:
    ref = seed_reference()
    users = seed_users(ref)
    created = seed_cases(ref, users, count=cases)
    counts = dict(
        agencies=Agency.objects.count(), duties=Duty.objects.count(), courts=Court.objects.count(),
        cases=EnforcementCase.objects.count(), work_orders=WorkOrder.objects.count(),
        overdue=WorkOrder.objects.overdue(timezone.now()).count(),
        users=User.objects.count(), cases_created=created,
    )
    return counts
