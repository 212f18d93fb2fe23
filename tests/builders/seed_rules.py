"""Build `rules.PolicyRules` straight from the seed data, without a database, for the pure tests."""

from subsidies.policies import rules
from subsidies.policies.seeds import SEED_POLICIES


def seed_spec(county: str) -> dict:
    return next(s for s in SEED_POLICIES if s["county"] == county)


def seed_rules(county: str) -> rules.PolicyRules:
    """Category ids are 1, 2, 3 … in the seed's order, which is also the priority order."""
    spec = seed_spec(county)
    return rules.PolicyRules(
        year=spec["year"],
        collection_start=spec["collection_start"],
        collection_end=spec["collection_end"],
        subsidy_deadline=spec.get("subsidy_deadline"),
        fiscal_subsidy=spec["fiscal_subsidy"],
        tiers={n: rules.TierRule(number=n, standard=s, student_standard=st) for n, _, s, st in spec["tiers"]},
        categories={
            i: rules.CategoryRule(
                category_id=i,
                code=c["code"],
                name=c["name"],
                priority=i,
                amounts={t: rules.Amount(kind=k, value=v) for t, (k, v) in c["amounts"].items()},
                uses_student_standard=c["uses_student_standard"],
                is_low_income=c["is_low_income"],
                exempt_from_window=c["exempt_from_window"],
            )
            for i, c in enumerate(spec["categories"], start=1)
        },
        fiscal_shares=tuple(rules.FiscalShareRule(level=lv, percent=p, amount=a) for lv, p, a in spec["fiscal_shares"]),
        mid_year=tuple(
            rules.MidYearWindow(
                name=m["name"],
                applies_from=m["applies_from"],
                applies_to=m["applies_to"],
                start=m["start"],
                wait=m.get("wait", 0),
                price=m.get("price", rules.PRICE_STANDARD),
                fiscal_amount=m.get("fiscal_amount"),
                low_income_exempt=m.get("low_income_exempt", False),
                exempt_only=m.get("exempt_only", False),
            )
            for m in spec.get("mid_year", [])
        ),
        special={
            kind: rules.SpecialEnrolment(
                kind=kind,
                grace=g,
                grace_unit=u,
                start_within=s,
                late_wait_months=w,
                free_in_birth_year=bool(rest and rest[0]),
            )
            for kind, g, u, s, w, *rest in spec.get("special", [])
        },
    )


def category_id(county: str, code: str) -> int:
    spec = seed_spec(county)
    return next(i for i, c in enumerate(spec["categories"], start=1) if c["code"] == code)
