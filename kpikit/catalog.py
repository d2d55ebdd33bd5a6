"""The KPI catalog: one registry of measures and KPIs.

A *measure* is a column of the canonical table (``clicks``, ``spend``). A *KPI*
is a formula over measures: ``scale * sum(numerator) / sum(denominator)``
(sum/sum over the group, never a mean of row ratios), or a single aggregated
measure (a *level* KPI such as ``revenue``). Every KPI knows its direction,
unit, the objectives it serves, whether it is a short- or long-term signal,
and its Vietnamese and English label and description.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kpikit.errors import ProblemCode, UnknownKPIError
from kpikit.i18n.lang import N_, resolve_lang, tr, translate

__all__ = [
    "HORIZONS",
    "KPI",
    "KPIS",
    "MEASURES",
    "OBJECTIVES",
    "Measure",
    "get_kpi",
    "get_measure",
    "kpis_for",
    "list_kpis",
    "resolve_kpis",
]

OBJECTIVES: tuple[str, ...] = (
    "sales",
    "leads",
    "awareness",
    "engagement",
    "traffic",
    "retention",
)
HORIZONS: tuple[str, ...] = ("short", "long")


class _Label(tuple):
    """An English label marked for the catalogs, read as ``(English, Vietnamese)`` by code
    written before the catalogs (``OBJECTIVE_LABELS[o][1]``); new code calls
    :func:`label_of` (any language)."""

    def __new__(cls, english: str) -> _Label:
        return super().__new__(cls, (english, english))

    def __getitem__(self, i):  # type: ignore[override]
        english = tuple.__getitem__(self, 0)
        return translate(english, "vi") if i in (1, -1) else tuple.__getitem__(self, i)

    def __iter__(self):
        return iter((self[0], self[1]))


#: how each objective, horizon and review cadence reads (English ids; translated when shown)
OBJECTIVE_LABELS: dict[str, _Label] = {
    "sales": _Label(N_("Sales")),
    "leads": _Label(N_("Leads")),
    "awareness": _Label(N_("Awareness")),
    "engagement": _Label(N_("Engagement")),
    "traffic": _Label(N_("Traffic")),
    "retention": _Label(N_("Retention")),
}
HORIZON_LABELS: dict[str, _Label] = {"short": _Label(N_("short term")),
                                     "long": _Label(N_("long term"))}
CADENCE_LABELS: dict[str, _Label] = {"weekly": _Label(N_("weekly")),
                                     "monthly": _Label(N_("monthly")),
                                     "quarterly": _Label(N_("quarterly")),
                                     "campaign": _Label(N_("per campaign"))}
_LABELS = {"objective": OBJECTIVE_LABELS, "horizon": HORIZON_LABELS, "cadence": CADENCE_LABELS}


def label_of(kind: str, code: str, lang: str | None = None) -> str:
    """How an objective, horizon or cadence code reads in ``lang`` (default: current):
    ``label_of("cadence", "weekly", "vi")`` is ``hằng tuần``; an unknown code as written."""
    label = _LABELS[kind].get(code)
    return translate(label[0], lang) if label is not None else code
AGGREGATIONS: tuple[str, ...] = ("sum", "last", "non-additive")
UNITS: tuple[str, ...] = ("percent", "currency", "ratio", "count")


@dataclass(frozen=True)
class Measure:
    """A column of the canonical table and how it aggregates.

    Attributes
    ----------
    name
        Canonical column name.
    aggregation
        ``"sum"`` (clicks), ``"last"`` (a snapshot such as followers: the
        period's last value) or ``"non-additive"`` (reach: never summed).
    money
        True for amounts in the table's currency.
    label_en
        Short label in English, the message id of its translations (``label(lang)``).
    """

    name: str
    aggregation: str
    money: bool
    label_en: str

    def label(self, lang: str | None = None) -> str:
        """Return the label in ``lang`` (default: the current language)."""
        return translate(self.label_en, lang)


def _m(name: str, agg: str, en: str, money: bool = False) -> Measure:
    return Measure(name, agg, money, en)


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in [
        _m("impressions", "sum", N_("Impressions")),
        _m("reach", "non-additive", N_("Reach")),
        _m("clicks", "sum", N_("Clicks (all)")),
        _m("link_clicks", "sum", N_("Link clicks")),
        _m("sessions", "sum", N_("Sessions")),
        _m("engaged_sessions", "sum", N_("Engaged sessions")),
        _m("conversions", "sum", N_("Conversions")),
        _m("leads", "sum", N_("Leads")),
        _m("orders", "sum", N_("Orders")),
        _m("repeat_orders", "sum", N_("Repeat orders")),
        _m("revenue", "sum", N_("Revenue"), money=True),
        _m("spend", "sum", N_("Spend"), money=True),
        _m("engagements", "sum", N_("Engagements")),
        _m("shares", "sum", N_("Shares")),
        _m("video_views", "sum", N_("Video views")),
        _m("video_completions", "sum", N_("Video completions")),
        _m("followers", "last", N_("Followers")),
        _m("new_customers", "sum", N_("New customers")),
        _m("emails_delivered", "sum", N_("Emails delivered")),
        _m("email_opens", "sum", N_("Email opens")),
        _m("email_clicks", "sum", N_("Email clicks")),
        _m("unsubscribes", "sum", N_("Unsubscribes")),
    ]
}


@dataclass(frozen=True)
class KPI:
    """One KPI definition.

    The value is ``scale * N / D`` where ``N`` and ``D`` are linear
    combinations of aggregated measures (``numerator`` and ``denominator``
    hold ``(term, coefficient)`` pairs). A level KPI has no denominator. A
    term is a measure name, or ``measure@first`` / ``measure@last`` for the
    first or last snapshot of a ``last`` measure in the period.

    Attributes
    ----------
    direction
        ``"higher"`` or ``"lower"``: which way is better.
    unit
        ``"percent"`` (a fraction shown as %), ``"currency"``, ``"ratio"``
        (shown as ``3.2x``) or ``"count"``.
    scale
        Multiplier applied to the ratio (1000 for a per-mille KPI like CPM).
    objectives
        Objectives this KPI serves (see :data:`OBJECTIVES`).
    horizon
        ``"short"`` (moves within a campaign) or ``"long"`` (brand, loyalty).
    """

    name: str
    label_en: str
    description_en: str
    numerator: tuple[tuple[str, float], ...]
    denominator: tuple[tuple[str, float], ...]
    direction: str
    unit: str
    objectives: tuple[str, ...]
    horizon: str
    scale: float = 1.0

    @property
    def is_ratio(self) -> bool:
        """True when the KPI divides by a denominator."""
        return bool(self.denominator)

    @property
    def higher_is_better(self) -> bool:
        """True when a larger value is better."""
        return self.direction == "higher"

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term used, numerator first, without repeats."""
        seen: dict[str, None] = {}
        for t, _ in self.numerator + self.denominator:
            seen[t] = None
        return tuple(seen)

    @property
    def measures(self) -> tuple[str, ...]:
        """Every measure (column) the KPI needs."""
        seen: dict[str, None] = {}
        for t in self.terms:
            seen[t.split("@")[0]] = None
        return tuple(seen)

    def label(self, lang: str | None = None) -> str:
        """Return the label in ``lang`` (default: the current language)."""
        return translate(self.label_en, lang)

    def short_label(self, lang: str | None = None) -> str:
        """The label without its parenthesis: ``CTR``, ``Doanh thu``."""
        return self.label(lang).split(" (")[0]

    def description(self, lang: str | None = None) -> str:
        """Return the description in ``lang`` (default: the current language)."""
        return translate(self.description_en, lang)

    def formula(self) -> str:
        """Return the formula as text, e.g. ``sum(clicks) / sum(impressions)``."""

        def name(m: str, which: str) -> str:
            agg = MEASURES[m].aggregation
            return (f"{which or 'last'}({m})" if agg == "last"
                    else f"sum({m})" if agg == "sum" else m)

        return self.render(name, lambda v: f"{v:g}")

    def render(self, name: Callable[[str, str], str], number: Callable[[float], str], *,
               scale_number: Callable[[float], str] | None = None, times: str = " * ",
               divide: str = " / ", plus: str = " + ", minus: str = " - ",
               lead_minus: str = "-") -> str:
        """The formula written with ``name(measure, "first"|"last"|"")`` for each term and
        ``number`` for coefficients (the lesson writes it in words, ``formula`` as code)."""

        def side(terms: tuple[tuple[str, float], ...]) -> str:
            out = ""
            for i, (t, c) in enumerate(terms):
                m, _, which = t.partition("@")
                mag = "" if abs(c) == 1 else number(abs(c)) + times
                out += ((minus if c < 0 else plus) if i
                        else (lead_minus if c < 0 else "")) + mag + name(m, which)
            return f"({out})" if len(terms) > 1 else out

        text = side(self.numerator)
        if self.denominator:
            text += divide + side(self.denominator)
        if self.scale != 1:
            text = f"{(scale_number or number)(self.scale)}{times}{text}"
        return text

def _k(
    name: str,
    en: str,
    num: str | dict[str, float],
    den: str | dict[str, float] | None,
    direction: str,
    unit: str,
    objectives: str,
    horizon: str,
    desc_en: str,
    scale: float = 1.0,
) -> KPI:
    def terms(x: str | dict[str, float] | None) -> tuple[tuple[str, float], ...]:
        if x is None:
            return ()
        if isinstance(x, str):
            return ((x, 1.0),)
        return tuple((k, float(v)) for k, v in x.items())

    return KPI(
        name=name,
        label_en=en,
        description_en=desc_en,
        numerator=terms(num),
        denominator=terms(den),
        direction=direction,
        unit=unit,
        objectives=tuple(objectives.split()),
        horizon=horizon,
        scale=scale,
    )


_H, _L = "higher", "lower"

_KPI_LIST = [
    # --- reach and awareness -------------------------------------------------
    _k("impressions", N_("Impressions"), "impressions", None, _H, "count",
       "awareness", "short",
       N_("How many times the ads were shown.")),
    _k("reach", N_("Reach"), "reach", None, _H, "count", "awareness", "short",
       N_("People who saw the ads at least once (not additive across days or channels).")),
    _k("spend", N_("Spend"), "spend", None, _L, "currency",
       "sales leads awareness engagement traffic retention", "short",
       N_("Money spent on the ads (a budget to pace against, lower is cheaper).")),
    _k("video_views", N_("Video views"), "video_views", None, _H, "count",
       "awareness engagement", "short", N_("Video views as the platform counts them.")),
    _k("cpm", N_("CPM (cost per 1,000 impressions)"),
       "spend", "impressions", _L, "currency", "awareness", "short",
       N_("Spend per thousand impressions: the price of attention."), scale=1000),
    _k("frequency", N_("Frequency"), "impressions", "reach", _L, "ratio",
       "awareness", "short",
       N_("Average times each person reached saw the ad (reach is not additive: "
       "needs the reach of the same period).")),
    _k("cost_per_reach", N_("Cost per 1,000 people reached"),
       "spend", "reach", _L, "currency", "awareness", "short",
       N_("Spend per thousand people reached."), scale=1000),
    _k("view_rate", N_("Video view rate"), "video_views", "impressions", _H,
       "percent", "awareness engagement", "short",
       N_("Share of impressions that became a video view.")),
    _k("cpv", N_("CPV (cost per view)"), "spend", "video_views", _L,
       "currency", "awareness", "short",
       N_("Spend per video view.")),
    _k("completion_rate", N_("Video completion rate"),
       "video_completions", "video_views", _H, "percent", "awareness engagement", "long",
       N_("Share of video views watched to the end: a sign the message lands.")),
    # --- engagement ----------------------------------------------------------
    _k("engagements", N_("Engagements"), "engagements", None, _H, "count",
       "engagement", "short",
       N_("Interactions with the content: reactions, comments, shares, saves.")),
    _k("engagement_rate_impressions", N_("Engagement rate (by impressions)"),
       "engagements", "impressions", _H, "percent",
       "engagement", "short",
       N_("Engagements per impression (the variant most ad platforms report).")),
    _k("engagement_rate_reach", N_("Engagement rate (by reach)"),
       "engagements", "reach", _H, "percent",
       "engagement", "short",
       N_("Engagements per person reached (reach is not additive across days).")),
    _k("shares", N_("Shares"), "shares", None, _H, "count", "engagement",
       "short", N_("Times the content was shared.")),
    _k("share_rate", N_("Share rate"), "shares", "engagements", _H, "percent",
       "engagement", "short",
       N_("Share of engagements that were shares: content people pass on.")),
    _k("cost_per_engagement", N_("Cost per engagement"), "spend",
       "engagements", _L, "currency", "engagement", "short",
       N_("Spend per engagement.")),
    _k("followers", N_("Followers"), "followers", None, _H, "count",
       "engagement awareness", "long",
       N_("Follower count at the end of the period (a snapshot, not a sum).")),
    _k("follower_growth", N_("Follower growth"),
       {"followers@last": 1, "followers@first": -1}, {"followers@first": 1}, _H, "percent",
       "engagement awareness", "long",
       N_("Growth of the follower count from the first to the last snapshot of the period.")),
    # --- traffic -------------------------------------------------------------
    _k("clicks", N_("Clicks"), "clicks", None, _H, "count", "traffic", "short",
       N_("All clicks on the ads.")),
    _k("ctr", N_("CTR (click-through rate, all clicks)"),
       "clicks", "impressions", _H, "percent", "traffic awareness", "short",
       N_("Clicks per impression, all clicks (Meta 'CTR (all)', Google Ads 'CTR').")),
    _k("link_ctr", N_("Link CTR"), "link_clicks", "impressions", _H, "percent",
       "traffic", "short",
       N_("Link clicks per impression (Meta 'CTR (link click-through rate)').")),
    _k("cpc", N_("CPC (cost per click, all clicks)"), "spend",
       "clicks", _L, "currency", "traffic", "short",
       N_("Spend per click.")),
    _k("cpc_link", N_("Cost per link click"), "spend",
       "link_clicks", _L, "currency", "traffic", "short",
       N_("Spend per link click.")),
    _k("sessions", N_("Sessions"), "sessions", None, _H, "count", "traffic",
       "short", N_("Website or app sessions.")),
    _k("cost_per_session", N_("Cost per session"), "spend", "sessions", _L,
       "currency", "traffic", "short",
       N_("Spend per session that reached the site.")),
    _k("landing_rate", N_("Click-to-session rate"), "sessions",
       "clicks", _H, "percent", "traffic", "short",
       N_("Share of clicks that became a session (lost clicks point at slow pages).")),
    _k("engaged_session_rate", N_("Engagement rate (GA4 sessions)"),
       "engaged_sessions", "sessions", _H, "percent",
       "traffic engagement", "short",
       N_("Share of sessions that were engaged (GA4 definition).")),
    _k("bounce_rate", N_("Bounce rate (GA4)"),
       {"sessions": 1, "engaged_sessions": -1}, "sessions", _L, "percent", "traffic",
       "short",
       N_("Share of sessions that were not engaged (GA4: 1 - engagement rate).")),
    # --- sales ---------------------------------------------------------------
    _k("conversions", N_("Conversions"), "conversions", None, _H, "count",
       "sales leads", "short", N_("Conversions counted by the platform.")),
    _k("cvr", N_("Conversion rate (per click)"),
       "conversions", "clicks", _H, "percent", "sales leads", "short",
       N_("Conversions per click.")),
    _k("session_cvr", N_("Conversion rate (per session)"),
       "conversions", "sessions", _H, "percent", "sales", "short",
       N_("Conversions per session (site conversion rate).")),
    _k("cpa", N_("CPA (cost per acquisition)"), "spend",
       "conversions", _L, "currency", "sales leads", "short",
       N_("Spend per conversion.")),
    _k("orders", N_("Orders"), "orders", None, _H, "count", "sales", "short",
       N_("Orders placed.")),
    _k("cost_per_order", N_("Cost per order"), "spend", "orders", _L,
       "currency", "sales", "short", N_("Spend per order.")),
    _k("revenue", N_("Revenue"), "revenue", None, _H, "currency", "sales", "short",
       N_("Revenue attributed to the campaigns.")),
    _k("aov", N_("AOV (average order value)"), "revenue",
       "orders", _H, "currency", "sales", "short",
       N_("Revenue per order.")),
    _k("value_per_conversion", N_("Value per conversion"), "revenue",
       "conversions", _H, "currency", "sales", "short",
       N_("Revenue per conversion (Google Ads 'Conv. value / conv.').")),
    _k("revenue_per_click", N_("Revenue per click"), "revenue",
       "clicks", _H, "currency", "sales", "short",
       N_("Revenue per click (value of traffic).")),
    _k("roas", N_("ROAS (return on ad spend)"),
       "revenue", "spend", _H, "ratio", "sales", "short",
       N_("Revenue per unit of spend (3.0x: 3 of revenue for 1 spent).")),
    _k("roi", N_("ROI (return on investment)"),
       {"revenue": 1, "spend": -1}, "spend", _H, "percent", "sales", "short",
       N_("Revenue minus spend, per unit of spend (ROAS - 1; revenue, not margin).")),
    _k("profit", N_("Revenue minus spend"),
       {"revenue": 1, "spend": -1}, None, _H, "currency", "sales", "short",
       N_("Revenue after ad spend (before cost of goods).")),
    # --- leads ---------------------------------------------------------------
    _k("leads", N_("Leads"), "leads", None, _H, "count", "leads",
       "short", N_("Leads collected (forms, calls, messages).")),
    _k("cpl", N_("CPL (cost per lead)"), "spend",
       "leads", _L, "currency", "leads", "short",
       N_("Spend per lead.")),
    _k("lead_rate", N_("Lead conversion rate"), "leads",
       "clicks", _H, "percent", "leads", "short",
       N_("Leads per click.")),
    # --- retention and customers ----------------------------------------------
    _k("new_customers", N_("New customers"), "new_customers", None, _H,
       "count", "sales retention", "long", N_("First-time buyers.")),
    _k("cac", N_("CAC (customer acquisition cost)"),
       "spend", "new_customers", _L, "currency", "sales retention", "long",
       N_("Spend per new customer.")),
    _k("repeat_purchase_rate", N_("Repeat purchase rate"), "repeat_orders",
       "orders", _H, "percent", "retention", "long",
       N_("Share of orders from returning customers: a sign of loyalty.")),
    _k("email_open_rate", N_("Email open rate"), "email_opens",
       "emails_delivered", _H, "percent", "retention engagement", "short",
       N_("Opens per delivered email.")),
    _k("email_ctr", N_("Email click rate"), "email_clicks",
       "emails_delivered", _H, "percent", "retention traffic", "short",
       N_("Clicks per delivered email.")),
    _k("click_to_open_rate", N_("Click-to-open rate"),
       "email_clicks", "email_opens", _H, "percent", "retention engagement", "short",
       N_("Clicks per email open: how compelling the content is.")),
    _k("unsubscribe_rate", N_("Unsubscribe rate"), "unsubscribes",
       "emails_delivered", _L, "percent", "retention", "long",
       N_("Unsubscribes per delivered email: list fatigue.")),
]

KPIS: dict[str, KPI] = {k.name: k for k in _KPI_LIST}


def _check_catalog() -> None:
    # a broken catalog is a bug, not a user error: fail loudly at import
    for k in KPIS.values():
        assert k.direction in ("higher", "lower"), k.name
        assert k.unit in UNITS, k.name
        assert k.horizon in HORIZONS, k.name
        assert set(k.objectives) <= set(OBJECTIVES), k.name
        for t in k.terms:
            m, _, q = t.partition("@")
            assert m in MEASURES, (k.name, t)
            assert q in ("", "first", "last"), (k.name, t)
            assert not q or MEASURES[m].aggregation == "last", (k.name, t)


_check_catalog()


def _unknown(kind: str, name: str, choices: Iterable[str], *,
             code: ProblemCode) -> UnknownKPIError:
    choices = sorted(choices)
    close = difflib.get_close_matches(name.lower(), choices, n=3, cutoff=0.5)
    near = ", ".join(repr(c) for c in close)
    hint = tr(" Did you mean {near}?", near=near) if close else ""
    # the kind as a word of the reader's language, computed once for both texts of the pair
    what = (tr("measure") if kind == "measure"
            else tr("objective") if kind == "objective" else kind)
    listed = ", ".join(choices)
    return UnknownKPIError(tr("Unknown {what} {name!r}.{hint} Choose from: {listed}.", what=what,
                              name=name, hint=hint, listed=listed), code=code)


def get_kpi(name: str | KPI) -> KPI:
    """Return the KPI called ``name`` (case-insensitive).

    Raises
    ------
    UnknownKPIError
        With close matches and the full list of valid names.
    """
    if isinstance(name, KPI):
        return name
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return KPIS[key]
    except KeyError:
        raise _unknown("KPI", str(name), KPIS, code=ProblemCode.KPI_UNKNOWN) from None


def get_measure(name: str) -> Measure:
    """Return the measure called ``name``."""
    try:
        return MEASURES[name]
    except KeyError:
        raise _unknown("measure", name, MEASURES, code=ProblemCode.MEASURE_UNKNOWN) from None


def word_for(name: object, lang: str | None = None, short: bool = False) -> str:
    """A KPI or measure code (``revenue``, ``new_customers``) as its reader's word
    (``Doanh thu``); anything else as written. ``short`` drops a KPI label's parenthesis."""
    if isinstance(name, str) and name in KPIS:
        kpi = KPIS[name]
        return kpi.short_label(lang) if short else kpi.label(lang)
    if isinstance(name, str) and name in MEASURES:
        return MEASURES[name].label(lang)
    return str(name)


def resolve_kpis(kpis: str | KPI | Iterable[str | KPI] | None) -> list[KPI]:
    """Turn a name, a comma-separated string or a list into KPI objects."""
    if kpis is None:
        return list(KPIS.values())
    if isinstance(kpis, (str, KPI)):
        kpis = [kpis] if isinstance(kpis, KPI) else [p for p in kpis.split(",") if p.strip()]
    out: list[KPI] = []
    for k in kpis:
        kpi = get_kpi(k)
        if kpi not in out:
            out.append(kpi)
    return out


def kpis_for(objective: str) -> list[KPI]:
    """Return the KPIs that serve ``objective``, short-term first."""
    if objective not in OBJECTIVES:
        raise _unknown("objective", objective, OBJECTIVES, code=ProblemCode.OBJECTIVE_UNKNOWN)
    found = [k for k in KPIS.values() if objective in k.objectives]
    return sorted(found, key=lambda k: (k.objectives.index(objective), k.horizon != "short"))


def list_kpis(objective: str | None = None, lang: str | None = None) -> list[dict[str, str]]:
    """Describe KPIs as rows (for tables and the CLI), optionally for one objective."""
    lang = resolve_lang(lang)
    items = kpis_for(objective) if objective else list(KPIS.values())
    return [
        {
            "name": k.name,
            "label": k.label(lang),
            "formula": k.formula(),
            "direction": k.direction,
            "unit": k.unit,
            "horizon": k.horizon,
            "objectives": ", ".join(k.objectives),
            "description": k.description(lang),
        }
        for k in items
    ]
