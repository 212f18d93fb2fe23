"""What the API keeps of its own: the idempotency keys of uploads (a retried upload returns the same job)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadKey(models.Model):
    """One `Idempotency-Key` a user sent with `POST /api/v1/imports/`, and the job that upload created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    job = models.ForeignKey(
        "enrollment.ImportJob", on_delete=models.CASCADE, related_name="+", verbose_name=_("import")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("upload idempotency key")
        verbose_name_plural = _("upload idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_upload_key_unique")]

    def __str__(self):
        return f"{self.user_id} {self.key}"
