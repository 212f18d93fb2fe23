"""The Celery application. Tasks run eagerly in-process when no broker is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Every task counts its deliveries: one that keeps killing its worker is stopped (config/queue.py).
app = Celery("config", task_cls="config.queue:BoundedDeliveries")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
