"""Reconciliation runs and their results, and the dirty marks that tell the next run whom to recompute (SPEC §6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.policies.models import Category
from subsidies.reference.models import MONEY, Department, Fund


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

    Derived data, rewritten set-based by `subsidies.reconciliation.engine` a million rows at a time: its foreign
    keys are not enforced by the database, nor indexed one by one (the service only writes ids it has just read;
    deletions still go through Django's on_delete; the composite indexes below serve the pages): that is most of
    the cost of writing a county.
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


def _tally_key(model, **kw):
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True, related_name="+", **kw
    )


class ResultTally(models.Model):
    """A county's results for a year counted by everything the home pages group them by (place, status, winning
    department, category and fund, the month enrolled and the top-up month): a few thousand rows instead of a
    million results. Rewritten by `subsidies.reconciliation.tally` at the end of every run that changed a result
    (results change only through runs); the home pages read the live results while a county has none."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    township = _tally_key("enrollment.Township", verbose_name=_("township"))
    village = _tally_key("enrollment.Village", verbose_name=_("village"))
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices)
    department = _tally_key(Department, verbose_name=_("department"))
    category = _tally_key(Category, verbose_name=_("category"))
    fund = _tally_key(Fund, verbose_name=_("fund"))
    # The first day of the month of `enrolled_on`, and the result's top-up month.
    enrolled_month = models.DateField(_("enrolled on"), null=True)
    topup_month = models.DateField(_("top-up month"), null=True)
    subsidised = models.BooleanField(default=False)  # subsidy > 0
    topped_up = models.BooleanField(default=False)  # top-up > 0
    people = models.PositiveIntegerField(default=0)
    subsidy = models.DecimalField(_("subsidy"), default=0, max_digits=16, decimal_places=2)
    topup = models.DecimalField(_("top-up owed"), default=0, max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("result tally")
        verbose_name_plural = _("result tallies")
        indexes = [models.Index(fields=["county", "year"], name="result_tally_county_year")]

    def __str__(self):
        return f"{self.county_id}/{self.year}/{self.status}: {self.people}"
