"""Platform export profiles: which header names mean which canonical column.

Headers are matched by name (never by position) after Unicode NFC
normalisation, case folding and whitespace folding. A trailing currency code
in parentheses (``Amount spent (USD)``) is removed before matching and kept as
the file's currency.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kpikit.catalog import MEASURES

__all__ = ["DIMENSIONS", "PERIOD_HEADERS", "PLATFORMS", "Platform", "normalize_header",
           "split_currency"]

#: extra string columns that may stand beside campaign and channel
DIMENSIONS: tuple[str, ...] = (
    "ad_group", "ad", "keyword", "country", "region", "city", "geo", "device",
    "placement", "audience", "product",
)
#: canonical non-measure columns a header may map to
SPECIAL: tuple[str, ...] = (
    "date", "date_end", "campaign", "channel", "campaign_type", "currency_code",
    "result_type",
)

_CURRENCY_SUFFIX = re.compile(r"\s*\(([A-Za-z]{3})\)\s*$")
#: ISO 4217 codes recognised in headers such as 'Amount spent (VND)'
CURRENCIES = frozenset(
    "VND USD EUR GBP JPY CNY HKD TWD KRW SGD MYR THB IDR PHP INR AUD NZD CAD CHF SEK NOK "
    "DKK PLN CZK HUF RUB TRY BRL MXN ARS CLP COP PEN ZAR AED SAR ILS EGP NGN KES PKR BDT "
    "LKR KHR LAK MMK".split()
)


def normalize_header(text: object) -> str:
    """Return a header in matching form: NFC, case-folded, single spaces."""
    t = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "")
    return " ".join(t.split()).casefold()


def split_currency(header: str) -> tuple[str, str | None]:
    """Split ``'Amount spent (USD)'`` into ``('Amount spent', 'USD')``."""
    m = _CURRENCY_SUFFIX.search(header)
    if not m or m.group(1).upper() not in CURRENCIES:
        return header, None
    return header[: m.start()], m.group(1).upper()


@dataclass(frozen=True)
class Platform:
    """How one platform names its export columns.

    Attributes
    ----------
    name
        Platform key (``google_ads``, ``meta``, ``ga4``, ``tiktok``, ``canonical``).
    columns
        Canonical column -> accepted header names (in matching form).
    signature
        Header names only this platform uses; they weigh more in detection.
    default_channel
        Channel given to rows when the export has no channel or campaign type.
    """

    name: str
    columns: dict[str, tuple[str, ...]]
    signature: tuple[str, ...]
    default_channel: str

    def lookup(self) -> dict[str, str]:
        """Return header name -> canonical column."""
        out: dict[str, str] = {}
        for canonical, names in self.columns.items():
            for n in names:
                out.setdefault(normalize_header(n), canonical)
        return out


def _p(name: str, default_channel: str, signature: tuple[str, ...], **columns: str) -> Platform:
    cols = {k: tuple(x.strip() for x in v.split("|")) for k, v in columns.items()}
    return Platform(name, cols, tuple(normalize_header(s) for s in signature), default_channel)


#: Google Ads segments by period instead of by day: header -> period kind. The rows then
#: cover a period (``date`` = first day, ``date_end`` = last day), like Meta's reporting
#: starts/ends. Weeks run Monday to Sunday unless the header says Sunday to Saturday
#: (either way a week is 7 days from the date shown).
PERIOD_HEADERS: dict[str, str] = {
    "week": "week", "week (mon - sun)": "week", "week (sun - sat)": "week",
    "week (mon-sun)": "week", "week (sun-sat)": "week",
    "tuần": "week", "tuần (thứ 2 - chủ nhật)": "week", "tuần (chủ nhật - thứ 7)": "week",
    "tuần (thứ hai - chủ nhật)": "week", "tuần (chủ nhật - thứ bảy)": "week",
    "month": "month", "tháng": "month",
    "quarter": "quarter", "quý": "quarter",
}

GOOGLE_ADS = _p(
    "google_ads", "search",
    # 'cost' and 'clicks' are TikTok's words too, so they do not distinguish Google Ads
    ("impr.", "conv. value", "day", "currency code", "chiến dịch",
     "số lượt hiển thị", "giá trị chuyển đổi", "mã đơn vị tiền tệ", "campaign type",
     "loại chiến dịch", *PERIOD_HEADERS),
    date="Day|Date|Ngày",
    campaign="Campaign|Chiến dịch",
    campaign_type="Campaign type|Advertising channel type|Loại chiến dịch",
    ad_group="Ad group|Nhóm quảng cáo",
    keyword="Keyword|Search keyword|Từ khóa",
    device="Device|Thiết bị",
    currency_code="Currency code|Currency|Mã đơn vị tiền tệ|Mã tiền tệ|Đơn vị tiền tệ",
    impressions="Impr.|Impressions|Số lượt hiển thị|Lượt hiển thị|Hiển thị",
    clicks="Clicks|Lượt nhấp|Số lượt nhấp",
    spend="Cost|Chi phí",
    conversions="Conversions|Lượt chuyển đổi|Chuyển đổi",
    revenue="Conv. value|Conversion value|All conv. value|Giá trị chuyển đổi|"
            "Giá trị chuyển đổi",
    video_views="Views|Video views|Lượt xem",
    engagements="Engagements|Lượt tương tác",
)

META = _p(
    "meta", "social",
    ("campaign name", "reporting starts", "reporting ends", "amount spent", "link clicks",
     "clicks (all)", "results", "tên chiến dịch", "bắt đầu báo cáo", "lượt bắt đầu báo cáo",
     "số tiền đã chi tiêu", "người tiếp cận", "lượt click vào liên kết", "kết quả"),
    date="Reporting starts|Bắt đầu báo cáo|Lượt bắt đầu báo cáo|Day|Ngày",
    date_end="Reporting ends|Kết thúc báo cáo|Lượt kết thúc báo cáo",
    campaign="Campaign name|Tên chiến dịch",
    ad_group="Ad set name|Tên nhóm quảng cáo",
    ad="Ad name|Tên quảng cáo",
    placement="Placement|Vị trí",
    country="Country|Quốc gia",
    currency_code="Currency|Đơn vị tiền tệ",
    result_type="Result indicator|Result type|Chỉ báo kết quả|Loại kết quả",
    spend="Amount spent|Số tiền đã chi tiêu",
    impressions="Impressions|Lượt hiển thị",
    reach="Reach|Người tiếp cận|Số người tiếp cận|Phạm vi tiếp cận",
    link_clicks="Link clicks|Lượt click vào liên kết|Lượt nhấp vào liên kết",
    clicks="Clicks (all)|Lượt click (tất cả)|Lượt nhấp (tất cả)",
    conversions="Results|Kết quả",
    orders="Purchases|Website purchases|Lượt mua|Lượt mua trên trang web",
    revenue="Purchases conversion value|Website purchases conversion value|"
            "Giá trị chuyển đổi của lượt mua|Giá trị chuyển đổi lượt mua trên trang web",
    leads="Leads|Khách hàng tiềm năng|Số khách hàng tiềm năng",
    engagements="Post engagement|Post engagements|Lượt tương tác với bài viết",
    shares="Post shares|Lượt chia sẻ bài viết",
    video_views="3-second video plays|Video plays|Lượt phát video 3 giây|Lượt phát video",
    video_completions="ThruPlays|ThruPlay|Lượt ThruPlay",
)

GA4 = _p(
    "ga4", "web",
    ("session default channel group", "session primary channel group (default channel group)",
     "session campaign", "engaged sessions", "key events", "nhóm kênh mặc định của phiên",
     "chiến dịch của phiên", "số phiên tương tác"),
    date="Date|Ngày",
    campaign="Session campaign|Session manual campaign name|Campaign|Chiến dịch của phiên|"
             "Chiến dịch",
    channel="Session default channel group|Session primary channel group (Default Channel Group)|"
            "First user default channel group|Default channel group|"
            "Nhóm kênh mặc định của phiên|Nhóm kênh chính của phiên",
    device="Device category|Danh mục thiết bị",
    country="Country|Quốc gia",
    sessions="Sessions|Số phiên|Phiên",
    engaged_sessions="Engaged sessions|Số phiên tương tác|Phiên tương tác",
    conversions="Key events|Conversions|Sự kiện chính|Lượt chuyển đổi",
    revenue="Total revenue|Purchase revenue|Tổng doanh thu|Doanh thu từ giao dịch mua",
    orders="Transactions|Ecommerce purchases|Purchases|Giao dịch|Lượt mua hàng",
    new_customers="First time purchasers|Người mua lần đầu",
)

TIKTOK = _p(
    "tiktok", "social",
    ("by day", "clicks (destination)", "video views at 100%", "theo ngày",
     "lượt nhấp (đích)", "total cost", "total purchase value", "complete payment",
     "total complete payment value", "video views at 25%", "video views at 50%",
     "video views at 75%", "cpc (destination)", "ctr (destination)", "lượt xem video 100%"),
    date="By Day|Theo ngày|Date|Ngày",
    campaign="Campaign name|Tên chiến dịch",
    ad_group="Ad group name|Tên nhóm quảng cáo",
    currency_code="Currency|Đơn vị tiền tệ",
    spend="Cost|Total cost|Chi phí",
    impressions="Impressions|Lượt hiển thị",
    reach="Reach|Phạm vi tiếp cận",
    clicks="Clicks (all)|Lượt nhấp (tất cả)",
    link_clicks="Clicks (destination)|Clicks|Lượt nhấp (đích)|Lượt nhấp",
    conversions="Conversions|Lượt chuyển đổi",
    orders="Purchases|Complete payment|Lượt mua",
    revenue="Total purchase value|Total complete payment value|Purchase value|"
            "Tổng giá trị mua hàng",
    video_views="Video views|Lượt xem video",
    video_completions="Video views at 100%|Lượt xem video 100%",
    engagements="Engagements|Lượt tương tác",
    shares="Shares|Lượt chia sẻ",
)

CANONICAL = Platform(
    "canonical",
    {c: (c,) for c in (*SPECIAL, *DIMENSIONS, *MEASURES)},
    ("channel", "link_clicks", "engaged_sessions", "emails_delivered"),
    "all",
)

PLATFORMS: dict[str, Platform] = {
    p.name: p for p in (CANONICAL, GOOGLE_ADS, META, GA4, TIKTOK)
}

#: GA4 default channel groups -> channel (others are lower-cased)
GA4_CHANNELS = {
    "paid search": "search", "paid social": "social", "display": "display",
    "paid video": "video", "email": "email", "paid shopping": "shopping",
    "paid other": "other", "cross-network": "cross_network", "organic search": "organic_search",
    "organic social": "organic_social", "organic video": "organic_video",
    "organic shopping": "organic_shopping", "direct": "direct", "referral": "referral",
    "affiliates": "affiliates", "sms": "sms", "mobile push notifications": "push",
    "audio": "audio", "unassigned": "unassigned",
}

#: Google Ads campaign types -> channel
CAMPAIGN_TYPE_CHANNEL = {
    "search": "search", "tìm kiếm": "search",
    "display": "display", "hiển thị": "display", "mạng hiển thị": "display",
    "video": "video",
    "shopping": "shopping", "mua sắm": "shopping",
    "performance max": "pmax", "hiệu suất tối đa": "pmax",
    "demand gen": "social", "discovery": "social", "tạo nhu cầu": "social",
    "app": "app", "ứng dụng": "app",
    "smart": "search", "thông minh": "search",
}
