"""Build the POST of an admin change form from its GET, as a browser would submit it unchanged."""


def form_data(response) -> dict[str, str]:
    """Every field of the admin form and its inline formsets (management forms included), with current values."""
    data: dict[str, str] = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            data[bound.html_name] = str(getattr(value, "pk", value))

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def inline_prefix(response, model_name: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name == model_name:
            return inline.formset.prefix
    raise KeyError(model_name)


def inline_row(response, model_name: str, **match) -> int:
    """The index of the inline form whose instance matches `match` (e.g. category__code="dibao")."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name != model_name:
            continue
        for i, form in enumerate(inline.formset.forms):
            obj = form.instance
            ok = True
            for path, want in match.items():
                value = obj
                for part in path.split("__"):
                    value = getattr(value, part)
                ok &= value == want
            if ok:
                return i
    raise LookupError(match)
