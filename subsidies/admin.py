"""Where Django looks for the subsidies app's admin: each concept package registers its own models."""

from subsidies.policies import admin as policies_admin  # noqa: F401
from subsidies.transfers import admin as transfers_admin  # noqa: F401
