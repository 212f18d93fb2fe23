"""Policy services: seeding the notices' policies, keeping the rules snapshot fresh, validating edits (SPEC §5)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from enrollment.places.services import county_ensure
from subsidies.models import (
    Category,
    CategoryAmount,
    Department,
    FiscalShare,
    Fund,
    MidYearRule,
    Policy,
    PolicyCategory,
    SpecialEnrolmentRule,
    Tier,
)

POLICY_CHILDREN = (Tier, FiscalShare, PolicyCategory, MidYearRule, SpecialEnrolmentRule)


def policy_touch(*, policy_ids) -> None:
    """Mark policies as changed so `selectors.policy_rules` rebuilds their snapshot."""
    ids = [pk for pk in policy_ids if pk]
    if ids:
        Policy.objects.filter(pk__in=ids).update(updated_at=timezone.now())


@receiver(post_save)
@receiver(post_delete)
def _policy_child_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    if sender in POLICY_CHILDREN:
        policy_touch(policy_ids=[instance.policy_id])
    elif sender is CategoryAmount:
        policy_id = PolicyCategory.objects.filter(pk=instance.policy_category_id).values_list("policy_id", flat=True)
        policy_touch(policy_ids=list(policy_id))
    elif sender is Category:
        policy_touch(policy_ids=list(Policy.objects.filter(county_id=instance.county_id).values_list("pk", flat=True)))


# --- seeding -------------------------------------------------------------------------------------------------------


def _sync(model, lookup: dict[str, Any], values: dict[str, Any]):
    """get_or_create by `lookup`, then set `values` only where they differ: an unchanged row is never written."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return obj, bool(changed)


@transaction.atomic
def policy_seed(*, spec: dict[str, Any], update: bool = False) -> str:
    """Load one seed policy (see `policy_seeds.SEED_POLICIES`). Returns "created", "updated", "unchanged" or "kept".

    An existing policy is kept as the bureau left it ("kept") unless `update`, which brings it back to the seed data
    and removes tiers, shares, categories and rules the seed does not have. Running it twice writes nothing.
    """
    county = county_ensure(code=spec["county"])
    existing = Policy.objects.filter(county=county, year=spec["year"]).first()
    if existing is not None and not update:
        return "kept"
    fields = {
        name: spec.get(name, default)
        for name, default in [
            ("title", ""),
            ("source", ""),
            ("collection_start", None),
            ("collection_end", None),
            ("subsidy_deadline", None),
            ("fiscal_subsidy", 0),
            ("topup_after_full_payment", False),
            ("no_readjustment", True),
            ("household_enrolment", False),
            ("work_fund_per_person", 0),
            ("transfer_deadline", ""),
            ("note", ""),
        ]
    }
    policy, changed = _sync(Policy, {"county": county, "year": spec["year"]}, fields)

    tiers = {}
    for number, name, standard, student_standard in spec["tiers"]:
        tiers[number], c = _sync(
            Tier,
            {"policy": policy, "number": number},
            {"name": name, "standard": standard, "student_standard": student_standard},
        )
        changed |= c
    changed |= _delete(Tier.objects.filter(policy=policy).exclude(number__in=tiers))

    levels = []
    for level, percent, amount in spec["fiscal_shares"]:
        _, c = _sync(FiscalShare, {"policy": policy, "level": level}, {"percent": percent, "amount": amount})
        changed |= c
        levels.append(level)
    changed |= _delete(FiscalShare.objects.filter(policy=policy).exclude(level__in=levels))

    departments = {d.code: d for d in Department.objects.all()}
    funds = {f.code: f for f in Fund.objects.all()}
    entries = []
    # Park priorities of entries being reordered out of the way of the unique (policy, priority) constraint.
    if update:
        spec_codes = [c["code"] for c in spec["categories"]]
        current = {
            pc.category.code: pc.priority
            for pc in PolicyCategory.objects.filter(policy=policy).select_related("category")
        }
        wanted = {code: i for i, code in enumerate(spec_codes, start=1)}
        moving = [code for code, prio in current.items() if wanted.get(code) != prio]
        if moving:
            for i, pc in enumerate(PolicyCategory.objects.filter(policy=policy, category__code__in=moving), start=1):
                pc.priority = 30000 + i
                pc.save(update_fields=["priority"])
            changed = True
    for priority, entry in enumerate(spec["categories"], start=1):
        category, c = _sync(
            Category,
            {"county": county, "code": entry["code"]},
            {
                "name": entry["name"],
                "department": departments[entry["department"]],
                "aliases": entry["aliases"],
                "is_low_income": entry["is_low_income"],
            },
        )
        changed |= c
        pc, c = _sync(
            PolicyCategory,
            {"policy": policy, "category": category},
            {
                "fund": funds[entry["fund"]] if entry["fund"] else None,
                "priority": priority,
                "uses_student_standard": entry["uses_student_standard"],
                "exempt_from_window": entry["exempt_from_window"],
            },
        )
        changed |= c
        entries.append(pc.pk)
        for number, (kind, value) in entry["amounts"].items():
            _, c = _sync(CategoryAmount, {"policy_category": pc, "tier": tiers[number]}, {"kind": kind, "value": value})
            changed |= c
        changed |= _delete(
            CategoryAmount.objects.filter(policy_category=pc).exclude(tier__number__in=list(entry["amounts"]))
        )
    changed |= _delete(PolicyCategory.objects.filter(policy=policy).exclude(pk__in=entries))

    rule_ids = []
    for rule in spec.get("mid_year", []):
        values = {
            "applies_to": rule["applies_to"],
            "price": rule.get("price", "standard"),
            "fiscal_amount": rule.get("fiscal_amount"),
            "start": rule["start"],
            "wait": rule.get("wait", 0),
            "low_income_exempt": rule.get("low_income_exempt", False),
            "exempt_only": rule.get("exempt_only", False),
        }
        obj, c = _sync(
            MidYearRule, {"policy": policy, "name": rule["name"], "applies_from": rule["applies_from"]}, values
        )
        changed |= c
        rule_ids.append(obj.pk)
    changed |= _delete(MidYearRule.objects.filter(policy=policy).exclude(pk__in=rule_ids))

    kinds = []
    for kind, grace, unit, start_within, late_wait, *rest in spec.get("special", []):
        _, c = _sync(
            SpecialEnrolmentRule,
            {"policy": policy, "kind": kind},
            {
                "grace": grace,
                "grace_unit": unit,
                "start_within": start_within,
                "late_wait_months": late_wait,
                "free_in_birth_year": bool(rest and rest[0]),
            },
        )
        changed |= c
        kinds.append(kind)
    changed |= _delete(SpecialEnrolmentRule.objects.filter(policy=policy).exclude(kind__in=kinds))

    if existing is None:
        return "created"
    return "updated" if changed else "unchanged"


def _delete(qs) -> bool:
    deleted, _ = qs.delete()
    return bool(deleted)


def seed_policies_load(*, update: bool = False, counties: list[str] | None = None) -> dict[str, str]:
    """Load every seed policy (or those of `counties`); returns "county year" -> outcome."""
    from subsidies.policies.seeds import SEED_POLICIES

    outcome = {}
    for spec in SEED_POLICIES:
        if counties and spec["county"] not in counties:
            continue
        outcome[f"{spec['county']} {spec['year']}"] = policy_seed(spec=spec, update=update)
    return outcome


# --- editing (the admin and scripts go through these; every write is validated by the models' clean()) -----------


@transaction.atomic
def policy_create(
    *, county, year: int, title: str, collection_start, collection_end, fiscal_subsidy, **fields
) -> Policy:
    """A new policy for a county and benefit year; refused (ValidationError, in Chinese) when one already exists."""
    policy = Policy(
        county=county,
        year=year,
        title=title,
        collection_start=collection_start,
        collection_end=collection_end,
        fiscal_subsidy=fiscal_subsidy,
        **fields,
    )
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def category_amount_set(*, policy_category: PolicyCategory, tier: Tier, amount) -> CategoryAmount | None:
    """Set (or with amount None remove) a category's subsidy in a tier; `amount` is a `rules.Amount`."""
    existing = CategoryAmount.objects.filter(policy_category=policy_category, tier=tier).first()
    if amount is None:
        if existing is not None:
            existing.delete()
        return None
    row = existing or CategoryAmount(policy_category=policy_category, tier=tier)
    if existing is not None and (existing.kind, existing.value) == (amount.kind, amount.value):
        return existing
    row.kind, row.value = amount.kind, amount.value
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def mid_year_rule_add(*, policy: Policy, **fields) -> MidYearRule:
    """A mid-year rule; refused when its period overlaps another rule's or the collection window."""
    rule = MidYearRule(policy=policy, **fields)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def fiscal_share_set(*, policy: Policy, level: str, percent=None, amount=None) -> FiscalShare:
    share = FiscalShare.objects.filter(policy=policy, level=level).first() or FiscalShare(policy=policy, level=level)
    share.percent, share.amount = percent, amount
    share.full_clean()
    share.save()
    return share
