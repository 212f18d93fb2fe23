"""The 档次 (contribution tier) a payment file names: by number, ordinal, name or standard, checked against the
policy's tiers, and the tiers an amount fits when the file has no 档次 column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from enrollment.files.values import label_key, parse_amount, text


@dataclass(frozen=True)
class TierChoice:
    """A tier of a policy as a payment file may name it: its number, its name (一档), its standards."""

    number: int
    name: str = ""
    standard: Decimal | None = None
    student_standard: Decimal | None = None

    def standards(self) -> tuple[Decimal, ...]:
        return tuple(s for s in (self.standard, self.student_standard) if s is not None)


class TierError(ValueError):
    """A 档次 cell that names no tier: `code` is "unreadable", "unknown" (not a tier of the policy), "ambiguous"
    (a standard two tiers share) or "standard" (the amount in brackets is not the tier's standard)."""

    def __init__(self, code: str, value):
        super().__init__(value)
        self.code = code


_CN_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TIER_ORDINAL = re.compile(r"第?(\d{1,2}|十?[一二两三四五六七八九]|十)(档次|档|级)?")
_BRACKETED = re.compile(r"[(\[【]([^)\]】]*)[)\]】]")
MAX_TIER = 20


def _ordinal(s: str) -> int | None:
    m = _TIER_ORDINAL.fullmatch(s)
    if not m:
        return None
    digits = m[1]
    if digits.isdigit():
        return int(digits)
    if digits == "十":
        return 10
    return (10 if digits.startswith("十") else 0) + _CN_NUMERALS[digits[-1]]


def parse_tier(value, tiers: tuple[TierChoice, ...] | None) -> int:
    """The tier number a 档次 cell names, checked against the policy's tiers (None: no policy known, any tier from
    1 to 20 by number or ordinal is taken).

    Read as notices and tax exports write it: 1, 一档, 第一档, 第1档, 1档, 一档（350元）, the tier's own name, or its
    standard (350 → the tier whose personal or students' standard is 350). An amount in brackets must be that
    tier's standard. Raises TierError.
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text(value)))
    if not s:
        raise TierError("unreadable", value)
    for tier in tiers or ():
        if tier.name and label_key(tier.name) == s:
            return tier.number
    bracket = _BRACKETED.search(s)
    core = _BRACKETED.sub("", s) if bracket else s
    number = _ordinal(core.removesuffix(".0"))
    named = next((t.number for t in tiers or () if t.name and label_key(t.name) == core), None)
    if named is not None:
        number = named
    if number is None:
        try:
            amount = parse_amount(core)
        except ValueError:
            raise TierError("unreadable", value) from None
        fits = [t.number for t in tiers or () if amount in t.standards()]
        if len(fits) > 1:
            raise TierError("ambiguous", value)
        if not fits:
            raise TierError("unknown" if tiers else "unreadable", value)
        number = fits[0]
    if tiers is None:
        if not 1 <= number <= MAX_TIER:
            raise TierError("unreadable", value)
        return number
    tier = next((t for t in tiers if t.number == number), None)
    if tier is None:
        raise TierError("unknown", value)
    if bracket:
        inner = re.sub(r"(/|每)?人$", "", bracket[1])
        try:
            stated = parse_amount(inner)
        except ValueError:
            stated = None
        if stated is not None and stated not in tier.standards():
            raise TierError("standard", value)
    return number


def tiers_fitting(amount: Decimal, explained: dict[int, frozenset[Decimal]]) -> list[int]:
    """The tiers whose standards or dues (`explained`: tier number → the amounts a person pays in it) include the
    amount (a refund's by its size): how a payment without a 档次 column is given its tier."""
    size = abs(amount)
    return sorted(number for number, amounts in explained.items() if size in amounts)
