"""Upload limits are enforced while the body is read, not after it is on disk.

MAX_UPLOAD_MB per file, MAX_UPLOAD_FILES files per request, MAX_REQUEST_MB for
the whole body. A request that breaks one is cut short by the upload handler
(workorders/uploads.py); the page answers with a translated form error and the
API with a 413, and nothing is created: no work order, no attachment, no file.

The body is fed through a counting stream, so the tests measure how much of it
the server read before it refused."""
import io

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from api.models import IdempotencyRecord
from tests.factories import duty, make_work_order
from tests.test_api_support import client_for, url  # noqa: F401
from workorders.forms import AnswerForm, ResubmitForm, WorkOrderRequestForm
from workorders.models import Attachment, Reply, Status, WorkOrder, WorkOrderEvent, private_storage

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
CHUNK = 64 * 1024          # the parser reads the body in chunks of this size
PDF_HEAD = b"%PDF-1.4\n"


@pytest.fixture(autouse=True)
def disks(monkeypatch, tmp_path, settings):
    """Attachments and the parser's temporary files each in a folder of their own."""
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    return {"private": tmp_path / "private", "spool": spool}


class CountingInput(io.BytesIO):
    """wsgi.input that remembers how far the server read."""

    @property
    def consumed(self):
        return self.tell()


class NamedBytes(io.BytesIO):
    def __init__(self, name, data):
        super().__init__(data)
        self.name = name


def pdf(name="文书.pdf", size=300):
    return NamedBytes(name, PDF_HEAD + b"x" * max(0, size - len(PDF_HEAD)))


def post_streamed(client, path, fields, **extra):
    """POST a multipart body through a counting wsgi.input; returns (response, input)."""
    body = encode_multipart(BOUNDARY, fields)
    stream = CountingInput(body)
    response = client.generic("POST", path, b"", content_type=MULTIPART_CONTENT, **{
        "CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body)), "wsgi.input": stream}, **extra)
    return response, stream


def csrf_client(user):
    """A browser-like client: CSRF enforced, token taken from the cookie."""
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.get(reverse("workorders:new"))
    return c, c.cookies["csrftoken"].value


def request_fields(token, case, files):
    # In the order a browser sends them: the token first, the file input last.
    return {"csrfmiddlewaretoken": token, "case": case.pk, "duty": duty("L01").pk,
            "subject": "查询户籍", "details": "请协助", "attachments": files, "intent": "submit"}


def assert_nothing_created(disks):
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()
    assert not any(disks["private"].rglob("*")) if disks["private"].exists() else True
    assert not any(disks["spool"].iterdir()), "a spooled upload was left on disk"


# ---------------------------------------------------------------- pages: one file too big

def test_a_file_over_the_limit_is_cut_off_near_the_limit(judge, case, settings, disks):
    settings.MAX_UPLOAD_MB = 1
    client, token = csrf_client(judge)
    response, body = post_streamed(client, reverse("workorders:new"),
                                   request_fields(token, case, [pdf("大文件.pdf", 5 * MB)]))
    html = response.content.decode()
    assert response.status_code == 200
    # Before the handler the whole 5 MB body was read (and spooled) before refusal.
    assert body.consumed <= 1 * MB + 2 * CHUNK, f"read {body.consumed} bytes of {len(body.getvalue())}"
    assert "大文件.pdf" in html and "1 MB" in html and "未保存" in html
    assert "查询户籍" in html            # what the judge typed is still on the form
    assert_nothing_created(disks)


def test_files_completed_before_the_cut_are_not_kept(judge, case, settings, disks):
    """Two good files, then one too big: the request is refused whole, and the
    two spooled files are gone with it."""
    settings.MAX_UPLOAD_MB = 1
    client, token = csrf_client(judge)
    files = [pdf("甲.pdf", MB - 10), pdf("乙.pdf", MB - 10), pdf("丙.pdf", 3 * MB)]
    response, body = post_streamed(client, reverse("workorders:new"), request_fields(token, case, files))
    assert response.status_code == 200 and "丙.pdf" in response.content.decode()
    assert body.consumed <= 3 * MB + 2 * CHUNK
    assert_nothing_created(disks)


def test_the_refusal_speaks_the_users_language(judge, case, settings, disks):
    settings.MAX_UPLOAD_MB = 1
    client, token = csrf_client(judge)
    response, _ = post_streamed(client, reverse("workorders:new"),
                                request_fields(token, case, [pdf("big.pdf", 2 * MB)]), HTTP_ACCEPT_LANGUAGE="en")
    assert "“big.pdf” is larger than 1 MB" in response.content.decode()
    assert_nothing_created(disks)


def test_a_file_at_the_limit_is_accepted(judge, case, settings, disks):
    settings.MAX_UPLOAD_MB = 1
    client, token = csrf_client(judge)
    response, body = post_streamed(client, reverse("workorders:new"),
                                   request_fields(token, case, [pdf("正好.pdf", 1 * MB)]))
    assert response.status_code == 302
    assert Attachment.objects.get().size == 1 * MB
    assert body.consumed == len(body.getvalue())


def test_a_request_over_max_request_mb_is_refused_before_its_files_are_read(judge, case, settings, disks):
    settings.MAX_REQUEST_MB = 2
    client, token = csrf_client(judge)
    files = [pdf("甲.pdf", MB), pdf("乙.pdf", MB), pdf("丙.pdf", MB)]   # each fine, 3 MB together
    response, body = post_streamed(client, reverse("workorders:new"), request_fields(token, case, files))
    html = response.content.decode()
    # Only the form's text fields ahead of the first file were read: one chunk.
    assert body.consumed <= CHUNK, f"read {body.consumed} bytes of {len(body.getvalue())}"
    assert response.status_code == 200
    assert "2 MB" in html and "未保存" in html
    assert_nothing_created(disks)


# ---------------------------------------------------------------- pages: too many files

def test_eleven_files_on_the_request_form_are_refused(judge, case, disks):
    client, token = csrf_client(judge)
    files = [pdf(f"文书{i}.pdf") for i in range(11)]
    response, body = post_streamed(client, reverse("workorders:new"), request_fields(token, case, files))
    assert response.status_code == 200
    assert "最多 10 个文件" in response.content.decode()
    assert_nothing_created(disks)


def test_ten_files_on_the_request_form_are_accepted(judge, case, disks):
    client, token = csrf_client(judge)
    files = [pdf(f"文书{i}.pdf") for i in range(10)]
    response, _ = post_streamed(client, reverse("workorders:new"), request_fields(token, case, files))
    assert response.status_code == 302
    assert Attachment.objects.count() == 10


@pytest.mark.parametrize("action, status, who", [
    ("answer", Status.SIGNED, "liaison"), ("resubmit", Status.RETURNED, "judge")])
def test_eleven_files_on_an_action_form_are_refused(action, status, who, request, judge, case, disks):
    wo = make_work_order(case=case, judge=judge, status=status)
    before = (WorkOrderEvent.objects.count(), Reply.objects.count(), wo.status)
    actor = request.getfixturevalue(who)
    client = Client()
    client.force_login(actor)
    fields = {f"{action}-outcome": "found", f"{action}-result_text": "已查到", f"{action}-note": "已补充",
              f"{action}-attachments": [pdf(f"附件{i}.pdf") for i in range(11)]}
    response, _ = post_streamed(client, reverse(f"workorders:{action}", args=[wo.pk]), fields)
    assert response.status_code == 400
    assert "最多 10 个文件" in response.content.decode()
    wo.refresh_from_db()
    assert (WorkOrderEvent.objects.count(), Reply.objects.count(), wo.status) == before
    assert not Attachment.objects.exists()


def test_a_too_big_file_on_a_draft_edit_or_an_answer_changes_nothing(judge, liaison, case, settings, disks):
    settings.MAX_UPLOAD_MB = 1
    draft = make_work_order(case=case, judge=judge, status=Status.DRAFT)
    signed = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    events = WorkOrderEvent.objects.count()
    client = Client()
    client.force_login(judge)
    response, body = post_streamed(client, reverse("workorders:edit", args=[draft.pk]), {
        "case": case.pk, "duty": duty("L01").pk, "subject": "改过的事项", "attachments": [pdf("大.pdf", 3 * MB)],
        "intent": "submit"})
    assert response.status_code == 200 and "大.pdf" in response.content.decode()
    assert body.consumed <= MB + 2 * CHUNK
    client.force_login(liaison)
    response, body = post_streamed(client, reverse("workorders:answer", args=[signed.pk]), {
        "answer-outcome": "found", "answer-result_text": "已查到", "answer-attachments": [pdf("回执.pdf", 3 * MB)]})
    assert response.status_code == 400 and "回执.pdf" in response.content.decode()
    assert body.consumed <= MB + 2 * CHUNK
    draft.refresh_from_db()
    signed.refresh_from_db()
    assert (draft.status, draft.subject != "改过的事项", signed.status) == (Status.DRAFT, True, Status.SIGNED)
    assert WorkOrderEvent.objects.count() == events and not Reply.objects.exists()
    assert not Attachment.objects.exists() and not any(disks["spool"].iterdir())


@pytest.mark.parametrize("form_class, kwargs", [
    (AnswerForm, {"prefix": None}), (ResubmitForm, {"prefix": None}), (WorkOrderRequestForm, {})])
def test_every_file_field_caps_the_count_itself(form_class, kwargs, judge, settings):
    """The form refuses an 11th file even where no upload handler counted (one rule, two guards)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = MultiValueDict({"attachments": [SimpleUploadedFile(f"{i}.pdf", PDF_HEAD + b"x") for i in range(11)]})
    if form_class is WorkOrderRequestForm:
        kwargs = {"user": judge}
    if form_class is ResubmitForm:  # its respondent and removal choices come from the work order
        from tests.factories import make_case
        kwargs = {**kwargs, "work_order": make_work_order(case=make_case(judge=judge), judge=judge,
                                                          status=Status.DRAFT)}
    form = form_class({}, files, **kwargs)
    assert not form.is_valid()
    assert "最多 10 个文件" in " ".join(form.errors["attachments"])


def test_file_inputs_carry_the_limits_of_the_moment(client, judge, settings):
    settings.MAX_UPLOAD_MB = 3
    settings.MAX_UPLOAD_FILES = 4
    client.force_login(judge)
    html = client.get(reverse("workorders:new")).content.decode()
    assert 'data-max-mb="3"' in html and 'data-max-files="4"' in html
    assert 'data-upload-error-for="id_attachments"' in html
    assert "data-too-many=" in html and "data-too-large=" in html


# ---------------------------------------------------------------- API

def test_api_file_over_the_limit_is_413_and_nothing_is_created(judge, case, settings, disks):
    settings.MAX_UPLOAD_MB = 1
    api = client_for(judge)
    fields = {"case": case.pk, "duty": duty("L01").pk, "subject": "查询", "attachments": [pdf("大.pdf", 5 * MB)]}
    response, body = post_streamed(api, url("work-order-list"), fields, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 413, response.content
    data = response.json()
    assert data["code"] == "upload_too_large" and "大.pdf" in data["detail"]
    assert body.consumed <= 1 * MB + 2 * CHUNK
    assert_nothing_created(disks)


def test_api_request_over_max_request_mb_is_413(judge, case, settings, disks):
    settings.MAX_REQUEST_MB = 1
    api = client_for(judge)
    fields = {"case": case.pk, "duty": duty("L01").pk, "subject": "查询",
              "attachments": [pdf("甲.pdf", MB), pdf("乙.pdf", MB)]}
    response, body = post_streamed(api, url("work-order-list"), fields, HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert body.consumed <= CHUNK
    assert not IdempotencyRecord.objects.exists()    # refused before the view ran
    assert_nothing_created(disks)


def test_api_eleven_files_is_refused(judge, case, disks):
    api = client_for(judge)
    fields = {"case": case.pk, "duty": duty("L01").pk, "subject": "查询",
              "attachments": [pdf(f"{i}.pdf") for i in range(11)]}
    response, _ = post_streamed(api, url("work-order-list"), fields)
    assert response.status_code == 413 and response.json()["code"] == "too_many_files"
    assert_nothing_created(disks)


def test_api_with_a_session_refuses_too_when_the_csrf_check_read_the_body(judge, case, settings, disks):
    """With a session the CSRF check parses the body before DRF does; the refusal still holds."""
    from rest_framework.test import APIClient

    settings.MAX_UPLOAD_MB = 1
    browser_like, token = csrf_client(judge)
    api = APIClient(enforce_csrf_checks=True)
    api.cookies = browser_like.cookies
    fields = {"csrfmiddlewaretoken": token, "case": case.pk, "duty": duty("L01").pk, "subject": "查询",
              "attachments": [pdf("大.pdf", 3 * MB)]}
    response, body = post_streamed(api, url("work-order-list"), fields)
    assert response.status_code == 413 and response.json()["code"] == "upload_too_large"
    assert body.consumed <= MB + 2 * CHUNK
    assert_nothing_created(disks)
