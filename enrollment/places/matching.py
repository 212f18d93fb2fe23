"""Place names as offices write them, matched to the county's own townships and villages (SPEC §13). Plain Python.

马蹄 / 马蹄乡 / 马蹄藏族乡 are one township: `township_key` drops the suffix (镇, 乡, 街道, 民族乡 …) so that the
one stored township that fits is found (`PlaceIndex`); 红湾 / 红湾村 / 红湾村委会 are one village (`village_key`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# 民族乡 by the names of the 56 nationalities (one or several: 土家族苗族乡).
_NATIONALITIES = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|景颇|"
    "柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|"
    "塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
_ETHNIC_TOWNSHIP = re.compile(rf"(?:(?:{_NATIONALITIES})族)+乡$")
_TOWNSHIP_SUFFIXES = ("街道办事处", "街道办", "办事处", "街道", "民族乡", "镇", "乡")
_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村")


def _place_base(name, suffixes, ethnic=None) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name or "")))
    if ethnic is not None:
        stripped = ethnic.sub("", text)
        if stripped != text and len(stripped) >= 2:
            return stripped
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)]
    return text


def township_key(name) -> str:
    """马蹄 / 马蹄乡 / 马蹄藏族乡 → 马蹄."""
    return _place_base(name, _TOWNSHIP_SUFFIXES, _ETHNIC_TOWNSHIP)


def village_key(name) -> str:
    """红湾 / 红湾村 / 红湾村委会 → 红湾."""
    return _place_base(name, _VILLAGE_SUFFIXES)


def exact_key(name) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name or "")))


class PlaceIndex:
    """A county's townships and villages by name: exact first, then by the name without its suffix."""

    def __init__(self, places: Iterable[tuple[str, str | None]]):
        self.townships: dict[str, str] = {}
        self.township_bases: dict[str, set[str]] = {}
        self.villages: dict[tuple[str, str], str] = {}
        self.village_bases: dict[tuple[str, str], set[str]] = {}
        for township, village in places:
            self.townships[exact_key(township)] = township
            self.township_bases.setdefault(township_key(township), set()).add(township)
            if village:
                self.villages[(township, exact_key(village))] = village
                self.village_bases.setdefault((township, village_key(village)), set()).add(village)

    def township(self, name) -> tuple[str | None, tuple[str, ...]]:
        """(the stored township, ()) for an exact or single fitting one; (None, the candidates) otherwise."""
        found = self.townships.get(exact_key(name))
        if found is not None:
            return found, ()
        fits = self.township_bases.get(township_key(name), set())
        if len(fits) == 1:
            return next(iter(fits)), ()
        return None, tuple(sorted(fits))

    def village(self, township: str, name) -> tuple[str | None, tuple[str, ...]]:
        found = self.villages.get((township, exact_key(name)))
        if found is not None:
            return found, ()
        fits = self.village_bases.get((township, village_key(name)), set())
        if len(fits) == 1:
            return next(iter(fits)), ()
        return None, tuple(sorted(fits))
