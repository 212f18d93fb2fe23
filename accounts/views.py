"""The audit trail of one object, for those who may see it; the user's own API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import EVERY_ROLE, roles_required, scope_of
from accounts.history import object_history, tracked_model, visible_objects
from accounts.tokens import TokenError, api_token_create, api_token_revoke, api_tokens_of


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


@roles_required(*EVERY_ROLE)
def api_tokens(request):
    """The user's API tokens: create one (its value shown this once), see when each was last used, revoke."""
    new_token = None
    error = None
    if request.method == "POST":
        try:
            _token, new_token = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except TokenError as exc:
            error = str(exc)
    context = {
        "tokens": api_tokens_of(user=request.user),
        "new_token": new_token,
        "error": error,
        "read_only": scope_of(request.user).read_only,
    }
    return render(request, "accounts/api_tokens.html", context)


@roles_required(*EVERY_ROLE)
@require_POST
def api_token_revoke_view(request, pk: int):
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("The token was revoked: it is refused from now on."))
    else:
        raise Http404
    return redirect("accounts:api_tokens")
