"""Rates, Vietnamese number formatting, plan-target verdicts and the QĐ 766 indicators.

Rounding rule (reproduces seed 004: "766/5.211 đạt 14,7%", "1.856/3.318 đạt 55,94%"):
a rate is numerator x 100 / denominator rounded half-up to two decimals (14.6996... -> 14.70,
55.9373... -> 55.94), then shown with a decimal comma and trailing zeros dropped
(14.70 -> "14,7"; 100.00 -> "100"). Thousands use a dot ("5.211"). The API returns the same
rounded rate as a number (14.7) together with its numerator and denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def format_int(n: int, locale: str = "vi") -> str:
    """5211 -> "5.211" (English: "5,211")."""
    text = f"{int(n):,}"
    return text if locale == "en" else text.replace(",", ".")


def format_decimal(value: Decimal, locale: str = "vi") -> str:
    """Decimal comma, trailing zeros dropped: 14.70 -> "14,7", 55.94 -> "55,94", 100.00 -> "100"
    (English: a decimal point and a thousands comma)."""
    text = f"{value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    whole = format_int(int(whole), locale) if whole.lstrip("-").isdigit() else whole
    if not frac:
        return whole
    return f"{whole}.{frac}" if locale == "en" else f"{whole},{frac}"


@dataclass(frozen=True)
class Ratio:
    """A rate with the numbers behind it; ``percent`` is None when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        exact = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return exact.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    def text(self, locale: str = "vi") -> str:
        """"766/5.211 đạt 14,7%" (the seed's format); "0/0" without any dossier. English:
        "766/5,211 (14.7%)"."""
        head = f"{format_int(self.numerator, locale)}/{format_int(self.denominator, locale)}"
        if self.percent is None:
            return head
        if locale == "en":
            return f"{head} ({format_decimal(self.percent, locale)}%)"
        return f"{head} đạt {format_decimal(self.percent)}%"

    def to_dict(self) -> dict:
        percent = self.percent
        return {"numerator": self.numerator, "denominator": self.denominator,
                "rate": float(percent) if percent is not None else None, "text": self.text()}


# ---------------------------------------------------------------------------------------------
# Plan targets: đạt / chưa đạt / vượt

MET, NOT_MET, EXCEEDED, NO_DATA = "dat", "chua_dat", "vuot", "chua_co_so_lieu"  # labels: portal.labels


def verdict(actual: Decimal | int | None, comparator: str, target: Decimal | int) -> str:
    """Compare an actual value with a target.

    ``>=`` targets ("at least 30"): above the target is *vượt*, exactly the target *đạt*, below
    *chưa đạt*. ``<=`` targets ("at most 5% late") mirror it. A 100% target can only be *đạt*.
    ``None`` (no dossier in the period, so no rate) is *chưa có số liệu*.
    """
    if actual is None:
        return NO_DATA
    actual, target = Decimal(actual), Decimal(target)
    if actual == target:
        return MET
    better = actual > target if comparator == ">=" else actual < target
    return EXCEEDED if better else NOT_MET
