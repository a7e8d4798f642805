"""The work-order pages, split by what the user is doing."""
from .batch import batch_create, batch_detail, batch_job, batch_new
from .detail import act, attachment_download, detail, reveal_id
from .filing import due_preview, edit, new, respondent_options
from .inbox import extension_requests, home_summary, inbox

__all__ = [
    "act", "attachment_download", "batch_create", "batch_detail", "batch_job", "batch_new", "detail",
    "due_preview", "edit", "extension_requests", "home_summary", "inbox", "new", "respondent_options",
    "reveal_id",
]
