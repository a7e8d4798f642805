"""Case numbers of the form （2024）津0105执1234号.

Full-width and ASCII brackets are both accepted; the stored form uses full-width
brackets so that one case has one spelling.
"""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# year, court code (a province character and up to four digits), the enforcement
# marker (执, or 执恢/执保/执异/执复/执监/执协) and the serial number.
CASE_NUMBER_RE = re.compile(
    r"^[（(]\s*(?P<year>(19|20)\d{2})\s*[）)]\s*"
    r"(?P<court>[\u4e00-\u9fff]\d{0,4})"
    r"(?P<kind>执(恢|保|异|复|监|协)?)"
    r"(?P<serial>[1-9]\d{0,5})号$"
)


def normalize_case_number(value: str) -> str:
    """Return the stored spelling of a case number or raise ValidationError."""
    raw = (value or "").strip().replace(" ", "").replace("\u3000", "")
    match = CASE_NUMBER_RE.match(raw)
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a valid case number; expected a form such as （2024）津0105执1234号."),
            code="invalid_case_number",
            params={"value": value},
        )
    return "（{year}）{court}{kind}{serial}号".format(**match.groupdict())


def court_code_of(case_number: str) -> str:
    return CASE_NUMBER_RE.match(case_number).group("court")
