"""Transfer batch pages (SPEC §8)."""

from django.urls import path

from subsidies.transfers import views

urlpatterns = [
    path("transfers/", views.TransferBatchListView.as_view(), name="transfer_list"),
    path("transfers/build/", views.transfer_build, name="transfer_build"),
    path("transfers/counterpart/", views.transfer_counterpart, name="transfer_counterpart"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/transition/", views.transfer_transition, name="transfer_transition"),
    path("transfers/<int:pk>/adjust/", views.transfer_adjust, name="transfer_adjust"),
    path("transfers/<int:pk>/download.xlsx", views.transfer_download_xlsx, name="transfer_download_xlsx"),
    path("transfers/<int:pk>/download.csv", views.transfer_download_csv, name="transfer_download_csv"),
]
