"""Checks every input passes, written once for pages, API and services.

* `reject_control_characters`: C0 control characters other than tab, line feed
  and carriage return (a vertical tab pasted from Word, an escape, NUL) are
  refused with a message the user can act on; stored, they would break the
  XLSX exports and the e-mails.
* `reject_line_breaks`: one-line fields (a subject becomes an e-mail subject).
* `CleanTextForm` / `CleanTextFormMixin`: a form whose every CharField carries
  the control-character check; the project's forms and filter forms use it.
* `RejectNulMiddleware`: a NUL byte in a query string or a posted form is a 400
  before any view runs (PostgreSQL refuses NUL in text, which would be a 500).
* `check_datetime`: an instant a client names (API filters, cursors, the
  due-date preview) has a UTC offset within ±15:59 and a year in 1900–2999.
* `single_line`: a safe one-line rendering of any stored text (e-mail subjects).

The JSON body limits (size, depth) are the API's parser: `api/parsers.py`.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_lazy as _

# C0 controls except \t \n \r (NUL included).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")

CONTROL_MESSAGE = _("This text contains control characters (e.g. from a pasted document); remove them.")
LINE_BREAK_MESSAGE = _("This field is one line; remove the line breaks.")


def reject_control_characters(value):
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def reject_line_breaks(value):
    if isinstance(value, str) and LINE_BREAKS.search(value):
        raise ValidationError(LINE_BREAK_MESSAGE, code="line_breaks")


# PostgreSQL takes UTC offsets up to ±15:59; real ones are within ±14:00.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
# Instants a client may name (filters, cursors): wide enough for "since 1970", narrow enough
# that no conversion to UTC or to China time can leave the calendar.
MIN_YEAR, MAX_YEAR = 1900, 2999


def check_datetime(value):
    """Refuse an instant with an impossible UTC offset or an absurd year."""
    if not isinstance(value, datetime):
        return
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValidationError(_("Use a UTC offset between -15:59 and +15:59."), code="utc_offset")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(_("Use a date between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
                              code="year")


def single_line(text, max_length: int) -> str:
    """Any stored text as one line of at most `max_length` characters: runs of
    whitespace (line breaks included) become one space, control characters go."""
    text = " ".join(CONTROL_CHARACTERS.sub(" ", str(text or "")).split())
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


# ---------------------------------------------------------------- forms

def add_text_checks(fields):
    """Give every CharField of `fields` (form fields) the control-character check."""
    for field in fields.values():
        if isinstance(field, forms.CharField) and reject_control_characters not in field.validators:
            field.validators.append(reject_control_characters)


class CleanTextFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_text_checks(self.fields)


class CleanTextForm(CleanTextFormMixin, forms.Form):
    """The base of the project's forms (and of its FilterSets' forms)."""


class SingleLineCharField(forms.CharField):
    """A one-line text field (subjects)."""

    default_validators = [reject_line_breaks]


# ---------------------------------------------------------------- middleware

NUL_MESSAGE = _("The request's query parameters or form fields contain a NUL character; remove it.")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in querydict.lists())


class RejectNulMiddleware:
    """A NUL byte anywhere in the query string (keys or values) or in a
    URL-encoded form body is a 400 with a short translated message: the API
    answers in its JSON error shape, pages with a plain page. Multipart bodies
    are left to the form and serializer fields, which refuse NUL themselves
    (parsing uploads here would happen before authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            nul = _has_nul(request.GET) or (request.method == "POST" and request.content_type == FORM_CONTENT_TYPE
                                            and _has_nul(request.POST))
        except SuspiciousOperation:
            # Too many fields or too large a body: the view meets the same error and answers
            # it in its own shape (the API's JSON error, the site's 400 page).
            nul = False
        if nul:
            return self.bad_request(request)
        return self.get_response(request)

    @staticmethod
    def bad_request(request):
        message = gettext(NUL_MESSAGE)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "invalid_input"}, status=400)
        # The site's 400 page, without the request: the user is not known yet at this point.
        return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))
