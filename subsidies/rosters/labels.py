"""Category and place labels as offices write them, matched to the county's own (SPEC §13). Plain Python.

Offices qualify and reorder labels: 农村低保一类, 城市低保（全额）, 特困供养人员（集中供养）, 脱贫户, 监测户,
残疾人（一级）, 重点优抚对象（伤残军人）. `LabelIndex` compares them in stages, strictest first, each stage a
dictionary lookup built once per import: the exact label; brackets and punctuation dropped (Chinese numerals as
digits); the same characters in another order; the subject word (人员, 人口, 对象, 户, …) dropped with the
bracket's qualifier kept; the qualifiers dropped too (农村, 城市, 全额, 一类, 集中供养, …; never a disability
grade). The first stage that finds anything decides, and only a single category is a match: several are an
ambiguity the user resolves, never a guess.

Places: 马蹄 / 马蹄乡 / 马蹄藏族乡 are one township; `township_key` drops the suffix (镇, 乡, 街道, 民族乡 …) so
that the one stored township that fits is found (`PlaceIndex`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_NUMERALS = str.maketrans(dict(zip("一二两三四五六七八九", "1223456789", strict=True)))
_PUNCTUATION = re.compile(r"[\s、，,。．.·•・\-—–~～/\\_|;；:：'\"“”‘’「」『』《》<>+＋]+")
_BRACKETED = re.compile(r"[(\[【〔{]([^)\]】〕}]*)[)\]】〕}]?")
# The word naming who is meant, dropped from the end of the label's main part (longest first).
_SUBJECTS = ("家庭成员", "保障对象", "供养人员", "供养对象", "人口", "人员", "对象", "家庭", "群众", "户", "人")
# Qualifiers that narrow a category down without naming another one.
# Not a disability grade (N级): 残疾人（三级） is not 城乡重度（1—2级）残疾人.
_QUALIFIERS = re.compile(r"农村|城市|城乡|城镇|在乡|集中供养|分散供养|全额|差额|\d+[类档]")
# A category that names whom it leaves out (在乡重点优抚对象（不含1—6级残疾军人）) is never reached by dropping
# qualifiers: 重点优抚对象（伤残军人） may be exactly the people it excludes.
_EXCLUSION = re.compile(r"不含|不包括|除外")
_CORE_STAGES = (4, 5)


def _norm(text: str) -> str:
    return _PUNCTUATION.sub("", text.translate(_NUMERALS))


def _strip_subject(text: str) -> str:
    for subject in _SUBJECTS:
        if text.endswith(subject) and len(text) - len(subject) >= 2:
            return text[: -len(subject)]
    return text


def _sorted(text: str) -> str:
    return "".join(sorted(text))


def label_stages(label) -> tuple[str, ...]:
    """The keys of a label, one per matching stage (an empty key takes no part in its stage)."""
    raw = unicodedata.normalize("NFKC", str(label or "")).strip()
    exact = re.sub(r"\s+", "", raw)
    qualifiers = "".join(_norm(q) for q in _BRACKETED.findall(raw))
    main = _norm(_BRACKETED.sub("", raw))
    plain = main + qualifiers
    subject = _strip_subject(main)
    core = _strip_subject(_QUALIFIERS.sub("", subject)) if len(_QUALIFIERS.sub("", subject)) >= 2 else ""
    return (
        exact,
        plain,
        _sorted(plain),
        _sorted(subject + qualifiers),
        core,
        _sorted(core),
    )


EXACT = 0


@dataclass(frozen=True)
class LabelMatch:
    """What a label matched: one id (with the stage, 0 = exact), several (ambiguous), or none."""

    ids: tuple
    stage: int = -1

    @property
    def found(self):
        return self.ids[0] if len(self.ids) == 1 else None


class LabelIndex:
    """Labels of a set of things (categories: name, code, aliases) → their ids, stage by stage."""

    def __init__(self, labelled: Iterable[tuple[object, Iterable[str]]]):
        self.stages: list[dict[str, set]] = [{} for _ in range(6)]
        self.labels: dict[object, list[str]] = {}
        for key, labels in labelled:
            labels = [str(label) for label in labels if label]
            self.labels[key] = labels
            # Its name's exclusion holds for its other labels too (an alias is a spelling, not a wider category).
            excludes = any(_EXCLUSION.search(label) for label in labels)
            for label in labels:
                for stage, value in enumerate(label_stages(label)):
                    if value and not (excludes and stage in _CORE_STAGES):
                        self.stages[stage].setdefault(value, set()).add(key)

    def match(self, label, *, prefer: set | frozenset = frozenset()) -> LabelMatch:
        """The strictest stage that finds anything decides; among its ids the preferred ones (the uploading
        department's categories) go first: one preferred id is a match even if other ids share the key."""
        for stage, value in enumerate(label_stages(label)):
            ids = self.stages[stage].get(value) if value else None
            if not ids:
                continue
            preferred = ids & prefer
            chosen = preferred or ids
            return LabelMatch(tuple(sorted(chosen, key=str)), stage)
        return LabelMatch(())

    def closest(self, label, *, among: Iterable, n: int = 3) -> list:
        """The ids among `among` whose labels look most like `label` (best label each), most alike first."""
        plain = label_stages(label)[1]
        scored = []
        for key in among:
            best = max(
                (difflib.SequenceMatcher(None, plain, label_stages(other)[1]).ratio() for other in self.labels[key]),
                default=0,
            )
            scored.append((-best, str(key), key))
        return [key for _score, _name, key in sorted(scored)[:n]]


# -- places ----------------------------------------------------------------------------------------------

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
