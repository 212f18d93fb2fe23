"""Signals that decouple the apps: imports announce changed people and commits, reconciliation listens."""

from django.dispatch import Signal

# Sent (from transaction.on_commit) after an import committed: sender=ImportJob class,
# kwargs: job_id, county_id, kind ("register" | "roster" | "payments" | "quotas").
import_committed = Signal()

# Sent INSIDE an import's merge transaction, on its cursor, for the people it changed: sender=the Importer class,
# kwargs: cursor, county_id, now, select_ids_sql (selects their ID numbers), params, count (how many, 0: unknown).
# A receiver writes with the cursor (set-based, in the same transaction); an exception rolls the import back.
people_changed = Signal()
