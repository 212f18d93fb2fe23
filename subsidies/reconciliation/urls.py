from django.urls import path

from subsidies.reconciliation import views

urlpatterns = [
    path("reconciliation/", views.ResultListView.as_view(), name="reconciliation_results"),
    path("reconciliation/export/", views.ResultExportView.as_view(), name="reconciliation_export"),
    path("reconciliation/runs/", views.RunListView.as_view(), name="reconciliation_runs"),
    path("reconciliation/runs/start/", views.run_start, name="reconciliation_run_start"),
    path("reconciliation/runs/<int:pk>/", views.RunDetailView.as_view(), name="reconciliation_run"),
]
