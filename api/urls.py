from django.conf import settings
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(trailing_slash=True, use_regex_path=False)
router.register("work-orders", views.WorkOrderViewSet, basename="work-order")
router.register("cases", views.CaseViewSet, basename="case")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("duties", views.DutyViewSet, basename="duty")
router.register("courts", views.CourtViewSet, basename="court")
router.register("notifications", views.NotificationViewSet, basename="notification")

v1 = [
    *router.urls,
    path("calendar/days/", views.CalendarDaysView.as_view(), name="calendar-days"),
    path("calendar/due-date/", views.DueDatePreviewView.as_view(), name="due-date"),
    path("scorecards/", views.ScorecardView.as_view(), name="scorecards"),
    path("me/", views.MeView.as_view(), name="me"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # Public unless settings.API_DOCS_PUBLIC is off (production): then a user or an API key.
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", views.RedocView.as_view(url_name="api:schema"), name="redoc"),
]

if settings.EH_API_BENCH:  # the benchmark's baseline, never on otherwise
    from .views.bench import AuthenticatedJson, bare_json

    urlpatterns += [path("bench/bare/", bare_json, name="bench-bare"),
                    path("bench/authenticated/", AuthenticatedJson.as_view(), name="bench-authenticated")]

# Anything else under /api/ is a JSON 404, not the site's HTML page.
urlpatterns.append(re_path(r"^.*$", views.not_found))
