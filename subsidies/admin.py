"""Admin registrations, one module per area."""

from . import admin_policies, admin_reconciliation, admin_rosters, admin_transfers  # noqa: F401
