"""Subsidies URLs, one module per area: policies, rosters, reconciliation results, transfer batches."""

from . import policy_urls, reconciliation_urls, roster_urls, transfer_urls

app_name = "subsidies"

urlpatterns = [
    *policy_urls.urlpatterns,
    *roster_urls.urlpatterns,
    *reconciliation_urls.urlpatterns,
    *transfer_urls.urlpatterns,
]
