"""Departments and the funds that pay their subsidies: the reference data every policy names."""

from django.db import models
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
