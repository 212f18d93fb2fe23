"""The results' tally (`ResultTally`): what the home pages count, rewritten at the end of a run that changed results.

One grouped read of the county's results for the year, folded into months here (grouping by the day and folding
is cheaper in PostgreSQL than truncating a million dates), written as a few thousand rows. Results change only
through runs, so the tally is as fresh as the last run; the home pages read the live results while a county has no
tally (`tally_for`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum

from enrollment.models import County
from subsidies.reconciliation.models import ReconciliationResult, ResultTally

DIMENSIONS = ("township_id", "village_id", "status", "department_id", "category_id", "fund_id")
ZERO = Decimal("0.00")


def tally_refresh(*, county_id: int, year: int) -> int:
    """Rewrite the county's tally for the year from its results. Returns the number of tally rows."""
    grouped = (
        ReconciliationResult.objects.filter(county_id=county_id, year=year)
        .annotate(
            subsidised=ExpressionWrapper(Q(subsidy__gt=0), output_field=BooleanField()),
            topped_up=ExpressionWrapper(Q(topup__gt=0), output_field=BooleanField()),
        )
        .values_list(*DIMENSIONS, "enrolled_on", "topup_month", "subsidised", "topped_up")
        .annotate(people=Count("id"), subsidy=Sum("subsidy"), topup=Sum("topup"))
        .order_by()
    )
    folded: dict[tuple, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for *dims, enrolled_on, topup_month, subsidised, topped_up, people, subsidy, topup in grouped:
        month = enrolled_on.replace(day=1) if enrolled_on else None
        row = folded[(*dims, month, topup_month, bool(subsidised), bool(topped_up))]
        row[0] += people
        row[1] += subsidy or ZERO
        row[2] += topup or ZERO
    rows = [
        ResultTally(
            county_id=county_id,
            year=year,
            **dict(zip(DIMENSIONS, key[:6], strict=True)),
            enrolled_month=key[6],
            topup_month=key[7],
            subsidised=key[8],
            topped_up=key[9],
            people=people,
            subsidy=subsidy,
            topup=topup,
        )
        for key, (people, subsidy, topup) in folded.items()
    ]
    with transaction.atomic():
        # One writer at a time per county: two runs finishing together would otherwise both insert.
        County.objects.select_for_update().filter(pk=county_id).first()
        ResultTally.objects.filter(county_id=county_id, year=year).delete()
        ResultTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def tally_for(*, county_id: int, year: int) -> QuerySet | None:
    """The county's tally for the year, or None while it has none (no run has finished since results existed)."""
    qs = ResultTally.objects.filter(county_id=county_id, year=year)
    return qs if qs.exists() else None
