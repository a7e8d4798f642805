"""The subject of a request: one rule for the single form, the batch form, the
API and the services. One line (it becomes an e-mail subject), at most
SUBJECT_MAX_LENGTH characters, no control characters; left empty, it is the
duty's name and the respondent's name."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .limits import check_subject

SUBJECT_MAX_LENGTH = 200


def default_subject(duty, respondent=None) -> str:
    """"<duty>：<respondent>", or the duty alone for the case as a whole."""
    text = f"{duty.name}：{respondent.name}" if respondent is not None else duty.name
    return text[:SUBJECT_MAX_LENGTH]


def subject_for(subject: str | None, duty, respondent=None) -> str:
    """The subject to store: the given one, checked, or the default when empty.
    Raises ValidationError for a second line, control characters or length."""
    text = (subject or "").strip()
    if not text:
        return default_subject(duty, respondent)
    check_subject(text)
    if len(text) > SUBJECT_MAX_LENGTH:
        raise ValidationError(_("The subject is too long: at most %(max)d characters (it has %(n)d).")
                              % {"max": SUBJECT_MAX_LENGTH, "n": len(text)}, code="max_length")
    return text
