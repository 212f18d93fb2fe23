"""Staff profiles: which role a user holds and which department, township or county it is tied to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    BUREAU = "bureau", _("Medical insurance bureau")
    DEPARTMENT = "department", _("Department")
    TOWNSHIP = "township", _("Township")
    AUDITOR = "auditor", _("Auditor")


class StaffProfile(models.Model):
    """A user's role (SPEC §1). Department and township users are tied to exactly one of each."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="staff", verbose_name=_("county")
    )
    department = models.ForeignKey(
        "subsidies.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    township = models.ForeignKey(
        "enrollment.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("township"),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                name="staff_department_role_has_department",
                condition=~Q(role=Role.DEPARTMENT) | Q(department__isnull=False),
            ),
            models.CheckConstraint(
                name="staff_township_role_has_township",
                condition=~Q(role=Role.TOWNSHIP) | Q(township__isnull=False),
            ),
            models.CheckConstraint(
                name="staff_department_only_for_department_role",
                condition=Q(role=Role.DEPARTMENT) | Q(department__isnull=True),
            ),
            models.CheckConstraint(
                name="staff_township_only_for_township_role",
                condition=Q(role=Role.TOWNSHIP) | Q(township__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_bureau(self) -> bool:
        return self.role == Role.BUREAU

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def can_write(self) -> bool:
        return self.role != Role.AUDITOR

    @property
    def sees_full_ids(self) -> bool:
        """Who may read ID numbers in full in lists and data exports."""
        return self.role in (Role.BUREAU, Role.AUDITOR)

    history = HistoricalRecords()  # audit trail: each save(), never bulk statements (accounts/history.py)


class ExportRecord(models.Model):
    """One file of people handed out: who, when, what, with which filters, how many rows (SPEC §1)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150)
    county = models.ForeignKey(
        "enrollment.County",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    kind = models.CharField(_("export"), max_length=60)
    # A request of the REST API: the name of the token it came with (empty for the site's pages).
    token_name = models.CharField(_("API token"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    full_ids = models.BooleanField(_("full ID numbers"), default=False)
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.username} {self.kind} {self.rows}"


class ApiToken(models.Model):
    """A user's API token (accounts/tokens.py): shown once, kept only as its SHA-256 digest; revoked, never deleted.

    The token acts as its user: the same role and scope as on the pages (an auditor's token only reads).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, stored in clear to find its row; the rest is only in `digest`.
    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked_at__isnull=True), name="api_token_active_name_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
