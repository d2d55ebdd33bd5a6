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

from ._lang import resolve_lang, tr
from .errors import ProblemCode, UnknownKPIError

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
OBJECTIVE_LABELS = {
    "sales": ("Sales", "Doanh số"),
    "leads": ("Leads", "Khách hàng tiềm năng"),
    "awareness": ("Awareness", "Nhận diện thương hiệu"),
    "engagement": ("Engagement", "Tương tác"),
    "traffic": ("Traffic", "Lưu lượng truy cập"),
    "retention": ("Retention", "Giữ chân khách hàng"),
}
HORIZONS: tuple[str, ...] = ("short", "long")
#: how each horizon and review cadence reads: (English, Vietnamese)
HORIZON_LABELS = {"short": ("short term", "ngắn hạn"), "long": ("long term", "dài hạn")}
CADENCE_LABELS = {"weekly": ("weekly", "hằng tuần"), "monthly": ("monthly", "hằng tháng"),
                  "quarterly": ("quarterly", "hằng quý"),
                  "campaign": ("per campaign", "theo chiến dịch")}
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
    label_en, label_vi
        Short labels.
    """

    name: str
    aggregation: str
    money: bool
    label_en: str
    label_vi: str

    def label(self, lang: str | None = None) -> str:
        """Return the label in ``lang`` (``"en"`` or ``"vi"``)."""
        lang = resolve_lang(lang)
        return self.label_vi if lang == "vi" else self.label_en


def _m(name: str, agg: str, en: str, vi: str, money: bool = False) -> Measure:
    return Measure(name, agg, money, en, vi)


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in [
        _m("impressions", "sum", "Impressions", "Lượt hiển thị"),
        _m("reach", "non-additive", "Reach", "Người tiếp cận"),
        _m("clicks", "sum", "Clicks (all)", "Lượt nhấp (tất cả)"),
        _m("link_clicks", "sum", "Link clicks", "Lượt nhấp vào liên kết"),
        _m("sessions", "sum", "Sessions", "Phiên truy cập"),
        _m("engaged_sessions", "sum", "Engaged sessions", "Phiên tương tác"),
        _m("conversions", "sum", "Conversions", "Lượt chuyển đổi"),
        _m("leads", "sum", "Leads", "Khách hàng tiềm năng"),
        _m("orders", "sum", "Orders", "Đơn hàng"),
        _m("repeat_orders", "sum", "Repeat orders", "Đơn hàng mua lại"),
        _m("revenue", "sum", "Revenue", "Doanh thu", money=True),
        _m("spend", "sum", "Spend", "Chi phí", money=True),
        _m("engagements", "sum", "Engagements", "Lượt tương tác"),
        _m("shares", "sum", "Shares", "Lượt chia sẻ"),
        _m("video_views", "sum", "Video views", "Lượt xem video"),
        _m("video_completions", "sum", "Video completions", "Lượt xem hết video"),
        _m("followers", "last", "Followers", "Người theo dõi"),
        _m("new_customers", "sum", "New customers", "Khách hàng mới"),
        _m("emails_delivered", "sum", "Emails delivered", "Email đã gửi đến"),
        _m("email_opens", "sum", "Email opens", "Lượt mở email"),
        _m("email_clicks", "sum", "Email clicks", "Lượt nhấp email"),
        _m("unsubscribes", "sum", "Unsubscribes", "Lượt hủy đăng ký"),
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
    label_vi: str
    description_en: str
    description_vi: str
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
        """Return the label in ``lang``."""
        lang = resolve_lang(lang)
        return self.label_vi if lang == "vi" else self.label_en

    def short_label(self, lang: str | None = None) -> str:
        """The label without its parenthesis: ``CTR``, ``Doanh thu``."""
        lang = resolve_lang(lang)
        return self.label(lang).split(" (")[0]

    def description(self, lang: str | None = None) -> str:
        """Return the description in ``lang``."""
        lang = resolve_lang(lang)
        return self.description_vi if lang == "vi" else self.description_en

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
    vi: str,
    num: str | dict[str, float],
    den: str | dict[str, float] | None,
    direction: str,
    unit: str,
    objectives: str,
    horizon: str,
    desc_en: str,
    desc_vi: str,
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
        label_vi=vi,
        description_en=desc_en,
        description_vi=desc_vi,
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
    _k("impressions", "Impressions", "Lượt hiển thị", "impressions", None, _H, "count",
       "awareness", "short",
       "How many times the ads were shown.",
       "Số lần quảng cáo được hiển thị."),
    _k("reach", "Reach", "Người tiếp cận", "reach", None, _H, "count", "awareness", "short",
       "People who saw the ads at least once (not additive across days or channels).",
       "Số người đã thấy quảng cáo ít nhất một lần (không cộng dồn qua ngày hoặc kênh)."),
    _k("spend", "Spend", "Chi phí", "spend", None, _L, "currency",
       "sales leads awareness engagement traffic retention", "short",
       "Money spent on the ads (a budget to pace against, lower is cheaper).",
       "Số tiền đã chi cho quảng cáo (ngân sách cần theo dõi tiến độ)."),
    _k("video_views", "Video views", "Lượt xem video", "video_views", None, _H, "count",
       "awareness engagement", "short", "Video views as the platform counts them.",
       "Số lượt xem video theo cách tính của nền tảng."),
    _k("cpm", "CPM (cost per 1,000 impressions)", "CPM (chi phí mỗi 1.000 lượt hiển thị)",
       "spend", "impressions", _L, "currency", "awareness", "short",
       "Spend per thousand impressions: the price of attention.",
       "Chi phí cho mỗi nghìn lượt hiển thị: giá của sự chú ý.", scale=1000),
    _k("frequency", "Frequency", "Tần suất", "impressions", "reach", _L, "ratio",
       "awareness", "short",
       "Average times each person reached saw the ad (reach is not additive: "
       "needs the reach of the same period).",
       "Số lần trung bình mỗi người được tiếp cận thấy quảng cáo (phạm vi tiếp cận "
       "không cộng dồn được)."),
    _k("cost_per_reach", "Cost per 1,000 people reached", "Chi phí mỗi 1.000 người tiếp cận",
       "spend", "reach", _L, "currency", "awareness", "short",
       "Spend per thousand people reached.",
       "Chi phí cho mỗi nghìn người được tiếp cận.", scale=1000),
    _k("view_rate", "Video view rate", "Tỷ lệ xem video", "video_views", "impressions", _H,
       "percent", "awareness engagement", "short",
       "Share of impressions that became a video view.",
       "Tỷ lệ lượt hiển thị dẫn đến một lượt xem video."),
    _k("cpv", "CPV (cost per view)", "CPV (chi phí mỗi lượt xem)", "spend", "video_views", _L,
       "currency", "awareness", "short",
       "Spend per video view.", "Chi phí cho mỗi lượt xem video."),
    _k("completion_rate", "Video completion rate", "Tỷ lệ xem hết video",
       "video_completions", "video_views", _H, "percent", "awareness engagement", "long",
       "Share of video views watched to the end: a sign the message lands.",
       "Tỷ lệ lượt xem video được xem đến hết: dấu hiệu thông điệp được đón nhận."),
    # --- engagement ----------------------------------------------------------
    _k("engagements", "Engagements", "Lượt tương tác", "engagements", None, _H, "count",
       "engagement", "short",
       "Interactions with the content: reactions, comments, shares, saves.",
       "Số lượt tương tác với nội dung: cảm xúc, bình luận, chia sẻ, lưu."),
    _k("engagement_rate_impressions", "Engagement rate (by impressions)",
       "Tỷ lệ tương tác (theo lượt hiển thị)", "engagements", "impressions", _H, "percent",
       "engagement", "short",
       "Engagements per impression (the variant most ad platforms report).",
       "Số lượt tương tác trên mỗi lượt hiển thị (cách đa số nền tảng quảng cáo tính)."),
    _k("engagement_rate_reach", "Engagement rate (by reach)",
       "Tỷ lệ tương tác (theo người tiếp cận)", "engagements", "reach", _H, "percent",
       "engagement", "short",
       "Engagements per person reached (reach is not additive across days).",
       "Số lượt tương tác trên mỗi người được tiếp cận (không cộng dồn người tiếp cận "
       "qua các ngày)."),
    _k("shares", "Shares", "Lượt chia sẻ", "shares", None, _H, "count", "engagement",
       "short", "Times the content was shared.", "Số lần nội dung được chia sẻ."),
    _k("share_rate", "Share rate", "Tỷ lệ chia sẻ", "shares", "engagements", _H, "percent",
       "engagement", "short",
       "Share of engagements that were shares: content people pass on.",
       "Tỷ lệ lượt tương tác là lượt chia sẻ: nội dung được lan truyền."),
    _k("cost_per_engagement", "Cost per engagement", "Chi phí mỗi lượt tương tác", "spend",
       "engagements", _L, "currency", "engagement", "short",
       "Spend per engagement.", "Chi phí cho mỗi lượt tương tác."),
    _k("followers", "Followers", "Người theo dõi", "followers", None, _H, "count",
       "engagement awareness", "long",
       "Follower count at the end of the period (a snapshot, not a sum).",
       "Số người theo dõi vào cuối kỳ (giá trị chụp nhanh, không cộng dồn)."),
    _k("follower_growth", "Follower growth", "Tăng trưởng người theo dõi",
       {"followers@last": 1, "followers@first": -1}, {"followers@first": 1}, _H, "percent",
       "engagement awareness", "long",
       "Growth of the follower count from the first to the last snapshot of the period.",
       "Mức tăng số người theo dõi từ lần ghi nhận đầu đến cuối kỳ."),
    # --- traffic -------------------------------------------------------------
    _k("clicks", "Clicks", "Lượt nhấp", "clicks", None, _H, "count", "traffic", "short",
       "All clicks on the ads.", "Tổng số lượt nhấp vào quảng cáo."),
    _k("ctr", "CTR (click-through rate, all clicks)", "CTR (tỷ lệ nhấp, mọi lượt nhấp)",
       "clicks", "impressions", _H, "percent", "traffic awareness", "short",
       "Clicks per impression, all clicks (Meta 'CTR (all)', Google Ads 'CTR').",
       "Số lượt nhấp trên mỗi lượt hiển thị, tính mọi lượt nhấp (Meta 'CTR (tất cả)')."),
    _k("link_ctr", "Link CTR", "CTR liên kết", "link_clicks", "impressions", _H, "percent",
       "traffic", "short",
       "Link clicks per impression (Meta 'CTR (link click-through rate)').",
       "Số lượt nhấp vào liên kết trên mỗi lượt hiển thị."),
    _k("cpc", "CPC (cost per click, all clicks)", "CPC (chi phí mỗi lượt nhấp)", "spend",
       "clicks", _L, "currency", "traffic", "short",
       "Spend per click.", "Chi phí cho mỗi lượt nhấp."),
    _k("cpc_link", "Cost per link click", "Chi phí mỗi lượt nhấp liên kết", "spend",
       "link_clicks", _L, "currency", "traffic", "short",
       "Spend per link click.", "Chi phí cho mỗi lượt nhấp vào liên kết."),
    _k("sessions", "Sessions", "Phiên truy cập", "sessions", None, _H, "count", "traffic",
       "short", "Website or app sessions.", "Số phiên truy cập website hoặc ứng dụng."),
    _k("cost_per_session", "Cost per session", "Chi phí mỗi phiên", "spend", "sessions", _L,
       "currency", "traffic", "short",
       "Spend per session that reached the site.",
       "Chi phí cho mỗi phiên truy cập vào trang."),
    _k("landing_rate", "Click-to-session rate", "Tỷ lệ nhấp thành phiên", "sessions",
       "clicks", _H, "percent", "traffic", "short",
       "Share of clicks that became a session (lost clicks point at slow pages).",
       "Tỷ lệ lượt nhấp trở thành phiên truy cập (thấp: trang tải chậm)."),
    _k("engaged_session_rate", "Engagement rate (GA4 sessions)",
       "Tỷ lệ phiên tương tác (GA4)", "engaged_sessions", "sessions", _H, "percent",
       "traffic engagement", "short",
       "Share of sessions that were engaged (GA4 definition).",
       "Tỷ lệ phiên có tương tác (định nghĩa của GA4)."),
    _k("bounce_rate", "Bounce rate (GA4)", "Tỷ lệ thoát (GA4)",
       {"sessions": 1, "engaged_sessions": -1}, "sessions", _L, "percent", "traffic",
       "short",
       "Share of sessions that were not engaged (GA4: 1 - engagement rate).",
       "Tỷ lệ phiên không có tương tác (GA4: 1 - tỷ lệ tương tác)."),
    # --- sales ---------------------------------------------------------------
    _k("conversions", "Conversions", "Lượt chuyển đổi", "conversions", None, _H, "count",
       "sales leads", "short", "Conversions counted by the platform.",
       "Số lượt chuyển đổi do nền tảng ghi nhận."),
    _k("cvr", "Conversion rate (per click)", "Tỷ lệ chuyển đổi (theo lượt nhấp)",
       "conversions", "clicks", _H, "percent", "sales leads", "short",
       "Conversions per click.", "Số lượt chuyển đổi trên mỗi lượt nhấp."),
    _k("session_cvr", "Conversion rate (per session)", "Tỷ lệ chuyển đổi (theo phiên)",
       "conversions", "sessions", _H, "percent", "sales", "short",
       "Conversions per session (site conversion rate).",
       "Số lượt chuyển đổi trên mỗi phiên truy cập."),
    _k("cpa", "CPA (cost per acquisition)", "CPA (chi phí mỗi chuyển đổi)", "spend",
       "conversions", _L, "currency", "sales leads", "short",
       "Spend per conversion.", "Chi phí cho mỗi lượt chuyển đổi."),
    _k("orders", "Orders", "Đơn hàng", "orders", None, _H, "count", "sales", "short",
       "Orders placed.", "Số đơn hàng."),
    _k("cost_per_order", "Cost per order", "Chi phí mỗi đơn hàng", "spend", "orders", _L,
       "currency", "sales", "short", "Spend per order.", "Chi phí cho mỗi đơn hàng."),
    _k("revenue", "Revenue", "Doanh thu", "revenue", None, _H, "currency", "sales", "short",
       "Revenue attributed to the campaigns.", "Doanh thu được ghi nhận cho chiến dịch."),
    _k("aov", "AOV (average order value)", "Giá trị đơn hàng trung bình (AOV)", "revenue",
       "orders", _H, "currency", "sales", "short",
       "Revenue per order.", "Doanh thu trên mỗi đơn hàng."),
    _k("value_per_conversion", "Value per conversion", "Giá trị mỗi chuyển đổi", "revenue",
       "conversions", _H, "currency", "sales", "short",
       "Revenue per conversion (Google Ads 'Conv. value / conv.').",
       "Doanh thu trên mỗi lượt chuyển đổi."),
    _k("revenue_per_click", "Revenue per click", "Doanh thu mỗi lượt nhấp", "revenue",
       "clicks", _H, "currency", "sales", "short",
       "Revenue per click (value of traffic).", "Doanh thu trên mỗi lượt nhấp."),
    _k("roas", "ROAS (return on ad spend)", "ROAS (doanh thu trên chi phí quảng cáo)",
       "revenue", "spend", _H, "ratio", "sales", "short",
       "Revenue per unit of spend (3.0x: 3 of revenue for 1 spent).",
       "Doanh thu trên mỗi đồng chi phí quảng cáo (3,0x: chi 1 thu về 3)."),
    _k("roi", "ROI (return on investment)", "ROI (tỷ suất hoàn vốn)",
       {"revenue": 1, "spend": -1}, "spend", _H, "percent", "sales", "short",
       "Revenue minus spend, per unit of spend (ROAS - 1; revenue, not margin).",
       "Doanh thu trừ chi phí, trên mỗi đồng chi phí (ROAS - 1; tính trên doanh thu)."),
    _k("profit", "Revenue minus spend", "Doanh thu trừ chi phí",
       {"revenue": 1, "spend": -1}, None, _H, "currency", "sales", "short",
       "Revenue after ad spend (before cost of goods).",
       "Doanh thu sau khi trừ chi phí quảng cáo (chưa trừ giá vốn)."),
    # --- leads ---------------------------------------------------------------
    _k("leads", "Leads", "Khách hàng tiềm năng", "leads", None, _H, "count", "leads",
       "short", "Leads collected (forms, calls, messages).",
       "Số khách hàng tiềm năng thu được (biểu mẫu, cuộc gọi, tin nhắn)."),
    _k("cpl", "CPL (cost per lead)", "CPL (chi phí mỗi khách hàng tiềm năng)", "spend",
       "leads", _L, "currency", "leads", "short",
       "Spend per lead.", "Chi phí cho mỗi khách hàng tiềm năng."),
    _k("lead_rate", "Lead conversion rate", "Tỷ lệ chuyển đổi khách hàng tiềm năng", "leads",
       "clicks", _H, "percent", "leads", "short",
       "Leads per click.", "Số khách hàng tiềm năng trên mỗi lượt nhấp."),
    # --- retention and customers ----------------------------------------------
    _k("new_customers", "New customers", "Khách hàng mới", "new_customers", None, _H,
       "count", "sales retention", "long", "First-time buyers.", "Người mua lần đầu."),
    _k("cac", "CAC (customer acquisition cost)", "CAC (chi phí thu hút khách hàng)",
       "spend", "new_customers", _L, "currency", "sales retention", "long",
       "Spend per new customer.", "Chi phí cho mỗi khách hàng mới."),
    _k("repeat_purchase_rate", "Repeat purchase rate", "Tỷ lệ mua lại", "repeat_orders",
       "orders", _H, "percent", "retention", "long",
       "Share of orders from returning customers: a sign of loyalty.",
       "Tỷ lệ đơn hàng từ khách hàng quay lại: dấu hiệu của lòng trung thành."),
    _k("email_open_rate", "Email open rate", "Tỷ lệ mở email", "email_opens",
       "emails_delivered", _H, "percent", "retention engagement", "short",
       "Opens per delivered email.", "Số lượt mở trên mỗi email được gửi đến."),
    _k("email_ctr", "Email click rate", "Tỷ lệ nhấp email", "email_clicks",
       "emails_delivered", _H, "percent", "retention traffic", "short",
       "Clicks per delivered email.", "Số lượt nhấp trên mỗi email được gửi đến."),
    _k("click_to_open_rate", "Click-to-open rate", "Tỷ lệ nhấp trên lượt mở",
       "email_clicks", "email_opens", _H, "percent", "retention engagement", "short",
       "Clicks per email open: how compelling the content is.",
       "Số lượt nhấp trên mỗi lượt mở email: nội dung hấp dẫn đến đâu."),
    _k("unsubscribe_rate", "Unsubscribe rate", "Tỷ lệ hủy đăng ký", "unsubscribes",
       "emails_delivered", _L, "percent", "retention", "long",
       "Unsubscribes per delivered email: list fatigue.",
       "Số lượt hủy đăng ký trên mỗi email được gửi đến: mức độ mệt mỏi của danh sách."),
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
    hint = tr(f" Did you mean {near}?", f" Có phải ý bạn là {near}?") if close else ""
    kind_vi = {"KPI": "KPI", "measure": "số liệu", "objective": "mục tiêu"}.get(kind, kind)
    listed = ", ".join(choices)
    return UnknownKPIError(tr(f"Unknown {kind} {name!r}.{hint} Choose from: {listed}.",
                              f"Không có {kind_vi} {name!r}.{hint} Chọn: {listed}."), code=code)


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
