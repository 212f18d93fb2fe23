from django.urls import path

from . import views

app_name = "quotas"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("snapshots/take/", views.snapshot_take, name="snapshot_take"),
    path("progress/", views.progress_chart, name="progress_chart"),
    path("special-groups/", views.special_groups, name="special_groups"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:village_id>/", views.notice, name="notice"),
    path("notices/<int:village_id>/xlsx/", views.notice_xlsx, name="notice_xlsx"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/evidence/", views.case_evidence, name="case_evidence"),
]
