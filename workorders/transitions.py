"""The lifecycle, written down once: which action moves which status where, and
which side (court, agency, center) performs it."""
import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Status


class Side(enum.Enum):
    COURT = "court"
    AGENCY = "agency"
    CENTER = "center"


class Action(str, enum.Enum):
    SUBMIT = "submit"
    SIGN = "sign"
    RETURN = "return"
    RESUBMIT = "resubmit"
    ANSWER = "answer"
    ACCEPT = "accept"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    EDIT = "edit"


@dataclass(frozen=True)
class Rule:
    side: Side
    sources: tuple
    target: Status | None  # None: the status does not change
    label: str


TRANSITIONS = {
    Action.EDIT: Rule(Side.COURT, (Status.DRAFT,), None, _("Edit draft")),
    Action.SUBMIT: Rule(Side.COURT, (Status.DRAFT,), Status.SUBMITTED, _("Submit")),
    Action.SIGN: Rule(Side.AGENCY, (Status.SUBMITTED,), Status.SIGNED, _("Sign for")),
    Action.RETURN: Rule(Side.AGENCY, (Status.SUBMITTED, Status.SIGNED), Status.RETURNED,
                        _("Return for supplement")),
    Action.RESUBMIT: Rule(Side.COURT, (Status.RETURNED,), Status.SUBMITTED, _("Resubmit")),
    Action.ANSWER: Rule(Side.AGENCY, (Status.SIGNED,), Status.ANSWERED, _("Answer")),
    Action.ACCEPT: Rule(Side.COURT, (Status.ANSWERED,), Status.CLOSED, _("Accept and close")),
    Action.REOPEN: Rule(Side.COURT, (Status.ANSWERED,), Status.SIGNED, _("Reopen")),
    # Once answered, the court accepts or reopens: an answer and a withdrawal racing
    # each other leave one winner.
    Action.WITHDRAW: Rule(
        Side.COURT, (Status.DRAFT, Status.SUBMITTED, Status.SIGNED, Status.RETURNED),
        Status.WITHDRAWN, _("Withdraw"),
    ),
    Action.REQUEST_EXTENSION: Rule(Side.AGENCY, (Status.SUBMITTED, Status.SIGNED), None,
                                   _("Request extension")),
    Action.DECIDE_EXTENSION: Rule(Side.CENTER, (Status.SUBMITTED, Status.SIGNED), None,
                                  _("Decide extension")),
}
