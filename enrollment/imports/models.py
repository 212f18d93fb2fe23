"""Import jobs: one uploaded file of any kind, from upload through preview to commit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enrollment.places.models import County


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
