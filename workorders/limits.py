"""How long free text may be, defined once for the page forms, the API
serializers and the services (which check again, so nothing can bypass it)."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from enforcement_hub.inputs import reject_control_characters, reject_line_breaks

REASON_MAX_LENGTH = 2000     # reasons and notes: return, withdraw, reopen, extension request/decision, resubmit
TEXT_MAX_LENGTH = 20000      # a request's details and an answer's result text


def check_text(value, *, max_length: int):
    """Raise ValidationError if `value` is too long or holds control characters."""
    value = value or ""
    if len(value) > max_length:
        raise ValidationError(
            _("This text is too long: at most %(max)s characters (it has %(n)s).")
            % {"max": f"{max_length:,}", "n": f"{len(value):,}"}, code="max_length")
    reject_control_characters(value)


def check_subject(value):
    """A subject is one line (it becomes an e-mail subject) without control characters."""
    reject_line_breaks(value)
    reject_control_characters(value)
