"""Reads. A notice is its recipient's alone: pages and API get notices from here."""
from django.db.models import QuerySet
from django.http import Http404

from .models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notices (nobody reads another's, superusers included)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def get_notification_for(user, pk) -> Notification:
    """The user's notice; 404 alike for missing and someone else's."""
    try:
        return notifications_for(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notification")
