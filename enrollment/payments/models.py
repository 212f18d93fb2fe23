"""Contributions as the tax bureau's payment files report them, refunds included."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enrollment.places.models import County


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
