"""Signals sent by the subsidies app."""

from django.dispatch import Signal

# Sent after a reconciliation run finished and committed: kwargs run_id, county_id, year.
# Follow-up cases (quotas.cases) listen to open and close cases.
reconciliation_finished = Signal()
