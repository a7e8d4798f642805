"""Helpers shared by the work-order and case views. The presentation logic
lives in `workorders.presenters`; the names are re-exported here for the views
that import them from this module."""
from __future__ import annotations

from ..presenters import (  # noqa: F401
    RECEIPT_REASONS,
    annotate_clock,
    describe_event,
    due_explanation,
    warm_calendar,
    with_descriptions,
)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
