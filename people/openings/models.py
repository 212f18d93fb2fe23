"""Who opened whose file, and when: every opening of a person, household or print page (SPEC §14)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FilePage(models.TextChoices):
    PERSON = "person", _("person file")
    HOUSEHOLD = "household", _("household file")
    PRINT = "print", _("printed statement")


class FileOpening(models.Model):
    """One opening of a file page: the viewer, the person (county and ID number), the page and the time.

    Written once per request and never changed; the admin shows it read-only. The household page records the
    household's head (or the person it was opened from) as `id_number` and the household number.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150)
    county = models.ForeignKey(
        "enrollment.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    household_number = models.CharField(_("household number"), max_length=32, blank=True)
    page = models.CharField(_("page"), max_length=10, choices=FilePage.choices)
    year = models.PositiveSmallIntegerField(_("benefit year"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("file opening")
        verbose_name_plural = _("file openings")
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["county", "id_number", "opened_at"], name="file_opening_person_idx"),
            models.Index(fields=["opened_at"], name="file_opening_time_idx"),
        ]

    def __str__(self):
        return f"{self.username} {self.get_page_display()} {self.opened_at:%Y-%m-%d %H:%M}"
