"""The population register: households and the persons in them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from enrollment.places.models import County, Township, Village


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
    just written (enrollment.register.importer.RegisterImporter), and deletes through the ORM still apply on_delete.
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
    # The day employee insurance (职工医保) ended, where the register carries it: a leaver enrolling within the
    # policy's grace period is covered from the day after payment (SPEC §7).
    left_employee_insurance_on = models.DateField(_("employee insurance ended on"), null=True, blank=True)
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
