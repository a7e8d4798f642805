"""`Idempotency-Key` on POST actions.

The record is inserted first, in the same transaction as the action: a
concurrent duplicate blocks on the unique index until the first commits, then
finds the stored response and replays it. A response below 500 is stored (an
error is a result too); a 5xx or an exception rolls everything back, record
included, so the client may retry."""
from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from .exceptions import Conflict, Unprocessable
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def fingerprint(request) -> str:
    """SHA-256 of method, path and body (files by name and content)."""
    h = hashlib.sha256()
    h.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    data = request.data
    fields, files = {}, []
    if hasattr(data, "lists"):  # QueryDict (multipart or form)
        for k, values in data.lists():
            fields[k] = [str(v) for v in values]
    elif isinstance(data, dict):
        fields = data
    else:
        fields = {"_": data}
    for name, uploaded in sorted(request.FILES.lists() if hasattr(request.FILES, "lists") else []):
        for f in uploaded:
            digest = hashlib.sha256()
            for chunk in f.chunks():
                digest.update(chunk)
            f.seek(0)
            files.append([name, f.name, digest.hexdigest()])
    h.update(json.dumps({"fields": fields, "files": files}, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("An Idempotency-Key is 1 to %(max)d printable characters.") % {"max": MAX_KEY_LENGTH}]}
        )
    return key


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise Unprocessable(_(
            "This Idempotency-Key was already used with a different request. "
            "Use a new key for a new request."
        ))
    if record.response_status is None:  # cannot happen after commit; kept for safety
        raise Conflict(_("A request with this Idempotency-Key is still being processed."))
    return Response(record.response_body, status=record.response_status, headers={REPLAY_HEADER: "true"})


def idempotent(method):
    """Decorate a POST view method. Without the header it runs as usual."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return method(self, request, *args, **kwargs)
        request_hash = fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=request.user, key=key, request_hash=request_hash,
                        method=request.method, path=request.path[:300],
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(owner=request.user, key=key)
                return _replay(record, request_hash)
            try:
                with transaction.atomic():
                    response = method(self, request, *args, **kwargs)
            except Exception as exc:
                response = self.handle_exception(exc)  # re-raises what it cannot map
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.response_status, record.response_body = response.status_code, response.data
            record.save(update_fields=["response_status", "response_body"])
            return response

    wrapper.idempotent = True
    return wrapper


def purge_expired(*, older_than_days: int | None = None) -> int:
    """Delete records past their retention window (IDEMPOTENCY_KEY_DAYS, default 7):
    a client retrying after that is sending a new request. Returns rows deleted."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    days = older_than_days if older_than_days is not None else settings.IDEMPOTENCY_KEY_DAYS
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
