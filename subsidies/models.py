"""Departments, funds, policies and their categories, identity rosters, reconciliation and transfers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 12, "decimal_places": 2}


class Department(models.Model):
    """A certifying department (民政, 乡村振兴, 残联, 退役军人事务, … added as data)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


class Fund(models.Model):
    """A paying fund: 医疗救助资金, or a department's own budget."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="funds", verbose_name=_("department")
    )

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["code"]

    def __str__(self):
        return self.name

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


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


class RosterVersion(models.Model):
    """One committed full snapshot of a department's roster, with its diff against the previous version."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="roster_versions", verbose_name=_("county")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="roster_versions", verbose_name=_("department")
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot_date = models.DateField(_("snapshot date"))
    import_job = models.OneToOneField(
        "enrollment.ImportJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roster_version",
        verbose_name=_("import"),
    )
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("previous version")
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    changed = models.PositiveIntegerField(_("category changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roster version")
        verbose_name_plural = _("roster versions")
        ordering = ["department", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "department", "number"], name="roster_version_unique_number")
        ]

    def __str__(self):
        return f"{self.department} v{self.number} ({self.snapshot_date})"

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


class RosterChange(models.Model):
    """One line of a version's diff: a person added, removed or whose category changed."""

    class Kind(models.TextChoices):
        ADDED = "added", _("added")
        REMOVED = "removed", _("removed")
        CHANGED = "changed", _("category changed")

    # Written by the roster commit in bulk (INSERT … SELECT, one row per change), with no per-row foreign-key
    # trigger: `version` is the row that same transaction created (`roster_change_kind_idx` (version, kind) serves
    # its lookups; Django's collector still deletes a version's changes with it).
    version = models.ForeignKey(
        RosterVersion,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("version"),
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("change"), max_length=8, choices=Kind.choices)
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50, blank=True)
    # Each category here is also an identity's (the old one of the ended identity, the new one of the identity the
    # same commit inserts), whose constraint holds it: no per-row trigger of their own, and no index (only a
    # category's deletion looks them up).
    old_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("old category"),
        db_index=False,
        db_constraint=False,
    )
    new_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new category"),
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        indexes = [models.Index(fields=["version", "kind"], name="roster_change_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.id_number}"


class Identity(models.Model):
    """A person certified in a category by a department for a period (SPEC §4)."""

    # Identities are written by the roster commit in bulk (hundreds of thousands of rows per snapshot). County,
    # department, version and ended_by come from the job's locked department row and the version that same
    # transaction creates, so they carry no per-row foreign-key trigger (PROTECT still holds in Django's
    # collector). Nor does category, which comes from the file: the roster commit checks and holds the few
    # categories a file names, once each (subsidies.rosters: RosterImporter._hold_categories and the delete
    # guard _category_deleted), instead of a deferred check per row at COMMIT. County and department need no
    # index of their own: identity_person_idx and identity_department_idx start with them. Category, version and
    # ended_by have none either: they are only looked up when a category or a version is deleted (rare; a scan
    # then), while every index costs each row a roster commit inserts, and an index on a column it updates
    # makes every end a non-HOT update (see Meta.indexes).
    county = models.ForeignKey(
        "enrollment.County",
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("county"),
        db_index=False,
        db_constraint=False,
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("department"),
        db_index=False,
        db_constraint=False,
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("category"),
        db_index=False,
        db_constraint=False,
    )
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    township_name = models.CharField(_("township"), max_length=50, blank=True)
    village_name = models.CharField(_("village"), max_length=50, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    version = models.ForeignKey(
        RosterVersion,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("first seen in"),
        db_index=False,
        db_constraint=False,
    )
    ended_by = models.ForeignKey(
        RosterVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ended_identities",
        verbose_name=_("ended by"),
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        indexes = [
            models.Index(fields=["county", "id_number"], name="identity_person_idx"),
            # Not valid_to: a roster commit ends identities by setting valid_to and ended_by, and an update that
            # changes no indexed column, on a page with room, is HOT (no index entry at all). FILLFACTOR 50 (set
            # in migration 0016 on PostgreSQL) leaves each page room to end every identity on it once per version.
            models.Index(fields=["department", "county"], name="identity_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="identity_period_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
            )
        ]

    def __str__(self):
        return f"{self.name} {self.category}"

    def valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class DirtyPerson(models.Model):
    """A person whose identities, payments or register row changed since the last reconciliation."""

    # dirty_person_unique (county, year, id_number) serves county lookups. On PostgreSQL the table keeps half of
    # each page free (migration 0010) so that re-marking a person already marked is a HOT update, not a new index
    # entry.
    county = models.ForeignKey(
        "enrollment.County", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # The benefit year to recompute the person for: a change marks each of the county's current years (two during
    # a campaign: this year and the next), so each year's run takes its own marks. ANY_YEAR (a change made while
    # the county had no policy) is taken by the next run, whatever its year.
    year = models.PositiveSmallIntegerField(db_default=0)
    id_number = models.CharField(max_length=18)
    marked_at = models.DateTimeField(auto_now=True)

    ANY_YEAR = 0

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "year", "id_number"], name="dirty_person_unique")]

    def __str__(self):
        return self.id_number


class DirtyCounty(models.Model):
    """Everyone in a county needs recomputing for a year: marked instead of a DirtyPerson per person when one change
    touches most of the county (a first register load, say). The next run of the year is then a full run; it takes
    the mark when it finishes, unless the mark was renewed meanwhile (`generation`), so that nothing committed during
    the run is missed."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    year = models.PositiveSmallIntegerField(db_default=0)  # DirtyPerson.ANY_YEAR: taken by the next run of any year
    generation = models.PositiveIntegerField(default=1)
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="dirty_county_unique")]

    def __str__(self):
        return f"{self.county_id} {self.year}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReconciliationRun(models.Model):
    """One reconciliation of a county and benefit year as of a date, full or incremental."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="runs", verbose_name=_("county")
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    as_of = models.DateField(_("as of"))
    full = models.BooleanField(_("full run"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    persons = models.PositiveIntegerField(_("persons recomputed"), default=0)
    changed = models.PositiveIntegerField(_("results changed"), default=0)
    counts = models.JSONField(_("counts by status"), default=dict, blank=True)
    chunks_total = models.PositiveSmallIntegerField(_("parts"), default=0)
    chunks_done = models.PositiveSmallIntegerField(_("parts done"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    # The whole-county marks this run takes when it finishes: {DirtyCounty pk: generation seen at the start}.
    county_marks = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.county} {self.year} {self.as_of}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("subsidies:reconciliation_run", kwargs={"pk": self.pk})

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None

    @property
    def progress_percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        if not self.chunks_total:
            return 0
        return min(100, round(100 * self.chunks_done / self.chunks_total))


class EnrolmentStatus(models.TextChoices):
    PROXY_ENROLLED = "proxy_enrolled", _("Enrolled by proxy")
    ENROLLED = "enrolled", _("Enrolled")
    UNDERPAID = "underpaid", _("Underpaid")
    NOT_ENROLLED = "not_enrolled", _("Not enrolled")


class Flag(models.TextChoices):
    INVALID_ID = "invalid_id", _("Invalid ID number")
    SUSPECT_ID = "suspect_id", _("Suspect ID number")
    NAME_MISMATCH = "name_mismatch", _("Name differs from the register")
    NOT_IN_REGISTER = "not_in_register", _("On a roster but not in the register")
    CERTIFIED_NOT_ENROLLED = "certified_not_enrolled", _("Certified but not enrolled")
    UNDERPAID = "underpaid", _("Underpaid")
    OVERPAID = "overpaid", _("Overpaid")
    ENROLLED_TWICE = "enrolled_twice", _("Enrolled twice")
    REFUNDED = "refunded", _("Refunded")
    REFUND_AFTER_TRANSFER = "refund_after_transfer", _("Refunded after an approved transfer: follow up")
    HOUSEHOLD_PARTIAL = "household_partial", _("Household partly enrolled")
    AFTER_DEADLINE = "after_deadline", _("Subsidy refused after the deadline")


class ReconciliationResult(models.Model):
    """The outcome of SPEC §6 for one person and benefit year. `flags` is ';code;code;' so one LIKE finds a flag.

    Derived data, rewritten set-based by `subsidies.reconcile` a million rows at a time: its foreign keys are not
    enforced by the database, nor indexed one by one (the service only writes ids it has just read; deletions still
    go through Django's on_delete; the composite indexes below serve the pages): that is most of the cost of
    writing a county.
    """

    county = models.ForeignKey(
        "enrollment.County",
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="results",
        verbose_name=_("county"),
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    township = models.ForeignKey(
        "enrollment.Township",
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        "enrollment.Village",
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    reference_date = models.DateField(_("reference date"))
    tier = models.PositiveSmallIntegerField(_("tier"), default=1)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    fund = models.ForeignKey(
        Fund,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fund"),
    )
    subsidy = models.DecimalField(_("subsidy"), default=0, **MONEY)
    personal_due = models.DecimalField(_("personal due"), default=0, **MONEY)
    paid = models.DecimalField(_("paid"), default=0, **MONEY)
    paid_on = models.DateField(_("payment date"), null=True, blank=True)
    # The day the person became enrolled: full payment date, or the proxy enrolment date. Transfers use its month.
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices)
    topup = models.DecimalField(_("top-up owed"), default=0, **MONEY)
    topup_month = models.DateField(_("top-up month"), null=True, blank=True)
    benefit_start = models.DateField(_("benefits start"), null=True, blank=True)
    flags = models.CharField(_("flags"), max_length=250, blank=True, default="")
    locked = models.BooleanField(_("locked by an approved batch"), default=False)
    run = models.ForeignKey(
        ReconciliationRun,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reconciliation result")
        verbose_name_plural = _("reconciliation results")
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "id_number"], name="result_unique_person_year"),
        ]
        indexes = [
            models.Index(fields=["county", "year", "village", "id_number"], name="result_village_idx"),
            models.Index(fields=["county", "year", "township", "status"], name="result_township_idx"),
            models.Index(fields=["county", "year", "department", "status"], name="result_department_idx"),
            models.Index(fields=["county", "year", "status"], name="result_status_idx"),
            # The few locked rows, which every reconciliation part reads.
            models.Index(fields=["county", "year", "id_number"], condition=Q(locked=True), name="result_locked_idx"),
            # The rows a run wrote: the follow-up case sync after an incremental run reads only those.
            models.Index(fields=["run"], name="result_run_idx"),
        ]

    def __str__(self):
        return f"{self.name} {self.year}"

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(";") if f]

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CHECKED = "checked", _("Checked")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Exported")
    CONFIRMED = "confirmed", _("Confirmed")


class TransferBatch(models.Model):
    """The subsidies one fund owes for one month (SPEC §8)."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="batches", verbose_name=_("county")
    )
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="batches", verbose_name=_("fund"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    number = models.CharField(_("batch number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    total = models.DecimalField(_("total"), default=0, **MONEY)
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("built by"),
    )
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer batch")
        verbose_name_plural = _("transfer batches")
        ordering = ["-month", "fund"]
        constraints = [models.UniqueConstraint(fields=["county", "fund", "month"], name="batch_unique_fund_month")]

    def __str__(self):
        return self.number

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


class BatchEvent(models.Model):
    """One step of a batch's lifecycle: who moved it to which status, and when."""

    batch = models.ForeignKey(TransferBatch, on_delete=models.CASCADE, related_name="events", verbose_name=_("batch"))
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("batch event")
        verbose_name_plural = _("batch events")
        ordering = ["at"]

    def __str__(self):
        return f"{self.batch} {self.status}"


class LineKind(models.TextChoices):
    PROXY = "proxy", _("Proxy payment")
    DIFFERENTIAL = "differential", _("Differential subsidy")
    TOPUP = "topup", _("Next-month top-up")
    ADJUSTMENT = "adjustment", _("Adjustment")


class TransferLine(models.Model):
    """One person's subsidy in a batch. A person's subsidy for a year is in one line, ever."""

    # Lines are written a month at a time by one INSERT … SELECT (hundreds of thousands of rows), so they carry no
    # per-row foreign-key trigger and no index beyond what money needs: the partial unique index (one subsidy per
    # person and year) and `transfer_line_totals_idx` (batch, category, kind), which also serves batch lookups.
    # The batch id comes from the locked batch row the statement joins; township and category are copies of the
    # reconciliation result's, checked where they come from; Django's collector deletes a batch's lines with it.
    batch = models.ForeignKey(
        TransferBatch,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("batch"),
        db_index=False,
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    township = models.ForeignKey(
        "enrollment.Township",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
        db_constraint=False,
        db_index=False,
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "id_number"],
                condition=~Q(kind="adjustment"),
                name="transfer_line_one_subsidy_per_person_year",
            ),
            models.CheckConstraint(
                name="transfer_line_adjustment_has_reason", condition=~Q(kind="adjustment") | ~Q(reason="")
            ),
        ]
        indexes = [models.Index(fields=["batch", "category", "kind"], name="transfer_line_totals_idx")]

    def __str__(self):
        return f"{self.name} {self.amount}"

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)
