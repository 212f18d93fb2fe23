"""Where Django looks for the people app's admin: each concept package registers its own models."""

from people.openings import admin as openings_admin  # noqa: F401
