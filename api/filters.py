"""Query filters. They narrow a queryset the selector has already scoped to
the caller, so a filter naming another agency or court finds nothing: it can
never widen what the caller sees. Unknown parameters are ignored; sort keys
come from an allow-list in the paginator."""
import copy

import django_filters
from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Duty, DutyArea, WorkOrderType
from cases.models import Court, EnforcementCase
from enforcement_hub.inputs import CleanTextForm, check_datetime
from notifications.models import Notification
from workorders.models import EscalationStep, Status, WorkOrder, overdue_q


def case_number_fragment(value: str) -> str:
    """Search text in the stored spelling: full-width brackets, no spaces."""
    return value.replace(" ", "").replace("\u3000", "").replace("(", "（").replace(")", "）")


class LeanFilterSet(django_filters.FilterSet):
    """A FilterSet that is cheap to build per request: filters are copied
    shallowly (they hold no per-request state but `model` and `parent`) and the
    form class is built once per FilterSet class (Django forms copy their
    fields per instance anyway). django-filter's deep copies of choices, lazy
    labels and querysets cost more than the list query itself."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's own __init__, with copy.copy where it has copy.deepcopy.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(f) for name, f in self.base_filters.items()}
        for f in self.filters.values():
            f.model, f.parent = queryset.model, self
            if f.method is not None:
                f.method = f.method  # rebinds the method filter to this copy

    def get_form_class(self):
        cls = type(self)
        if cls.__dict__.get("_form_class") is None:
            cls._form_class = super().get_form_class()
        return cls._form_class


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant; an impossible offset or an absurd year is a 400, not a 500."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [check_datetime])
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """An id; one naming no visible row simply matches nothing."""

    field_class = forms.IntegerField


class WorkOrderFilter(LeanFilterSet):
    # distinct=False: a status filter never duplicates rows, and SELECT DISTINCT over
    # a joined page would cost more than the page itself.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False,
                                                 help_text=_("One or more statuses."))
    type = django_filters.ChoiceFilter(choices=WorkOrderType.choices)
    agency = IdFilter(field_name="agency_id", help_text=_("Agency id."))
    duty = IdFilter(field_name="duty_id", help_text=_("Duty id."))
    court = IdFilter(field_name="court_id", help_text=_("Court id."))
    case = IdFilter(field_name="case_id", help_text=_("Case id."))
    due_before = InstantFilter(field_name="due_at", lookup_expr="lt",
                                                  help_text=_("Due strictly before this instant (ISO 8601)."))
    due_after = InstantFilter(field_name="due_at", lookup_expr="gte",
                                                 help_text=_("Due at or after this instant (ISO 8601)."))
    overdue = django_filters.BooleanFilter(method="filter_overdue",
                                           help_text=_("Clock running and past the due time."))
    escalation_step = django_filters.TypedChoiceFilter(
        field_name="escalation_level", choices=EscalationStep.choices, coerce=int,
        help_text=_("Escalation step reached (0–4)."))
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text=_("Changed at or after this instant, for incremental sync (order by updated_at)."))
    case_number = django_filters.CharFilter(method="filter_case_number",
                                            help_text=_("Case number, or part of it."))

    class Meta:
        model = WorkOrder
        fields = []
        form = CleanTextForm

    def filter_overdue(self, queryset, name, value):
        late = overdue_q(timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_case_number(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(case__number__icontains=case_number_fragment(value))


class CaseFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(method="filter_number", help_text=_("Case number, or part of it."))
    court = django_filters.ModelChoiceFilter(queryset=Court.objects.all(), help_text=_("Court id."))
    status = django_filters.ChoiceFilter(choices=EnforcementCase.Status.choices)

    class Meta:
        model = EnforcementCase
        fields = []
        form = CleanTextForm

    def filter_number(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(number__icontains=case_number_fragment(value)) if value else queryset


class DutyFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.all(), help_text=_("Agency id."))
    area = django_filters.ChoiceFilter(choices=DutyArea.choices)
    default_type = django_filters.ChoiceFilter(choices=WorkOrderType.choices)

    class Meta:
        model = Duty
        fields = []


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                          help_text=_("Only unread (true) or only read (false)."))

    class Meta:
        model = Notification
        fields = []
