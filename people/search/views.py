"""Find a person: a POST from the header's search box (the ID number never enters a URL), answered by a redirect
to the file's opaque key, or by a short list when searching by name."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import EVERY_ROLE, roles_required
from people.search.forms import PersonSearchForm
from people.selectors import people_search_for
from subsidies.rosters.person_keys import PERSON_URL


@roles_required(*EVERY_ROLE)
@require_POST
def person_search(request):
    form = PersonSearchForm(request.POST)
    answer = people_search_for(request.user, form.cleaned_data["q"]) if form.is_valid() else None
    if answer is not None and answer.key is not None:
        return redirect(PERSON_URL, key=answer.key)
    if answer is not None and not answer.by_id and len(answer.matches) == 1:
        return redirect(PERSON_URL, key=answer.matches[0].key)
    return render(request, "people/search.html", {"answer": answer, "searched": form.is_valid()})
