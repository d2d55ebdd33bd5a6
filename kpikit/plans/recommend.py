"""Step 2: the KPIs that fit a marketing objective, ranked, each with the reason."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from kpikit.catalog import KPIS, MEASURES, OBJECTIVES, get_kpi, label_of
from kpikit.errors import ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language

__all__ = ["Recommendation", "check_objective", "objective_word", "recommend_kpis", "role_text"]


# objective -> ordered (kpi, role); the order is the ranking
_RANKING: dict[str, list[tuple[str, str]]] = {
    "sales": [("revenue", "outcome"), ("roas", "efficiency"), ("cpa", "efficiency"),
              ("cvr", "driver"), ("aov", "driver"), ("orders", "outcome"), ("roi", "efficiency"),
              ("ctr", "driver"), ("value_per_conversion", "driver"),
              ("new_customers", "long"), ("cac", "long"), ("repeat_purchase_rate", "long"),
              ("cpc", "guardrail"), ("spend", "guardrail")],
    "leads": [("leads", "outcome"), ("cpl", "efficiency"), ("lead_rate", "driver"),
              ("ctr", "driver"), ("cpc", "guardrail"), ("conversions", "outcome"),
              ("cpa", "efficiency"), ("new_customers", "long"), ("spend", "guardrail")],
    "awareness": [("impressions", "outcome"), ("cpm", "efficiency"), ("reach", "outcome"),
                  ("frequency", "guardrail"), ("view_rate", "driver"), ("cpv", "efficiency"),
                  ("completion_rate", "long"), ("followers", "long"),
                  ("follower_growth", "long"), ("ctr", "driver"), ("spend", "guardrail")],
    "engagement": [("engagement_rate_impressions", "outcome"), ("engagements", "outcome"),
                   ("engagement_rate_reach", "outcome"), ("shares", "driver"),
                   ("share_rate", "driver"), ("cost_per_engagement", "efficiency"),
                   ("follower_growth", "long"), ("followers", "long"),
                   ("completion_rate", "long"), ("engaged_session_rate", "driver")],
    "traffic": [("sessions", "outcome"), ("ctr", "driver"), ("cpc", "efficiency"),
                ("cost_per_session", "efficiency"), ("link_ctr", "driver"),
                ("landing_rate", "guardrail"), ("engaged_session_rate", "long"),
                ("bounce_rate", "guardrail"), ("clicks", "outcome")],
    "retention": [("repeat_purchase_rate", "outcome"), ("email_open_rate", "driver"),
                  ("click_to_open_rate", "driver"), ("email_ctr", "driver"),
                  ("unsubscribe_rate", "guardrail"), ("new_customers", "long"),
                  ("cac", "long"), ("revenue", "outcome")],
}


def objective_word(objective: str) -> str:
    """An objective's name in the current language (``Sales``, ``Doanh số``)."""
    return label_of("objective", objective)


def role_text(role: str, objective: str) -> str:
    """Why a KPI of ``role`` matters for ``objective``, in the current language."""
    obj = objective_word(objective).lower()
    if role == "outcome":
        return tr("The result the {obj} objective is about.", obj=obj)
    if role == "efficiency":
        return tr("Tells whether the {obj} result is bought at a good price.", obj=obj)
    if role == "driver":
        return tr("A driver of the {obj} result: when the result misses, look here.", obj=obj)
    if role == "long":
        return tr("A long-term signal: balances short-term {obj} pushes against lasting value.",
                  obj=obj)
    return tr("A guardrail: keep it in range while chasing the {obj} result.", obj=obj)


@dataclass(frozen=True)
class Recommendation:
    """A KPI suggested for an objective, with why, and whether the data can measure it."""

    kpi: str
    rank: int
    role: str
    reason: str
    measurable: bool | None
    missing: tuple[str, ...] = ()

    def label(self, lang: str | None = None) -> str:
        """The KPI's label."""
        lang = resolve_lang(lang)
        return get_kpi(self.kpi).label(lang)


def check_objective(objective: str) -> str:
    """``objective``, or an error listing the objectives when it is not one."""
    if objective not in OBJECTIVES:
        from kpikit.catalog import _unknown

        raise _unknown("objective", objective, OBJECTIVES, code=ProblemCode.OBJECTIVE_UNKNOWN)
    return objective


def recommend_kpis(
    objective: str, data: pd.DataFrame | None = None, *, lang: str | None = None
) -> list[Recommendation]:
    """Rank the KPIs that fit ``objective``, each with the reason.

    With ``data``, KPIs whose measures are absent (or empty) are marked
    unmeasurable and ranked after the measurable ones.
    """
    with using_language(resolve_lang(lang)):
        return _recommend(objective, data)


def _recommend(objective: str, data: pd.DataFrame | None) -> list[Recommendation]:
    check_objective(objective)
    ranked = list(_RANKING[objective])
    known = {k for k, _ in ranked}
    ranked += [(k.name, "driver") for k in KPIS.values()
               if objective in k.objectives and k.name not in known]
    recs = []
    for i, (name, role) in enumerate(ranked):
        kpi = get_kpi(name)
        missing: tuple[str, ...] = ()
        measurable = None
        if data is not None:
            missing = tuple(m for m in kpi.measures
                            if m not in data or not data[m].notna().any())
            if not missing and "date_end" not in data:
                # daily rows cannot give reach over a period: it is not additive
                missing = tuple(tr("{m} (not additive over days)", m=m) for m in kpi.measures
                                if MEASURES[m].aggregation == "non-additive")
            measurable = not missing
        why = role_text(role, objective)
        recs.append(Recommendation(name, i + 1, role,
                                   f"{why} {kpi.description()}", measurable, missing))
    if data is not None:
        recs.sort(key=lambda r: (not r.measurable, r.rank))
        recs = [replace(r, rank=i + 1) for i, r in enumerate(recs)]
    return recs


