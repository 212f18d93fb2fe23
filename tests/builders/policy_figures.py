"""Every figure of SPEC §5's tables: (county, category code, tier, subsidy, personal due)."""

from decimal import Decimal as D

SUNAN = [
    ("620721", "extreme_poverty", 1, "380", "0"),
    ("620721", "orphan", 1, "380", "0"),
    ("620721", "rural_dibao_1_2", 1, "310", "70"),
    ("620721", "urban_dibao_full", 1, "310", "70"),
    ("620721", "returned_poverty", 1, "310", "70"),
    ("620721", "rural_dibao_3_4", 1, "250", "130"),
    ("620721", "urban_dibao_partial", 1, "250", "130"),
    ("620721", "at_risk", 1, "250", "130"),
    ("620721", "dibao_marginal", 1, "100", "280"),
    ("620721", "poverty_relieved", 1, "100", "280"),
]
ZHUJI = [
    ("341323", "extreme_poverty", 1, "350", "0"),
    ("341323", "family_planning", 1, "350", "0"),
    ("341323", "key_entitled", 1, "350", "0"),
    ("341323", "dibao", 1, "300", "50"),
    ("341323", "returned_poverty", 1, "270", "80"),
    ("341323", "monitored", 1, "175", "175"),
    ("341323", "stable_relieved", 1, "0", "350"),
]
FULING = [
    ("500102", "extreme_poverty", 1, "350", "0"),
    ("500102", "extreme_poverty", 2, "350", "375"),
    ("500102", "dibao", 1, "315", "35"),
    ("500102", "dibao", 2, "350", "375"),
    ("500102", "returned_poverty", 1, "245", "105"),
    ("500102", "returned_poverty", 2, "350", "375"),
    ("500102", "monitored", 1, "245", "105"),
    ("500102", "monitored", 2, "350", "375"),
    ("500102", "dibao_marginal", 1, "245", "105"),
    ("500102", "dibao_marginal", 2, "350", "375"),
    ("500102", "key_entitled", 1, "245", "105"),
    ("500102", "key_entitled", 2, "350", "375"),
    ("500102", "severe_disabled", 1, "245", "105"),
    ("500102", "severe_disabled", 2, "350", "375"),
    ("500102", "poor_student", 1, "224", "96"),
    ("500102", "poor_student", 2, "320", "375"),
    ("500102", "stable_relieved", 1, "50", "300"),
    ("500102", "stable_relieved", 2, "50", "675"),
    ("500102", "old_demobilised", 1, "0", "350"),  # "—": not subsidised in tier 1
    ("500102", "old_demobilised", 2, "725", "0"),
    ("500102", "fp_reward", 1, "280", "70"),
    ("500102", "fp_reward", 2, "280", "445"),
    ("500102", "fp_special", 1, "350", "0"),
    ("500102", "fp_special", 2, "350", "375"),
]
XIAOYI = [
    ("141181", "extreme_poverty", 1, "380", "0"),
    ("141181", "dibao", 1, "304", "76"),
    ("141181", "returned_poverty", 1, "342", "38"),
    ("141181", "monitored", 1, "280", "100"),
    ("141181", "disabled", 1, "304", "76"),
    ("141181", "restructured_enterprise", 1, "380", "0"),
]
ALL = [(c, code, t, D(s), D(p)) for c, code, t, s, p in SUNAN + ZHUJI + FULING + XIAOYI]

FISCAL_SPLITS = [
    ("530300", {"central": "512.00", "province": "89.60", "city": "11.52", "county": "26.88"}),
    ("530381", {"central": "512.00", "province": "108.80", "city": "0.00", "county": "19.20"}),
    ("620721", {"central": "512.00", "province": "112.00", "city_county": "16.00"}),
]


def figure_id(row) -> str:
    return f"{row[0]}-{row[1]}-t{row[2]}"
