"""Signals that decouple the apps: imports announce commits, reconciliation listens."""

from django.dispatch import Signal

# Sent (from transaction.on_commit) after an import committed: sender=ImportJob class,
# kwargs: job_id, county_id, kind ("register" | "roster" | "payments" | "quotas").
import_committed = Signal()
