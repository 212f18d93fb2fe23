"""Progress snapshots of a quota table and their rows per unit (SPEC §9)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quotas.targets.models import QuotaTable, QuotaUnit


class ProgressSnapshot(models.Model):
    """Enrolment against the quota at one moment, kept so weeks can be compared."""

    table = models.ForeignKey(QuotaTable, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("table"))
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        ordering = ["table", "-taken_at"]

    def __str__(self):
        return f"{self.table} {self.taken_at:%Y-%m-%d %H:%M}"


class SnapshotRow(models.Model):
    snapshot = models.ForeignKey(
        ProgressSnapshot, on_delete=models.CASCADE, related_name="rows", verbose_name=_("snapshot")
    )
    unit = models.ForeignKey(QuotaUnit, on_delete=models.CASCADE, related_name="snapshot_rows", verbose_name=_("unit"))
    enrolled = models.PositiveIntegerField(_("enrolled"))
    target = models.PositiveIntegerField(_("target"))
    rate = models.DecimalField(_("completion rate"), max_digits=7, decimal_places=4)
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        verbose_name = _("snapshot row")
        verbose_name_plural = _("snapshot rows")
        constraints = [models.UniqueConstraint(fields=["snapshot", "unit"], name="snapshot_row_unique_unit")]

    def __str__(self):
        return f"{self.unit} {self.rate}"
