"""Curve colours: twenty hues that stay apart from each other and readable on the background.

A fixed palette tuned for white looks muddy on a dark background (dark browns and navies
vanish) and one tuned for dark glares on white. So the hues are fixed and only their lightness
is adjusted, just as far as needed for a 3:1 contrast with the actual plot background (WCAG's
figure for graphics). The hues were picked greedily from an HSL grid for the largest smallest
CIELAB distance after that adjustment, on the light and the dark background at once (ΔE ≥ 25
between any two of the twenty, and from the benchmark's grey), with pure reds and greens — up
and down on an A-share screen — held back until the thirteenth curve. Grey is the benchmark's.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

BASE_HUES: tuple[str, ...] = (
    "#0067a5",
    "#f38400",
    "#f042f0",
    "#73d411",
    "#d4115f",
    "#1138d4",
    "#52e0b6",
    "#776622",
    "#bf93ec",
    "#772266",
    "#d18361",
    "#42def0",
    "#d41111",
    "#e29cbf",
    "#f0f042",
    "#5a0b8e",
    "#447722",
    "#b23434",
    "#344db2",
    "#11d45f",
)
MIN_CONTRAST = 3.0
BENCHMARK_GREY_LIGHT = QColor("#7b818c")
BENCHMARK_GREY_DARK = QColor("#9aa1ab")


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def is_dark(background: QColor) -> bool:
    return relative_luminance(background) < 0.2


def readable_on(colour: QColor, background: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """``colour`` with its HSL lightness moved away from the background until it reads."""
    if contrast_ratio(colour, background) >= minimum:
        return QColor(colour)
    hue, saturation, lightness, alpha = colour.hslHueF(), colour.hslSaturationF(), colour.lightnessF(), 1.0
    step = 0.02 if is_dark(background) else -0.02
    adjusted = QColor(colour)
    while 0.0 <= lightness <= 1.0:
        lightness += step
        adjusted = QColor.fromHslF(hue, saturation, min(max(lightness, 0.0), 1.0), alpha)
        if contrast_ratio(adjusted, background) >= minimum:
            break
    return adjusted


def curve_colour(slot: int, background: QColor) -> QColor:
    """The colour of curve ``slot`` (cycling after twenty) on ``background``."""
    return readable_on(QColor(BASE_HUES[slot % len(BASE_HUES)]), background)


def benchmark_colour(background: QColor) -> QColor:
    return BENCHMARK_GREY_DARK if is_dark(background) else BENCHMARK_GREY_LIGHT
