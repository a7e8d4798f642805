"""Every route × every demo role × GET/POST, against objects of another court,
agency or linkage center, and against work orders sent to the role's own agency
(or under its center) that were never submitted (a draft, and a draft with its
legal document withdrawn before submission): the answer is 404 or 403 (a login
redirect for anonymous users), nothing changes, and nothing of those objects shows.

The route list comes from the URL resolver, so a new route fails
`test_every_route_has_a_factory` until someone says how to call it here.
admin/, api/, dashboards/ and i18n/ are owned and tested elsewhere."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import Agency, AgencyMembership, Duty, LinkageCenter
from cases.models import Court, EnforcementCase, JudgeMembership, Party
from notifications.models import Notification
from tests.factories import make_case, make_work_order, user
from workorders import services
from workorders.models import (
    Attachment,
    ExtensionRequest,
    Reply,
    Status,
    WorkOrder,
    WorkOrderBatch,
    WorkOrderEvent,
    private_storage,
)
from workorders.views.batch import _job_key

pytestmark = pytest.mark.django_db
User = get_user_model()

EXCLUDED = ("admin/", "api/", "dashboards/", "i18n/")
ROLES = ["judge", "judge2", "liaison", "liaison2", "head", "center", "supervisor", "anonymous"]
# Routes anyone may call; they hold no objects.
PUBLIC = {"login", "logout", "favicon"}


# ---------------------------------------------------------------- the route list

def routes(patterns=None, prefix="", namespace=""):
    """(name, pattern) of every route, namespaced, from the resolver."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if route.startswith(EXCLUDED):
            continue
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from routes(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else route), route


# ---------------------------------------------------------------- foreign worlds

@dataclass
class World:
    """Objects some roles must never reach."""
    case: EnforcementCase
    draft: WorkOrder
    submitted: WorkOrder
    signed: WorkOrder          # with a pending extension request
    answered: WorkOrder        # with a reply attachment
    returned: WorkOrder
    attachment: Attachment
    reply_attachment: Attachment
    notification: Notification
    batch: WorkOrderBatch
    token: str
    owner: object
    markers: list = field(default_factory=list)


def pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * 100, content_type="application/pdf")


def build_world(*, judge, duty_code, liaison, label) -> World:
    case = make_case(court_code=judge.judge_memberships.first().court.code, judge=judge)
    respondent = case.parties.get(role=Party.Role.RESPONDENT)
    respondent.name = f"{label}被执行人"
    respondent.save(update_fields=["name"])
    draft = make_work_order(case=case, judge=judge, duty_code=duty_code, status=Status.DRAFT)
    submitted = make_work_order(case=case, judge=judge, duty_code=duty_code)
    wo = services.work_order_create(actor=judge, case=case, duty=Duty.objects.get(code=duty_code),
                                    respondent=respondent, subject=f"{label}查询", attachments=[pdf(f"{label}文书.pdf")],
                                    submit=True)
    attachment = wo.attachments.get()
    signed = make_work_order(case=case, judge=judge, duty_code=duty_code, status=Status.SIGNED)
    services.extension_request(work_order=signed, actor=liaison, days=2, reason="调档")
    answered = make_work_order(case=case, judge=judge, duty_code=duty_code, status=Status.SIGNED)
    services.work_order_answer(work_order=answered, actor=liaison, outcome="found", result_text=f"{label}答复",
                               attachments=[pdf(f"{label}答复.pdf")])
    answered.refresh_from_db()
    returned = make_work_order(case=case, judge=judge, duty_code=duty_code, status=Status.RETURNED)
    batch = services.work_orders_create_batch(actor=judge, items=[(case, respondent, Duty.objects.get(code=duty_code),
                                                                   None)], subject=f"{label}批量")
    token = uuid.uuid4().hex   # fresh each run: the cache outlives the test database
    cache.set(_job_key(judge, token), {"state": "done", "done": 1, "total": 1, "batch": str(batch.pk)}, 600)
    notification = Notification.objects.filter(recipient=judge).first()
    return World(case=case, draft=draft, submitted=wo, signed=signed, answered=answered, returned=returned,
                 attachment=attachment, reply_attachment=Attachment.objects.get(reply__work_order=answered),
                 notification=notification, batch=batch, token=token, owner=judge,
                 markers=[case.number, respondent.name, respondent.id_number, f"{label}查询", f"{label}答复"])


def never_submitted_world(*, judge, duty_code, label, notification) -> World:
    """Work orders to an agency the role belongs to (or supervises) that never
    left the court: a draft, and a draft with its legal document withdrawn
    ("wrong agency") before submission. Every work-order slot of the world is
    the withdrawn one."""
    case = make_case(court_code=judge.judge_memberships.first().court.code, judge=judge)
    respondent = case.parties.get(role=Party.Role.RESPONDENT)
    respondent.name = f"{label}被执行人"
    respondent.save(update_fields=["name"])
    d = Duty.objects.get(code=duty_code)
    draft = services.work_order_create(actor=judge, case=case, duty=d, respondent=respondent,
                                       subject=f"{label}草稿", submit=False)
    withdrawn = services.work_order_create(actor=judge, case=case, duty=d, respondent=respondent,
                                           subject=f"{label}查询", details=f"{label}内部说明",
                                           attachments=[pdf(f"{label}文书.pdf")], submit=False)
    services.work_order_withdraw(work_order=withdrawn, actor=judge, reason="错发单位")
    withdrawn.refresh_from_db()
    assert withdrawn.submitted_at is None
    attachment = withdrawn.attachments.get()
    batch = services.work_orders_create_batch(actor=judge, items=[(case, respondent, d, None)],
                                              subject=f"{label}批量", submit=False)
    token = uuid.uuid4().hex
    cache.set(_job_key(judge, token), {"state": "done", "done": 1, "total": 1, "batch": str(batch.pk)}, 600)
    return World(case=case, draft=draft, submitted=withdrawn, signed=withdrawn, answered=withdrawn,
                 returned=withdrawn, attachment=attachment, reply_attachment=attachment,
                 notification=notification, batch=batch, token=token, owner=judge,
                 markers=[case.number, respondent.name, respondent.id_number, f"{label}查询", f"{label}草稿",
                          f"{label}内部说明"])


def outsider_world() -> World:
    """A linkage center of its own, outside every demo user's reach."""
    center = LinkageCenter.objects.create(code="XX", name="外省联动中心", level="city")
    agency = Agency.objects.create(code="XXA", name="外省公安局", short_name="外公安", kind="public_security",
                                   center=center)
    Duty.objects.create(code="XX01", name="外省查询户籍", area="locate", agency=agency, default_type="query")
    court = Court.objects.create(code="外0001", name="外省人民法院", level="basic", center=center)
    judge = User.objects.create_user("outsider", first_name="外省法官")
    liaison = User.objects.create_user("outsider_liaison", first_name="外省联络员")
    JudgeMembership.objects.create(user=judge, court=court)
    AgencyMembership.objects.create(user=liaison, agency=agency, role="liaison")
    return build_world(judge=judge, duty_code="XX01", liaison=liaison, label="外省")


# ---------------------------------------------------------------- how to call each route

@dataclass
class Call:
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


def _wo(attr):
    return lambda w: [Call(kwargs={"pk": getattr(w, attr).pk})]


def _batch_post(w):
    # The number pasted with ASCII brackets: the form may echo what was typed, not the stored number.
    typed = w.case.number.replace("（", "(").replace("）", ")")
    return [Call(data={"cases": [w.case.pk], "case_numbers": typed, "respondents": "each",
                       "duties": [w.submitted.duty_id], "subject": "越权", "type": ""})]


def _batch_create(w):
    return [Call(data={"case_ids": str(w.case.pk), "duty_ids": str(w.submitted.duty_id), "respondents": "each",
                       "type": "", "subject": "越权", "details": "", "token": "e" * 32})]


FACTORIES = {
    "home": lambda w: [Call()],
    "favicon": lambda w: [Call()],
    "login": lambda w: [Call(data={"username": "judge", "password": "wrong"})],
    "logout": lambda w: [Call()],
    "password_change": lambda w: [Call(data={"old_password": "x", "new_password1": "y", "new_password2": "z"})],
    "password_change_done": lambda w: [Call()],
    # Searches use a part of the number, so that the page echoing the search box is no leak.
    "cases:list": lambda w: [Call(query={"q": w.case.number[6:-1], "status": "", "mine": ""})],
    "cases:detail": lambda w: [Call(kwargs={"pk": w.case.pk})],
    "notifications:list": lambda w: [Call()],
    "notifications:read_all": lambda w: [Call()],
    "notifications:badge": lambda w: [Call()],
    "notifications:read": lambda w: [Call(kwargs={"pk": w.notification.pk})],
    "workorders:inbox": lambda w: [Call(query={"q": w.case.number[6:-1]}), Call(query={"tab": "done"})],
    "workorders:new": lambda w: [Call(query={"case": w.case.pk},
                                      data={"case": w.case.pk, "duty": w.submitted.duty_id, "intent": "submit"})],
    "workorders:respondent_options": lambda w: [Call(query={"case": w.case.pk})],
    "workorders:due_preview": lambda w: [Call(query={"duty": w.submitted.duty_id})],
    "workorders:batch_new": _batch_post,
    "workorders:batch_create": _batch_create,
    "workorders:batch_job": lambda w: [Call(kwargs={"token": w.token})],
    "workorders:batch_detail": lambda w: [Call(kwargs={"pk": w.batch.pk})],
    "workorders:extensions": lambda w: [Call()],
    "workorders:attachment": lambda w: [Call(kwargs={"pk": w.attachment.pk}),
                                        Call(kwargs={"pk": w.reply_attachment.pk})],
    "workorders:detail": lambda w: [Call(kwargs={"pk": w.submitted.pk}), Call(kwargs={"pk": w.draft.pk})],
    "workorders:edit": lambda w: [Call(kwargs={"pk": w.draft.pk},
                                       data={"duty": w.draft.duty_id, "subject": "改", "intent": "submit"})],
    "workorders:reveal_id": _wo("submitted"),
    "workorders:submit": _wo("draft"),
    "workorders:delete_draft": _wo("draft"),
    "workorders:sign": _wo("submitted"),
    "workorders:return": lambda w: [Call(kwargs={"pk": w.submitted.pk}, data={"return-reason": "越权"})],
    "workorders:answer": lambda w: [Call(kwargs={"pk": w.signed.pk},
                                         data={"answer-outcome": "found", "answer-result_text": "越权"})],
    "workorders:extension": lambda w: [Call(kwargs={"pk": w.submitted.pk},
                                            data={"extension-days": "3", "extension-reason": "越权"})],
    "workorders:decide": lambda w: [Call(kwargs={"pk": w.signed.pk}, data={"decide-decision": "approve"})],
    "workorders:resubmit": lambda w: [Call(kwargs={"pk": w.returned.pk}, data={"resubmit-note": "越权"})],
    "workorders:accept": _wo("answered"),
    "workorders:reopen": lambda w: [Call(kwargs={"pk": w.answered.pk}, data={"reopen-reason": "越权"})],
    "workorders:withdraw": lambda w: [Call(kwargs={"pk": w.submitted.pk}, data={"withdraw-reason": "越权"})],
}


def snapshot(world_list):
    orders = WorkOrder.objects.filter(case__in=[w.case for w in world_list]).order_by("pk")
    return (
        WorkOrder.objects.count(), WorkOrderEvent.objects.count(), Reply.objects.count(),
        Attachment.objects.count(), ExtensionRequest.objects.filter(status="pending").count(),
        WorkOrderBatch.objects.count(),
        list(orders.values_list("pk", "status", "due_at", "updated_at")),
        sorted(Notification.objects.filter(pk__in=[w.notification.pk for w in world_list])
               .values_list("pk", "read_at")),
    )


@pytest.fixture
def private_files(monkeypatch, tmp_path):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))


@pytest.fixture
def worlds(ref, private_files):
    """The foreign objects for each role: an outside center for everyone, and
    the other court's / agency's objects inside the demo center."""
    outside = outsider_world()
    judge, judge2, liaison, liaison2 = (user(n) for n in ("judge", "judge2", "liaison", "liaison2"))
    plan_by_judge2 = build_world(judge=judge2, duty_code="P01", liaison=liaison2, label="和平")
    psb_by_judge = build_world(judge=judge, duty_code="L01", liaison=liaison, label="河北")
    # Never submitted: the court's alone, even inside the role's own agency or center.
    unsent_plan = never_submitted_world(judge=judge, duty_code="P01", label="错发",
                                        notification=psb_by_judge.notification)
    unsent_psb = never_submitted_world(judge=judge, duty_code="L01", label="未发",
                                       notification=psb_by_judge.notification)
    return {
        "judge": [outside, plan_by_judge2], "liaison": [outside, plan_by_judge2, unsent_psb],
        "head": [outside, plan_by_judge2, unsent_psb],
        "judge2": [outside, psb_by_judge], "liaison2": [outside, psb_by_judge, unsent_plan],
        "center": [outside, unsent_plan], "supervisor": [outside, unsent_psb], "anonymous": [outside, psb_by_judge],
        "_all": [outside, plan_by_judge2, psb_by_judge], "_unsent": [unsent_plan, unsent_psb],
    }


# ---------------------------------------------------------------- the tests

def test_every_route_has_a_factory():
    names = {name for name, _ in routes()}
    assert names - FACTORIES.keys() == set(), "new routes need a FACTORIES entry in this test"
    assert FACTORIES.keys() - names == set(), "FACTORIES names routes that no longer exist"


def _url(name, call):
    url = reverse(name, kwargs=call.kwargs or None)
    return f"{url}?{urlencode(call.query, doseq=True)}" if call.query else url


@pytest.mark.parametrize("role", ROLES)
def test_foreign_objects_are_out_of_reach(client, worlds, role):
    mine = worlds[role]
    login = reverse("login")
    account = None if role == "anonymous" else user(role)
    failures = []
    for name, _route in sorted(routes()):
        for world in mine:
            for call in FACTORIES[name](world):
                url = _url(name, call)
                for method in ("get", "post"):
                    if account is not None:
                        client.force_login(account)   # logout/login routes end the session
                    else:
                        client.logout()
                    before = snapshot(mine)
                    response = getattr(client, method)(url, call.data if method == "post" else None)
                    after = snapshot(mine)
                    problem = _judge(role, name, call, response, login, world)
                    if before != after:
                        problem = (problem or "") + " changed data"
                    if problem:
                        failures.append(f"{role} {method.upper()} {url}: {response.status_code} {problem}")
    assert not failures, "\n".join(failures)


def _judge(role, name, call, response, login, world):
    status = response.status_code
    if role == "anonymous":
        if name in PUBLIC:
            return None if status in (200, 302, 405) else "unexpected status"
        if status == 302 and response["Location"].startswith(login):
            return None
        return "not a login redirect"
    if call.kwargs:
        # An object route with a foreign object: exactly like a missing one.
        return None if status in (403, 404) else "reached a foreign object"
    if status not in (200, 302, 400, 403, 404, 405):
        return "unexpected status"
    if status == 302 and name not in ("logout", "login", "password_change", "notifications:read_all",
                                      "workorders:batch_create"):
        return f"unexpected redirect to {response['Location']}"
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    leaked = [m for m in world.markers if m and m in body]
    return f"shows {leaked}" if leaked else None


def test_the_worlds_are_real(client, worlds):
    """The owners reach their own objects, so the 404s above mean something."""
    outside = worlds["_all"][0]
    client.force_login(outside.owner)
    for name in ("cases:detail", "workorders:detail", "workorders:attachment", "workorders:batch_detail",
                 "workorders:batch_job", "workorders:edit"):
        for call in FACTORIES[name](outside):
            assert client.get(_url(name, call)).status_code == 200, name
    for name in ("workorders:reveal_id", "workorders:accept", "notifications:read"):
        for call in FACTORIES[name](outside):
            assert client.get(_url(name, call)).status_code == 405, name
    # The never-submitted worlds are their judge's: he reaches every object.
    for unsent in worlds["_unsent"]:
        client.force_login(unsent.owner)
        for name in ("cases:detail", "workorders:detail", "workorders:attachment", "workorders:batch_detail",
                     "workorders:edit"):
            for call in FACTORIES[name](unsent):
                assert client.get(_url(name, call)).status_code == 200, name
    liaison = user("outsider_liaison")
    client.force_login(liaison)
    assert client.get(_url("workorders:detail", FACTORIES["workorders:detail"](outside)[0])).status_code == 200
    assert client.get(_url("workorders:detail", FACTORIES["workorders:detail"](outside)[1])).status_code == 404
