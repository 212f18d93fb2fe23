"""The site's URL map. Every view listed here is covered by the permission matrix test."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from dashboard import views as dashboard_views

admin.site.site_header = _("Resident medical insurance subsidy reconciliation")
admin.site.site_title = _("Subsidy reconciliation administration")
admin.site.index_title = _("Data management")

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("enrollment/", include("enrollment.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("quotas/", include("quotas.urls")),
    path("people/", include("people.urls")),
    path("api/v1/", include("api.urls")),
]
