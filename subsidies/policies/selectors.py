"""Read-side queries of the subsidies app. `policy_rules()` belongs to the policy area; others add theirs below."""

from __future__ import annotations

import threading
from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Scope, county_rows, scope_of
from enrollment.files.readers import TierChoice
from enrollment.models import County
from enrollment.payments.importer import YearTiers
from subsidies.models import (
    CategoryAmount,
    FiscalShare,
    MidYearRule,
    Policy,
    PolicyCategory,
    SpecialEnrolmentRule,
    Tier,
)
from subsidies.policies import rules

# Snapshots by (policy id, updated_at): a policy edit (its own save, or a child row's, which touches the policy)
# changes updated_at, so a stale snapshot is never served. Per process; rebuilt on the first use after a change.
_rules_cache: dict[tuple[int, object], rules.PolicyRules] = {}
_rules_lock = threading.Lock()


class PolicyMissing(LookupError):
    """No policy for this county and benefit year."""


def policy_list() -> QuerySet[Policy]:
    """All policies with their county, newest year first within each county."""
    return Policy.objects.select_related("county").order_by("county__code", "-year")


def policy_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for policies: every role reads its own county's."""
    return county_rows(qs, scope)


def policies_visible_to(user) -> QuerySet[Policy]:
    return policy_rows(policy_list(), scope_of(user))


def policy_get_for(user, pk) -> Policy:
    """The policy if this user may see it, else 404."""
    return get_object_or_404(policies_visible_to(user), pk=pk)


def policy_years_visible_to(user) -> list[int]:
    """The benefit years that have a policy this user may see, newest first (the years a run can be started for)."""
    return sorted(set(policies_visible_to(user).values_list("year", flat=True)), reverse=True)


def policy_get(*, county: County | int | str, year: int) -> Policy:
    """The policy of a county (a County, its id, or its 6-digit code) for a benefit year: one query."""
    if isinstance(county, County):
        lookup = {"county_id": county.pk}
    elif isinstance(county, str) and len(county) == 6 and county.isdigit():
        lookup = {"county__code": county}
    else:
        lookup = {"county_id": int(county)}
    try:
        return Policy.objects.select_related("county").get(year=year, **lookup)
    except Policy.DoesNotExist as exc:
        raise PolicyMissing(f"no policy for county {county} and year {year}") from exc


def policy_rules(*, county: County | int | str, year: int) -> rules.PolicyRules:
    """The frozen snapshot of a county's policy for a benefit year, for the pure functions in `rules`.

    One query when the policy is unchanged since the last call in this process; otherwise a fixed handful of queries
    (policy, tiers, fiscal shares, categories with their amounts, mid-year and special rules), never one per row.
    Raises PolicyMissing when the county has no policy for that year.
    """
    policy = policy_get(county=county, year=year)
    key = (policy.pk, policy.updated_at)
    cached = _rules_cache.get(key)
    if cached is not None:
        return cached
    snapshot = policy_rules_build(policy=policy)
    with _rules_lock:
        for old in [k for k in _rules_cache if k[0] == policy.pk]:
            del _rules_cache[old]
        _rules_cache[key] = snapshot
    return snapshot


def policy_rules_build(*, policy: Policy) -> rules.PolicyRules:
    """Build the snapshot of one policy without the cache."""
    tiers = {
        t.number: rules.TierRule(number=t.number, standard=t.standard, student_standard=t.student_standard)
        for t in Tier.objects.filter(policy=policy)
    }
    amounts: dict[int, dict[int, rules.Amount]] = defaultdict(dict)
    for a in CategoryAmount.objects.filter(policy_category__policy=policy).values(
        "policy_category_id", "tier__number", "kind", "value"
    ):
        amounts[a["policy_category_id"]][a["tier__number"]] = rules.Amount(kind=a["kind"], value=a["value"])
    categories = {}
    for pc in PolicyCategory.objects.filter(policy=policy).select_related("category"):
        category = pc.category
        categories[category.pk] = rules.CategoryRule(
            category_id=category.pk,
            code=category.code,
            priority=pc.priority,
            amounts=dict(amounts.get(pc.pk, {})),
            department_id=category.department_id,
            fund_id=pc.fund_id,
            uses_student_standard=pc.uses_student_standard,
            is_low_income=category.is_low_income,
            name=category.name,
            exempt_from_window=pc.exempt_from_window,
        )
    shares = tuple(
        rules.FiscalShareRule(level=s.level, percent=s.percent, amount=s.amount)
        for s in FiscalShare.objects.filter(policy=policy)
    )
    mid_year = tuple(
        rules.MidYearWindow(
            name=m.name,
            applies_from=m.applies_from,
            applies_to=m.applies_to,
            start=m.start,
            wait=m.wait,
            price=m.price,
            fiscal_amount=m.fiscal_amount,
            low_income_exempt=m.low_income_exempt,
            exempt_only=m.exempt_only,
        )
        for m in MidYearRule.objects.filter(policy=policy).order_by("applies_from")
    )
    special = {
        s.kind: rules.SpecialEnrolment(
            kind=s.kind,
            grace=s.grace,
            grace_unit=s.grace_unit,
            start_within=s.start_within,
            late_wait_months=s.late_wait_months,
            free_in_birth_year=s.free_in_birth_year,
        )
        for s in SpecialEnrolmentRule.objects.filter(policy=policy)
    }
    return rules.PolicyRules(
        year=policy.year,
        collection_start=policy.collection_start,
        collection_end=policy.collection_end,
        tiers=tiers,
        categories=categories,
        fiscal_subsidy=policy.fiscal_subsidy,
        subsidy_deadline=policy.subsidy_deadline,
        topup_after_full_payment=policy.topup_after_full_payment,
        no_readjustment=policy.no_readjustment,
        household_enrolment=policy.household_enrolment,
        work_fund_per_person=policy.work_fund_per_person,
        mid_year=mid_year,
        special=special,
        fiscal_shares=shares,
        policy_id=policy.pk,
        county_id=policy.county_id,
    )


def policy_page(*, policy: Policy) -> dict:
    """What the policy page shows, computed by the same rules the reconciliation applies (SPEC §5 tables)."""
    from subsidies.models import Department, FiscalLevel, Fund

    snapshot = policy_rules(county=policy.county_id, year=policy.year)
    tiers = [snapshot.tiers[n] for n in sorted(snapshot.tiers)]
    departments = dict(Department.objects.values_list("pk", "name"))
    funds = dict(Fund.objects.values_list("pk", "name"))
    rows = []
    for category in sorted(snapshot.categories.values(), key=lambda c: c.priority):
        cells = []
        for tier in tiers:
            amount = category.amounts.get(tier.number)
            standard = rules.standard_for(snapshot, tier=tier.number, student=category.uses_student_standard)
            if amount is None:
                cells.append({"subsidised": False, "standard": standard})
                continue
            subsidy = rules.subsidy_for(snapshot, category.category_id, tier=tier.number)
            cells.append(
                {
                    "subsidised": True,
                    "standard": standard,
                    "rule": rules.amount_label(amount) if amount.kind == "percent" else "",
                    "subsidy": subsidy,
                    "due": rules.personal_due(snapshot, category.category_id, tier=tier.number),
                    "full": rules.is_full(snapshot, category.category_id, tier=tier.number),
                }
            )
        rows.append(
            {
                "rule": category,
                "department": departments.get(category.department_id, ""),
                "fund": funds.get(category.fund_id, ""),
                "cells": cells,
            }
        )
    levels = dict(FiscalLevel.choices)
    shares = {s.level: s for s in snapshot.fiscal_shares}
    split = [
        {"level": levels.get(level, level), "percent": shares[level].percent, "amount": amount}
        for level, amount in rules.fiscal_split(snapshot).items()
    ]
    return {
        "policy": policy,
        "rules": snapshot,
        "tiers": tiers,
        "has_students": any(t.student_standard is not None for t in tiers),
        "rows": rows,
        "split": split,
        "split_total": sum((s["amount"] for s in split), rules.ZERO),
        "mid_year": MidYearRule.objects.filter(policy=policy).order_by("applies_from"),
        "special": SpecialEnrolmentRule.objects.filter(policy=policy).order_by("kind"),
    }


_CENT = Decimal("0.01")


def payment_tiers(*, county: County) -> dict[int, YearTiers]:
    """Benefit year → the county's tiers as a payment import checks them (a fixed handful of queries per policy).

    Tier inference uses the dues of every category of the policy, not the person's own: the person's categories on
    the payment day come from rosters that may arrive after the tax file, and reconciliation decides which one
    wins; the policy's amounts do not change with them.
    """
    names = {(t.policy_id, t.number): t.name for t in Tier.objects.filter(policy__county=county)}
    found: dict[int, YearTiers] = {}
    for policy in Policy.objects.filter(county=county):
        snapshot = policy_rules_build(policy=policy)
        if not snapshot.tiers:
            continue
        choices, explained, highest = [], {}, Decimal(0)
        for number, tier in sorted(snapshot.tiers.items()):
            choices.append(TierChoice(number, names.get((policy.pk, number), ""), tier.standard, tier.student_standard))
            amounts = {s for s in (tier.standard, tier.student_standard) if s is not None}
            for window in snapshot.mid_year:
                if window.price == rules.PRICE_STANDARD_PLUS_FISCAL and window.fiscal_amount is not None:
                    amounts |= {s + window.fiscal_amount for s in set(amounts)}
            for category_id in snapshot.categories:
                for student in (False, True):
                    amounts.add(rules.personal_due(snapshot, category_id, tier=number, student=student))
            amounts.discard(Decimal(0))
            explained[number] = frozenset(a.quantize(_CENT) for a in amounts)
            highest = max(highest, *amounts)
        found[policy.year] = YearTiers(tuple(choices), explained, (2 * highest).quantize(_CENT))
    return found
