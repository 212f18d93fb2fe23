"""Services of the rosters: the county's category labels a roster file is matched against, and adding one."""

from django.utils.translation import gettext as _

from enrollment.files.readers import text
from enrollment.imports.importer import ImportError_
from subsidies.models import Category
from subsidies.rosters.labels import LabelIndex


def category_labels(*, county_id: int) -> tuple[LabelIndex, dict[int, tuple[int, str]]]:
    """The county's categories as a LabelIndex over their name, code and aliases, and id → (department, name)."""
    categories = list(Category.objects.filter(county_id=county_id).order_by("pk"))
    index = LabelIndex((cat.pk, [cat.name, cat.code, *(cat.aliases or [])]) for cat in categories)
    return index, {cat.pk: (cat.department_id, cat.name) for cat in categories}


def category_alias_add(*, category: Category, label: str, user=None) -> bool:
    """Add `label` to the category's other labels (a save, so the audit trail keeps who and when); False when
    the category already has it. A label another category of the county already carries is refused."""
    label = text(label)[:100]
    if not label:
        raise ImportError_(_("The label is empty."))
    index, category_of = category_labels(county_id=category.county_id)
    exact = index.match(label)
    if exact.stage == 0 and exact.ids:
        if category.pk in exact.ids:
            return False
        raise ImportError_(
            _("“%(label)s” is already a label of the category “%(category)s”.")
            % {"label": label, "category": category_of[exact.ids[0]][1]}
        )
    category.aliases = [*(category.aliases or []), label]
    category._change_reason = _("Label “%(label)s” added from an import's error page") % {"label": label}
    if user is not None and getattr(user, "is_authenticated", False):
        category._history_user = user
    category.save(update_fields=["aliases"])
    return True
