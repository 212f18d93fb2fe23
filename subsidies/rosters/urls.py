from django.urls import path

from subsidies.rosters import views as roster_views

urlpatterns = [
    path("rosters/", roster_views.roster_versions, name="roster_versions"),
    path("rosters/<int:pk>/", roster_views.roster_version, name="roster_version"),
]
