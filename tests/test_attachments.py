"""Documents: stored outside the public roots, served only through the
access-checked view, as downloads with a safe name and no sniffing."""
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Party
from tests.factories import duty
from workorders import services
from workorders.models import Attachment, Status, private_storage

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def storage_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path / "private"))
    return tmp_path / "private"


def filed(judge, case, *files, submit=True):
    return services.work_order_create(
        actor=judge, case=case, duty=duty("L01"), subject="查询",
        respondent=case.parties.filter(role=Party.Role.RESPONDENT).first(), attachments=list(files), submit=submit)


def test_download_headers(client, judge, liaison, case, storage_dir):
    wo = filed(judge, case, SimpleUploadedFile("执行裁定书（2026）.pdf", b"%PDF-1.4\n body"))
    att = wo.attachments.get()
    client.force_login(liaison)
    response = client.get(reverse("workorders:attachment", args=[att.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n body"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('执行裁定书（2026）.pdf')}" in disposition   # RFC 5987
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_ascii_name_and_unsafe_characters_are_cleaned(client, judge, case, storage_dir):
    wo = filed(judge, case, SimpleUploadedFile('../../etc/"evil";name.png', PNG))
    att = wo.attachments.get()
    assert "/" not in att.original_name and '"' not in att.original_name and ";" not in att.original_name
    assert att.original_name.endswith(".png") and att.content_type == "image/png"
    client.force_login(judge)
    response = client.get(reverse("workorders:attachment", args=[att.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{att.original_name}"'
    assert response["Content-Type"] == "image/png"


def test_files_live_outside_public_roots(judge, case, storage_dir):
    wo = filed(judge, case, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"))
    stored = Path(wo.attachments.get().file.path)
    assert storage_dir in stored.parents
    assert stored.name != "a.pdf"   # a random stored name; the original is only a column
    for public in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert Path(public) not in stored.parents
    # The real setting points outside the static roots too.
    assert Path(settings.STATIC_ROOT) not in Path(settings.PRIVATE_MEDIA_ROOT).parents
    assert not str(settings.PRIVATE_MEDIA_ROOT).startswith(str(settings.BASE_DIR / "static"))


def test_only_people_who_see_the_work_order_download(client, judge, judge2, liaison, liaison2, head, center,
                                                     case, storage_dir):
    wo = filed(judge, case, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"))
    url = reverse("workorders:attachment", args=[wo.attachments.get().pk])
    expected = {judge: 200, liaison: 200, head: 200, center: 200, judge2: 404, liaison2: 404}
    for who, status in expected.items():
        client.force_login(who)
        assert client.get(url).status_code == status, who.username
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(judge)
    assert client.get(reverse("workorders:attachment", args=[999999])).status_code == 404


def test_draft_documents_are_not_the_agencys(client, judge, liaison, case, storage_dir):
    draft = filed(judge, case, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"), submit=False)
    assert draft.status == Status.DRAFT
    client.force_login(liaison)
    assert client.get(reverse("workorders:attachment", args=[draft.attachments.get().pk])).status_code == 404


def test_reply_attachment_reaches_the_judge(client, judge, liaison, case, storage_dir):
    wo = filed(judge, case)
    services.work_order_sign(work_order=wo, actor=liaison)
    services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="见附件",
                               attachments=[SimpleUploadedFile("结果.png", PNG)])
    att = Attachment.objects.get(reply__work_order=wo)
    client.force_login(judge)
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert reverse("workorders:attachment", args=[att.pk]) in page
    assert client.get(reverse("workorders:attachment", args=[att.pk])).status_code == 200


def test_missing_file_is_a_404_not_a_crash(client, judge, case, storage_dir):
    wo = filed(judge, case, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"))
    att = wo.attachments.get()
    Path(att.file.path).unlink()
    client.force_login(judge)
    assert client.get(reverse("workorders:attachment", args=[att.pk])).status_code == 404


def test_office_documents_are_accepted_by_content(client, judge, case, storage_dir):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    client.force_login(judge)
    response = client.post(reverse("workorders:new"), {
        "case": case.pk, "duty": duty("L01").pk, "intent": "submit",
        "attachments": [SimpleUploadedFile("说明.docx", buf.getvalue())]})
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "说明.docx"


def test_files_of_a_rolled_back_upload_are_purged_after_the_grace_period(judge, case, storage_dir):
    """The file is written inside the service's transaction; when that rolls back
    the row goes and the file stays. The daily purge removes it, and only it."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from workorders.files import purge_orphan_files

    kept = filed(judge, case, SimpleUploadedFile("裁定书.pdf", b"%PDF-1.4\n kept")).attachments.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        filed(judge, case, SimpleUploadedFile("身份证.png", PNG))
        raise RuntimeError("a later step fails")
    files = sorted(p for p in storage_dir.rglob("*") if p.is_file())
    assert len(files) == 2 and Attachment.objects.count() == 1
    orphan = next(p for p in files if str(p.relative_to(storage_dir)) != kept.file.name)

    assert purge_orphan_files() == 0  # within the grace period: its transaction may still be running
    assert purge_orphan_files(now=timezone.now() + timedelta(hours=7)) == 1
    assert not orphan.exists() and not orphan.parent.exists()  # its empty folder goes too
    assert (storage_dir / kept.file.name).read_bytes() == b"%PDF-1.4\n kept"
    call_command("purge_orphan_files", "--grace-hours", "0")  # nothing left to do
    assert kept.file.storage.exists(kept.file.name)
