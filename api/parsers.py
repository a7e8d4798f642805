"""The API's JSON parser: bounded in size and in depth.

DRF's JSONParser reads the whole stream (Django's DATA_UPLOAD_MAX_MEMORY_SIZE
only guards `request.body`) and lets a body of 10,000 nested lists blow
Python's recursion limit (a 500). This one reads at most the configured body
size, and refuses nesting deeper than any request of this API needs, with a
clear 400 either way."""
from __future__ import annotations

import codecs

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_JSON_DEPTH = 32   # the deepest request body of the API has 2 levels


def too_deep(data, limit: int) -> bool:
    """Whether `data` nests lists/objects more than `limit` levels (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(_("The request body is too large (at most %(mb)s MB).")
                             % {"mb": f"{limit / 1024 / 1024:g}"})
        deep = _("The JSON body is nested too deeply (at most %(max)d levels).") % {"max": self.max_depth}
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(deep)
        except ValueError as exc:   # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(_("The JSON body could not be read: %(error)s") % {"error": exc})
        if too_deep(data, self.max_depth):
            raise ParseError(deep)
        return data
