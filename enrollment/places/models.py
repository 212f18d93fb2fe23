"""The county, its townships and villages."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

six_digits = RegexValidator(r"^\d{6}$", _("A county code has six digits."))


class County(models.Model):
    """A county-level unit (区县), keyed by its 6-digit administrative code."""

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[six_digits])
    name = models.CharField(_("name"), max_length=50)
    city = models.CharField(_("city"), max_length=50, blank=True)
    province_managed = models.BooleanField(_("province-managed"), default=False)
    # The demo county's point in its campaign (`enrollment.places.clock.county_today`); empty: the real today.
    as_of = models.DateField(
        _("as-of date"),
        null=True,
        blank=True,
        help_text=_("Demo only: the site treats this date as today for the county. Empty in production."),
    )

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
