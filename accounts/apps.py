from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts")
    default = True


class ScopedAdminConfig(admin_apps.AdminConfig):
    """The admin app with `ScopedAdminSite` as the default site (see accounts/admin_mixins.py)."""

    default = False
    default_site = "accounts.admin_mixins.ScopedAdminSite"
