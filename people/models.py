"""Where Django looks for the people app's models: each concept package holds its own."""

from people.openings.models import FileOpening, FilePage

__all__ = ["FileOpening", "FilePage"]
