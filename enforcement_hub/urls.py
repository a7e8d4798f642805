from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import FileResponse
from django.urls import include, path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from notifications import views as notification_views

from . import lockout, views

# Before admin.site.urls below, which binds the registered model admins.
lockout.register_admin(admin.site)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: answer with the
    site's icon (static/favicon.svg, which base.html links), cacheable for a day."""
    response = FileResponse((settings.BASE_DIR / "static" / "favicon.svg").open("rb"), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=86400)
    return response


urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Django's set_language, also remembering the choice as the user's e-mail language.
    path("i18n/setlang/", notification_views.set_language, name="set_language"),
    path("workorders/", include("workorders.urls")),
    path("cases/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = "执行联动平台 Enforcement Hub"
