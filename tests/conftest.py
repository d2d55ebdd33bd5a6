from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def frame(rows: list[dict], currency: str | None = "VND") -> pd.DataFrame:
    """A small canonical table from dicts (date strings become datetimes)."""
    df = pd.DataFrame(rows)
    df["date"] = pd.to_datetime(df["date"])
    for c in df.columns:
        if c not in ("date", "campaign", "channel"):
            df[c] = df[c].astype("float64")
    df.attrs["currency"] = currency
    return df


@pytest.fixture(autouse=True)
def _english_unless_asked(monkeypatch):
    """Messages are English unless a test asks; no test leaves a language behind."""
    import kpikit

    monkeypatch.delenv("KPIKIT_LANG", raising=False)
    yield
    kpikit.set_language(None)
