"""Category labels as offices write them (subsidies.rosters.labels): pure functions, no database."""

import pytest

from subsidies.policies.seeds import SEED_POLICIES
from subsidies.rosters.labels import LabelIndex

ISSUE_LABELS = ["农村低保一类", "城市低保（全额）", "特困供养人员（集中供养）", "脱贫户", "监测户", "残疾人（一级）"]
ISSUE_LABELS.append("重点优抚对象（伤残军人）")

# What each label means in each seed county's policy (None: the county has no such category, or no single one).
EXPECTED = {
    "620721": ["rural_dibao_1_2", "urban_dibao_full", "extreme_poverty", "poverty_relieved", "at_risk", None, None],
    "341323": ["dibao", "dibao", "extreme_poverty", "stable_relieved", "monitored", None, "key_entitled"],
    # 涪陵 excludes disabled soldiers (在乡重点优抚对象（不含1—6级残疾军人）): 重点优抚对象（伤残军人） is not it.
    "500102": ["dibao", "dibao", "extreme_poverty", "stable_relieved", "monitored", "severe_disabled", None],
    "141181": ["dibao", "dibao", "extreme_poverty", None, "monitored", "disabled", None],
}


def seed_index(county):
    policy = next(p for p in SEED_POLICIES if p["county"] == county)
    return LabelIndex((c["code"], [c["name"], c["code"], *c["aliases"]]) for c in policy["categories"])


@pytest.mark.parametrize("county", sorted(EXPECTED))
def test_the_labels_offices_write_match_the_one_category_of_the_county_that_fits(county):
    index = seed_index(county)
    assert [index.match(label).found for label in ISSUE_LABELS] == EXPECTED[county]


@pytest.mark.parametrize("policy", [p for p in SEED_POLICIES if p["categories"]], ids=lambda p: p["county"])
def test_every_seed_label_matches_its_own_category_exactly(policy):
    index = seed_index(policy["county"])
    for category in policy["categories"]:
        for label in [category["name"], *category["aliases"]]:
            assert (index.match(label).ids, index.match(label).stage) == ((category["code"],), 0), label


def test_a_label_several_categories_fit_is_ambiguous_never_a_guess():
    index = seed_index("620721")
    match = index.match("低保户")
    assert match.found is None
    assert set(match.ids) == {"rural_dibao_1_2", "rural_dibao_3_4", "urban_dibao_full", "urban_dibao_partial"}


def test_a_disability_grade_is_not_dropped_as_a_qualifier():
    # 涪陵 subsidises 城乡重度（1—2级）残疾人 only: a third-grade disabled person is not one of them.
    index = seed_index("500102")
    assert index.match("残疾人（三级）").ids == ()
    assert index.match("残疾人（二级）").found == "severe_disabled"


def test_the_preferred_ids_win_a_shared_key():
    index = LabelIndex([(1, ["低保对象"]), (2, ["低保户"])])
    assert index.match("低保").ids == (1, 2)
    assert index.match("低保", prefer={2}).found == 2


def test_the_closest_categories_are_listed_most_alike_first():
    index = seed_index("500102")
    among = ["dibao", "old_demobilised", "fp_special", "fp_reward"]
    assert index.closest("计生扶助", among=among, n=2) == ["fp_reward", "fp_special"]


# Labels the notices themselves use for their categories, elsewhere in their text than the table.
NOTICE_LABELS = [
    ("620721", "特困供养人员（孤儿）", "extreme_poverty"),
    ("620721", "城乡低保边缘家庭成员", "dibao_marginal"),
    ("620721", "脱贫人口", "poverty_relieved"),
    ("341323", "未纳入农村低收入人口监测范围的稳定脱贫人口", "stable_relieved"),
    ("341323", "计生特殊困难家庭人员", "family_planning"),
    ("500102", "最低生活保障家庭成员", "dibao"),
    ("500102", "城乡孤儿", "extreme_poverty"),
    ("500102", "城乡重度（1—2级）残疾人员", "severe_disabled"),
    ("500102", "因病因灾因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难户", "monitored"),
    ("500102", "在乡重点优抚对象（不含1—6级残疾军人）", "key_entitled"),
    ("141181", "持有二代残疾证的残疾人", "disabled"),
]


@pytest.mark.parametrize(("county", "label", "code"), NOTICE_LABELS)
def test_the_seed_policies_carry_the_labels_of_their_notices(county, label, code):
    assert seed_index(county).match(label).found == code
