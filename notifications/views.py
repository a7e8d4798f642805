"""The notification centre: my notices, newest first, unread highlighted."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from django.views.i18n import set_language as django_set_language

from .selectors import get_notification_for, notifications_for
from .services import mark_read, set_preferred_language

PAGE_SIZE = 30


@login_required
def notification_list(request):
    only_unread = request.GET.get("unread") == "1"
    qs = notifications_for(request.user).select_related("work_order")
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "only_unread": only_unread})


def _back(request):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect(reverse("notifications:list"))


@login_required
def mark_one_read(request, pk):
    # Someone else's notice is as missing as a notice that does not exist.
    get_notification_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    mark_read(user=request.user, ids=[pk])
    return _back(request)


@login_required
def mark_all_read(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    mark_read(user=request.user)
    return _back(request)


@login_required
def unread_badge(request):
    """The nav badge, refreshed by the page every minute."""
    count = notifications_for(request.user).filter(read_at__isnull=True).count()
    return render(request, "notifications/_badge.html", {"count": count})


def set_language(request):
    """Django's language switch; a signed-in user's choice also becomes the
    language of their e-mails. Anyone may switch (the login page has the switch)."""
    response = django_set_language(request)
    language = request.POST.get("language") if request.method == "POST" else None
    if language and request.user.is_authenticated and response.status_code in (200, 302):
        set_preferred_language(user=request.user, language=language)
    return response
