"""Admin for policies (with their tiers, fiscal shares, categories and per-tier amounts, mid-year and special rules),
and for the reference data: departments, funds, categories (import/export through `resources`)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.tmp_storages import MediaStorage

from accounts.access import scope_of
from enrollment.files.export_formats import EXPORT_FORMATS
from subsidies.models import (
    AmountKind,
    Category,
    Department,
    FiscalShare,
    Fund,
    MidYearRule,
    Policy,
    PolicyCategory,
    SpecialEnrolmentRule,
    Tier,
    mid_year_overlap_message,
)
from subsidies.policies import rules
from subsidies.policies.resources import CategoryResource, DepartmentResource, FundResource, split_labels
from subsidies.policies.services import category_amount_set


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    fields = ["number", "name", "standard", "student_standard"]


class FiscalShareFormSet(BaseInlineFormSet):
    """The shares together: percentages add up to at most 100%, fixed amounts to at most the fiscal subsidy."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        percents = sum((r["percent"] for r in rows if r.get("percent") is not None), Decimal(0))
        amounts = sum((r["amount"] for r in rows if r.get("amount") is not None), Decimal(0))
        if percents > 100:
            raise ValidationError(_("The percentages add up to %(total)s%%, more than 100%%.") % {"total": percents})
        fiscal = self.instance.fiscal_subsidy
        if fiscal is not None and amounts > fiscal:
            raise ValidationError(
                _("The fixed shares add up to %(total)s yuan, more than the fiscal subsidy of %(fiscal)s yuan.")
                % {"total": amounts, "fiscal": fiscal}
            )


class FiscalShareInline(admin.TabularInline):
    model = FiscalShare
    formset = FiscalShareFormSet
    extra = 0
    fields = ["level", "percent", "amount"]


class PolicyCategoryForm(forms.ModelForm):
    """A category line of the policy, with one subsidy field per tier: "310" yuan, "80%" of the standard, or empty."""

    tiers: list[Tier] = []

    class Meta:
        model = PolicyCategory
        fields = ["category", "fund", "priority", "uses_student_standard", "exempt_from_window"]

    @classmethod
    def for_tiers(cls, tiers: list[Tier]) -> type[PolicyCategoryForm]:
        """A subclass with one declared subsidy field per tier of the policy."""
        attrs = {"tiers": tiers}
        for tier in tiers:
            attrs[f"tier_{tier.number}"] = forms.CharField(
                label=_("Subsidy, %(tier)s (%(standard)s yuan)") % {"tier": tier, "standard": tier.standard},
                required=False,
                help_text=_("310 = fixed yuan; 80% = share of the standard; empty = not subsidised in this tier."),
                widget=forms.TextInput(attrs={"size": 8}),
            )
        return type("PolicyCategoryTierForm", (cls,), attrs)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            existing = {a.tier_id: a for a in self.instance.amounts.all()}
            for tier in self.tiers:
                row = existing.get(tier.pk)
                if row is not None:
                    self.initial[f"tier_{tier.number}"] = rules.amount_label(
                        rules.Amount(kind=row.kind, value=row.value)
                    )

    def clean(self):
        data = super().clean()
        self.tier_amounts: dict[Tier, rules.Amount | None] = {}
        student = data.get("uses_student_standard")
        category = data.get("category")
        for tier in self.tiers:
            name = f"tier_{tier.number}"
            try:
                amount = rules.amount_parse(data.get(name, ""))
            except ValueError:
                self.add_error(name, _("Write an amount in yuan (310) or a percentage (80%)."))
                continue
            if amount is not None:
                standard = tier.student_standard if student and tier.student_standard is not None else tier.standard
                if amount.kind == AmountKind.PERCENT and amount.value > 100:
                    self.add_error(name, _("A percentage cannot be more than 100%."))
                    continue
                if amount.kind == AmountKind.FIXED and amount.value > standard:
                    self.add_error(
                        name,
                        _(
                            "The subsidy of %(value)s yuan for “%(category)s” is more than the personal standard of "
                            "%(standard)s yuan of %(tier)s."
                        )
                        % {"value": amount.value, "category": category or "", "standard": standard, "tier": tier},
                    )
                    continue
            self.tier_amounts[tier] = amount
        return data


class PolicyCategoryInline(admin.TabularInline):
    model = PolicyCategory
    form = PolicyCategoryForm
    extra = 0
    autocomplete_fields = ["category"]

    def get_formset(self, request, obj=None, **kwargs):
        tiers = list(obj.tiers.all()) if obj is not None and obj.pk else []
        kwargs["form"] = self.form.for_tiers(tiers)
        kwargs["fields"] = [*PolicyCategoryForm.Meta.fields, *(f"tier_{t.number}" for t in tiers)]
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        tiers = list(obj.tiers.all()) if obj is not None and obj.pk else []
        return [*PolicyCategoryForm.Meta.fields, *(f"tier_{t.number}" for t in tiers)]


class MidYearRuleFormSet(BaseInlineFormSet):
    """The periods against each other and against the collection window, as submitted (not as stored)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance._siblings_checked_by_formset = True
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rules_ = [
            f.instance
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.instance.applies_from and f.instance.applies_to
        ]
        policy = self.instance
        problems = []
        for rule in rules_:
            if (
                policy.collection_start
                and policy.collection_end
                and rule.applies_from <= policy.collection_end
                and policy.collection_start <= rule.applies_to
            ):
                problems.append(
                    _(
                        "%(name)s (%(start)s to %(end)s) overlaps the collection window "
                        "(%(window_start)s to %(window_end)s)."
                    )
                    % {
                        "name": rule.name,
                        "start": rule.applies_from,
                        "end": rule.applies_to,
                        "window_start": policy.collection_start,
                        "window_end": policy.collection_end,
                    }
                )
        ordered = sorted(rules_, key=lambda r: r.applies_from)
        for earlier, later in itertools.pairwise(ordered):
            if later.applies_from <= earlier.applies_to:
                problems.append(mid_year_overlap_message(later, earlier))
        if problems:
            raise ValidationError(problems)


class MidYearRuleInline(admin.StackedInline):
    model = MidYearRule
    formset = MidYearRuleFormSet
    extra = 0
    fields = [
        ("name", "applies_from", "applies_to"),
        ("price", "fiscal_amount"),
        ("start", "wait"),
        ("low_income_exempt", "exempt_only"),
    ]


class SpecialEnrolmentRuleInline(admin.TabularInline):
    model = SpecialEnrolmentRule
    extra = 0
    fields = ["kind", "grace", "grace_unit", "start_within", "late_wait_months", "free_in_birth_year"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["county", "year", "title", "collection_start", "collection_end", "fiscal_subsidy"]
    list_filter = ["year", "county"]
    search_fields = ["title", "county__name", "county__code"]
    list_select_related = ["county"]
    inlines = [TierInline, FiscalShareInline, PolicyCategoryInline, MidYearRuleInline, SpecialEnrolmentRuleInline]
    fieldsets = [
        (None, {"fields": ["county", "year", "title", "source"]}),
        (
            _("Collection"),
            {
                "fields": [
                    "collection_start",
                    "collection_end",
                    "subsidy_deadline",
                    "fiscal_subsidy",
                    "transfer_deadline",
                ]
            },
        ),
        (
            _("Rules"),
            {
                "fields": [
                    "topup_after_full_payment",
                    "no_readjustment",
                    "household_enrolment",
                    "work_fund_per_person",
                    "note",
                ]
            },
        ),
    ]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is PolicyCategory:
            for inline_form in formset.forms:
                entry = inline_form.instance
                if entry.pk is None or not hasattr(inline_form, "tier_amounts"):
                    continue
                if inline_form in formset.deleted_forms:
                    continue
                for tier, amount in inline_form.tier_amounts.items():
                    category_amount_set(policy_category=entry, tier=tier, amount=amount)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.save(update_fields=["updated_at"])  # a new rules snapshot for every edit


class ImportExportForBureau(ImportExportModelAdmin):
    """Import and export are for users who may change the data (the bureau), never for auditors."""

    tmp_storage_class = MediaStorage
    export_formats = EXPORT_FORMATS  # the formula-safe writer's .xlsx and CSV only

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_change_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        """A resource whose rows name a county (categories) may name only the user's (a superuser: any)."""
        kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        if not request.user.is_superuser:
            kwargs["county_id"] = scope_of(request.user).county_id or 0
        return kwargs


@admin.register(Department)
class DepartmentAdmin(ImportExportForBureau):
    resource_classes = [DepartmentResource]
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Fund)
class FundAdmin(ImportExportForBureau):
    resource_classes = [FundResource]
    list_display = ["code", "name", "department"]
    search_fields = ["code", "name"]
    list_select_related = ["department"]


class CategoryForm(forms.ModelForm):
    """The other labels as one line of text ("特困供养人员、特困"), not JSON."""

    aliases = forms.CharField(
        label=_("other labels"),
        required=False,
        help_text=_("The labels files use for this category, separated by 、 or commas."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Category
        fields = ["county", "code", "name", "department", "aliases", "is_low_income"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["aliases"] = "、".join(self.instance.aliases or [])

    def clean_aliases(self):
        return split_labels(self.cleaned_data.get("aliases", ""))


@admin.register(Category)
class CategoryAdmin(ImportExportForBureau):
    form = CategoryForm
    resource_classes = [CategoryResource]
    list_display = ["name", "code", "county", "department", "is_low_income", "aliases_text"]
    list_filter = ["county", "department", "is_low_income"]
    search_fields = ["name", "code"]
    list_select_related = ["county", "department"]

    @admin.display(description=_("other labels"))
    def aliases_text(self, obj):
        return "、".join(obj.aliases or [])
