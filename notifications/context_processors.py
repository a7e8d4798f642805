from .models import Notification


class UnreadCount:
    """Counted on first use only, so pages that never show it never query."""

    def __init__(self, user):
        self.user, self.value = user, None

    def __call__(self):
        if self.value is None:
            self.value = Notification.objects.filter(recipient=self.user, read_at__isnull=True).count()
        return self.value


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadCount(user)}
