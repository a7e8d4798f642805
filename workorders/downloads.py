"""The one way a stored document leaves the platform, for pages and API alike."""
from __future__ import annotations

import logging

from django.http import FileResponse, Http404

from .models import Attachment

log = logging.getLogger(__name__)

# Never rendered inline, never sniffed, never cached, and sandboxed should a
# browser render it anyway.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def attachment_response(att: Attachment) -> FileResponse:
    """The file as an attachment with DOWNLOAD_HEADERS. The caller has already
    authorized it (`workorders.selectors.get_attachment_for`); a file missing
    from private storage is a 404, logged."""
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, ValueError):
        log.error("attachment %s is missing from private storage (%s)", att.pk, att.file.name)
        raise Http404("No such attachment")
    response = FileResponse(handle, as_attachment=True, filename=att.original_name, content_type=att.content_type)
    for name, value in DOWNLOAD_HEADERS.items():
        response[name] = value
    return response
