"""The audit trail of one object, for those who may see it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts.history import object_history, tracked_model, visible_objects


@login_required
def history_object(request, label: str, pk: int):
    """Who changed this object, when, and what: for anyone who may see the object."""
    model = tracked_model(label)
    if model is None:
        raise Http404
    obj = get_object_or_404(visible_objects(model, request.user), pk=pk)
    events = object_history(obj=obj, user=request.user)
    return render(
        request,
        "accounts/history_object.html",
        {"object": obj, "model_name": model._meta.verbose_name, "events": events},
    )
