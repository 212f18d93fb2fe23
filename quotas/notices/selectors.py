"""Reads for the village pages: the 公示 notice of one village and the village work fund."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, place_rows, scope_of
from enrollment.models import Village
from quotas.progress import ranking
from quotas.progress.selectors import results_for
from subsidies.models import Policy
from subsidies.reconciliation.rules import ENROLLED_STATUSES


@dataclass
class VillageFund:
    village: Village
    enrolled: int
    amount: Decimal


def village_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for villages: the county's for bureau and auditors, a township user its own township's."""
    return place_rows(qs, scope, county_field="township__county")


def villages_visible_to(user) -> QuerySet[Village]:
    villages = village_rows(Village.objects.select_related("township", "township__county"), scope_of(user))
    return villages.order_by("township__code", "township__name", "code", "name")


def village_get_for(user, pk) -> Village:
    """The village if this user may see it (for its notice), else 404."""
    return get_object_or_404(villages_visible_to(user), pk=pk)


def work_fund_per_person(*, county_id: int, year: int) -> Decimal:
    policy = Policy.objects.filter(county_id=county_id, year=year).only("work_fund_per_person").first()
    return policy.work_fund_per_person if policy else Decimal("0")


def village_work_funds(*, county_id: int, year: int, township_id: int | None = None) -> list[VillageFund]:
    """Each village's work fund: enrolled people × the policy's amount per person, one aggregate query."""
    per_person = work_fund_per_person(county_id=county_id, year=year)
    if not per_person:
        return []
    qs = results_for(county_id=county_id, year=year).filter(status__in=ENROLLED_STATUSES, village__isnull=False)
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    counts = dict(qs.values("village_id").annotate(n=Count("id")).order_by().values_list("village_id", "n"))
    villages = Village.objects.filter(township__county_id=county_id).select_related("township")
    if township_id is not None:
        villages = villages.filter(township_id=township_id)
    return [
        VillageFund(v, counts.get(v.pk, 0), ranking.work_fund(counts.get(v.pk, 0), per_person))
        for v in villages.order_by("township__code", "township__name", "code", "name")
    ]


def village_notice_lists(*, village: Village, year: int) -> tuple[QuerySet, QuerySet]:
    """The village's paid (enrolled, incl. 代缴) and unpaid people for the year, by name: two querysets, so a page
    reads one page of each and the workbook streams them."""
    rows = (
        results_for(county_id=village.township.county_id, year=year)
        .filter(village=village)
        .only("id_number", "name", "status", "paid", "paid_on", "enrolled_on")
        .order_by("name", "id_number")
    )
    return rows.filter(status__in=ENROLLED_STATUSES), rows.exclude(status__in=ENROLLED_STATUSES)
