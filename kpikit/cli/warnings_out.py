"""What the command prints on stderr after a run: its warnings and its error, labelled."""

from __future__ import annotations

import sys
import warnings

from kpikit.i18n.lang import LANGS, tr, using_language


def _spoken(lang: str | None) -> str:
    # the label follows the command's language even where no language block is open
    # (main prints the error after leaving it); a language kpikit does not speak reads English
    return lang if lang is not None and lang in LANGS else "en"


def error_label(lang: str | None) -> str:
    """``error`` in the command's language."""
    with using_language(_spoken(lang)):
        return tr("error")


def warning_label(lang: str | None) -> str:
    """``warning`` in the command's language."""
    with using_language(_spoken(lang)):
        return tr("warning")


def show_warnings(caught: list[warnings.WarningMessage], lang: str | None) -> None:
    """Print kpikit's own warnings (not those of the libraries under it), one a line."""
    from kpikit.errors import KpikitWarning

    label = warning_label(lang)
    for w in caught:
        if issubclass(w.category, KpikitWarning):
            print(f"{label}: {w.message}", file=sys.stderr)
