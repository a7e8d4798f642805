from django import forms
from django.utils.translation import gettext_lazy as _

from enforcement_hub.inputs import CleanTextForm

from .models import EnforcementCase


class CaseFilterForm(CleanTextForm):
    q = forms.CharField(label=_("Case number or party name"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *EnforcementCase.Status.choices])
    mine = forms.BooleanField(label=_("Only cases I handle"), required=False)
