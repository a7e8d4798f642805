from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementHubConfig(AppConfig):
    """The project package as an app only to wire project-wide signal handlers."""
    name = "enforcement_hub"
    verbose_name = _("Enforcement Hub")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .sessions import mark_login

        # Every login (the login pages, the test client's force_login) starts the idle clock
        # inside the write the login makes anyway.
        user_logged_in.connect(mark_login, dispatch_uid="enforcement_hub.sessions.mark_login")
