"""Place names as offices write them (enrollment.places.matching): pure functions, no database."""

import pytest

from enrollment.places.matching import PlaceIndex, township_key, village_key


@pytest.mark.parametrize("written", ["马蹄", "马蹄乡", "马蹄藏族乡", " 马蹄藏族乡 "])
def test_a_township_written_with_or_without_its_suffix_is_the_one_that_fits(written):
    places = PlaceIndex([("马蹄藏族乡", None), ("红湾寺镇", None), ("皇城镇", "北极村")])
    assert places.township(written) == ("马蹄藏族乡", ())


def test_a_township_name_two_townships_fit_is_not_guessed():
    places = PlaceIndex([("城关镇", None), ("城关街道", None)])
    assert places.township("城关") == (None, ("城关街道", "城关镇"))
    assert places.township("城关镇") == ("城关镇", ())


def test_villages_are_found_within_their_township():
    places = PlaceIndex([("皇城镇", "北极村"), ("皇城镇", "城关村"), ("皇城镇", "城关社区"), ("康乐镇", "北极村")])
    assert places.village("皇城镇", "北极") == ("北极村", ())
    assert places.village("皇城镇", "北极村委会") == ("北极村", ())
    assert places.village("皇城镇", "城关") == (None, ("城关村", "城关社区"))
    assert places.village("皇城镇", "城关社区") == ("城关社区", ())
    assert township_key("白银蒙古族乡") == "白银"
    assert township_key("黄家坝土家族苗族乡") == "黄家坝"


def test_a_village_key_drops_the_village_suffix():
    assert village_key("红湾村委会") == village_key("红湾村") == village_key("红湾") == "红湾"
