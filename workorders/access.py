"""What a user may do to a work order he can see. Services call `require`;
pages ask `allowed_actions` to decide which buttons to show."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.roles import roles_of

from .models import Status
from .transitions import TRANSITIONS, Action, Side


def acts_as(user, work_order, side: Side) -> bool:
    roles = roles_of(user)
    if side is Side.COURT:
        return roles.is_superuser or work_order.court_id in roles.court_ids
    if side is Side.AGENCY:
        return roles.is_superuser or work_order.agency_id in roles.agency_ids
    if side is Side.CENTER:
        return roles.is_superuser or (
            work_order.agency.center_id in roles.admin_center_ids
        )
    return False


def require(user, work_order, action: Action):
    if not acts_as(user, work_order, TRANSITIONS[action].side):
        raise PermissionDenied(_("You may not perform this action on this work order."))


def allowed_actions(user, work_order) -> set[Action]:
    """Actions the status allows and the user's role permits."""
    out = set()
    for action, rule in TRANSITIONS.items():
        if work_order.status in rule.sources and acts_as(user, work_order, rule.side):
            out.add(action)
    if Action.DECIDE_EXTENSION in out and not work_order.has_pending_extension:
        out.discard(Action.DECIDE_EXTENSION)
    if Action.REQUEST_EXTENSION in out and work_order.has_pending_extension:
        out.discard(Action.REQUEST_EXTENSION)
    return out


def can_reveal_id(user, work_order) -> bool:
    """The court once the work order has left the draft state; the agency only if
    it was ever submitted (a never-submitted one is not the agency's, see
    `work_order_scope`)."""
    if acts_as(user, work_order, Side.COURT) and work_order.status != Status.DRAFT:
        return True
    return work_order.ever_submitted and acts_as(user, work_order, Side.AGENCY)
