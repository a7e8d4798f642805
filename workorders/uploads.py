"""The upload limits, enforced while a multipart body is read.

Django's parser spools every file to disk before any form or serializer sees
it, so a size check in validation comes after the whole body has arrived. This
handler, first in FILE_UPLOAD_HANDLERS, stops the parser instead:

- a body declared larger than MAX_REQUEST_MB: at the first file part. The text
  fields ahead of it (the CSRF token, what the user typed) are still read, so
  the page can answer with its form and a message rather than a CSRF failure;
  they are small and Django caps them at DATA_UPLOAD_MAX_MEMORY_SIZE;
- a file whose bytes pass MAX_UPLOAD_MB: at the chunk that passes it, before
  that chunk reaches the handlers that write to memory or disk;
- a file beyond MAX_UPLOAD_FILES: as it starts.

Stopping raises StopUpload(connection_reset=True): the rest of the body is not
read, and the parser closes (deletes) the file it was writing. Files completed
before the stop stay in request.FILES, so the refusal is recorded on the
request and every consumer must look at it: the page views through
`refuse_cut_upload`, the API in ApiViewMixin.initial (a 413). A request that
was cut is never saved as if it were complete.

Behind the proxy (client_max_body_size = MAX_REQUEST_MB) the proxy buffers the
body, so the early answer reaches the browser even though the app stopped reading."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.forms import FileField
from django.utils.datastructures import MultiValueDict

from . import files

log = logging.getLogger(__name__)

MB = 1024 * 1024
ATTRIBUTE = "_upload_refusal"


@dataclass(frozen=True)
class UploadRefusal:
    code: str           # "request_too_large", "upload_too_large" or "too_many_files"
    name: str = ""      # the file that was cut, if one was

    @property
    def message(self) -> str:
        """Translated when read, in the language of the response."""
        if self.code == "upload_too_large":
            return files.file_cut_message(self.name)
        if self.code == "too_many_files":
            return files.too_many_files_message()
        return files.request_too_large_message()


class LimitedUploadHandler(FileUploadHandler):
    """Counts what arrives and passes it on; stops the upload at a limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.body_too_large = False
        self.files_started = 0
        self.bytes_received = 0     # of the current file

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body_too_large = content_length > settings.MAX_REQUEST_MB * MB
        return None   # the parser goes on; new_file stops it at the first file

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files_started += 1
        self.bytes_received = 0
        if self.body_too_large:
            self._refuse("request_too_large")
        if self.files_started > settings.MAX_UPLOAD_FILES:
            self._refuse("too_many_files")

    def receive_data_chunk(self, raw_data, start):
        self.bytes_received = start + len(raw_data)
        if self.bytes_received > settings.MAX_UPLOAD_MB * MB:
            self._refuse("upload_too_large", self.file_name)
        return raw_data

    def file_complete(self, file_size):
        return None   # the next handlers store the file

    def _refuse(self, code, name=""):
        if self.request is not None:
            setattr(self.request, ATTRIBUTE, UploadRefusal(code, name))
            log.info("upload refused (%s) on %s after %d file(s)", code, self.request.path, self.files_started)
        raise StopUpload(connection_reset=True)


def upload_refusal(request) -> UploadRefusal | None:
    """Why the upload handler cut this request short, or None. Ask after the
    body was parsed (request.POST, request.data); works on Django's and DRF's
    request alike (DRF's passes unknown attributes on to Django's)."""
    return getattr(request, ATTRIBUTE, None)


def refuse_cut_upload(request, form) -> None:
    """Make `form` invalid if the body of `request` was cut short: the message
    goes on its file field (on the form when it has none)."""
    refusal = upload_refusal(request)
    if refusal is None:
        return
    # None of the files is kept; those completed before the stop may even be
    # closed already (the parser closes each handler's last file on a stop).
    form.files = MultiValueDict()
    field = next((n for n, f in form.fields.items() if isinstance(f, FileField)), None)
    form.add_error(field, refusal.message)
