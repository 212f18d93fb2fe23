"""Developer and demo settings: `make run` uses these with SQLite and no broker."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
