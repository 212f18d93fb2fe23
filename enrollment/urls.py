from django.urls import path

from enrollment.imports import views

app_name = "enrollment"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/upload/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/revalidate/", views.import_revalidate, name="import_revalidate"),
    path("imports/<int:pk>/alias/", views.import_alias, name="import_alias"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("imports/template/<slug:kind>/", views.import_template, name="import_template"),
]
