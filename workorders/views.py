from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import get_work_order_for


@login_required
def detail(request, pk):
    wo = get_work_order_for(request.user, pk)
    return render(request, "workorders/detail.html", {"wo": wo})
