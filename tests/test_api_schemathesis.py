"""Schemathesis against the live schema, in-process over WSGI: every
operation, a bounded number of generated requests each, as an agency API key
and as a judge's browser session. No 5xx, and every response conforms to the
schema (status code, content type, headers, body).

Half of the generated ids are swapped for ids of real objects the caller may
see, so the actions run against real work orders, not only 404s."""
import pytest
import schemathesis
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_case, make_work_order, user
from tests.test_api_support import _fresh_throttles, client_for, issue_key  # noqa: F401
from workorders.models import Attachment, Status

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 10


def _load_schema():
    from enforcement_hub.wsgi import application

    # Served by the app itself; the schema view touches no database.
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: in-process requests share the test's
    connection and transaction, so the handler must not close it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def objects(ref):
    judge = user("judge")
    case = make_case(court_code="津0105", judge=judge)
    wos = [make_work_order(case=case, judge=judge, status=s)
           for s in (Status.DRAFT, Status.SUBMITTED, Status.SIGNED, Status.ANSWERED, Status.RETURNED)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_api_support import PDF
    from workorders import services

    services._save_attachments(wos[1], judge, [SimpleUploadedFile("文书.pdf", PDF)], "request")
    return {
        "work-orders": [w.pk for w in wos], "cases": [case.pk],
        "attachments": list(Attachment.objects.values_list("pk", flat=True)),
    }


def _auth(who):
    if who == "api_key":
        return {"Authorization": f"Api-Key {issue_key('PSB').raw}"}, {}
    c = client_for(user("judge"))
    token = _get_new_csrf_string()
    return {"X-CSRFToken": token}, {"sessionid": c.cookies["sessionid"].value, "csrftoken": token}


def _real_id(case, objects):
    """Swap a generated id for a real one half of the time."""
    params = case.path_parameters or {}
    if "id" not in params or not isinstance(params["id"], int) or params["id"] % 2:
        return
    for prefix, pks in objects.items():
        if case.path.startswith(f"/api/v1/{prefix}/") and pks:
            params["id"] = pks[params["id"] // 2 % len(pks)]


HYPOTHESIS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _run(case, who, objects):
    headers, cookies = _auth(who)
    _real_id(case, objects)
    response = case.call(headers=headers, cookies=cookies)
    case.validate_response(response, checks=CHECKS, headers=headers)


@schema.parametrize()
@HYPOTHESIS
def test_as_agency_api_key(case, objects, _keep_the_test_connection):
    _run(case, "api_key", objects)


@schema.parametrize()
@HYPOTHESIS
def test_as_judge_session(case, objects, _keep_the_test_connection):
    _run(case, "judge_session", objects)
