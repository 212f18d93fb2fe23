"""Quotas URLs: ranking and progress, village notices (公示), follow-up cases."""

from django.urls import path

from quotas.cases import views as cases
from quotas.notices import views as notices
from quotas.progress import views as progress

app_name = "quotas"

urlpatterns = [
    path("", progress.ranking, name="ranking"),
    path("snapshots/take/", progress.snapshot_take, name="snapshot_take"),
    path("progress/", progress.progress_chart, name="progress_chart"),
    path("special-groups/", progress.special_groups, name="special_groups"),
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/<int:village_id>/", notices.notice, name="notice"),
    path("notices/<int:village_id>/xlsx/", notices.notice_xlsx, name="notice_xlsx"),
    path("cases/", cases.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/evidence/", cases.case_evidence, name="case_evidence"),
]
