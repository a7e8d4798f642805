"""The words of a notice, in the reader's language.

A notice stores what happened (`kind`, `params`) and, for people's own words
(a reason, a result), `body`. Its title and the generated part of its body are
written here, at display time for the reader (centre, badge, home page, API)
and at send time in the recipient's language (e-mail). Old rows without
`params` show their stored `title` and `body` as they were written.

`params["msg"]` names the message (defaults to the kind); the other keys fill
it. Values are stored language-free: dates as ISO instants, outcomes and
escalation steps as codes, so each reader gets them in their own language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

LANGUAGES = {code for code, _name in settings.LANGUAGES}

# message -> (title, generated body or None); msgids are translated when rendered.
MESSAGES = {
    "assigned": (gettext_noop("New work order %(ref)s: %(subject)s"), gettext_noop("Due %(due)s.")),
    "assigned_batch": (gettext_noop("%(n)d new work orders in batch %(batch)s"), None),
    "returned": (gettext_noop("%(ref)s returned for supplement"), None),
    "answered": (gettext_noop("%(ref)s answered: %(outcome)s"), None),
    "resubmitted": (gettext_noop("%(ref)s resubmitted with supplement"), None),
    "reopened": (gettext_noop("%(ref)s reopened by the court"), None),
    "accepted": (gettext_noop("%(ref)s: the court accepted the answer and closed the work order"), None),
    "withdrawn": (gettext_noop("%(ref)s withdrawn by the court"), None),
    "extension_requested": (gettext_noop("%(agency)s asks %(days)d more working days for %(ref)s"), None),
    "extension_approved": (gettext_noop("Extension for %(ref)s approved: due %(due)s"), None),
    "extension_refused": (gettext_noop("Extension for %(ref)s refused"), None),
    "escalation_1": (gettext_noop("%(ref)s is due today at %(due)s"), None),
    "escalation_2": (gettext_noop("%(ref)s is overdue (due %(due)s)"), None),
    "escalation_3": (gettext_noop("%(ref)s overdue at %(agency)s: on the center's supervision list"), None),
    "escalation_4": (gettext_noop("%(ref)s overdue at %(agency)s: put on the joint meeting agenda"), None),
}


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def normalise_language(code: str | None) -> str:
    """A language the platform speaks; anything else is the platform's default."""
    code = (code or "").lower()
    return code if code in LANGUAGES else settings.LANGUAGE_CODE


def local_time(value) -> str:
    """An ISO instant (or datetime) as the platform shows times: Asia/Shanghai, to the minute."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _values(params: dict) -> dict:
    from workorders.models import Reply  # the notice knows work orders only by their codes

    values = dict(params)
    if "due" in values:
        values["due"] = local_time(values["due"])
    if "outcome" in values:
        try:
            values["outcome"] = str(Reply.Outcome(values["outcome"]).label)
        except ValueError:
            pass
    return values


def message_key(kind: str, params: dict | None) -> str | None:
    if not params:
        return None
    key = params.get("msg") or kind
    return key if key in MESSAGES else None


def render_parts(kind: str, params: dict | None, body: str = "", *, fallback_title: str = "") -> Rendered:
    """Title and body in the active language (the caller picks it)."""
    key = message_key(kind, params)
    if key is None:
        return Rendered(fallback_title, body or "")
    title_id, body_id = MESSAGES[key]
    values = _values(params)
    try:
        title = gettext(title_id) % values
        generated = gettext(body_id) % values if body_id else ""
    except (KeyError, TypeError, ValueError):  # params of an older shape: the stored words
        return Rendered(fallback_title, body or "")
    return Rendered(title, "\n\n".join(part for part in (generated, body or "") if part))


def render(notification, language: str | None = None) -> Rendered:
    """The notice's title and body, in `language` or the active one."""
    def parts():
        return render_parts(notification.kind, notification.params, notification.body,
                            fallback_title=notification.title)

    if language is None:
        return parts()
    with translation.override(normalise_language(language)):
        return parts()


def stored_title(kind: str, params: dict) -> str:
    """The title written into the row, in the platform's language: a fallback
    for readers of the raw table (admin, exports) and for older code."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_parts(kind, params).title[:200]
