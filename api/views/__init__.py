from .resources import (  # noqa: F401
    AgencyViewSet,
    AttachmentViewSet,
    CalendarDaysView,
    CaseViewSet,
    CourtViewSet,
    DueDatePreviewView,
    DutyViewSet,
    MeView,
    NotificationViewSet,
    ScorecardView,
)
from .workorders import WorkOrderViewSet  # noqa: F401
from .base import RedocView, SchemaView, SwaggerView, not_found  # noqa: F401
