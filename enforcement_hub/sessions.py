"""Idle timeout for browser sessions.

A logged-in session that has seen no request for SESSION_IDLE_TIMEOUT_MINUTES is logged out
on its next request: a page is redirected to the login page with a message, an htmx request
sends the whole tab there (HX-Redirect), an API request goes on anonymous and gets the API's
own 401/403. API key requests carry no session and are never touched.

Each request by the user refreshes the mark, except the unread-badge poll every open page
makes by itself: a forgotten tab must not stay logged in forever. The mark is rewritten at
most once a minute, so most requests do not save the session.
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import ngettext

LAST_SEEN_KEY = "_eh_last_seen"
REFRESH_SECONDS = 60
# Requests a page makes on its own, not the user: they are checked but do not refresh.
PASSIVE_VIEWS = frozenset({"notifications:badge"})


def mark_login(sender, request, user, **kwargs):
    """user_logged_in receiver (connected in apps.py): the idle clock starts at login."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


def logged_in(request) -> bool:
    """A user logged in through this session (reads no user row)."""
    return SESSION_KEY in request.session


class IdleTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        if logged_in(request):
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
                return self.timed_out(request)
        response = self.get_response(request)
        # Afterwards, for the view's own user (a session from before this timeout existed
        # gets its first mark here). Asked of the session, not request.user: DRF sets that to
        # an API key's user, who has no session and must not be given one.
        if logged_in(request) and not self.passive(request):
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is None or now - last_seen >= REFRESH_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return response

    @staticmethod
    def passive(request) -> bool:
        match = request.resolver_match
        return match is not None and match.view_name in PASSIVE_VIEWS

    def timed_out(self, request):
        logout(request)
        if is_api(request):
            return self.get_response(request)  # anonymous now: the API answers for itself
        minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
        messages.info(request, ngettext(
            "You were logged out after %(minutes)d minute without activity. Please log in again.",
            "You were logged out after %(minutes)d minutes without activity. Please log in again.",
            minutes) % {"minutes": minutes})
        login = redirect_to_login(back_after_login(request))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login["Location"]
            return response
        return login


def is_api(request) -> bool:
    try:
        return resolve(request.path_info).namespaces[:1] == ["api"]
    except Resolver404:
        return False


def back_after_login(request) -> str:
    """The page to return to: the one asked for, or for an htmx fragment the page that holds
    it; a form post is not replayed. (The login view checks it is on this site.)"""
    if request.headers.get("HX-Request"):
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        return urlunsplit(("", "", page.path or "/", page.query, ""))
    return request.get_full_path() if request.method == "GET" else "/"
