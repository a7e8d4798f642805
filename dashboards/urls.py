from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overdue, name="overdue"),
    path("overdue/export/", views.overdue_export, name="overdue_export"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/export/", views.scorecards_export, name="scorecards_export"),
    path("courts/", views.courts, name="courts"),
    path("supervision/", views.supervision, name="supervision"),
    path("agenda/", views.agenda, name="agenda"),
]
