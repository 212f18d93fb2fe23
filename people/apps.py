from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """The person and household file (个人档案, SPEC §14): reads every app, and no app imports it."""

    name = "people"
    label = "people"
    verbose_name = _("Person files")
