"""Fitting text into the limits every platform has (message, embed, button sizes)."""

from __future__ import annotations

from collections.abc import Sequence

ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text`, or its start and an ellipsis, in at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def fit_lines(lines: Sequence[str], limit: int, *, already: int = 0) -> list[str]:
    """As many of `lines` as fit in `limit` characters (joined by newlines, after `already`
    used ones), then "… and N more" for the rest."""
    kept: list[str] = []
    used = already
    for number, line in enumerate(lines):
        more = f"… and {len(lines) - number} more"
        if used + len(line) + 1 + len(more) + 1 > limit:
            kept.append(more)
            break
        kept.append(line)
        used += len(line) + 1
    return kept
