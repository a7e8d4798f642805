"""One error shape for every endpoint: {"detail": ..., "code": ..., "errors": {...}}.

Service errors map as the pages show them: Django's ValidationError → 400,
PermissionDenied → 403, ConflictError → 409 with its message for systems
(`api_message`: no page to reload), all translated."""
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from workorders.errors import ConflictError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def _django_messages(exc: DjangoValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def exception_handler(exc, context):
    if isinstance(exc, SuspiciousOperation):  # e.g. too many form fields in a multipart body
        return Response({"detail": _("The request body could not be read."), "code": "parse_error"},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": _django_messages(exc), "code": getattr(exc, "code", None) or "invalid"},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        exc = Conflict(exc.api_message)
    elif isinstance(exc, PermissionDenied) and not isinstance(exc, exceptions.PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _("The request is not valid; see “errors”."), "code": "invalid",
                         "errors": data if isinstance(data, dict) else {"non_field_errors": data}}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"]), "code": getattr(data["detail"], "code", None)
                         or getattr(exc, "default_code", "error")}
    return response
