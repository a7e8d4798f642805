"""The overdue list's filters and its sort order (allowed columns only).

The page and both exports run the same FilterSet over the same scoped
queryset, so an export holds exactly the rows the page lists. Invalid values
are dropped by django-filter (the field is ignored, the error shown), so a
hand-written `?ordering=subject` falls back to the default order."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import LinkageCenter
from enforcement_hub.inputs import CleanTextForm

from . import labels, scope


def _agencies(request):
    return scope.agencies(request.user).order_by("code") if request else scope.Agency.objects.none()


def _courts(request):
    return scope.courts(request.user).order_by("code") if request else scope.Court.objects.none()


def _centers(request):
    return LinkageCenter.objects.order_by("code")


class DateInput(forms.DateInput):
    input_type = "date"


class OverdueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Case number"), method="filter_case_number",
                                  widget=forms.TextInput(attrs={"placeholder": _("e.g. 执1234")}))
    agency = django_filters.ModelChoiceFilter(label=_("Member agency"), queryset=_agencies,
                                              empty_label=_("All agencies"))
    type = django_filters.ChoiceFilter(label=_("Type"), choices=list(labels.TYPE_LABELS.items()),
                                       empty_label=_("All types"))
    step = django_filters.ChoiceFilter(
        label=_("Escalation step"), field_name="escalation_level", empty_label=_("All steps"),
        choices=[(int(k), v) for k, v in labels.STEP_LABELS.items()])
    court = django_filters.ModelChoiceFilter(label=_("Court"), queryset=_courts, empty_label=_("All courts"))
    center = django_filters.ModelChoiceFilter(label=_("Linkage center"), queryset=_centers,
                                              method="filter_center", empty_label=_("All centers"))
    submitted = django_filters.DateFromToRangeFilter(
        label=_("Submitted between"), field_name="submitted_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}))
    due = django_filters.DateFromToRangeFilter(
        label=_("Due between"), field_name="due_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}))
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"), empty_label=_("Default order"),
        fields=(
            ("due_at", "due"),
            ("submitted_at", "submitted"),
            ("escalation_level", "step"),
            ("agency__code", "agency"),
            ("court__code", "court"),
            ("case__number", "case"),
        ),
        # Every choice labelled here: django-filter's own "(descending)" has no zh-hans catalog.
        field_labels={
            "due_at": _("Due (earliest first)"), "-due": _("Due (latest first)"),
            "submitted_at": _("Submitted (oldest first)"), "-submitted": _("Submitted (newest first)"),
            "escalation_level": _("Escalation step (lowest first)"),
            "-step": _("Escalation step (highest first)"),
            "agency__code": _("Member agency (A–Z)"), "-agency": _("Member agency (Z–A)"),
            "court__code": _("Court (A–Z)"), "-court": _("Court (Z–A)"),
            "case__number": _("Case number (ascending)"), "-case": _("Case number (descending)"),
        },
    )

    class Meta:
        fields = []
        form = CleanTextForm   # text filters refuse control characters like every form

    def filter_case_number(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(case__number__icontains=value) if value else queryset

    def filter_center(self, queryset, name, value):
        # A center's work orders: to agencies under it or from courts under it.
        return queryset.filter(Q(agency__center=value) | Q(court__center=value)) if value else queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A chosen sort keeps a stable tie-break so that pages never overlap.
        if queryset.query.order_by and "id" not in queryset.query.order_by:
            queryset = queryset.order_by(*queryset.query.order_by, "id")
        return queryset


# Query-string keys that select rows (everything but the page and the format).
def filter_querystring(request) -> str:
    params = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    return params.urlencode()
