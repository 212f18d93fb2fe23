"""Places, households, persons, tax payments, import jobs and follow-up cases."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

six_digits = RegexValidator(r"^\d{6}$", _("A county code has six digits."))


class County(models.Model):
    """A county-level unit (区县), keyed by its 6-digit administrative code."""

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[six_digits])
    name = models.CharField(_("name"), max_length=50)
    city = models.CharField(_("city"), max_length=50, blank=True)
    province_managed = models.BooleanField(_("province-managed"), default=False)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Township(models.Model):
    """A township or street office (乡镇/街道)."""

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="townships", verbose_name=_("county"))
    code = models.CharField(_("code"), max_length=12, blank=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["county", "code", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="township_unique_name")]

    def __str__(self):
        return self.name


class Village(models.Model):
    """A village or community (村/社区)."""

    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, related_name="villages", verbose_name=_("township")
    )
    code = models.CharField(_("code"), max_length=15, blank=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["township", "code", "name"]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="village_unique_name")]

    def __str__(self):
        return self.name


class Household(models.Model):
    """A household (户) by its household number (户号)."""

    # household_unique_number (county, number) serves county lookups; no separate index on county.
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, related_name="households", verbose_name=_("county"), db_index=False
    )
    number = models.CharField(_("household number"), max_length=32)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [models.UniqueConstraint(fields=["county", "number"], name="household_unique_number")]

    def __str__(self):
        return self.number


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(models.Model):
    """A resident in the bureau's population/enrolment register, keyed by the 18-character ID number.

    Bulk-loaded: a register import writes up to millions of rows in one statement, so the table carries only the
    indexes that queries use (ID number, place, household) and its foreign keys have no database constraint (one
    trigger check per row and key, at commit). The register merge resolves every key by joining the rows it has
    just written (enrollment.imports.RegisterImporter), and deletes through the ORM still apply on_delete.
    """

    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("county"),
        db_index=False,
        db_constraint=False,
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("township"),
        db_index=False,
        db_constraint=False,
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("village"),
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
        db_index=False,
        db_constraint=False,
    )
    relation = models.CharField(_("relation to household head"), max_length=20, blank=True)
    # A quota group that is not a place (孝义: 学校, 改制企业, 特困人员, 零散户), when the register gives one.
    group = models.CharField(_("group"), max_length=30, blank=True)
    is_student = models.BooleanField(_("student"), default=False)
    # Warnings from the ID check that did not reject the row (unknown area code, converted from 15 digits).
    id_warning = models.CharField(_("ID warning"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # A constraint rather than unique=True: the same unique index without the varchar_pattern_ops copy
        # PostgreSQL would get for LIKE prefix searches, which no query makes on this table.
        constraints = [models.UniqueConstraint(fields=["id_number"], name="person_id_number_unique")]
        indexes = [
            models.Index(fields=["county", "township", "village"], name="person_place_idx"),
            models.Index(fields=["household"], name="person_household_idx"),
        ]

    def __str__(self):
        return self.name


class Payment(models.Model):
    """One contribution from the tax bureau's payment detail, or a refund of one (退费: a negative amount).

    Keyed by ID number, not by person: payers may be missing from the register. A refund is kept with the
    payment it returns (`refund_of`: the person's latest payment for the year on or before the refund day, linked
    when the refund is imported); the person's paid total for the year is the net sum of both.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="payments", verbose_name=_("county"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50, blank=True)
    year = models.PositiveSmallIntegerField(_("contribution year"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("payment date"))
    tier = models.PositiveSmallIntegerField(_("tier"), default=1, validators=[MinValueValidator(1)])
    channel = models.CharField(_("channel"), max_length=30, blank=True)
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="payments", verbose_name=_("import")
    )
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
        help_text=_("The payment this refund returns (a refund has a negative amount)."),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["county", "year", "id_number"], name="payment_lookup_idx")]

    def __str__(self):
        return f"{self.id_number} {self.year} {self.amount}"

    @property
    def is_refund(self) -> bool:
        return self.amount < 0


class ImportKind(models.TextChoices):
    REGISTER = "register", _("Population register")
    ROSTER = "roster", _("Identity roster")
    PAYMENTS = "payments", _("Tax payments")
    QUOTAS = "quotas", _("Quota table")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Validating")
    VALIDATED = "validated", _("Preview ready")
    INVALID = "invalid", _("Rejected")
    COMMITTING = "committing", _("Committing")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportJob(models.Model):
    """One uploaded file on its way from dry run to commit, with the progress a page can poll."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="imports", verbose_name=_("county"))
    department = models.ForeignKey(
        "subsidies.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("department"),
    )
    snapshot_date = models.DateField(_("snapshot date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=255)
    error_file = models.FileField(_("error workbook"), upload_to="import-errors/%Y/%m/", blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_processed = models.PositiveIntegerField(_("rows processed"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rows_warned = models.PositiveIntegerField(_("rows with warnings"), default=0)
    # Counts by reason, added/removed/changed/unchanged, the first bad rows for the preview.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="import_roster_has_department",
                condition=~Q(kind="roster") | Q(department__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_processed / self.rows_total))


class CaseReason(models.TextChoices):
    MILITARY = "military", _("Joined the army")
    STUDYING = "studying", _("Studying elsewhere")
    WORKING = "working", _("Working elsewhere")
    MARRIED_AWAY = "married_away", _("Moved by marriage")
    PRISON = "prison", _("Serving a sentence")
    NO_HUKOU = "no_hukou", _("No household registration")
    DECEASED = "deceased", _("Deceased")
    EMPLOYEE_INSURANCE = "employee_insurance", _("Enrolled in employee insurance")
    ELSEWHERE = "elsewhere", _("Enrolled in another place")
    REFUSED = "refused", _("Refuses to enrol")
    OTHER = "other", _("Other")


# Reasons under which the person counts as covered in the special-group rate (SPEC §10).
COVERED_ELSEWHERE_REASONS = frozenset({CaseReason.EMPLOYEE_INSURANCE, CaseReason.ELSEWHERE})


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FollowUpCase(models.Model):
    """A certified person not enrolled, followed up by their township (台账, SPEC §10)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="cases", verbose_name=_("county"))
    year = models.PositiveSmallIntegerField(_("benefit year"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("village")
    )
    department = models.ForeignKey(
        "subsidies.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("department"),
    )
    status = models.CharField(_("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    reason = models.CharField(_("reason"), max_length=24, choices=CaseReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="case-evidence/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "id_number"], name="case_unique_person_year"),
        ]
        indexes = [models.Index(fields=["township", "status"], name="case_township_status_idx")]

    def __str__(self):
        return f"{self.name} {self.year}"

    @property
    def covered_elsewhere(self) -> bool:
        return self.reason in COVERED_ELSEWHERE_REASONS

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)
