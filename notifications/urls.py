from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("badge/", views.unread_badge, name="badge"),
    path("<int:pk>/read/", views.mark_one_read, name="read"),
]
