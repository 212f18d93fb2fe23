"""Follow-up cases: certified people not enrolled, the reason each is not, and whether that counts as covered.

The model belongs to the quotas app but keeps the tables it was created with under enrollment
(`enrollment_followupcase` and its history table), so moving it needed no data copy.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enrollment.places.models import County, Township, Village


class CaseReason(models.TextChoices):
    MILITARY = "military", _("Joined the army")
    STUDYING = "studying", _("Studying elsewhere")
    WORKING = "working", _("Working elsewhere")
    MARRIED_AWAY = "married_away", _("Moved by marriage")
    PRISON = "prison", _("Serving a sentence")
    NO_HUKOU = "no_hukou", _("No household registration")
    DECEASED = "deceased", _("Deceased")
    EMPLOYEE_INSURANCE = "employee_insurance", _("Enrolled in employee insurance")
    ELSEWHERE = "elsewhere", _("Enrolled in another place")
    REFUSED = "refused", _("Refuses to enrol")
    OTHER = "other", _("Other")


# Reasons under which the person counts as covered in the special-group rate (SPEC §10).
COVERED_ELSEWHERE_REASONS = frozenset({CaseReason.EMPLOYEE_INSURANCE, CaseReason.ELSEWHERE})


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FollowUpCase(models.Model):
    """A certified person not enrolled, followed up by their township (台账, SPEC §10)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="cases", verbose_name=_("county"))
    year = models.PositiveSmallIntegerField(_("benefit year"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("village")
    )
    department = models.ForeignKey(
        "subsidies.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("department"),
    )
    status = models.CharField(_("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    reason = models.CharField(_("reason"), max_length=24, choices=CaseReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="case-evidence/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        db_table = "enrollment_followupcase"
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "id_number"], name="case_unique_person_year"),
        ]
        indexes = [models.Index(fields=["township", "status"], name="case_township_status_idx")]

    def __str__(self):
        return f"{self.name} {self.year}"

    @property
    def covered_elsewhere(self) -> bool:
        return self.reason in COVERED_ELSEWHERE_REASONS

    history = HistoricalRecords(
        table_name="enrollment_historicalfollowupcase"
    )  # audit trail: each save(), never bulk statements (accounts/history.py)
