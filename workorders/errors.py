from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401  (re-exported)
from django.utils.translation import gettext as _


class ConflictError(Exception):
    """The work order is no longer in a state that allows the action (someone
    else acted first, or the transition is not allowed). Nothing was changed.

    `message` is for a person looking at a page; `api_message` for a system
    calling the API (which has no page to reload). Both default to the same text."""

    def __init__(self, message, *, api_message=None):
        super().__init__(message)
        self.message = message
        self.api_message = api_message or message

    @classmethod
    def not_now(cls, *, status, action) -> "ConflictError":
        """The one wording of "this status does not allow that action", for pages and API."""
        params = {"status": status, "action": action}
        return cls(
            _("This work order is now “%(status)s”; “%(action)s” is not possible. "
              "Reload the page to see its current state.") % params,
            api_message=_("This work order is now “%(status)s”; “%(action)s” is not possible. "
                          "Fetch the work order again to see its current status.") % params,
        )
