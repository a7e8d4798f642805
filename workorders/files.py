"""Upload checks: type by content, size limit, safe file names; and the purge
of files left behind by rolled-back uploads."""
import hashlib
import logging
import os
import re
import unicodedata
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

ALLOWED = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


def sniff(head: bytes, fileobj) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            fileobj.seek(0)
            names = set(zipfile.ZipFile(fileobj).namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            fileobj.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if any(n.startswith("xl/") for n in names):
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def safe_filename(name: str, content_type: str) -> str:
    """A name safe for a Content-Disposition header and a file system."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").split("/")[-1])
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*;]", "", name).strip(". ")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem[:100] or "file") + ALLOWED[content_type]


# The limits' messages, shared by the upload handler (uploads.py), the page
# forms and the API, so a refusal reads the same wherever it is caught.

def file_cut_message(name: str) -> str:
    return _("“%(name)s” is larger than %(limit)d MB, the most one file may be. "
             "Nothing was saved; choose a smaller file.") % {"name": name, "limit": settings.MAX_UPLOAD_MB}


def request_too_large_message() -> str:
    return _("The files sent together are larger than %(limit)d MB, the most one submission may carry. "
             "Nothing was saved; send fewer or smaller files.") % {"limit": settings.MAX_REQUEST_MB}


def too_many_files_message() -> str:
    return _("At most %(limit)d files may be sent at once. Nothing was saved.") % {
        "limit": settings.MAX_UPLOAD_FILES}


def check_file_count(count: int) -> None:
    if count > settings.MAX_UPLOAD_FILES:
        raise ValidationError(too_many_files_message(), code="too_many_files")


def check_upload(uploaded) -> tuple[str, str, str]:
    """Validate an uploaded file. Returns (content_type, safe name, sha256)."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if uploaded.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; files may be at most %(limit)d MB.")
            % {"name": uploaded.name, "size": uploaded.size / 1024 / 1024, "limit": settings.MAX_UPLOAD_MB},
            code="file_too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    content_type = sniff(head, uploaded)
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not an accepted file type (PDF, PNG, JPEG, Word or Excel).")
            % {"name": uploaded.name},
            code="file_type",
        )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return content_type, safe_filename(uploaded.name, content_type), digest.hexdigest()


ATTACHMENT_ROOT = "workorders"  # models.attachment_path files under it
ORPHAN_GRACE = timedelta(hours=6)


def purge_orphan_files(*, now=None, grace=ORPHAN_GRACE, batch=500) -> int:
    """Delete attachment files no Attachment row points at, once older than
    `grace`. A file is written inside its service's transaction; if that
    transaction rolls back (a later check fails, a conflict, a crash) the row
    is gone but the file, often an identity document, stays on disk. The grace
    period keeps files of transactions still in flight. Returns files deleted."""
    from .models import Attachment, private_storage

    now = now or timezone.now()
    storage = private_storage
    if not storage.exists(ATTACHMENT_ROOT):
        return 0
    dirs = sorted(storage.listdir(ATTACHMENT_ROOT)[0])
    deleted = 0
    for i in range(0, len(dirs), batch):
        chunk = [d for d in dirs[i:i + batch] if d.isdigit()]
        kept = set(Attachment.objects.filter(work_order_id__in=[int(d) for d in chunk])
                   .values_list("file", flat=True))
        for d in chunk:
            folder = f"{ATTACHMENT_ROOT}/{d}"
            removed = 0
            for name in storage.listdir(folder)[1]:
                path = f"{folder}/{name}"
                if path not in kept and storage.get_modified_time(path) < now - grace:
                    storage.delete(path)
                    removed += 1
            if removed and not any(storage.listdir(folder)):
                _remove_empty_folder(storage, folder)
            deleted += removed
    if deleted:
        log.info("deleted %d orphan attachment file(s)", deleted)
    return deleted


def _remove_empty_folder(storage, folder):
    try:
        os.rmdir(storage.path(folder))
    except (NotImplementedError, OSError):
        pass  # not a local folder, or not empty after all
