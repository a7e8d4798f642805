"""Keyset ("cursor") pagination: a page is `WHERE (key, id) beyond the
cursor ORDER BY key, id LIMIT n+1`, never an OFFSET and never a COUNT, so page
1 and page 20,000 of a million rows cost the same index range scan.

A nullable key sorts its NULLs last in either direction; they form a second
segment read by a second query only when the first runs out."""
from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from enforcement_hub.inputs import check_datetime


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool
    nullable: bool = False
    datetime: bool = False


def parse_orderings(spec: dict[str, tuple[bool, bool]]) -> dict[str, Ordering]:
    """{"due_at": (nullable, is_datetime)} → both directions of each key."""
    out = {}
    for name, (nullable, is_dt) in spec.items():
        out[name] = Ordering(name, False, nullable, is_dt)
        out["-" + name] = Ordering(name, True, nullable, is_dt)
    return out


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering_query_param = "ordering"
    # Views set `ordering_fields` ({name: (nullable, is_datetime)}) and `default_ordering`.
    invalid_cursor = _("This cursor is not valid (it may belong to another ordering).")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        orderings = parse_orderings(getattr(view, "ordering_fields", {"id": (False, False)}))
        name = request.query_params.get(self.ordering_query_param) or getattr(view, "default_ordering", "-id")
        if name not in orderings:
            raise exceptions.ValidationError(
                {self.ordering_query_param: [_("Order by one of: %(names)s.") % {"names": ", ".join(orderings)}]}
            )
        self.ordering = orderings[name]
        self.ordering_name = name
        self.page_size_value = self._page_size(request)
        cursor = self._decode(request.query_params.get(self.cursor_query_param))
        forward = cursor is None or not cursor["p"]
        rows = self._fetch(queryset, cursor, forward, self.page_size_value + 1)
        more = len(rows) > self.page_size_value
        rows = rows[: self.page_size_value]
        if not forward:
            rows.reverse()
        self.page = rows
        # Going forward there is a previous page whenever we started from a cursor;
        # going back, there is a next page (the one we came from).
        self.has_next = more if forward else True
        self.has_previous = (cursor is not None) if forward else more
        return rows

    # ------------------------------------------------------------ query

    def _segments(self, cursor, forward):
        """(filter, ordering) pairs in traversal order."""
        o = self.ordering
        f, pk = o.field, "id"
        asc = (not o.descending) == forward  # direction of this traversal over f
        cmp = "gt" if asc else "lt"

        def key_order(nulls):
            if f == pk:
                return [F(pk).asc() if asc else F(pk).desc()]
            return [F(f).asc() if asc else F(f).desc(), F(pk).asc() if asc else F(pk).desc()]

        if not o.nullable:
            if cursor is None:
                return [(Q(), key_order(False))]
            if f == pk:
                return [(Q(**{f"{pk}__{cmp}": cursor["i"]}), key_order(False))]
            v = cursor["v"]
            q = Q(**{f"{f}__{cmp}e": v}) & (Q(**{f"{f}__{cmp}": v}) | Q(**{f"{pk}__{cmp}": cursor["i"]}))
            return [(q, key_order(False))]

        not_null, null = Q(**{f"{f}__isnull": False}), Q(**{f"{f}__isnull": True})
        null_order = [F(pk).asc() if asc else F(pk).desc()]
        if cursor is None:
            return [(not_null, key_order(False)), (null, null_order)]
        v, i = cursor["v"], cursor["i"]
        if forward:  # values, then NULLs
            if v is None:
                return [(null & Q(**{f"{pk}__{cmp}": i}), null_order)]
            q = Q(**{f"{f}__{cmp}e": v}) & (Q(**{f"{f}__{cmp}": v}) | Q(**{f"{pk}__{cmp}": i}))
            return [(q, key_order(False)), (null, null_order)]
        # backwards: NULLs (reversed), then values (reversed)
        if v is None:
            return [(null & Q(**{f"{pk}__{cmp}": i}), null_order), (not_null, key_order(False))]
        q = Q(**{f"{f}__{cmp}e": v}) & (Q(**{f"{f}__{cmp}": v}) | Q(**{f"{pk}__{cmp}": i}))
        return [(q, key_order(False))]

    def _fetch(self, queryset, cursor, forward, limit):
        rows = []
        for where, order in self._segments(cursor, forward):
            rows += list(queryset.filter(where).order_by(*order)[: limit - len(rows)])
            if len(rows) >= limit:
                break
        return rows

    # ------------------------------------------------------------ cursors

    def _page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A page holds 1 to %(max)d rows.") % {"max": self.max_page_size}]}
            )
        return size

    def _encode(self, row, previous: bool) -> str:
        get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
        value = get(self.ordering.field) if self.ordering.field != "id" else None
        if isinstance(value, datetime):
            value = value.isoformat()
        data = {"o": self.ordering_name, "v": value, "i": get("id"), "p": previous}
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    def _decode(self, raw):
        if not raw:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            if data["o"] != self.ordering_name or not isinstance(data["i"], int) or not isinstance(data["p"], bool):
                raise ValueError
            v = data["v"]
            if self.ordering.field != "id":
                if v is None and not self.ordering.nullable:
                    raise ValueError
                if v is not None:
                    v = datetime.fromisoformat(v) if self.ordering.datetime else int(v)
                    if isinstance(v, datetime):
                        if v.tzinfo is None:
                            raise ValueError
                        check_datetime(v)   # an impossible offset or year is an invalid cursor
            data["v"] = v
            return data
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, OverflowError,
                DjangoValidationError):
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor]})

    def _link(self, row, previous):
        if row is None:
            return None
        url = replace_query_param(self.base_url, self.cursor_query_param, self._encode(row, previous))
        return url

    def get_next_link(self):
        return self._link(self.page[-1] if self.page else None, False) if self.has_next else None

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.page[0], True)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "example": "http://127.0.0.1:8000/api/v1/work-orders/?cursor=eyJvIjoiLWlkIiwidiI6bnVsbCwiaSI6NDIsInAiOmZhbHNlfQ"},
                "previous": {"type": "string", "nullable": True, "format": "uri", "example": None},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        orderings = list(parse_orderings(getattr(view, "ordering_fields", {"id": (False, False)})))
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": str(_("Opaque cursor from a previous page's next/previous link.")),
             "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": str(_("Rows per page (1–%(max)d).") % {"max": self.max_page_size}),
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
            {"name": self.ordering_query_param, "required": False, "in": "query",
             "description": str(_("Sort key; a leading minus sorts descending.")),
             "schema": {"type": "string", "enum": orderings, "default": getattr(view, "default_ordering", "-id")}},
        ]
