from django.urls import path

from . import views
from .views.detail import ACTIONS
from .views.filing import delete_draft

app_name = "workorders"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("new/respondents/", views.respondent_options, name="respondent_options"),
    path("new/due-preview/", views.due_preview, name="due_preview"),
    path("batch/", views.batch_new, name="batch_new"),
    path("batch/create/", views.batch_create, name="batch_create"),
    path("batch/job/<str:token>/", views.batch_job, name="batch_job"),
    path("batch/<uuid:pk>/", views.batch_detail, name="batch_detail"),
    path("extensions/", views.extension_requests, name="extensions"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", delete_draft, name="delete_draft"),
    path("<int:pk>/reveal-id/", views.reveal_id, name="reveal_id"),
    # One route per lifecycle action, so that the route list (and the permission
    # test built from it) names each of them.
    *[path(f"<int:pk>/{name}/", views.act, {"name": name}, name=name) for name in ACTIONS],
]
