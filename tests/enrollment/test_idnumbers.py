"""SPEC §3: every rejection and warning of the resident ID number check, without a database."""

import datetime

import pytest
from stdnum.cn import ric

from enrollment import idnumbers as ids

TODAY = datetime.date(2026, 11, 23)


def valid(area="620721", birth=datetime.date(1960, 5, 4), seq=124):
    return ids.make_id(area, birth, seq)


def codes(raw):
    result = ids.check(raw, today=TODAY)
    return result.errors, result.warnings


def test_valid_number_gives_sex_and_birth_date():
    number = valid(seq=123)  # 17th digit 3: odd, male
    result = ids.check(number, today=TODAY)
    assert result.ok and result.value == number
    assert result.sex == "M" and result.birth_date == datetime.date(1960, 5, 4)
    assert ids.check(valid(seq=124), today=TODAY).sex == "F"


def test_620721_born_1960_is_accepted_although_stdnum_rejects_it():
    number = valid("620721", datetime.date(1960, 1, 1), 11)
    assert not ric.is_valid(number)  # the library's place check (county created 2002)
    assert codes(number) == ((), ())


def test_429006_born_1990_is_accepted():
    assert codes(valid("429006", datetime.date(1990, 6, 1), 5)) == ((), ())


@pytest.mark.parametrize("area", ["810000", "820000", "830000"])
def test_residence_permit_prefixes_are_accepted(area):
    number = valid(area, datetime.date(1990, 1, 1), 12)
    assert codes(number) == ((), ())


def test_normalisation_full_width_x_inner_spaces_ideographic_space_lower_x():
    number = next(valid(seq=s) for s in range(1000) if valid(seq=s).endswith("X"))
    assert ids.check(number[:-1] + "Ｘ", today=TODAY).value == number
    assert ids.check(number[:-1] + "x", today=TODAY).ok
    assert ids.check(f" {number[:6]} {number[6:14]}\u3000{number[14:]} ", today=TODAY).ok
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "ｘ"
    assert ids.check(full_width, today=TODAY).value == number


def test_excel_text_wrappers_are_removed():
    number = valid()
    assert ids.check(f'="{number}"', today=TODAY).value == number
    assert ids.check(f"'{number}", today=TODAY).value == number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("6.20721E+17", "excel_scientific"),
        ("6.20721e+17", "excel_scientific"),
        ("620721196005041000", "excel_trailing_zeros"),
        (620721196005041000, "excel_trailing_zeros"),
        (6.207211960050412e17, "excel_trailing_zeros"),
        ("620721196005041243.0", "excel_decimal"),
        ("", "empty"),
        (None, "empty"),
        ("62072119600504124", "bad_length"),
        ("6207211960050412431", "bad_length"),
        ("62072119600504X243", "bad_x"),
        ("62072119600504124?", "bad_characters"),
        ("99072119600504124X", "bad_province"),
        ("620721196013041243", "bad_birth_date"),
        ("620721196002301243", "bad_birth_date"),
    ],
)
def test_rejections_are_named(raw, code):
    assert code in codes(raw)[0]


def test_birth_date_in_2099_is_rejected():
    assert codes(valid(birth=datetime.date(2099, 1, 1)))[0] == ("birth_date_range",)


def test_birth_date_before_1900_is_rejected():
    assert codes(valid(birth=datetime.date(1899, 12, 31)))[0] == ("birth_date_range",)


def test_wrong_check_character_is_a_checksum_error():
    number = valid()
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    assert codes(wrong)[0] == ("bad_checksum",)


# A valid number whose last three characters are 000 (sequence 200, check character 0, worked out by hand).
ENDS_IN_000 = "620721196005042000"


def test_a_number_typed_into_excel_that_lost_its_end_is_named_even_if_the_check_passes():
    assert ric.calc_check_digit(ENDS_IN_000) == "0"
    result = ids.check(int(ENDS_IN_000), today=TODAY)
    assert (result.value, result.errors, result.warnings) == (ENDS_IN_000, ("excel_trailing_zeros",), ())
    # and any 18-digit float is damaged: a double keeps 15-16 digits
    assert codes(float(valid()))[0] == ("excel_trailing_zeros",)


def test_unknown_area_code_is_a_warning_not_a_rejection():
    errors, warnings = codes(valid("629999", datetime.date(1999, 1, 1), 1))
    assert errors == () and warnings == ("unknown_area",)


def test_fifteen_digit_number_is_converted_with_a_warning():
    result = ids.check("110105491231002", today=TODAY)
    assert result.ok and result.warnings == ("converted_15",)
    assert result.value == "11010519491231002X"
    assert ric.calc_check_digit(result.value) == result.value[-1]
    assert result.birth_date == datetime.date(1949, 12, 31)
    assert ids.check("110105491231002.0", today=TODAY).value == "11010519491231002X"


def test_fifteen_digit_number_with_bad_date_is_rejected():
    assert codes("110105491331002")[0] == ("bad_birth_date",)


def test_messages_are_chinese_in_this_project():
    result = ids.check("6.20721E+17", today=TODAY)
    assert "Excel" in result.error_messages[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.error_messages[0])


def test_known_area_table_comes_from_stdnum_and_includes_historic_codes():
    areas = ids.known_areas()
    assert {"620721", "110103", "810000", "530381"} <= areas  # 110103 崇文区 ended 2010
    assert "629999" not in areas


# One number for each value of the ISO 7064 MOD 11-2 check character, worked out by hand from GB 11643's weights
# (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder → 1 0 X 9 8 7 6 5 4 3 2), plus the standard's own example.
EVERY_CHECK_CHARACTER = [
    "620721198001010190",
    "620721198001010051",
    "620721198001010182",
    "620721198001010043",
    "620721198001010094",
    "620721198001010035",
    "620721198001010086",
    "620721198001010027",
    "620721198001010078",
    "620721198001010019",
    "62072119800101006X",
    "11010519491231002X",
]
CHECK_CHARACTERS = "0123456789X"


@pytest.mark.parametrize("number", EVERY_CHECK_CHARACTER)
def test_every_check_character_is_accepted(number):
    result = ids.check(number, today=TODAY)
    assert (result.errors, result.value) == ((), number)
    assert (
        ids.make_id(
            number[:6], datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])), int(number[14:17])
        )
        == number
    )


@pytest.mark.parametrize("number", EVERY_CHECK_CHARACTER)
@pytest.mark.parametrize("step", [-1, 1])
def test_a_check_character_wrong_by_one_is_a_checksum_error(number, step):
    wrong = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(number[-1]) + step) % len(CHECK_CHARACTERS)]
    assert codes(number[:-1] + wrong) == (("bad_checksum",), ())
    assert not ids.is_valid(number[:-1] + wrong)


@pytest.mark.parametrize("number", EVERY_CHECK_CHARACTER)
def test_the_check_character_of_a_body_is_the_one_worked_out_by_hand(number):
    assert ids.with_check_character(number[:17]) == number


def test_the_test_helper_makes_numbers_the_check_accepts():
    from tests.builders.idnumbers import id_number, valid_id

    assert valid_id("62072119800101019") == "620721198001010190"
    assert id_number(6, born=datetime.date(1980, 1, 1)) == "62072119800101006X"
    assert all(ids.check(id_number(k, born="19600504"), today=TODAY).ok for k in range(50))


def test_the_check_characters_cover_every_value():
    assert sorted(n[-1] for n in EVERY_CHECK_CHARACTER[:11]) == list(CHECK_CHARACTERS)


def test_a_text_number_ending_in_000_is_a_real_number():
    for raw in (ENDS_IN_000, f" {ENDS_IN_000} ", f"'{ENDS_IN_000}"):
        result = ids.check(raw, today=TODAY)
        assert (result.value, result.errors, result.warnings, result.sex) == (ENDS_IN_000, (), (), "F"), raw


def test_a_whole_number_cell_with_a_valid_number_is_accepted():
    result = ids.check(620721198001010190, today=TODAY)
    assert (result.value, result.errors, result.birth_date) == ("620721198001010190", (), datetime.date(1980, 1, 1))


def test_a_15_digit_number_in_a_float_cell_is_the_old_number():
    result = ids.check(110105491231002.0, today=TODAY)
    assert (result.value, result.errors, result.warnings) == ("11010519491231002X", (), ("converted_15",))


def test_a_16_digit_float_has_lost_digits():
    assert codes(1234567890123456.0) == (("excel_trailing_zeros",), ())


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        ("6.20721E+17", "6.20721E+17", "excel_scientific"),
        ("62072119600504124.0", "62072119600504124.0", "excel_decimal"),
        ("12a.0", "12a.0", "bad_characters"),
        ("62072X.0", "62072X.0", "bad_characters"),
        ("6207211960050412X4", "6207211960050412X4", "bad_x"),
        ("62072160050412X", "62072160050412X", "bad_x"),
        ("1234567", "1234567", "bad_length"),
        ("990721196005041240", "990721196005041240", "bad_province"),
        ("620721196013041240", "620721196013041240", "bad_birth_date"),
        ("620721189912311240", "620721189912311240", "birth_date_range"),
        ("620721196005041241", "620721196005041241", "bad_checksum"),
        ("620721196005041000", "620721196005041000", "excel_trailing_zeros"),
        (6.207211960050412e17, "620721196005041152", "excel_trailing_zeros"),
    ],
)
def test_a_rejection_keeps_the_normalised_value(raw, value, code):
    result = ids.check(raw, today=TODAY)
    assert (result.value, result.errors, result.warnings, result.ok) == (value, (code,), (), False)


def test_birth_dates_from_1900_01_01_to_today():
    assert ids.check(valid(birth=datetime.date(1900, 1, 1)), today=TODAY).ok
    assert ids.check(valid(birth=TODAY), today=TODAY).ok
    assert codes(valid(birth=TODAY + datetime.timedelta(days=1))) == (("birth_date_range",), ())


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, ""),
        (True, "True"),
        (620721196005041234, "620721196005041234"),
        (6.20721e17, "620721000000000000"),
        (1.5, "1.5"),
        (1e21, "1E+21"),
        (6.2e-05, "6.2E-05"),
        (float("nan"), ""),
        (float("inf"), ""),
        (float("-inf"), ""),
        ('="620721"', "620721"),
        ('620721"', '620721"'),
        ('="620721', '="620721'),
        ("'620721", "620721"),
        ("abc", "abc"),
        ("6.2e+17", "6.2E+17"),
        ("ｘ", "X"),
    ],
)
def test_normalise(raw, text):
    assert ids.normalise(raw) == text


def test_is_valid_sex_of_birth_date_of_and_make_id():
    assert ids.is_valid("620721198001010190") and not ids.is_valid("620721198001010191")
    assert [ids.sex_of(f"62072119800101{n}{n}{n}0") for n in range(10)] == ["F", "M"] * 5
    assert ids.birth_date_of("620721198002290190") == datetime.date(1980, 2, 29)
    assert ids.birth_date_of("620721198102290190") is None
    assert ids.make_id("620721", datetime.date(1980, 1, 1), 19) == "620721198001010190"
    assert ids.make_id("620721", datetime.date(1980, 1, 1), 1019) == "620721198001010190"
    assert ids.make_id("620721", datetime.date(1960, 5, 4), 1200) == ENDS_IN_000


def test_the_first_check_after_start_knows_the_area_codes(monkeypatch):
    monkeypatch.setattr(ids, "_AREAS", frozenset())
    assert codes("620721198001010190") == ((), ())
