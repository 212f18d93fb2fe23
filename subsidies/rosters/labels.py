"""Category and place labels as offices write them, matched to the county's own (SPEC §13). Plain Python.

Offices qualify and reorder labels: 农村低保一类, 城市低保（全额）, 特困供养人员（集中供养）, 脱贫户, 监测户,
残疾人（一级）, 重点优抚对象（伤残军人）. `LabelIndex` compares them in stages, strictest first, each stage a
dictionary lookup built once per import: the exact label; brackets and punctuation dropped (Chinese numerals as
digits); the same characters in another order; the subject word (人员, 人口, 对象, 户, …) dropped with the
bracket's qualifier kept; the qualifiers dropped too (农村, 城市, 全额, 一类, 集中供养, …; never a disability
grade). The first stage that finds anything decides, and only a single category is a match: several are an
ambiguity the user resolves, never a guess.

Place names (马蹄 / 马蹄乡 / 马蹄藏族乡) are matched by `enrollment.places.matching`.
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
