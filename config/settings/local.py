"""Developer and demo settings: `make run` uses these with SQLite and no broker."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
