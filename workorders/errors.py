from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401  (re-exported)


class ConflictError(Exception):
    """The work order is no longer in a state that allows the action (someone
    else acted first, or the transition is not allowed). Nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
