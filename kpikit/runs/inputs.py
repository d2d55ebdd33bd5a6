"""What a notebook loads before it computes, from its checked parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.i18n.lang import tr

__all__ = ["optimization_inputs"]


def optimization_inputs(params: Any, data_path: Any) -> dict[str, Any]:
    """Load data and fit the curves for notebook 03 (per channel, or jointly for a
    Meridian-shaped weekly file)."""
    from kpikit.analysis.optimize import fit_curves, fit_joint, is_meridian, load_meridian

    if data_path is not None and Path(data_path).suffix.lower() == ".csv" and is_meridian(
            pd.read_csv(data_path, nrows=0).columns):
        spend, conversions, revenue = load_meridian(str(data_path))
        curves, base = fit_joint(spend, revenue, outcome_name="revenue")
        return {"curves": curves, "refused": {}, "data": None, "currency": None,
                "baseline": base, "points": None, "freq": "W",
                "note": tr("joint fit: revenue = baseline + season + sum of channel curves")}
    from kpikit.catalog import word_for
    from kpikit.data_in.load import load
    from kpikit.data_in.sample import load_sample
    from kpikit.plans.scope import scope_data

    data = load(data_path) if data_path else load_sample()
    outcome = "revenue" if "revenue" in data and data["revenue"].notna().any() else "conversions"
    campaigns = [params.campaign] if params.campaign else []
    curves, refused = fit_curves(data, outcome=outcome, campaigns=campaigns, freq="D")
    scoped = scope_data(data, campaigns).dropna(subset=["spend", outcome])
    daily = scoped.groupby(["channel", "date"])[["spend", outcome]].sum()
    points = {ch: (part["spend"].to_numpy(), part[outcome].to_numpy())
              for ch, part in daily.groupby(level=0) if ch in curves}
    word = word_for(outcome)  # the outcome in the current language (Doanh thu, Revenue)
    return {"curves": curves, "refused": refused, "data": data,
            "currency": data.attrs.get("currency"), "baseline": 0.0, "points": points,
            "freq": "D", "note": tr("per-channel fit of daily {word}", word=word)}
