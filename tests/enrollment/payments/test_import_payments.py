"""The tax bureau's payment file: amounts read right or refused, tiers (档次) from the county's policy, refunds (退费)
kept with the payment they return. Real files (GBK/UTF-8 CSV, openpyxl .xlsx); what is stored is read back."""

import datetime
from decimal import Decimal

import pytest

from enrollment.files.readers import TierChoice, TierError, parse_amount, parse_tier, tiers_fitting
from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus, Payment
from subsidies.models import DirtyPerson, Tier
from subsidies.policies.selectors import payment_tiers
from tests.builders import recon_data as d
from tests.builders.importfiles import person_id, write_csv, write_xlsx

FULING = (TierChoice(1, "一档", Decimal(350), Decimal(320)), TierChoice(2, "二档", Decimal(725), Decimal(695)))
HEADER = ["证件号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"]


def fid(k: int) -> str:
    return person_id(k, area="500102")


# -- amounts (no database) ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("380,00", "380.00"),  # a decimal comma: was stored as 38000.00
        ("380,5", "380.5"),
        ("1,140.00", "1140.00"),
        ("1,140", "1140"),
        ("12,345,678.9", "12345678.9"),
        ("380元", "380"),
        ("￥380.00", "380.00"),
        ("¥ 380", "380"),
        ("３８０．００", "380.00"),
        ("-350", "-350"),
        ("-350.00元", "-350.00"),
        (380.0, "380.0"),
        (725, "725"),
    ],
)
def test_amounts_are_read_right(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["38,0000", "1.140,00", "1,14,0", "1,140,5", "3 80", "三百八", "", "1.1.1", ",380"])
def test_ambiguous_amounts_are_refused_never_multiplied(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


# -- tiers (no database) -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1", 1),
        (1, 1),
        (2.0, 2),
        ("一档", 1),
        ("二档", 2),  # was refused
        ("第一档", 1),
        ("第二档", 2),
        ("第1档", 1),
        ("2档", 2),
        ("一档（350元）", 1),
        ("二档(725元/人)", 2),
        (" 二 档 ", 2),
        ("350", 1),
        ("725", 2),
        ("725.00", 2),
        ("320", 1),  # the students' standards
        ("695元", 2),
    ],
)
def test_tiers_by_number_name_or_standard(raw, number):
    assert parse_tier(raw, FULING) == number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3", "unknown"),  # was taken as tier 1 … or as tier 3 of a policy without one
        ("三档", "unknown"),
        ("380", "unknown"),
        ("一档（725元）", "standard"),
        ("高档", "unreadable"),
        ("x", "unreadable"),
    ],
)
def test_a_tier_the_policy_lacks_is_refused(raw, code):
    with pytest.raises(TierError) as exc:
        parse_tier(raw, FULING)
    assert exc.value.code == code


def test_a_tier_by_its_own_name_and_without_a_policy():
    named = (TierChoice(1, "低档", Decimal(380)), TierChoice(2, "高档", Decimal(680)))
    assert parse_tier("高档", named) == 2
    assert parse_tier("二档", None) == 2 and parse_tier("第3档", None) == 3
    for raw in ("21", "0", "350"):
        with pytest.raises(TierError):
            parse_tier(raw, None)
    shared = (TierChoice(1, "", Decimal(350), Decimal(320)), TierChoice(2, "", Decimal(320)))
    with pytest.raises(TierError) as exc:
        parse_tier("320", shared)
    assert exc.value.code == "ambiguous"


def test_tiers_fitting_an_amount():
    explained = {1: frozenset({Decimal("350.00"), Decimal("35.00")}), 2: frozenset({Decimal("725.00")})}
    assert tiers_fitting(Decimal("350.00"), explained) == [1]
    assert tiers_fitting(Decimal("-725.00"), explained) == [2]
    assert tiers_fitting(Decimal("200.00"), explained) == []


# -- the importer ---------------------------------------------------------------------------------------------


@pytest.fixture
def fuling(db):
    return d.fuling_2023()


def payments(county):
    return sorted(
        (p.id_number, str(p.amount), p.tier, p.paid_on.isoformat())
        for p in Payment.objects.filter(county=county).order_by("pk")
    )


@pytest.mark.django_db
def test_the_fuling_seed_names_its_tiers_as_the_notice_does(fuling):
    assert list(Tier.objects.filter(policy=fuling).values_list("number", "name", "standard", "student_standard")) == [
        (1, "一档", Decimal("350.00"), Decimal("320.00")),
        (2, "二档", Decimal("725.00"), Decimal("695.00")),
    ]
    years = payment_tiers(county=fuling.county)
    explained = years[2023].explained
    assert {Decimal("350.00"), Decimal("320.00"), Decimal("35.00"), Decimal("105.00")} <= explained[1]
    assert {Decimal("725.00"), Decimal("695.00"), Decimal("375.00")} <= explained[2]
    assert not explained[1] & explained[2]
    assert years[2023].limit == Decimal("1450.00")


@pytest.mark.django_db
def test_a_fuling_gbk_file_with_tier_names_is_stored_with_its_tiers(tmp_path, fuling):
    rows = [
        [fid(1), "甲", "2023", "350", "2022-10-08", "一档", "银行"],
        [fid(2), "乙", "2023", "725.00", "2022/10/9", "二档", "银行"],
        [fid(3), "丙", "2023", "￥725.00", "2022年10月10日", "第二档", "微信"],
        [fid(4), "丁", "2023", "350元", "20221011", "一档（350元）", "微信"],
        [fid(5), "戊", "2023", "375", "2022-10-12", "2", "税务大厅"],
        [fid(6), "己", "2023", "320", "2022-10-13", "320", "学校"],
    ]
    path = write_csv(tmp_path / "涪陵缴费.csv", [HEADER, *rows], encoding="gbk")
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.summary.get("bad_rows")
    assert payments(fuling.county) == [
        (fid(1), "350.00", 1, "2022-10-08"),
        (fid(2), "725.00", 2, "2022-10-09"),
        (fid(3), "725.00", 2, "2022-10-10"),
        (fid(4), "350.00", 1, "2022-10-11"),
        (fid(5), "375.00", 2, "2022-10-12"),
        (fid(6), "320.00", 1, "2022-10-13"),
    ]


@pytest.mark.django_db
def test_a_tier_the_policy_lacks_is_a_row_error_and_the_file_is_refused_whole(tmp_path, fuling):
    d.payment(fuling.county, fid(9), "350", datetime.date(2022, 9, 30), year=2023)
    before = payments(fuling.county)
    rows = [
        [fid(1), "甲", "2023", "350", "2022-10-08", "一档", "银行"],
        [fid(2), "乙", "2023", "350", "2022-10-09", "3", "银行"],
        [fid(3), "丙", "2023", "725", "2022-10-10", "三档", "银行"],
        [fid(4), "丁", "2023", "725", "2022-10-10", "一档（725元）", "银行"],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", [HEADER, *rows])
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 3
    bad = {(r["line"], r["column"]) for r in job.summary["bad_rows"]}
    assert bad == {(3, "档次"), (4, "档次"), (5, "档次")}
    reasons = " ".join(r["reason"] for r in job.summary["bad_rows"])
    assert "一档（350.00元）、二档（725.00元）" in reasons
    assert payments(fuling.county) == before  # refused whole: nothing added


@pytest.mark.django_db
def test_without_a_tier_column_the_tier_is_the_only_one_the_amount_fits(tmp_path, fuling):
    header = ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期"]
    rows = [
        [fid(1), "甲", 2023, 350, datetime.date(2022, 10, 8)],
        [fid(2), "乙", 2023, 725, datetime.date(2022, 10, 8)],
        [fid(3), "丙", 2023, "375.00", datetime.date(2022, 10, 8)],  # 低保 in tier 2
        [fid(4), "丁", 2023, "35", datetime.date(2022, 10, 8)],  # 低保 in tier 1
        [fid(5), "戊", 2023, "200", datetime.date(2022, 10, 8)],  # no tier explains it: never a silent tier 1
    ]
    path = write_xlsx(tmp_path / "no-tier.xlsx", [header, *rows], text_columns=(0,))
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 1
    (bad,) = job.summary["bad_rows"]
    assert bad["line"] == 6 and bad["column"] == "档次" and "一档（350.00元）" in bad["reason"]
    assert not Payment.objects.exists()
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path, skip_rejected=True)
    assert [(p[0], p[2]) for p in payments(fuling.county)] == [(fid(1), 1), (fid(2), 2), (fid(3), 2), (fid(4), 1)]


@pytest.mark.django_db
def test_decimal_commas_are_stored_right_and_an_implausible_amount_is_a_warning(tmp_path, fuling):
    rows = [
        [fid(1), "甲", "2023", "350,00", "2022-10-08", "一档", "银行"],
        [fid(2), "乙", "2023", "7.250,00", "2022-10-08", "二档", "银行"],
        [fid(3), "丙", "2023", "7250", "2022-10-08", "二档", "银行"],
        [fid(4), "丁", "2023", "1e30", "2022-10-08", "二档", "银行"],
        [fid(5), "戊", "2023", "350.001", "2022-10-08", "一档", "银行"],
    ]
    path = write_csv(tmp_path / "p.csv", [HEADER, *rows], encoding="utf-8", bom=True)
    path.write_bytes(path.read_bytes().replace(b"350,00", b'"350,00"').replace(b"7.250,00", b'"7.250,00"'))
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path, skip_rejected=True)
    assert job.status == ImportStatus.COMMITTED
    assert [(r["line"], r["column"]) for r in job.summary["bad_rows"]] == [
        (3, "缴费金额"),
        (5, "缴费金额"),
        (6, "缴费金额"),
    ]
    (warned,) = [w for w in job.summary["warn_rows"] if w["column"] == "缴费金额"]
    assert warned["line"] == 4 and "1450.00" in warned["reason"]
    assert payments(fuling.county) == [(fid(1), "350.00", 1, "2022-10-08"), (fid(3), "7250.00", 2, "2022-10-08")]


@pytest.mark.django_db
def test_refunds_are_kept_with_their_payment_and_a_second_import_adds_nothing(tmp_path, fuling):
    c = fuling.county
    earlier = d.payment(c, fid(1), "350", datetime.date(2022, 9, 20), year=2023)
    rows = [
        [fid(1), "甲", "2023", "-350.00", "2022-11-02", "一档", "银行"],  # refunds the payment already stored
        [fid(2), "乙", "2023", "725", "2022-10-01", "二档", "银行"],
        [fid(2), "乙", "2023", "725", "2022-10-03", "二档", "银行"],  # paid twice …
        [fid(2), "乙", "2023", "-725", "2022-10-20", "二档", "银行"],  # … one refunded
        [fid(3), "丙", "2023", "-350", "2022-10-20", "一档", "银行"],  # nothing on record to refund
    ]
    path = write_csv(tmp_path / "refunds.csv", [HEADER, *rows], encoding="gbk")
    job = import_file(kind=ImportKind.PAYMENTS, county=c, path=path)
    assert job.status == ImportStatus.COMMITTED, job.summary.get("bad_rows")
    assert job.summary["diff"]["refunds"] == 3 and job.summary["result"]["refunds"] == 3
    over = [w for w in job.summary["warn_rows"] if "退费" in w["reason"] or "refund" in w["reason"]]
    assert [w["line"] for w in over] == [6]
    stored = {(p.id_number, str(p.amount), p.paid_on.isoformat()): p for p in Payment.objects.filter(county=c)}
    refund = stored[(fid(1), "-350.00", "2022-11-02")]
    assert refund.is_refund and refund.refund_of_id == earlier.pk
    assert stored[(fid(2), "-725.00", "2022-10-20")].refund_of == stored[(fid(2), "725.00", "2022-10-03")]
    assert stored[(fid(3), "-350.00", "2022-10-20")].refund_of is None
    again = import_file(kind=ImportKind.PAYMENTS, county=c, path=path)
    assert again.summary["result"] == {"rows": 5, "added": 0, "already_imported": 5}
    assert Payment.objects.filter(county=c).count() == 6
    # The payment of 丙 arrives later: the refund already stored is linked to it.
    late = write_csv(tmp_path / "late.csv", [HEADER, [fid(3), "丙", "2023", "350", "2022-10-01", "一档", "银行"]])
    import_file(kind=ImportKind.PAYMENTS, county=c, path=late)
    paid = Payment.objects.get(id_number=fid(3), amount=350)
    assert Payment.objects.get(id_number=fid(3), amount=-350).refund_of == paid


@pytest.mark.django_db
def test_a_refund_marker_column_makes_the_amount_a_refund(tmp_path, fuling):
    header = ["证件号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "退费标志"]
    rows = [
        [fid(1), "甲", 2023, 350, "2022-10-01", "一档", ""],
        [fid(1), "甲", 2023, 350, "2022-10-05", "一档", "退费"],
        [fid(2), "乙", 2023, 725, "2022-10-01", "二档", "否"],
        [fid(3), "丙", 2023, 725, "2022-10-01", "二档", "作废"],
    ]
    path = write_xlsx(tmp_path / "marker.xlsx", [header, *rows])
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path, skip_rejected=True)
    assert [(r["line"], r["column"]) for r in job.summary["bad_rows"]] == [(5, "退费标志")]
    assert payments(fuling.county) == [
        (fid(1), "-350.00", 1, "2022-10-05"),
        (fid(1), "350.00", 1, "2022-10-01"),
        (fid(2), "725.00", 2, "2022-10-01"),
    ]


@pytest.mark.django_db
def test_without_a_policy_for_the_year_tiers_are_read_but_not_checked(tmp_path, fuling):
    rows = [
        [fid(1), "甲", "2031", "350", "2022-10-08", "二档", "银行"],
        [fid(2), "乙", "2031", "350", "2022-10-08", "", "银行"],
    ]
    path = write_csv(tmp_path / "p.csv", [HEADER, *rows])
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path)
    assert job.status == ImportStatus.COMMITTED
    assert [(w["line"], w["column"]) for w in job.summary["warn_rows"] if w["column"] == "档次"] == [(3, "档次")]
    assert [(p[0], p[2]) for p in payments(fuling.county)] == [(fid(1), 2), (fid(2), 1)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_refused_payment_import_changes_nothing(tmp_path, fuling, require_postgres):
    c = fuling.county
    d.payment(c, fid(1), "350", datetime.date(2022, 9, 20), year=2023)
    DirtyPerson.objects.all().delete()
    stored = Payment.objects.order_by("pk").values_list("id", "id_number", "amount", "tier", "refund_of_id")
    before = list(stored)
    rows = [
        [fid(1), "甲", "2023", "-350", "2022-11-02", "一档", "银行"],
        [fid(2), "乙", "2023", "725", "2022-10-01", "二档", "银行"],
        [fid(3), "丙", "2023", "380,000", "2022-10-01", "三档", "银行"],
    ]
    path = write_csv(tmp_path / "refused.csv", [HEADER, *rows], encoding="gbk")
    job = import_file(kind=ImportKind.PAYMENTS, county=c, path=path)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 1
    assert list(stored.all()) == before
    assert not DirtyPerson.objects.exists()


def test_the_payments_template_says_how_to_write_tiers_and_refunds():
    import io

    import openpyxl

    from enrollment.files.templates import template_workbook

    data, _name = template_workbook(kind="payments")
    notes = " ".join(row[0] for row in openpyxl.load_workbook(io.BytesIO(data))["说明"].values)
    assert "一档（350元）" in notes and "退费标志" in notes and "-350" in notes


@pytest.mark.django_db
def test_the_browser_preview_shows_the_refunds_and_the_warnings_before_the_commit(
    tmp_path, fuling, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create
    from enrollment.models import ImportJob

    user = staff_user_create(username="fuling", password="x-Pass-12345", role=Role.BUREAU, county=fuling.county).user
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    rows = [
        [fid(1), "甲", "2023", "725", "2022-10-08", "二档", "银行"],
        [fid(1), "甲", "2023", "-725", "2022-11-08", "二档", "银行"],
        [fid(2), "乙", "2023", "-350", "2022-11-08", "一档", "银行"],
        [fid(3), "丙", "2023", "7250", "2022-11-08", "二档", "银行"],
    ]
    data = write_csv(tmp_path / "p.csv", [HEADER, *rows], encoding="gbk").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrollment:import_upload"), {"kind": "payments", "file": SimpleUploadedFile("缴费.csv", data)}
        )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALIDATED and not Payment.objects.exists()
    page = client.get(response.url).content.decode()
    assert "<dt>退费</dt><dd>2</dd>" in page
    assert "退费金额超过该人员2023年度的已缴金额（0.00元）" in page
    assert "缴费金额超过2023年度政策最高缴费金额的两倍（1450.00元）" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enrollment:import_confirm", args=[job.pk]))
    assert payments(fuling.county) == [
        (fid(1), "-725.00", 2, "2022-11-08"),
        (fid(1), "725.00", 2, "2022-10-08"),
        (fid(2), "-350.00", 1, "2022-11-08"),
        (fid(3), "7250.00", 2, "2022-11-08"),
    ]


@pytest.mark.django_db
def test_import_payments_command_for_fuling_prints_refunds_and_stores_the_tiers(tmp_path, fuling):
    import io

    from django.core.management import call_command

    rows = [
        [fid(1), "甲", "2023", "350", "2022-10-08", "一档", "银行"],
        [fid(2), "乙", "2023", "725", "2022-10-08", "二档", "银行"],
        [fid(2), "乙", "2023", "-725", "2022-11-08", "二档", "银行"],
    ]
    path = write_csv(tmp_path / "涪陵.csv", [HEADER, *rows], encoding="gbk")
    out = io.StringIO()
    call_command("import_payments", str(path), county="500102", stdout=out)
    assert "已入库: 新增 3  退费 1  已导入过 0" in out.getvalue().splitlines()
    assert payments(fuling.county) == [
        (fid(1), "350.00", 1, "2022-10-08"),
        (fid(2), "-725.00", 2, "2022-11-08"),
        (fid(2), "725.00", 2, "2022-10-08"),
    ]


@pytest.mark.django_db
def test_the_same_payment_twice_in_a_file_is_refused_naming_its_first_line_and_a_near_twin_is_not(tmp_path, fuling):
    rows = [
        [fid(1), "甲", "2023", "350", "2022-10-08", "一档", "银行"],
        [fid(1), "甲", "2023", "350", "2022-10-08", "一档", "银行"],  # the same payment again (line 3)
        [fid(1), "甲", "2023", "350", "2022-10-08", "一档", "微信"],  # another channel: another payment
        [fid(1), "甲", "2023", "350", "2022-10-09", "一档", "银行"],  # another day
        [fid(1), "甲", "2023", "-350", "2022-10-08", "一档", "银行"],  # its refund
        [fid(2), "乙", "2023", "350", "2022-10-08", "一档", "银行"],  # another person
    ]
    path = write_csv(tmp_path / "p.csv", [HEADER, *rows], encoding="gbk")
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 1
    assert [(r["line"], r["column"], r["reason"]) for r in job.summary["bad_rows"]] == [
        (3, "证件号码", "相同的缴费记录已在第2行出现。")
    ]
    assert payments(fuling.county) == []  # refused whole: nothing stored
    job = import_file(kind=ImportKind.PAYMENTS, county=fuling.county, path=path, skip_rejected=True)
    assert payments(fuling.county) == sorted(
        [
            (fid(1), "350.00", 1, "2022-10-08"),
            (fid(1), "350.00", 1, "2022-10-08"),
            (fid(1), "350.00", 1, "2022-10-09"),
            (fid(1), "-350.00", 1, "2022-10-08"),
            (fid(2), "350.00", 1, "2022-10-08"),
        ]
    )
