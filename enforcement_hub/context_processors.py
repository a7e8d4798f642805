"""What every page's layout needs: the user's roles (for the navigation) and
the unread notification count (counted only when the page shows it)."""
from agencies.roles import roles_of
from notifications.context_processors import unread


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"roles": roles_of(user), **unread(request)}


def terms(request):
    """The enums templates compare against (`wo.status == Status.RETURNED`,
    `roles.primary == Role.JUDGE`), so a template never spells a value."""
    from agencies.roles import Role
    from cases.models import EnforcementCase
    from workorders.models import Status

    return {"Status": Status, "CaseStatus": EnforcementCase.Status, "Role": Role}
