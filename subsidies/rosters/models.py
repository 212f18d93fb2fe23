"""Department rosters: each uploaded version, the changes it made, and the identities it certifies (SPEC §4)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subsidies.policies.models import Category
from subsidies.reference.models import Department


class RosterVersion(models.Model):
    """One committed full snapshot of a department's roster, with its diff against the previous version."""

    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="roster_versions", verbose_name=_("county")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="roster_versions", verbose_name=_("department")
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot_date = models.DateField(_("snapshot date"))
    import_job = models.OneToOneField(
        "enrollment.ImportJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roster_version",
        verbose_name=_("import"),
    )
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("previous version")
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    changed = models.PositiveIntegerField(_("category changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roster version")
        verbose_name_plural = _("roster versions")
        ordering = ["department", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "department", "number"], name="roster_version_unique_number")
        ]

    def __str__(self):
        return f"{self.department} v{self.number} ({self.snapshot_date})"

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


class RosterChange(models.Model):
    """One line of a version's diff: a person added, removed or whose category changed."""

    class Kind(models.TextChoices):
        ADDED = "added", _("added")
        REMOVED = "removed", _("removed")
        CHANGED = "changed", _("category changed")

    # Written by the roster commit in bulk (INSERT … SELECT, one row per change), with no per-row foreign-key
    # trigger: `version` is the row that same transaction created (`roster_change_kind_idx` (version, kind) serves
    # its lookups; Django's collector still deletes a version's changes with it).
    version = models.ForeignKey(
        RosterVersion,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("version"),
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("change"), max_length=8, choices=Kind.choices)
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50, blank=True)
    # Each category here is also an identity's (the old one of the ended identity, the new one of the identity the
    # same commit inserts), whose constraint holds it: no per-row trigger of their own, and no index (only a
    # category's deletion looks them up).
    old_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("old category"),
        db_index=False,
        db_constraint=False,
    )
    new_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new category"),
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        indexes = [models.Index(fields=["version", "kind"], name="roster_change_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.id_number}"


class Identity(models.Model):
    """A person certified in a category by a department for a period (SPEC §4)."""

    # Identities are written by the roster commit in bulk (hundreds of thousands of rows per snapshot). County,
    # department, version and ended_by come from the job's locked department row and the version that same
    # transaction creates, so they carry no per-row foreign-key trigger (PROTECT still holds in Django's
    # collector). Nor does category, which comes from the file: the roster commit checks and holds the few
    # categories a file names, once each (subsidies.rosters: RosterImporter._hold_categories and the delete
    # guard _category_deleted), instead of a deferred check per row at COMMIT. County and department need no
    # index of their own: identity_person_idx and identity_department_idx start with them. Category, version and
    # ended_by have none either: they are only looked up when a category or a version is deleted (rare; a scan
    # then), while every index costs each row a roster commit inserts, and an index on a column it updates
    # makes every end a non-HOT update (see Meta.indexes).
    county = models.ForeignKey(
        "enrollment.County",
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("county"),
        db_index=False,
        db_constraint=False,
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("department"),
        db_index=False,
        db_constraint=False,
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("category"),
        db_index=False,
        db_constraint=False,
    )
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    township_name = models.CharField(_("township"), max_length=50, blank=True)
    village_name = models.CharField(_("village"), max_length=50, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    version = models.ForeignKey(
        RosterVersion,
        on_delete=models.PROTECT,
        related_name="identities",
        verbose_name=_("first seen in"),
        db_index=False,
        db_constraint=False,
    )
    ended_by = models.ForeignKey(
        RosterVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ended_identities",
        verbose_name=_("ended by"),
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        indexes = [
            models.Index(fields=["county", "id_number"], name="identity_person_idx"),
            # Not valid_to: a roster commit ends identities by setting valid_to and ended_by, and an update that
            # changes no indexed column, on a page with room, is HOT (no index entry at all). FILLFACTOR 50 (set
            # in migration 0016 on PostgreSQL) leaves each page room to end every identity on it once per version.
            models.Index(fields=["department", "county"], name="identity_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="identity_period_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
            )
        ]

    def __str__(self):
        return f"{self.name} {self.category}"

    def valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
