"""Policies and what they pay: categories, tiers, fiscal shares, amounts per category, mid-year and special rules."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.reference.models import MONEY, Department, Fund


class Category(models.Model):
    """An identity category (人员类别) a department certifies in a county, with the labels files use for it."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.CASCADE, related_name="categories", verbose_name=_("county")
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="categories", verbose_name=_("certifying department")
    )
    aliases = models.JSONField(_("other labels"), default=list, blank=True)
    is_low_income = models.BooleanField(_("low-income group"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["county", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "code"],
                name="category_unique_code",
                violation_error_message=_("This county already has a category with this code."),
            )
        ]

    def __str__(self):
        return self.name


class Policy(models.Model):
    """A county's contribution and subsidy policy for one benefit year (SPEC §5)."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="policies", verbose_name=_("county")
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source notice"), max_length=200, blank=True)
    collection_start = models.DateField(_("collection window start"))
    collection_end = models.DateField(_("collection window end"))
    subsidy_deadline = models.DateField(
        _("subsidy deadline"),
        null=True,
        blank=True,
        help_text=_("After this date only people newly certified are subsidised."),
    )
    fiscal_subsidy = models.DecimalField(_("fiscal subsidy per person"), **MONEY)
    topup_after_full_payment = models.BooleanField(_("top-up after full payment"), default=False)
    no_readjustment = models.BooleanField(_("no re-adjustment after a subsidy"), default=True)
    household_enrolment = models.BooleanField(_("enrolment by household"), default=False)
    work_fund_per_person = models.DecimalField(_("village work fund per enrolled person"), default=0, **MONEY)
    transfer_deadline = models.CharField(_("counterpart funds deadline"), max_length=100, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("What the notice leaves out and how the bureau decided it.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["county", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"],
                name="policy_unique_county_year",
                violation_error_message=_(
                    "This county already has a policy for this benefit year: one policy per county and year."
                ),
            ),
            models.CheckConstraint(
                name="policy_window_ordered",
                condition=Q(collection_start__lte=F("collection_end")),
                violation_error_message=_("The collection window ends before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.county.name} {self.year}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("subsidies:policy_detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.subsidy_deadline and self.collection_start and self.subsidy_deadline < self.collection_start:
            raise ValidationError(
                {"subsidy_deadline": _("The subsidy deadline is before the collection window starts.")}
            )


class Tier(models.Model):
    """A contribution tier (档次) with its personal standard, and the students' own standard if any."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("policy"))
    number = models.PositiveSmallIntegerField(_("tier"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=50, blank=True)
    standard = models.DecimalField(_("personal standard"), **MONEY)
    student_standard = models.DecimalField(_("student standard"), null=True, blank=True, **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"],
                name="tier_unique_number",
                violation_error_message=_("This policy already has a tier with this number."),
            )
        ]

    def __str__(self):
        return self.name or _("tier %(number)s") % {"number": self.number}

    def clean(self):
        """A tier's standard may not fall below a fixed subsidy a category already gives in it."""
        if self.pk is None or self.standard is None:
            return
        for amount in self.amounts.filter(kind=AmountKind.FIXED).select_related("policy_category__category"):
            limit = amount.standard_limit(tier=self)
            if limit is not None and amount.value > limit:
                raise ValidationError(
                    {
                        "standard": _(
                            "The standard %(standard)s yuan is below the subsidy of %(value)s yuan that "
                            "“%(category)s” gives in this tier."
                        )
                        % {"standard": limit, "value": amount.value, "category": amount.policy_category.category}
                    }
                )


class FiscalLevel(models.TextChoices):
    CENTRAL = "central", _("central")
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    CITY_COUNTY = "city_county", _("city and county")


class FiscalShare(models.Model):
    """One level's share of the fiscal subsidy, as a percentage or a fixed amount."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="fiscal_shares", verbose_name=_("policy"))
    level = models.CharField(_("level"), max_length=16, choices=FiscalLevel.choices)
    percent = models.DecimalField(
        _("percent"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fiscal share")
        verbose_name_plural = _("fiscal shares")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "level"],
                name="fiscal_share_unique_level",
                violation_error_message=_("This level already has a share in this policy."),
            ),
            models.CheckConstraint(
                name="fiscal_share_percent_xor_amount",
                condition=(Q(percent__isnull=False) & Q(amount__isnull=True))
                | (Q(percent__isnull=True) & Q(amount__isnull=False)),
                violation_error_message=_("Give either a percentage or an amount for each level, not both."),
            ),
        ]

    def __str__(self):
        return self.get_level_display()

    def clean(self):
        if (self.percent is None) == (self.amount is None):
            raise ValidationError(_("Give either a percentage or an amount for each level, not both."))
        if self.percent is not None and self.percent > 100:
            raise ValidationError({"percent": _("A percentage cannot be more than 100%.")})
        fiscal = self.policy.fiscal_subsidy if self.policy_id else None
        if self.amount is not None and fiscal is not None and self.amount > fiscal:
            raise ValidationError(
                {
                    "amount": _("%(amount)s yuan is more than the fiscal subsidy of %(fiscal)s yuan.")
                    % {"amount": self.amount, "fiscal": fiscal}
                }
            )


class PolicyCategory(models.Model):
    """A category the policy subsidises: who pays, its priority for ties, whether it uses the student standard."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="categories", verbose_name=_("policy"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="policy_entries", verbose_name=_("category")
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paying fund")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), help_text=_("1 is the highest; decides ties."))
    uses_student_standard = models.BooleanField(_("uses the student standard"), default=False)
    exempt_from_window = models.BooleanField(
        _("may enrol outside the window"),
        default=False,
        help_text=_("Special groups who may enrol at any time and are exempt from waits where the policy says so."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy category")
        verbose_name_plural = _("policy categories")
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "category"],
                name="policy_category_unique",
                violation_error_message=_("This category is already in the policy."),
            ),
            models.UniqueConstraint(
                fields=["policy", "priority"],
                name="policy_category_unique_priority",
                violation_error_message=_("Two categories have the same priority: give each its own number."),
            ),
        ]

    def __str__(self):
        return str(self.category)

    def clean(self):
        if self.policy_id and self.category_id and self.category.county_id != self.policy.county_id:
            raise ValidationError({"category": _("The category belongs to another county.")})


class AmountKind(models.TextChoices):
    FIXED = "fixed", _("fixed amount")
    PERCENT = "percent", _("percent of the standard")


class CategoryAmount(models.Model):
    """A category's subsidy for one tier: fixed yuan or a percentage of the tier's standard (100% = full)."""

    policy_category = models.ForeignKey(
        PolicyCategory, on_delete=models.CASCADE, related_name="amounts", verbose_name=_("policy category")
    )
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="amounts", verbose_name=_("tier"))
    kind = models.CharField(_("kind"), max_length=8, choices=AmountKind.choices, default=AmountKind.FIXED)
    value = models.DecimalField(_("value"), validators=[MinValueValidator(0)], **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category amount")
        verbose_name_plural = _("category amounts")
        constraints = [
            models.UniqueConstraint(
                fields=["policy_category", "tier"],
                name="category_amount_unique_tier",
                violation_error_message=_("This category already has an amount for this tier."),
            ),
            models.CheckConstraint(
                name="category_amount_percent_max_100",
                condition=~Q(kind="percent") | Q(value__lte=100),
                violation_error_message=_("A percentage cannot be more than 100%."),
            ),
        ]

    def __str__(self):
        return f"{self.policy_category} {self.tier}"

    def standard_limit(self, *, tier=None):
        """The standard this amount is measured against: the students' own where the category uses it."""
        tier = tier or self.tier
        if self.policy_category.uses_student_standard and tier.student_standard is not None:
            return tier.student_standard
        return tier.standard

    def clean(self):
        if self.value is None:
            return
        if self.kind == AmountKind.PERCENT and self.value > 100:
            raise ValidationError({"value": _("A percentage cannot be more than 100%.")})
        if not (self.tier_id and self.policy_category_id):
            return
        if self.tier.policy_id != self.policy_category.policy_id:
            raise ValidationError({"tier": _("The tier belongs to another policy.")})
        limit = self.standard_limit()
        if self.kind == AmountKind.FIXED and limit is not None and self.value > limit:
            raise ValidationError(
                {
                    "value": _(
                        "The subsidy of %(value)s yuan for “%(category)s” is more than the personal standard of "
                        "%(standard)s yuan of %(tier)s."
                    )
                    % {
                        "value": self.value,
                        "category": self.policy_category.category,
                        "standard": limit,
                        "tier": self.tier,
                    }
                }
            )


class MidYearRule(models.Model):
    """How a payment outside the collection window is priced and when its benefits start (SPEC §7)."""

    class Price(models.TextChoices):
        STANDARD = "standard", _("personal standard")
        STANDARD_PLUS_FISCAL = "standard_plus_fiscal", _("personal standard plus fiscal subsidy")

    class Start(models.TextChoices):
        NEXT_MONTH = "next_month", _("the 1st of the next month")
        AFTER_DAYS = "after_days", _("a number of days after full payment")
        AFTER_MONTHS = "after_months", _("a number of months after payment")
        NEXT_DAY = "next_day", _("the day after payment")
        IMMEDIATE = "immediate", _("the payment date")
        BIRTH_DATE = "birth_date", _("the birth date")

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="mid_year_rules", verbose_name=_("policy")
    )
    name = models.CharField(_("name"), max_length=100)
    applies_from = models.DateField(_("payments from"))
    applies_to = models.DateField(_("payments until"))
    price = models.CharField(_("price"), max_length=24, choices=Price.choices, default=Price.STANDARD)
    fiscal_amount = models.DecimalField(
        _("fiscal subsidy added to the price"),
        null=True,
        blank=True,
        help_text=_("Required when the price includes the fiscal subsidy and the notice does not state it."),
        **MONEY,
    )
    start = models.CharField(_("benefits start"), max_length=16, choices=Start.choices)
    wait = models.PositiveSmallIntegerField(_("waiting period"), default=0)
    low_income_exempt = models.BooleanField(_("low-income people have no wait"), default=False)
    exempt_only = models.BooleanField(
        _("only for special groups"),
        default=False,
        help_text=_("Only people in categories that may enrol outside the window can pay in this period."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mid-year rule")
        verbose_name_plural = _("mid-year rules")
        ordering = ["policy", "applies_from"]
        constraints = [
            models.CheckConstraint(
                name="mid_year_rule_ordered",
                condition=Q(applies_from__lte=F("applies_to")),
                violation_error_message=_("The period ends before it starts."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.applies_from and self.applies_to and self.applies_from > self.applies_to:
            errors["applies_to"] = _("The period ends before it starts.")
        if self.start in (self.Start.AFTER_DAYS, self.Start.AFTER_MONTHS) and not self.wait:
            errors["wait"] = _("Give the length of the waiting period.")
        if self.start == self.Start.BIRTH_DATE:
            errors["start"] = _("Only the newborn rule can start benefits at the birth date.")
        if self.fiscal_amount is not None and self.price != self.Price.STANDARD_PLUS_FISCAL:
            errors["fiscal_amount"] = _("Only a price that includes the fiscal subsidy uses this amount.")
        if errors:
            raise ValidationError(errors)
        if not (self.policy_id and self.applies_from and self.applies_to):
            return
        if getattr(self, "_siblings_checked_by_formset", False):
            return  # the admin's formset compares the periods as submitted
        policy = self.policy
        if self.applies_from <= policy.collection_end and policy.collection_start <= self.applies_to:
            raise ValidationError(
                _(
                    "%(name)s (%(start)s to %(end)s) overlaps the collection window "
                    "(%(window_start)s to %(window_end)s)."
                )
                % {
                    "name": self.name,
                    "start": self.applies_from,
                    "end": self.applies_to,
                    "window_start": policy.collection_start,
                    "window_end": policy.collection_end,
                }
            )
        clash = (
            MidYearRule.objects.filter(
                policy_id=self.policy_id, applies_from__lte=self.applies_to, applies_to__gte=self.applies_from
            )
            .exclude(pk=self.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(mid_year_overlap_message(self, clash))


def mid_year_overlap_message(rule, other) -> str:
    return _("%(name)s (%(start)s to %(end)s) overlaps %(other)s (%(other_start)s to %(other_end)s).") % {
        "name": rule.name,
        "start": rule.applies_from,
        "end": rule.applies_to,
        "other": other.name,
        "other_start": other.applies_from,
        "other_end": other.applies_to,
    }


class SpecialEnrolmentRule(models.Model):
    """Newborns and people leaving employee insurance: a grace period, and the wait beyond it (SPEC §7)."""

    class Kind(models.TextChoices):
        NEWBORN = "newborn", _("newborn")
        EMPLOYEE_LEAVER = "employee_leaver", _("leaving employee insurance")

    class Unit(models.TextChoices):
        DAYS = "days", _("days")
        MONTHS = "months", _("months")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="special_rules", verbose_name=_("policy"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    grace = models.PositiveSmallIntegerField(
        _("grace period"), null=True, blank=True, help_text=_("Empty: no time limit.")
    )
    grace_unit = models.CharField(_("grace unit"), max_length=6, choices=Unit.choices)
    start_within = models.CharField(_("benefits start within grace"), max_length=16, choices=MidYearRule.Start.choices)
    late_wait_months = models.PositiveSmallIntegerField(
        _("wait after the grace period (months)"), null=True, blank=True
    )
    free_in_birth_year = models.BooleanField(
        _("newborns pay nothing in their birth year"),
        default=False,
        help_text=_(
            "Registered newborns are covered from birth without paying for that year. Only for the newborn rule."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("special enrolment rule")
        verbose_name_plural = _("special enrolment rules")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "kind"],
                name="special_rule_unique_kind",
                violation_error_message=_("This policy already has a rule of this kind."),
            )
        ]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        if self.free_in_birth_year and self.kind != self.Kind.NEWBORN:
            raise ValidationError({"free_in_birth_year": _("Only newborns can be free in their birth year.")})
        if self.start_within == MidYearRule.Start.BIRTH_DATE and self.kind != self.Kind.NEWBORN:
            raise ValidationError({"start_within": _("Only the newborn rule can start benefits at the birth date.")})
        if self.start_within in (
            MidYearRule.Start.NEXT_MONTH,
            MidYearRule.Start.AFTER_DAYS,
            MidYearRule.Start.AFTER_MONTHS,
        ):
            raise ValidationError(
                {"start_within": _("Within the grace period benefits start at birth, on payment or the day after.")}
            )
