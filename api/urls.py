"""/api/v1/: every endpoint here is in the API's permission matrix (tests/api/test_permission_matrix.py)."""

from django.urls import path, re_path

from api import docs, imports, person_files, ranking, results, rosters, transfers
from api.exceptions import not_found

app_name = "api"

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/errors/", imports.ImportErrorsView.as_view(), name="import_errors"),
    path("imports/<int:pk>/confirm/", imports.ImportConfirmView.as_view(), name="import_confirm"),
    path("imports/<int:pk>/cancel/", imports.ImportCancelView.as_view(), name="import_cancel"),
    path("rosters/", rosters.RosterVersionListView.as_view(), name="roster_list"),
    path("rosters/<int:pk>/", rosters.RosterVersionDetailView.as_view(), name="roster_detail"),
    path("rosters/<int:pk>/changes/", rosters.RosterChangeListView.as_view(), name="roster_changes"),
    path("results/", results.ResultListView.as_view(), name="result_list"),
    path("transfers/", transfers.BatchListView.as_view(), name="batch_list"),
    path("transfers/<int:pk>/", transfers.BatchDetailView.as_view(), name="batch_detail"),
    path("transfers/<int:pk>/lines/", transfers.BatchLineListView.as_view(), name="batch_lines"),
    path("people/lookup/", person_files.PersonLookupView.as_view(), name="person_lookup"),
    path("quotas/ranking/", ranking.QuotaRankingView.as_view(), name="quota_ranking"),
    # Anything else under /api/v1/: a JSON 404, not the site's HTML page.
    re_path(r"^.*$", not_found, name="not_found"),
]
