"""Words the user reads: sort labels, batch references, outcome labels, the API's
conflict wording, punctuation in the Chinese catalogs."""
import pathlib
import re

import pytest
from django.utils import translation

from dashboards.filters import OverdueFilter
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_sort_choices_are_translated_in_chinese(ref):
    with translation.override("zh-hans"):
        choices = [str(label) for _, label in OverdueFilter(queryset=WorkOrder.objects.none()).filters["ordering"].field.choices]
    assert "---------" not in choices
    assert not any("descending" in c for c in choices), choices
    assert any("降序" in c for c in choices)


def test_sort_choices_read_well_in_english(ref):
    with translation.override("en"):
        choices = [str(label) for _, label in OverdueFilter(queryset=WorkOrder.objects.none()).filters["ordering"].field.choices]
    assert choices[0] == "Default order"
    assert "Due (latest first)" in choices
