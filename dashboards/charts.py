"""Chart specifications for the vendored Chart.js (static/dashboards/charts.js
turns them into charts). Plain dicts, embedded with json_script; every label
is already translated here."""
from __future__ import annotations

from django.utils.translation import gettext as _

BLUE, RED, GREY, GREEN, AMBER = "#2563eb", "#dc2626", "#9ca3af", "#16a34a", "#d97706"


def backlog_trend(trend) -> dict:
    return {
        "kind": "line",
        "labels": [d.strftime("%m-%d") for d in trend.days],
        "datasets": [
            {"label": _("Open"), "data": trend.open, "color": BLUE},
            {"label": _("Overdue"), "data": trend.overdue, "color": RED},
        ],
        "yTitle": _("Work orders"),
    }


def ranking(board) -> dict:
    ranked = [r for r in board.rows if r.rank is not None]
    return {
        "kind": "hbar",
        "labels": [r.agency.short_name or r.agency.name for r in ranked],
        "datasets": [{
            "label": _("On-time rate (%)"),
            "data": [r.rate_percent for r in ranked],
            "colors": [RED if r.flagged else BLUE for r in ranked],
        }],
        "threshold": float(board.policy.threshold_percent),
        "thresholdLabel": _("Threshold"),
        "max": 100,
    }


def agency_trend(points) -> dict:
    return {
        "kind": "combo",
        "labels": [p.start.strftime("%Y-%m") for p in points],
        "datasets": [
            {"label": _("Received"), "data": [p.measures.received for p in points], "color": GREY, "type": "bar"},
            {"label": _("Answered"), "data": [p.measures.answered for p in points], "color": BLUE, "type": "bar"},
            {"label": _("On-time rate (%)"), "data": [p.measures.rate_percent for p in points],
             "color": GREEN, "type": "line", "axis": "y2"},
        ],
        "yTitle": _("Work orders"),
        "y2Title": _("On-time rate (%)"),
    }
