"""The lifecycle of a reconciliation run: start (a recorded run and its parts), finish (stale results dropped,
counts, the `reconciliation_finished` signal), fail; `reconcile()` runs one from this process.

Its parts are computed by `engine.run_chunk`, inline here or by the Celery chord of `subsidies/tasks.py`
(enqueued on commit by `tasks.reconcile_enqueue`).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from enrollment.dbstats import refresh_statistics
from enrollment.models import County, Person, Township
from enrollment.places.clock import county_today
from subsidies.models import (
    DirtyCounty,
    DirtyPerson,
    ReconciliationResult,
    ReconciliationRun,
    ResultTally,
    RunStatus,
)
from subsidies.policies.rules import PolicyRules
from subsidies.reconciliation import rules as rr
from subsidies.reconciliation.engine import (
    CHUNK_NO_TOWNSHIP,
    CHUNK_ROSTER,
    identity_period,
    rules_for,
    run_chunk,
)
from subsidies.reconciliation.tally import tally_refresh

logger = logging.getLogger(__name__)

# --- runs -------------------------------------------------------------------------------------------------------


def chunk_keys(*, county_id: int) -> list[str]:
    """The parts of a county: one per township, then people without a township, then roster-only people."""
    ids = Township.objects.filter(county_id=county_id).order_by("pk").values_list("pk", flat=True)
    return [str(pk) for pk in ids] + [CHUNK_NO_TOWNSHIP, CHUNK_ROSTER]


def chunk_groups(*, county_id: int, chunks: int | None = None) -> list[list[str]]:
    """The parts dealt round-robin into `chunks` groups (default: one group per part)."""
    keys = chunk_keys(county_id=county_id)
    n = len(keys) if not chunks else max(1, min(chunks, len(keys)))
    return [keys[i::n] for i in range(n)]


# An incremental run's people per part. Every part reads the register and the payments once whatever its number
# of people (a few hundred milliseconds at a million): an incremental run is cut into as few parts as its marks
# need, not one per township as a full run (whose parts hold a township each, ~125,000 of a million people).
PART_PEOPLE = 150_000
# Marks for this share of the register or more (and at least PART_PEOPLE of them) make the run a full one, which
# reads each township once instead of looking every marked person up: after a payments import of 900,000 rows a
# million-person county's incremental run took 112 s, its full run 40 s.
FULL_SHARE = 1 / 3


def _parts_and_full(*, county_id: int, year: int, full: bool, chunks: int | None) -> tuple[int, bool]:
    """How many parts a run takes, and whether it is a full one: `chunks` groups when given; a full run one part
    per key (township); an incremental run one per PART_PEOPLE people marked, unless its marks cover FULL_SHARE
    of the register (then a full run)."""
    if not full:
        marks = DirtyPerson.objects.filter(county_id=county_id, year__in=[year, DirtyPerson.ANY_YEAR])
        marked = marks.count()
        full = marked >= PART_PEOPLE and marked >= FULL_SHARE * Person.objects.filter(county_id=county_id).count()
        if not full and not chunks:
            chunks = max(1, -(-marked // PART_PEOPLE))
    return len(chunk_groups(county_id=county_id, chunks=chunks)), full


def run_start(
    *,
    county: County | int,
    year: int,
    as_of: date | None = None,
    full: bool = False,
    user=None,
    chunks: int | None = None,
) -> ReconciliationRun:
    """Record a new run (its parts are then run by `run_chunk`, inline or by the chord in tasks)."""
    county_id = county.pk if isinstance(county, County) else int(county)
    rules_for(county_id=county_id, year=year)  # fail early, with a message, when there is no policy
    # A whole-county mark makes the run a full one; it is taken at the end (`run_finish`) if not renewed meanwhile.
    marks = DirtyCounty.objects.filter(county_id=county_id, year__in=[year, DirtyPerson.ANY_YEAR])
    county_marks = {str(pk): generation for pk, generation in marks.values_list("pk", "generation")}
    parts, full = _parts_and_full(county_id=county_id, year=year, full=full or bool(county_marks), chunks=chunks)
    return ReconciliationRun.objects.create(
        county_id=county_id,
        year=year,
        as_of=as_of or county_today(county_id),
        full=full,
        county_marks=county_marks,
        started_by=user if user is not None and user.is_authenticated else None,
        chunks_total=parts,
    )


def reconcile(
    *,
    county: County | int,
    year: int,
    as_of: date | None = None,
    full: bool = False,
    user=None,
    chunks: int | None = None,
    workers: int = 1,
) -> ReconciliationRun:
    """Run a whole reconciliation from this process: start, every part, finish.

    `workers` > 1 (PostgreSQL only) runs parts on that many threads, each with its own connection: one part's
    Python work overlaps another's database work, as Celery workers would.
    """
    run = run_start(county=county, year=year, as_of=as_of, full=full, user=user, chunks=chunks)
    if not run_has_work(run):
        return run_finish(run_id=run.pk)
    groups = chunk_groups(county_id=run.county_id, chunks=chunks or run.chunks_total or None)
    try:
        if workers > 1 and connection.vendor == "postgresql" and len(groups) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(lambda keys: _run_chunk_in_thread(run.pk, keys), groups))
        else:
            for keys in groups:
                run_chunk(run_id=run.pk, keys=keys)
    except Exception as exc:
        run_fail(run_id=run.pk, message=str(exc))
        raise
    return run_finish(run_id=run.pk)


def run_has_work(run: ReconciliationRun) -> bool:
    """Whether the run has anything to recompute: a full run always; an incremental one while a person of its
    year is marked. One index probe, instead of every part's temporary tables finding nothing (a mark committed
    after it is left for the next run, as one committed after a part took its marks is)."""
    if run.full:
        return True
    marks = DirtyPerson.objects.filter(county_id=run.county_id, year__in=[run.year, DirtyPerson.ANY_YEAR])
    return marks.exists()


def _run_chunk_in_thread(run_id: int, keys: list[str]) -> int:
    try:
        return run_chunk(run_id=run_id, keys=keys)
    finally:
        connection.close()


def run_fail(*, run_id: int, message: str) -> None:
    ReconciliationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), message=message[:2000]
    )


def run_finish(*, run_id: int) -> ReconciliationRun:
    """Drop results of people gone from register and rosters (full runs), count by status, announce the run.

    Idempotent: a finished run is returned as it is.
    """
    from subsidies.signals import reconciliation_finished

    with transaction.atomic():
        run = ReconciliationRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return run
        # Fresh statistics now, not when autovacuum gets round to it: the stale-row delete below, the follow-up
        # case sync that listens to this run and the next run are planned with the rows the parts wrote (after a
        # first run into an empty table the delete probed the register once per result: 40 s for a million).
        refresh_statistics(["subsidies_reconciliationresult"], written=run.changed)
        removed = 0
        if run.full:
            policy = rules_for(county_id=run.county_id, year=run.year)
            removed = _delete_stale(run=run, policy=policy)
            run.changed += removed
        # Results change only through runs: after one that changed nothing they are counted as the last finished
        # run counted them (a GROUP BY over a million rows otherwise, most of a nothing-to-do run's time).
        previous = None
        if run.changed == 0:
            previous = (
                ReconciliationRun.objects.filter(county_id=run.county_id, year=run.year, status=RunStatus.DONE)
                .exclude(counts={})
                .order_by("-finished_at", "-pk")
                .values_list("counts", flat=True)
                .first()
            )
        if previous is not None:
            run.counts = previous
        else:
            counts = dict(
                ReconciliationResult.objects.filter(county_id=run.county_id, year=run.year)
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by("status")
            )
            run.counts = {status: counts.get(status, 0) for status in rr.STATUS_ORDER}
        if run.changed or not ResultTally.objects.filter(county_id=run.county_id, year=run.year).exists():
            tally_refresh(county_id=run.county_id, year=run.year)
        for pk, generation in run.county_marks.items():
            # Renewed by a change committed after the run started: kept for the next run.
            DirtyCounty.objects.filter(pk=int(pk), generation=generation).delete()
        run.status = RunStatus.DONE
        run.chunks_done = run.chunks_total
        run.finished_at = timezone.now()
        run.save(update_fields=["changed", "counts", "status", "chunks_done", "finished_at"])
        if removed:
            refresh_statistics(["subsidies_reconciliationresult"], written=removed)
        county_id, year = run.county_id, run.year
        transaction.on_commit(
            lambda: reconciliation_finished.send(
                sender=ReconciliationRun, run_id=run_id, county_id=county_id, year=year
            )
        )
    return run


def _delete_stale(*, run: ReconciliationRun, policy: PolicyRules) -> int:
    start, end = identity_period(policy, run.as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM subsidies_reconciliationresult
            WHERE county_id = %s AND year = %s AND NOT locked
              AND NOT EXISTS (SELECT 1 FROM enrollment_person p
                              WHERE p.county_id = %s AND p.id_number = subsidies_reconciliationresult.id_number)
              AND NOT EXISTS (SELECT 1 FROM subsidies_identity i
                              WHERE i.county_id = %s AND i.id_number = subsidies_reconciliationresult.id_number
                                AND i.valid_from <= %s AND (i.valid_to IS NULL OR i.valid_to >= %s))
            """,
            [run.county_id, run.year, run.county_id, run.county_id, end, start],
        )
        return cursor.rowcount
