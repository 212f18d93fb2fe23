"""Monthly transfer batches, their lines and their lifecycle events (SPEC §8)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.policies.models import Category
from subsidies.reference.models import MONEY, Fund


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
        indexes = [
            models.Index(fields=["batch", "category", "kind"], name="transfer_line_totals_idx"),
            # A person's adjustments (the person file); their subsidy lines use the unique constraint's index.
            models.Index(
                fields=["year", "id_number"], condition=Q(kind="adjustment"), name="transfer_line_adjustment_idx"
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.amount}"

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)
