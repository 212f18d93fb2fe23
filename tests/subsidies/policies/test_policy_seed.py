"""The five seed policies in the database, read back through `selectors.policy_rules`."""

from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from enrollment.models import County
from subsidies.models import Category, CategoryAmount, Policy, PolicyCategory
from subsidies.policies import rules
from subsidies.policies.selectors import PolicyMissing, policy_rules
from subsidies.policies.services import seed_policies_load
from tests.builders.policy_figures import ALL, FISCAL_SPLITS, figure_id

pytestmark = pytest.mark.django_db

YEARS = {"530300": 2024, "530381": 2024, "620721": 2024, "341323": 2023, "500102": 2023, "141181": 2024}


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the read-only tests of this module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_policies_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return None


def rules_of(county: str) -> rules.PolicyRules:
    return policy_rules(county=county, year=YEARS[county])


def category(county: str, code: str) -> Category:
    return Category.objects.get(county__code=county, code=code)


@pytest.mark.parametrize("row", ALL, ids=figure_id)
def test_every_figure_of_the_notices_from_the_database(seeded, row):
    county, code, tier, subsidy, due = row
    policy = rules_of(county)
    cid = category(county, code).pk
    assert rules.subsidy_for(policy, cid, tier=tier) == subsidy
    assert rules.personal_due(policy, cid, tier=tier) == due


@pytest.mark.parametrize(("county", "expected"), FISCAL_SPLITS, ids=[c for c, _ in FISCAL_SPLITS])
def test_fiscal_split_from_the_database(seeded, county, expected):
    assert {k: str(v) for k, v in rules.fiscal_split(rules_of(county)).items()} == expected


def test_sunan_multi_identity_250_once(seeded):
    policy = rules_of("620721")
    ids = [category("620721", "poverty_relieved").pk, category("620721", "rural_dibao_3_4").pk]
    winner = rules.choose_winner(policy, ids, tier=1)
    assert (winner.code, rules.subsidy_for(policy, winner.category_id, tier=1)) == ("rural_dibao_3_4", D(250))


def test_seed_departments_funds_aliases_and_low_income(seeded):
    tekun = category("620721", "extreme_poverty")
    assert tekun.department.code == "civil_affairs"
    assert {"特困供养人员", "特困"} <= set(tekun.aliases)
    assert tekun.is_low_income
    assert "农村一类低保" in category("620721", "rural_dibao_1_2").aliases
    assert category("141181", "restructured_enterprise").department.code == "enterprise_office"
    assert category("500102", "fp_reward").department.code == "health_commission"
    assert category("500102", "old_demobilised").department.code == "veterans_affairs"
    assert category("500102", "severe_disabled").department.code == "disabled_federation"
    assert not category("500102", "severe_disabled").is_low_income
    entries = {
        (pc.policy.county.code, pc.category.code): pc.fund.code if pc.fund else None
        for pc in PolicyCategory.objects.select_related("policy__county", "category", "fund")
    }
    assert entries["620721", "extreme_poverty"] == "medical_assistance"
    assert entries["141181", "dibao"] == "medical_assistance"
    assert entries["141181", "disabled"] == "disabled_federation"
    assert entries["620721", "poverty_relieved"] == "rural_revitalization"
    assert entries["341323", "stable_relieved"] is None  # 0 yuan: nobody pays
    assert not any(code == "530300" for code, _ in entries)  # 曲靖 names no categories


def test_policy_flags_and_windows(seeded):
    sunan, zhuji, fuling = rules_of("620721"), rules_of("341323"), rules_of("500102")
    assert sunan.topup_after_full_payment and sunan.household_enrolment
    assert not fuling.topup_after_full_payment and not zhuji.household_enrolment
    assert all(rules_of(c).no_readjustment for c in YEARS)
    assert zhuji.subsidy_deadline.isoformat() == "2023-02-28"
    assert zhuji.work_fund_per_person == D(1)
    assert [w.name for w in fuling.mid_year] == ["1—2月参保", "3—6月参保", "7—9月参保", "10—12月资助对象参保"]
    assert fuling.mid_year[2].fiscal_amount is None  # the bureau fills it in
    assert "当年财政补助金额" in Policy.objects.get(county__code="500102").note
    assert set(zhuji.special) == {"newborn", "employee_leaver"}
    assert sunan.special["newborn"].grace == 3 and sunan.special["newborn"].grace_unit == "months"


def test_seeding_twice_writes_nothing():
    seed_policies_load()
    counts = [m.objects.count() for m in (County, Category, Policy, PolicyCategory, CategoryAmount)]
    with CaptureQueriesContext(connection) as queries:
        outcome = seed_policies_load()
    assert set(outcome.values()) == {"kept"}
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert [m.objects.count() for m in (County, Category, Policy, PolicyCategory, CategoryAmount)] == counts


def test_update_restores_the_seed_and_is_then_unchanged():
    seed_policies_load()
    amount = CategoryAmount.objects.get(policy_category__category__code="dibao", policy_category__policy__year=2024)
    amount.value = D(70)
    amount.save()
    assert seed_policies_load(counties=["141181"]) == {"141181 2024": "kept"}
    assert seed_policies_load(update=True, counties=["141181"]) == {"141181 2024": "updated"}
    assert rules.subsidy_for(rules_of("141181"), category("141181", "dibao").pk, tier=1) == D(304)
    assert set(seed_policies_load(update=True).values()) == {"unchanged"}


def test_command_prints_each_policy():
    out = StringIO()
    call_command("seed_policies", stdout=out)
    call_command("seed_policies", stdout=out)
    text = out.getvalue()
    assert text.count("620721 2024") == 2
    assert "500102 2023" in text


def test_snapshot_is_cached_and_rebuilt_after_an_edit(django_assert_max_num_queries):
    seed_policies_load(counties=["141181"])
    first = rules_of("141181")
    with django_assert_max_num_queries(1):
        assert rules_of("141181") is first
    entry = PolicyCategory.objects.get(policy__county__code="141181", category__code="dibao")
    amount = entry.amounts.get()
    amount.value = D(90)
    amount.save()
    again = rules_of("141181")
    assert again is not first
    assert rules.subsidy_for(again, entry.category_id, tier=1) == D(342)


def test_snapshot_is_built_with_a_fixed_number_of_queries(seeded, django_assert_max_num_queries):
    from subsidies.policies.selectors import _rules_cache

    _rules_cache.clear()
    with django_assert_max_num_queries(7):
        policy = rules_of("500102")
    assert len(policy.categories) == 12


def test_missing_policy_is_a_clear_error(seeded):
    with pytest.raises(PolicyMissing):
        policy_rules(county="620721", year=1999)


def test_update_restores_a_reordered_priority_list():
    seed_policies_load(counties=["620721"])
    entries = PolicyCategory.objects.filter(policy__county__code="620721")
    first, last = entries.get(priority=1), entries.order_by("-priority").first()
    top = last.priority
    last.priority = 999
    last.save()
    first.priority = top
    first.save()
    last.priority = 1
    last.save()
    assert seed_policies_load(update=True, counties=["620721"]) == {"620721 2024": "updated"}
    order = list(entries.order_by("priority").values_list("category__code", flat=True))
    assert order[0] == "extreme_poverty" and order[-1] == "poverty_relieved"
    assert list(entries.order_by("priority").values_list("priority", flat=True)) == list(range(1, 11))


def test_policy_edits_are_kept_with_who_and_when(admin_client, admin_user):
    from django.urls import reverse

    from subsidies.models import CategoryAmount
    from tests.builders.admin_post import form_data, inline_prefix, inline_row

    seed_policies_load(counties=["141181"])
    policy = Policy.objects.get(county__code="141181")
    url = reverse("admin:subsidies_policy_change", args=[policy.pk])
    page = admin_client.get(url)
    data = form_data(page)
    row = inline_row(page, "policycategory", category__code="disabled")
    data[f"{inline_prefix(page, 'policycategory')}-{row}-tier_1"] = "300"
    assert admin_client.post(url, data).status_code == 302
    amount = CategoryAmount.objects.get(policy_category__policy=policy, policy_category__category__code="disabled")
    history = CategoryAmount.history.filter(id=amount.pk).order_by("history_date")
    assert [h.value for h in history] == [D(304), D(300)]
    assert history.last().history_user == admin_user
    assert history.first().history_user is None  # seeded by the command
