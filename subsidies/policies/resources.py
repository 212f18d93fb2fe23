"""django-import-export resources for the reference data the bureau keeps in the admin: departments, funds and the
categories (with the other labels files use for them). Natural keys, Chinese column names, row-level errors."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from enrollment.models import County
from subsidies.models import Category, Department, Fund

_SEPARATORS = re.compile(r"[、,，;；\n\r]+")


def split_labels(text: str) -> list[str]:
    """ "特困供养人员、特困, 特困人员" -> ["特困供养人员", "特困", "特困人员"]: trimmed, no blanks, no repeats."""
    seen: list[str] = []
    for label in _SEPARATORS.split(text or ""):
        label = label.strip().replace("\u3000", "")
        if label and label not in seen:
            seen.append(label)
    return seen


class LabelsWidget(widgets.Widget):
    """A JSON list of labels in the database, one cell of text separated by 、 in files."""

    def clean(self, value, row=None, **kwargs):
        return split_labels(str(value) if value is not None else "")

    def render(self, value, obj=None, **kwargs):
        return "、".join(value or [])


class DepartmentResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name=_("code"))
    name = fields.Field(attribute="name", column_name=_("name"))
    is_active = fields.Field(attribute="is_active", column_name=_("active"), widget=widgets.BooleanWidget())

    class Meta:
        model = Department
        import_id_fields = ["code"]
        fields = ["code", "name", "is_active"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class FundResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name=_("code"))
    name = fields.Field(attribute="name", column_name=_("name"))
    department = fields.Field(
        attribute="department",
        column_name=_("department"),
        widget=widgets.ForeignKeyWidget(Department, field="code"),
    )

    class Meta:
        model = Fund
        import_id_fields = ["code"]
        fields = ["code", "name", "department"]
        clean_model_instances = True
        skip_unchanged = True


class CountyCodeWidget(widgets.ForeignKeyWidget):
    """A county by its code, among the counties the importing user may write (all when `county_id` is None)."""

    def __init__(self, county_id: int | None = None):
        super().__init__(County, field="code")
        self.county_id = county_id

    def get_queryset(self, value, row, *args, **kwargs):
        qs = super().get_queryset(value, row, *args, **kwargs)
        return qs if self.county_id is None else qs.filter(pk=self.county_id)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except County.DoesNotExist as exc:
            raise ValueError(_("County %(code)s is not yours to import into.") % {"code": value}) from exc


class CategoryResource(resources.ModelResource):
    county = fields.Field(attribute="county", column_name=_("county"), widget=CountyCodeWidget())
    code = fields.Field(attribute="code", column_name=_("code"))
    name = fields.Field(attribute="name", column_name=_("name"))
    department = fields.Field(
        attribute="department",
        column_name=_("certifying department"),
        widget=widgets.ForeignKeyWidget(Department, field="code"),
    )
    aliases = fields.Field(attribute="aliases", column_name=_("other labels"), widget=LabelsWidget())
    is_low_income = fields.Field(
        attribute="is_low_income", column_name=_("low-income group"), widget=widgets.BooleanWidget()
    )

    class Meta:
        model = Category
        import_id_fields = ["county", "code"]
        fields = ["county", "code", "name", "department", "aliases", "is_low_income"]
        clean_model_instances = True
        skip_unchanged = True

    def __init__(self, *, county_id: int | None = None, **kwargs):
        """`county_id`: the only county rows may name (the admin passes the bureau user's); None: any county."""
        super().__init__(**kwargs)
        self.county_id = county_id
        self.fields["county"].widget = CountyCodeWidget(county_id)

    def get_queryset(self):
        qs = super().get_queryset().select_related("county", "department")
        return qs if self.county_id is None else qs.filter(county_id=self.county_id)
