"""Where Django looks for the quotas app's admin: each concept package registers its own models."""

from quotas.progress import admin as progress_admin  # noqa: F401
from quotas.targets import admin as targets_admin  # noqa: F401
