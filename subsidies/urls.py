"""Subsidies URLs, one module per area: policies, rosters, reconciliation results, transfer batches."""

from subsidies.policies import urls as policy_urls
from subsidies.reconciliation import urls as reconciliation_urls
from subsidies.rosters import urls as roster_urls
from subsidies.transfers import urls as transfer_urls

app_name = "subsidies"

urlpatterns = [
    *policy_urls.urlpatterns,
    *roster_urls.urlpatterns,
    *reconciliation_urls.urlpatterns,
    *transfer_urls.urlpatterns,
]
