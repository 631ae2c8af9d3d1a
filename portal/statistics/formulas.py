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


def format_int(n: int) -> str:
    """5211 -> "5.211"."""
    return f"{int(n):,}".replace(",", ".")


def format_decimal(value: Decimal) -> str:
    """Decimal comma, trailing zeros dropped: 14.70 -> "14,7", 55.94 -> "55,94", 100.00 -> "100"."""
    text = f"{value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    whole = format_int(int(whole)) if whole.lstrip("-").isdigit() else whole
    return f"{whole},{frac}" if frac else whole


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

    def text(self) -> str:
        """"766/5.211 đạt 14,7%" (the seed's format); "0/0" without any dossier."""
        head = f"{format_int(self.numerator)}/{format_int(self.denominator)}"
        if self.percent is None:
            return head
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


# ---------------------------------------------------------------------------------------------
# Quyết định 766/QĐ-TTg (2022): the service-quality index of a province scores six groups,
# 100 points in all. DOMAIN.md gives the weights (marked "check": no primary text at hand), so
# they are data here, and each group this system can measure is scored as
#     score = weight x rate / 100
# where the rate (0..100) is defined below. Transparency (18 points) is assessed from the
# publication of procedures and is not measured from dossiers.

QD766_GROUPS = {
    # key: (weight, Vietnamese name, how the rate is measured)
    "transparency": (18, "Công khai, minh bạch", None),
    # progress: (early + on time) / processed dossiers of the period (= on_time_rate).
    "progress": (20, "Tiến độ giải quyết", "on_time_rate"),
    # online services: dossiers received online / all received dossiers of level 3 and 4
    # procedures (the procedures that can be filed online).
    "online_services": (12, "Dịch vụ công trực tuyến", "online_rate_level34"),
    # online payment: dossiers whose fee was paid in the period through an online payment
    # (a ``payments`` row with status 'paid') / dossiers whose fee was paid in the period.
    "online_payment": (10, "Thanh toán trực tuyến", "online_payment_rate"),
    # satisfaction: ratings "rất hài lòng" + "hài lòng" / all ratings given in the period.
    "satisfaction": (18, "Mức độ hài lòng", "satisfaction_rate"),
    # digitisation: received dossiers with at least one stored electronic file (the online
    # filing's attachments or the desk's scans) / received dossiers.
    "digitisation": (22, "Số hóa hồ sơ", "digitisation_rate"),
}


def qd766_score(weight: int, ratio: Ratio | None) -> Decimal | None:
    """weight x rate / 100, rounded half-up to two decimals; None without data."""
    if ratio is None or ratio.percent is None:
        return None
    return (Decimal(weight) * ratio.percent / 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
