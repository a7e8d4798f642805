"""Reporting periods for the scorecards: a month, a quarter, a year or a custom
range of days (both ends included)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return gettext("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == "quarter":
            return gettext("%(year)d Q%(quarter)d") % {"year": self.start.year,
                                                       "quarter": (self.start.month - 1) // 3 + 1}
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def slug(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def month(year: int, m: int) -> Period:
    start = date(year, m, 1)
    nxt = date(year + (m == 12), m % 12 + 1, 1)
    return Period("month", start, nxt - timedelta(days=1))


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * (q - 1) + 1, 1)
    end = month(year, 3 * q).end
    return Period("quarter", start, end)


def year(y: int) -> Period:
    return Period("year", date(y, 1, 1), date(y, 12, 31))


def months_back(today: date, n: int) -> list[Period]:
    """The n months ending with today's, oldest first."""
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(month(y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


class PeriodForm(forms.Form):
    KINDS = [("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year")), ("custom", _("Custom"))]

    kind = forms.ChoiceField(label=_("Period"), choices=KINDS, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12, required=False)
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, required=False,
                                     choices=[(q, f"Q{q}") for q in range(1, 5)])
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, data=None, *, today: date, **kwargs):
        self.today = today
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("A custom period needs both a start and an end date."))
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(_("A custom period may span at most three years."))
        return data

    def period(self) -> Period:
        """The chosen period; the current quarter when nothing (valid) was chosen."""
        today = self.today
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind = data.get("kind") or "quarter"
        y = data.get("year") or today.year
        if kind == "month":
            return month(y, data.get("month") or today.month)
        if kind == "year":
            return year(y)
        if kind == "custom":
            return Period("custom", data["start"], data["end"])
        return quarter(y, data.get("quarter") or (today.month - 1) // 3 + 1)

    def initial_values(self, period: Period) -> dict:
        """Values to show in the form for the period in force."""
        return {"kind": period.kind, "year": period.start.year, "month": period.start.month,
                "quarter": (period.start.month - 1) // 3 + 1, "start": period.start, "end": period.end}
