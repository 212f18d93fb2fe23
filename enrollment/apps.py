from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrolment register")

    def ready(self):
        from accounts.access import visibility_register
        from enrollment.imports.selectors import import_job_rows
        from enrollment.models import ImportJob

        # The rows of import jobs a user may see: the selectors' rule, for the admin and the audit trail too.
        visibility_register(ImportJob, import_job_rows)
