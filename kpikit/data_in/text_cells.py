"""Text cells: what an export writes for "no value", and how a cell is quoted in a message."""

from __future__ import annotations

__all__ = ["EMPTY", "shorten"]

#: cell texts (lower case, stripped) that mean "no value" in platform exports
EMPTY = frozenset({"", "--", "-", "—", "–", "n/a", "na", "nan", "none", "null", "(not set)"})


def shorten(value: object, limit: int = 40) -> str:
    """``value`` as text, cut to ``limit`` characters (``...`` at the end) for a message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
