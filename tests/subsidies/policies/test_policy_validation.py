"""Bad policy data is refused with a clear Chinese message: by the services, the models and the admin."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from subsidies.models import Category, Department, MidYearRule, Policy, PolicyCategory, Tier
from subsidies.policies import rules
from subsidies.policies.selectors import policy_rules
from subsidies.policies.services import (
    category_amount_set,
    fiscal_share_set,
    mid_year_rule_add,
    policy_create,
    seed_policies_load,
)
from tests.builders.admin_post import form_data, inline_prefix, inline_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def xiaoyi():
    seed_policies_load(counties=["141181"])
    return Policy.objects.get(county__code="141181", year=2024)


@pytest.fixture
def fuling():
    seed_policies_load(counties=["500102"])
    return Policy.objects.get(county__code="500102", year=2023)


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- services -----------------------------------------------------------------------------------------------------


def test_a_second_policy_for_the_same_county_and_year_is_refused(xiaoyi):
    with pytest.raises(ValidationError) as exc:
        policy_create(
            county=xiaoyi.county,
            year=2024,
            title="重复",
            collection_start=date(2023, 9, 1),
            collection_end=date(2023, 12, 31),
            fiscal_subsidy=D(640),
        )
    assert "该区县该待遇享受年度已有政策" in messages(exc.value)
    assert Policy.objects.filter(county=xiaoyi.county, year=2024).count() == 1


def test_a_window_that_ends_before_it_starts_is_refused(xiaoyi):
    with pytest.raises(ValidationError) as exc:
        policy_create(
            county=xiaoyi.county,
            year=2025,
            title="2025",
            collection_start=date(2024, 12, 31),
            collection_end=date(2024, 9, 1),
            fiscal_subsidy=D(670),
        )
    assert "集中缴费期的结束日期早于开始日期" in messages(exc.value)


def test_a_subsidy_above_the_tier_standard_is_refused(xiaoyi):
    entry = PolicyCategory.objects.get(policy=xiaoyi, category__code="monitored")
    tier = xiaoyi.tiers.get()
    with pytest.raises(ValidationError) as exc:
        category_amount_set(policy_category=entry, tier=tier, amount=rules.Amount("fixed", D(381)))
    text = messages(exc.value)
    assert "381" in text and "380" in text and "监测对象" in text and "高于" in text
    assert entry.amounts.get().value == D(280)


def test_a_percentage_over_100_is_refused(xiaoyi):
    entry = PolicyCategory.objects.get(policy=xiaoyi, category__code="dibao")
    with pytest.raises(ValidationError) as exc:
        category_amount_set(policy_category=entry, tier=xiaoyi.tiers.get(), amount=rules.Amount("percent", D(101)))
    assert "按比例资助不能超过100%" in messages(exc.value)


def test_lowering_a_standard_below_a_fixed_subsidy_is_refused(xiaoyi):
    tier = xiaoyi.tiers.get()
    tier.standard = D(300)
    with pytest.raises(ValidationError) as exc:
        tier.full_clean()
    assert "持有二代残疾证的残疾人员" in messages(exc.value)  # its 304 yuan


def test_overlapping_mid_year_periods_are_refused(fuling):
    with pytest.raises(ValidationError) as exc:
        mid_year_rule_add(
            policy=fuling,
            name="6—7月参保",
            applies_from=date(2023, 6, 15),
            applies_to=date(2023, 7, 15),
            start=MidYearRule.Start.AFTER_DAYS,
            wait=90,
        )
    text = messages(exc.value)
    assert "6—7月参保" in text and "重叠" in text and "3—6月参保" in text


def test_a_mid_year_period_inside_the_collection_window_is_refused(fuling):
    with pytest.raises(ValidationError) as exc:
        mid_year_rule_add(
            policy=fuling,
            name="12月",
            applies_from=date(2022, 12, 1),
            applies_to=date(2022, 12, 31),
            start=MidYearRule.Start.NEXT_MONTH,
        )
    assert "集中缴费期" in messages(exc.value)


def test_a_fiscal_share_needs_a_percentage_or_an_amount(xiaoyi):
    with pytest.raises(ValidationError) as exc:
        fiscal_share_set(policy=xiaoyi, level="central", percent=D(80), amount=D(512))
    assert "比例或金额" in messages(exc.value)
    with pytest.raises(ValidationError):
        fiscal_share_set(policy=xiaoyi, level="central", percent=D("100.5"))
    share = fiscal_share_set(policy=xiaoyi, level="central", percent=D(80))
    assert rules.fiscal_split(policy_rules(county="141181", year=2024)) == {"central": D("512.00")}
    assert share.pk


# --- the admin ----------------------------------------------------------------------------------------------------


def change_url(policy):
    return reverse("admin:subsidies_policy_change", args=[policy.pk])


def test_admin_refuses_a_percentage_over_100_in_the_category_inline(admin_client, xiaoyi):
    page = admin_client.get(change_url(xiaoyi))
    data = form_data(page)
    row = inline_row(page, "policycategory", category__code="dibao")
    data[f"{inline_prefix(page, 'policycategory')}-{row}-tier_1"] = "120%"
    response = admin_client.post(change_url(xiaoyi), data)
    assert response.status_code == 200
    assert "按比例资助不能超过100%" in response.content.decode()
    assert rules.subsidy_for(policy_rules(county="141181", year=2024), _cid("141181", "dibao"), tier=1) == D(304)


def test_admin_refuses_a_subsidy_above_the_standard(admin_client, xiaoyi):
    page = admin_client.get(change_url(xiaoyi))
    data = form_data(page)
    row = inline_row(page, "policycategory", category__code="monitored")
    data[f"{inline_prefix(page, 'policycategory')}-{row}-tier_1"] = "400"
    body = admin_client.post(change_url(xiaoyi), data).content.decode()
    assert "资助金额400.00元高于" in body and "个人缴费标准380.00元" in body


def test_admin_saves_valid_amounts_and_the_rules_follow(admin_client, xiaoyi):
    before = policy_rules(county="141181", year=2024)
    page = admin_client.get(change_url(xiaoyi))
    data = form_data(page)
    prefix = inline_prefix(page, "policycategory")
    assert data[f"{prefix}-{inline_row(page, 'policycategory', category__code='dibao')}-tier_1"] == "80%"
    data[f"{prefix}-{inline_row(page, 'policycategory', category__code='dibao')}-tier_1"] = "85%"
    data[f"{prefix}-{inline_row(page, 'policycategory', category__code='monitored')}-tier_1"] = "２９０元"
    response = admin_client.post(change_url(xiaoyi), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    after = policy_rules(county="141181", year=2024)
    assert after is not before
    assert rules.subsidy_for(after, _cid("141181", "dibao"), tier=1) == D(323)
    assert rules.personal_due(after, _cid("141181", "monitored"), tier=1) == D(90)


def test_admin_refuses_overlapping_mid_year_periods(admin_client, fuling):
    page = admin_client.get(change_url(fuling))
    data = form_data(page)
    prefix = inline_prefix(page, "midyearrule")
    row = inline_row(page, "midyearrule", name="3—6月参保")
    data[f"{prefix}-{row}-applies_to"] = "2023-07-10"
    body = admin_client.post(change_url(fuling), data).content.decode()
    assert "7—9月参保（2023-07-01至2023-09-30）与3—6月参保（2023-03-01至2023-07-10）的期间重叠" in body
    assert MidYearRule.objects.get(policy=fuling, name="3—6月参保").applies_to == date(2023, 6, 30)


def test_admin_refuses_fiscal_percentages_over_100_together(admin_client):
    seed_policies_load(counties=["530300"])
    policy = Policy.objects.get(county__code="530300")
    page = admin_client.get(change_url(policy))
    data = form_data(page)
    prefix = inline_prefix(page, "fiscalshare")
    row = inline_row(page, "fiscalshare", level="province")
    data[f"{prefix}-{row}-percent"] = "20"
    body = admin_client.post(change_url(policy), data).content.decode()
    assert "比例合计为106" in body


def test_admin_refuses_a_duplicate_policy(admin_client, xiaoyi):
    data = {
        "county": str(xiaoyi.county_id),
        "year": "2024",
        "title": "重复的政策",
        "collection_start": "2023-09-01",
        "collection_end": "2023-12-31",
        "fiscal_subsidy": "640",
        "work_fund_per_person": "0",
        "no_readjustment": "on",
    }
    for prefix in ("tiers", "fiscal_shares", "categories", "mid_year_rules", "special_rules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(reverse("admin:subsidies_policy_add"), data)
    assert response.status_code == 200
    assert "该区县该待遇享受年度已有政策" in response.content.decode()


def test_category_admin_takes_labels_as_text(admin_client, xiaoyi):
    category = Category.objects.get(county=xiaoyi.county, code="dibao")
    page = admin_client.get(reverse("admin:subsidies_category_change", args=[category.pk]))
    data = form_data(page)
    assert data["aliases"].startswith("低保、")
    data["aliases"] = "低保， 城乡低保对象、低保对象\n最低生活保障对象"
    response = admin_client.post(reverse("admin:subsidies_category_change", args=[category.pk]), data)
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.aliases == ["低保", "城乡低保对象", "低保对象", "最低生活保障对象"]


def _cid(county, code):
    return Category.objects.get(county__code=county, code=code).pk


def test_departments_are_reference_data():
    assert Department.objects.filter(code="enterprise_office").exists()
    assert Tier.objects.count() == 0
