"""One work order: the page, its actions, the ID reveal and the downloads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from notifications.selectors import notifications_for
from notifications.services import mark_read

from .. import presenters, services
from ..errors import ConflictError
from ..forms import (
    AnswerForm,
    DecideExtensionForm,
    ExtensionForm,
    ReopenForm,
    ResubmitForm,
    ReturnForm,
    WithdrawForm,
)
from ..downloads import attachment_response
from ..selectors import get_attachment_for, get_pending_extension_for, get_work_order_for
from ..transitions import Action
from ..uploads import refuse_cut_upload
from .common import is_htmx

@dataclass(frozen=True)
class ActionSpec:
    action: Action
    form: type | None
    run: Callable  # (wo, actor, cleaned_data) -> None
    done: Promise


def _decide(wo, actor, data):
    pending = get_pending_extension_for(actor, wo)
    services.extension_decide(extension=pending, actor=actor, approve=data["decision"] == "approve",
                              note=data["note"])


ACTIONS = {
    "submit": ActionSpec(Action.SUBMIT, None,
                         lambda wo, u, d: services.work_order_submit(work_order=wo, actor=u),
                         _("Submitted. The agency has been notified.")),
    "sign": ActionSpec(Action.SIGN, None,
                       lambda wo, u, d: services.work_order_sign(work_order=wo, actor=u),
                       _("Signed for. The work order is now in progress.")),
    "return": ActionSpec(Action.RETURN, ReturnForm,
                         lambda wo, u, d: services.work_order_return(work_order=wo, actor=u, reason=d["reason"]),
                         _("Returned to the court for supplement.")),
    "answer": ActionSpec(Action.ANSWER, AnswerForm,
                         lambda wo, u, d: services.work_order_answer(
                             work_order=wo, actor=u, outcome=d["outcome"], result_text=d["result_text"],
                             attachments=d["attachments"]),
                         _("Reply sent to the court.")),
    "extension": ActionSpec(Action.REQUEST_EXTENSION, ExtensionForm,
                            lambda wo, u, d: services.extension_request(work_order=wo, actor=u, days=d["days"],
                                                                        reason=d["reason"]),
                            _("Extension requested. The linkage center will decide.")),
    "decide": ActionSpec(Action.DECIDE_EXTENSION, DecideExtensionForm, _decide, _("Decision recorded.")),
    "resubmit": ActionSpec(Action.RESUBMIT, ResubmitForm,
                           lambda wo, u, d: services.work_order_resubmit(
                               work_order=wo, actor=u, note=d["note"], attachments=d["attachments"],
                               details=d["details"], respondent=d["respondent"],
                               remove_attachments=d["remove_attachments"]),
                           _("Resubmitted. The period starts again.")),
    "accept": ActionSpec(Action.ACCEPT, None,
                         lambda wo, u, d: services.work_order_accept(work_order=wo, actor=u),
                         _("Answer accepted; the work order is closed.")),
    "reopen": ActionSpec(Action.REOPEN, ReopenForm,
                         lambda wo, u, d: services.work_order_reopen(work_order=wo, actor=u, reason=d["reason"]),
                         _("Reopened and sent back to the agency.")),
    "withdraw": ActionSpec(Action.WITHDRAW, WithdrawForm,
                           lambda wo, u, d: services.work_order_withdraw(work_order=wo, actor=u, reason=d["reason"]),
                           _("Withdrawn.")),
}
# The order in which the action panel offers them.
ACTION_ORDER = ["submit", "sign", "answer", "return", "extension", "decide", "accept", "reopen", "resubmit",
                "withdraw"]


def detail_context(request, wo, *, bound=None, revealed_id=None):
    """The page's context (`presenters.work_order_page`) plus the action forms.
    `bound` is (action name, bound form) when a submitted form is shown again;
    `?open=<action>` opens that panel (the extension list links to "decide")."""
    ctx = presenters.work_order_page(request.user, wo)
    allowed = ctx.pop("allowed")
    names = [n for n in ACTION_ORDER if ACTIONS[n].action in allowed]
    forms = {}
    for name in names:
        if bound and bound[0] == name:
            forms[name] = bound[1]
        elif ACTIONS[name].form is not None:
            forms[name] = _action_form(name, wo)
    requested = request.GET.get("open")
    ctx.update({
        "actions": [(n, forms.get(n)) for n in names],
        "open_action": bound[0] if bound else (requested if requested in names else None),
        "revealed_id": revealed_id,
    })
    return ctx


def _action_form(name, wo, *args, **kwargs):
    if name == "resubmit":
        return ResubmitForm(*args, prefix=name, work_order=wo, **kwargs)
    return ACTIONS[name].form(*args, prefix=name, **kwargs)


@login_required
def detail(request, pk):
    wo = get_work_order_for(request.user, pk)
    # Opening the work order reads its notices.
    mark_read(user=request.user, ids=notifications_for(request.user).filter(
        work_order=wo, read_at__isnull=True).values("pk"))
    return render(request, "workorders/detail.html", detail_context(request, wo))


@login_required
def act(request, pk, name):
    """Run one lifecycle action. The object is looked up before the method is
    checked, so a foreign work order answers 404 whatever the method."""
    wo = get_work_order_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    spec = ACTIONS[name]
    form = _action_form(name, wo, request.POST, request.FILES) if spec.form else None
    if form is not None:
        refuse_cut_upload(request, form)
    if form is not None and not form.is_valid():
        return _rerender(request, wo, name, form)
    try:
        spec.run(wo, request.user, form.cleaned_data if form else {})
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
            return redirect("workorders:detail", pk=wo.pk)
        form.add_error(None, exc)
        return _rerender(request, wo, name, form)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("workorders:detail", pk=wo.pk)
    messages.success(request, spec.done)
    return redirect("workorders:detail", pk=wo.pk)


def _rerender(request, wo, name, form):
    wo = get_work_order_for(request.user, wo.pk)
    return render(request, "workorders/detail.html", detail_context(request, wo, bound=(name, form)), status=400)


@never_cache  # the full ID number must not stay in any cache
@login_required
def reveal_id(request, pk):
    """Show the respondent's full ID number; the service logs who looked."""
    wo = get_work_order_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    value = services.respondent_id_reveal(work_order=wo, actor=request.user)
    if is_htmx(request):
        return render(request, "workorders/_revealed_id.html", {"value": value})
    return render(request, "workorders/detail.html", detail_context(request, wo, revealed_id=value))


@login_required
def attachment_download(request, pk):
    """Serve a document to someone who may see its work order; 404 otherwise."""
    return attachment_response(get_attachment_for(request.user, pk))
