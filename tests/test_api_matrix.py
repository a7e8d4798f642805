"""The API permission matrix, as data: every route under /api/v1/ × every role
× every method, against objects of the caller's own side and of the other
side. A route missing from the table fails `test_every_route_is_in_the_matrix`.

Roles: judge (court 津0105), judge2 (津0101), liaison and head (police PSB),
liaison2 (land registry PLAN), center (center admin), supervisor, an API key
of PSB and one of PLAN, and anonymous.

The never-submitted state: a draft to PLAN with its legal document, withdrawn
before submission (`j1_unsent` on `case_unsent`), is the judge's alone; every
other role gets 404 on every route that names it and never finds it in a list."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from notifications.services import notify
from tests.factories import duty, make_case, make_work_order, user
from tests.test_api_support import PDF, _fresh_throttles, client_for, issue_key, url  # noqa: F401
from workorders import services
from workorders.models import Status
from workorders.transitions import TRANSITIONS, Action, Side

ROLES = ["judge", "judge2", "liaison", "liaison2", "head", "center", "supervisor", "key_psb", "key_plan",
         "anonymous"]
PERSONAS = {"judge", "judge2", "liaison", "liaison2", "head", "center", "supervisor"}

# The work order each role may not see (another court's, another agency's, or a draft).
FOREIGN_WO = {"judge": "j2_psb", "judge2": "j1_psb", "liaison": "j1_plan", "head": "j1_plan",
              "key_psb": "j1_plan", "liaison2": "j1_psb", "key_plan": "j1_psb", "center": "j1_draft",
              "supervisor": "j1_draft", "anonymous": "j1_psb"}
# One it may see.
OWN_WO = {"judge": "j1_psb", "judge2": "j2_psb", "liaison": "j1_psb", "head": "j1_psb", "key_psb": "j1_psb",
          "liaison2": "j1_plan", "key_plan": "j1_plan", "center": "j1_psb", "supervisor": "j1_psb",
          "anonymous": "j1_psb"}
# Every work order each role sees in a list.
VISIBLE = {
    "judge": {"j1_psb", "j1_plan", "j1_draft", "j1_draft2", "j1_unsent"},
    "judge2": {"j2_psb", "j2_plan", "j2_only_plan"},
    "liaison": {"j1_psb", "j2_psb"}, "head": {"j1_psb", "j2_psb"}, "key_psb": {"j1_psb", "j2_psb"},
    "liaison2": {"j1_plan", "j2_plan", "j2_only_plan"}, "key_plan": {"j1_plan", "j2_plan", "j2_only_plan"},
    "center": {"j1_psb", "j1_plan", "j2_psb", "j2_plan", "j2_only_plan"},
    "supervisor": {"j1_psb", "j1_plan", "j2_psb", "j2_plan", "j2_only_plan"},
}
# The case each role may not see.
FOREIGN_CASE = {"judge": "case2", "judge2": "case", "liaison": "case_plan_only", "head": "case_plan_only",
                "key_psb": "case_plan_only", "liaison2": "case_draft_only", "key_plan": "case_draft_only",
                "center": "case_draft_only", "supervisor": "case_unsent", "anonymous": "case"}
# The attachment each role may not see.
FOREIGN_ATT = {"judge": "att_j2", "judge2": "att_j1", "liaison": "att_draft", "head": "att_draft",
               "key_psb": "att_draft", "liaison2": "att_j1", "key_plan": "att_j1", "center": "att_draft",
               "supervisor": "att_draft", "anonymous": "att_j1"}

ACTIONS = {  # route → (transition, a valid body)
    "work-order-submit": (Action.SUBMIT, {}),
    "work-order-resubmit": (Action.RESUBMIT, {"note": "已补充"}),
    "work-order-accept": (Action.ACCEPT, {}),
    "work-order-reopen": (Action.REOPEN, {"reason": "请补充"}),
    "work-order-withdraw": (Action.WITHDRAW, {"reason": "已履行"}),
    "work-order-sign": (Action.SIGN, {}),
    "work-order-return": (Action.RETURN, {"reason": "请补充"}),
    "work-order-answer": (Action.ANSWER, {"outcome": "found", "result_text": "已查到"}),
    "work-order-request-extension": (Action.REQUEST_EXTENSION, {"days": 1, "reason": "调档"}),
    "work-order-decide-extension": (Action.DECIDE_EXTENSION, {"approve": False}),
}
SIDE_ROLES = {Side.COURT: {"judge", "judge2"}, Side.AGENCY: {"liaison", "liaison2", "head", "key_psb", "key_plan"},
              Side.CENTER: {"center"}}
REFERENCE = ["agency-list", "agency-detail", "duty-list", "duty-detail", "court-list", "court-detail",
             "calendar-days", "due-date", "me"]
# Every route and the methods it answers; everything else is 405.
ROUTES = {
    "work-order-list": {"GET", "POST"}, "work-order-detail": {"GET"},
    **{name: {"POST"} for name in ACTIONS},
    "case-list": {"GET"}, "case-detail": {"GET"},
    "attachment-detail": {"GET"}, "attachment-download": {"GET"},
    "notification-list": {"GET"}, "notification-detail": {"GET"}, "notification-mark-read": {"POST"},
    "scorecards": {"GET"},
    **{name: {"GET"} for name in REFERENCE},
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _v1_route_names():
    names = set()

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and prefix.startswith("api/v1/") and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_route_is_in_the_matrix():
    assert _v1_route_names() == set(ROUTES)


@pytest.fixture
def world(ref, judge, judge2):
    case, case2 = make_case(court_code="津0105", judge=judge), make_case(court_code="津0101", judge=judge2)
    w = {"case": case, "case2": case2}
    w["j1_psb"] = make_work_order(case=case, judge=judge, duty_code="L01")
    w["j1_plan"] = make_work_order(case=case, judge=judge, duty_code="P01")
    w["j1_draft"] = make_work_order(case=case, judge=judge, duty_code="L02", status=Status.DRAFT)
    w["j2_psb"] = make_work_order(case=case2, judge=judge2, duty_code="L01")
    w["j2_plan"] = make_work_order(case=case2, judge=judge2, duty_code="P01")
    w["case_plan_only"] = make_case(court_code="津0101", judge=judge2)
    w["j2_only_plan"] = make_work_order(case=w["case_plan_only"], judge=judge2, duty_code="P02")
    w["case_draft_only"] = make_case(court_code="津0105", judge=judge)
    # Its only work order is a draft: no agency sees the case.
    w["j1_draft2"] = make_work_order(case=w["case_draft_only"], judge=judge, duty_code="P01", status=Status.DRAFT)
    # Never submitted, withdrawn: "wrong agency". Its case has no other work order.
    w["case_unsent"] = make_case(court_code="津0105", judge=judge)
    w["j1_unsent"] = services.work_order_create(
        actor=judge, case=w["case_unsent"], duty=duty("P01"), respondent=w["case_unsent"].parties.last(),
        subject="错发", attachments=[SimpleUploadedFile("att_unsent.pdf", PDF)], submit=False)
    services.work_order_withdraw(work_order=w["j1_unsent"], actor=judge, reason="错发单位")
    w["att_unsent"] = w["j1_unsent"].attachments.get()
    for name, wo in (("att_j1", w["j1_psb"]), ("att_j2", w["j2_psb"]), ("att_draft", w["j1_draft"])):
        wo_judge = wo.judge
        services._save_attachments(wo, wo_judge, [SimpleUploadedFile(f"{name}.pdf", PDF)], "request")
        w[name] = wo.attachments.get()
    w["note_judge"] = _notice(judge)
    w["note_liaison"] = _notice(user("liaison"))
    return w


def _notice(recipient):
    notify(recipients=[recipient], kind="assigned", title="测试通知")
    return recipient.notifications.latest("id")


@pytest.fixture
def clients(ref):
    out = {name: client_for(user(name)) for name in PERSONAS}
    out["key_psb"] = client_for(key=issue_key("PSB").raw)
    out["key_plan"] = client_for(key=issue_key("PLAN", "不动产登记系统").raw)
    out["anonymous"] = client_for()
    return out


def _call(client, method, path, body=None):
    return getattr(client, method.lower())(path, body if body is not None else {}, format="json")


def _args_for(route, role, w, which):
    """Path args for a route, for the role's foreign or own object."""
    if route.startswith("work-order-") and route != "work-order-list":
        return [w[(FOREIGN_WO if which == "foreign" else OWN_WO)[role]].pk]
    if route == "case-detail":
        name = FOREIGN_CASE[role] if which == "foreign" else ("case2" if role == "judge2" else "case")
        return None if name is None else [w[name].pk]
    if route.startswith("attachment-"):
        return [w[FOREIGN_ATT[role]].pk] if which == "foreign" else [w["att_j1"].pk]
    if route == "notification-detail":
        mine = "note_liaison" if role == "liaison" else "note_judge"
        other = "note_judge" if role == "liaison" else "note_liaison"
        return [w[other if which == "foreign" else mine].pk]
    if route in ("agency-detail", "duty-detail", "court-detail"):
        return [{"agency-detail": duty("L01").agency_id, "duty-detail": duty("L01").pk,
                 "court-detail": w["case"].court_id}[route]]
    return []


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_foreign_objects_and_methods(route, world, clients):
    """Anonymous → 401; another side's object → 404; a method the route does
    not have → 405; never a 5xx."""
    wrong = []
    for role in ROLES:
        c = clients[role]
        args = _args_for(route, role, world, "foreign")
        if args is None:
            continue
        path = url(route, *args)
        for method in METHODS:
            if role == "anonymous":
                expected = {401}
            elif route == "scorecards" and role in ("judge", "judge2"):
                expected = {403}  # the role check comes before the method check
            elif method not in ROUTES[route]:
                expected = {405}
            elif args and route not in ("agency-detail", "duty-detail", "court-detail"):
                expected = {404}
            else:
                expected = None  # collection routes and reference data: checked below
            body = ACTIONS.get(route, (None, {}))[1]
            r = _call(c, method, path, body)
            if r.status_code >= 500 or (expected and r.status_code not in expected):
                wrong.append((role, method, path, r.status_code, expected))
    assert not wrong


NEVER_SUBMITTED_ROUTES = sorted(r for r in ROUTES if (r.startswith("work-order-") and r != "work-order-list")
                                or r in ("case-detail", "attachment-detail", "attachment-download"))


@pytest.mark.parametrize("route", NEVER_SUBMITTED_ROUTES)
def test_never_submitted_is_out_of_reach(route, world, clients):
    """Every role but its judge: 404 on every route naming the withdrawn,
    never-submitted work order, its case or its document, whatever the method
    (405 for a method the route does not have); anonymous 401."""
    target = {"case-detail": "case_unsent", "attachment-detail": "att_unsent",
              "attachment-download": "att_unsent"}.get(route, "j1_unsent")
    path = url(route, world[target].pk)
    wrong = []
    for role in ROLES:
        for method in METHODS:
            body = ACTIONS.get(route, (None, {}))[1]
            r = _call(clients[role], method, path, body)
            if role == "anonymous":
                expected = {401}
            elif method not in ROUTES[route]:
                expected = {405}
            elif role == "judge":
                expected = {200, 403, 409}   # his own: visible, his actions follow the status
            else:
                expected = {404}
            if r.status_code not in expected:
                wrong.append((role, method, route, r.status_code, expected))
    assert not wrong


@pytest.mark.parametrize("route", sorted(ACTIONS))
def test_actions_on_visible_work_orders(route, world, clients):
    """On a work order the role sees: a role of the wrong side gets 403 before
    its body is read; the right side gets 200 or, when the status forbids it, 409."""
    action, body = ACTIONS[route]
    side = TRANSITIONS[action].side
    wrong = []
    for role in ROLES[:-1]:
        r = _call(clients[role], "POST", url(route, world[OWN_WO[role]].pk), body)
        expected = {200, 409} if role in SIDE_ROLES[side] else {403}
        if r.status_code not in expected:
            wrong.append((role, route, r.status_code, expected, r.json()))
        r = _call(clients[role], "POST", url(route, world[OWN_WO[role]].pk), {"bogus": 1})
        if role not in SIDE_ROLES[side] and r.status_code != 403:
            wrong.append((role, route, "empty body", r.status_code))
    assert not wrong


def test_details_of_visible_objects(world, clients):
    wrong = []
    for role in ROLES[:-1]:
        c = clients[role]
        for route in ("work-order-detail", "case-detail", "attachment-detail", "attachment-download",
                      "notification-detail", *REFERENCE):
            path = url(route, *_args_for(route, role, world, "own"))
            if route.startswith("attachment-") and role in ("judge2", "liaison2", "key_plan"):
                continue  # att_j1 is foreign to them; covered above
            if route == "notification-detail" and role not in ("judge", "liaison"):
                continue
            params = {"calendar-days": {"start": "2026-10-01", "end": "2026-10-08"},
                      "due-date": {"type": "query"}}.get(route, {})
            r = c.get(path, params)
            if r.status_code != 200:
                wrong.append((role, route, r.status_code))
    assert not wrong


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_lists_show_exactly_the_visible_rows(world, clients):
    by_id = {world[k].pk: k for k in world if k.startswith("j")}
    for role, visible in VISIBLE.items():
        c = clients[role]
        seen = {by_id[i] for i in _ids(c.get(url("work-order-list")))}
        assert seen == visible, role
        # Filters that try to reach other rows through relations never widen the list.
        tricks = [
            {"agency": duty("P01").agency_id}, {"agency": duty("L01").agency_id},
            {"court": world["case2"].court_id}, {"court": world["case"].court_id},
            {"case": world["case2"].pk}, {"case": world["case"].pk},
            {"case__court": world["case2"].court_id}, {"agency__center": 1}, {"case__judge": 1},
            {"court__id__in": "1,2,3,4,5"}, {"judge": user("judge2").pk}, {"status": "draft"},
            {"case_number": world["case2"].number}, {"updated_since": "2000-01-01T00:00:00Z"},
        ]
        for params in tricks:
            rows = {by_id[i] for i in _ids(c.get(url("work-order-list"), params))}
            assert rows <= visible, (role, params)
        # Sorting by a foreign relation is refused, not applied.
        for ordering in ("agency__name", "-case__court__name", "judge__username", "details"):
            assert c.get(url("work-order-list"), {"ordering": ordering}).status_code == 400


def test_case_lists(world, clients):
    expected = {
        "judge": {"case", "case_draft_only", "case_unsent"}, "judge2": {"case2", "case_plan_only"},
        "liaison": {"case", "case2"}, "key_psb": {"case", "case2"},
        "liaison2": {"case", "case2", "case_plan_only"}, "key_plan": {"case", "case2", "case_plan_only"},
        # Center staff see a case through a work order they may see: never one whose only orders never left the court.
        "center": {"case", "case2", "case_plan_only"}, "supervisor": {"case", "case2", "case_plan_only"},
    }
    by_id = {world[k].pk: k for k in world if k.startswith("case")}
    for role, names in expected.items():
        c = clients[role]
        assert {by_id[i] for i in _ids(c.get(url("case-list")))} == names, role
        for params in ({"court": world["case2"].court_id}, {"number": world["case_plan_only"].number},
                       {"court__center": 1}):
            assert {by_id[i] for i in _ids(c.get(url("case-list"), params))} <= names, (role, params)


def test_notifications_and_scorecards_stay_with_their_owner(world, clients):
    assert _ids(clients["judge2"].get(url("notification-list"))) & {world["note_judge"].pk,
                                                                     world["note_liaison"].pk} == set()
    r = clients["judge2"].post(url("notification-mark-read"), {"ids": [world["note_judge"].pk]}, format="json")
    assert r.json() == {"marked": 0}
    world["note_judge"].refresh_from_db()
    assert world["note_judge"].read_at is None
    for role, codes in (("liaison", ["PSB"]), ("key_plan", ["PLAN"]), ("head", ["PSB"])):
        rows = clients[role].get(url("scorecards")).json()["agencies"]
        assert [r["agency"]["code"] for r in rows] == codes
    for role in ("judge", "judge2"):
        assert clients[role].get(url("scorecards")).status_code == 403
