"""Taking progress snapshots, on demand and on the beat schedule."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from enrollment.places.clock import county_now
from quotas.models import ProgressSnapshot, QuotaTable, SnapshotRow
from quotas.progress import ranking, selectors

SNAPSHOT_DEDUP_MINUTES = 10


def progress_snapshot_take(
    *, table: QuotaTable, user: AbstractBaseUser | None = None, taken_at: datetime.datetime | None = None
) -> ProgressSnapshot:
    """Record every unit's enrolled count, target, rate and rank now, in one transaction."""
    progress = selectors.unit_progress(table=table)
    ranks = ranking.rank_by_rate({p.unit.pk: p.rate for p in progress})
    with transaction.atomic():
        snapshot = ProgressSnapshot.objects.create(
            table=table, taken_at=taken_at or county_now(table.county_id), taken_by=user
        )
        SnapshotRow.objects.bulk_create(
            SnapshotRow(
                snapshot=snapshot,
                unit=p.unit,
                enrolled=p.enrolled,
                target=p.target,
                rate=p.rate,
                rank=ranks[p.unit.pk],
            )
            for p in progress
        )
    return snapshot


def scheduled_snapshots_take(*, now: datetime.datetime | None = None) -> list[ProgressSnapshot]:
    """The beat job: each county's latest quota table gets a snapshot, unless one was just taken.

    Celery delivers at least once; a redelivered job within `SNAPSHOT_DEDUP_MINUTES` finds the snapshot it
    already took and adds nothing.
    """
    taken = []
    latest: dict[int, QuotaTable] = {}
    for table in QuotaTable.objects.select_related("county").order_by("county_id", "-year"):
        latest.setdefault(table.county_id, table)
    for table in latest.values():
        at = now or county_now(table.county)  # the demo county's clock stands at its as-of date
        recent = table.snapshots.filter(taken_at__gt=at - datetime.timedelta(minutes=SNAPSHOT_DEDUP_MINUTES))
        if recent.exists():
            continue
        taken.append(progress_snapshot_take(table=table, taken_at=at))
    return taken
