"""Enrolment quota tables and their units, as the county's task table states them (SPEC §9)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuotaTable(models.Model):
    """A county's enrolment task table for one year, with the total the document states."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="quota_tables", verbose_name=_("county")
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    title = models.CharField(_("title"), max_length=200)
    stated_total = models.PositiveIntegerField(_("stated total"), null=True, blank=True)
    # The figure on the file's own 合计 row, which may differ from both the notice and the rows' sum.
    file_total = models.PositiveIntegerField(_("total row of the file"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quota table")
        verbose_name_plural = _("quota tables")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="quota_table_unique_year")]

    def __str__(self):
        return self.title


class UnitKind(models.TextChoices):
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")
    GROUP = "group", _("group")


class QuotaUnit(models.Model):
    """One row of a quota table: a township, a village, or a group that is not a place."""

    table = models.ForeignKey(QuotaTable, on_delete=models.CASCADE, related_name="units", verbose_name=_("table"))
    seq = models.PositiveIntegerField(_("no."))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=UnitKind.choices)
    township = models.ForeignKey(
        "enrollment.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        "enrollment.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    group = models.CharField(_("group"), max_length=30, blank=True)
    target = models.PositiveIntegerField(_("target"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("quota unit")
        verbose_name_plural = _("quota units")
        ordering = ["table", "seq"]
        constraints = [models.UniqueConstraint(fields=["table", "name"], name="quota_unit_unique_name")]

    def __str__(self):
        return self.name
