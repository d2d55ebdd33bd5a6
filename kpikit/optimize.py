"""Response curves and budget allocation (step 7: when a KPI misses, adjust).

Curves are fitted per channel (outcome attributed to each channel) or jointly
(one total outcome explained by every channel's spend plus a baseline), in a
Hill or a logarithmic form, optionally after geometric adstock, chosen by the
lowest AIC. A curve the data cannot identify (too few points, spend that hardly
varies) is refused with the reason instead of returned with false confidence.

The allocator finds the spend per channel that maximises the outcome for a
budget, the smallest budget that reaches an outcome, or the largest outcome
under a CPA or ROAS limit, within per-channel bounds and locks. Conflicting
constraints are found before solving and explained with numbers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._lang import nfmt, resolve_lang, tr
from .errors import KpikitError, KpikitWarning, ParameterError, ProblemCode

__all__ = [
    "MODES",
    "Allocation",
    "CurveError",
    "InfeasibleError",
    "ResponseCurve",
    "allocate",
    "fit_curve",
    "fit_curves",
    "fit_joint",
    "is_meridian",
    "load_meridian",
    "recommendations",
]

MODES = ("max-outcome", "min-budget", "target-cpa", "target-roas")
FORMS = ("hill", "log")


class CurveError(KpikitError):
    """The data cannot identify a response curve."""


class InfeasibleError(ParameterError):
    """The allocation's constraints cannot all hold; the message says which and by how much."""


# --------------------------------------------------------------------- forms


def _hill(x: np.ndarray, top: float, half: float, shape: float) -> np.ndarray:
    x = np.maximum(x, 0.0)
    xs = np.power(x / half, shape)
    return top * xs / (1.0 + xs)


def _hill_d(x: np.ndarray, top: float, half: float, shape: float) -> np.ndarray:
    x = np.maximum(x, 1e-12)
    xs = np.power(x / half, shape)
    return top * shape * xs / (x * (1.0 + xs) ** 2)


def _log(x: np.ndarray, scale: float, half: float) -> np.ndarray:
    return scale * np.log1p(np.maximum(x, 0.0) / half)


def _log_d(x: np.ndarray, scale: float, half: float) -> np.ndarray:
    return scale / (half + np.maximum(x, 0.0))


_F = {"hill": (_hill, _hill_d, 3), "log": (_log, _log_d, 2)}


def adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric adstock: each period carries ``decay`` of the previous one's effect."""
    out = np.empty(len(spend))
    carry = 0.0
    for i, x in enumerate(spend):
        carry = x + decay * carry
        out[i] = carry
    return out


@dataclass(frozen=True)
class ResponseCurve:
    """Outcome per period as a function of spend per period, for one channel.

    ``predict`` and ``marginal`` assume a steady spend (with adstock, spend
    ``x`` every period builds to ``x / (1 - decay)``).
    """

    channel: str
    form: str
    params: tuple[float, ...]
    decay: float = 0.0
    outcome: str = "conversions"
    freq: str = "W"
    n: int = 0
    r2: float = math.nan
    mape: float = math.nan  # weighted absolute percentage error: sum|error| / sum|outcome|
    aic: float = math.nan
    spend_min: float = 0.0
    spend_max: float = 0.0
    current: float = 0.0
    draws: np.ndarray | None = field(default=None, compare=False, repr=False)
    notes: tuple[str, ...] = ()
    criterion: str = "lowest AIC"
    #: time-ordered holdout: the last periods forecast from a fit on the earlier ones
    #: (weighted absolute percentage error, and the same error of the training mean)
    holdout_mape: float = math.nan
    holdout_naive: float = math.nan
    holdout_n: int = 0

    @property
    def holdout_ok(self) -> bool | None:
        """True when the curve forecasts its holdout better than the mean (None: no holdout)."""
        if not self.holdout_n or self.holdout_mape != self.holdout_mape:
            return None
        return bool(self.holdout_mape <= self.holdout_naive)

    def predict(self, spend: float | np.ndarray, params: Sequence[float] | None = None):
        """Outcome per period at a steady ``spend`` per period."""
        f, _, _ = _F[self.form]
        x = np.asarray(spend, dtype=float) / (1.0 - self.decay)
        return f(x, *(params if params is not None else self.params))

    def marginal(self, spend: float | np.ndarray):
        """Extra outcome per extra unit of spend at ``spend`` (marginal ROAS for revenue)."""
        _, d, _ = _F[self.form]
        x = np.asarray(spend, dtype=float) / (1.0 - self.decay)
        return d(x, *self.params) / (1.0 - self.decay)

    def band(self, spend: np.ndarray, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Bootstrap band of the curve at ``spend`` (low, high)."""
        if self.draws is None or not len(self.draws):
            y = self.predict(spend)
            return y, y
        ys = np.array([self.predict(spend, p) for p in self.draws])
        q = (1 - level) / 2
        return np.quantile(ys, q, axis=0), np.quantile(ys, 1 - q, axis=0)


# -------------------------------------------------------------------- fitting


def _start(form: str, x: np.ndarray, y: np.ndarray
           ) -> tuple[list[float], list[float], list[float]]:
    """Start values and bounds. The half-effect spend stays within a wide range of the
    observed spend and the Hill shape within 0.5..4: outside them the data cannot
    tell the curve apart from a step or a line."""
    pos = x[x > 0]
    xm = float(np.median(pos)) if len(pos) else 1.0
    xmax = float(pos.max()) if len(pos) else 1.0
    ym = float(max(y.max(), 1e-9))
    if form == "hill":
        return [2.0 * ym, xm, 1.0], [1e-12, 0.05 * xm, 0.5], [np.inf, 20 * xmax, 4.0]
    return [ym / math.log(2.0), xm], [1e-12, 0.01 * xm], [np.inf, 50 * xmax]


def _check_points(channel: str, x: np.ndarray, y: np.ndarray, min_points: int, min_cv: float):
    n = int(np.isfinite(x).sum())
    if n < min_points:
        raise CurveError(tr(
            f"{channel}: only {n} periods of data; a response curve needs at least "
            f"{min_points}. Fix: use a longer history or daily data (freq='D').",
            f"{channel}: chỉ có {n} kỳ dữ liệu; một đường phản hồi cần ít nhất {min_points}. "
            "Cách sửa: dùng lịch sử dài hơn hoặc dữ liệu theo ngày (freq='D')."),
                         code=ProblemCode.CURVE_TOO_FEW_POINTS)
    if not (x > 0).any():
        raise CurveError(tr(f"{channel}: no spend in the data. Fix: drop the channel.",
                            f"{channel}: dữ liệu không có chi phí. Cách sửa: bỏ kênh này."),
                         code=ProblemCode.CURVE_NO_SPEND)
    cv = float(np.std(x) / np.mean(x)) if np.mean(x) > 0 else 0.0
    if cv < min_cv:
        raise CurveError(tr(
            f"{channel}: spend hardly varies (coefficient of variation {nfmt(cv, '.0%')}, below "
            f"{nfmt(min_cv, '.0%')}), so the data cannot tell a saturating curve from a straight "
            "line. Fix: test budgets that differ (e.g. +-30% for a few weeks), or fix this "
            "channel's spend as locked.",
            f"{channel}: chi phí hầu như không đổi (hệ số biến thiên {nfmt(cv, '.0%')}, dưới "
            f"{nfmt(min_cv, '.0%')}), nên dữ liệu không phân biệt được đường bão hòa với đường "
            "thẳng. Cách sửa: thử các mức ngân sách khác nhau (ví dụ +-30% trong vài tuần), hoặc "
            "khóa chi phí của kênh này."), code=ProblemCode.CURVE_FLAT_SPEND)


def _aic(sse: float, n: int, k: int) -> float:
    return n * math.log(max(sse, 1e-300) / n) + 2 * k


def _fit_form(form: str, x: np.ndarray, y: np.ndarray, base: bool) -> tuple[np.ndarray, float]:
    from scipy.optimize import least_squares

    f, _, k = _F[form]
    p0, lo, hi = _start(form, x, y)
    if base:
        p0, lo, hi = [float(np.min(y)) * 0.5] + p0, [0.0] + lo, [np.inf] + hi

    def resid(p: np.ndarray) -> np.ndarray:
        b = p[0] if base else 0.0
        return (b + f(x, *p[int(base):])) - y

    scale = np.abs(np.array(p0)) + 1e-12
    sol = least_squares(resid, p0, bounds=(lo, hi), x_scale=scale, max_nfev=4000)
    return sol.x, float((sol.fun ** 2).sum())


def fit_curve(
    spend: Sequence[float],
    outcome: Sequence[float],
    *,
    channel: str = "channel",
    forms: Sequence[str] = FORMS,
    adstock_decays: Sequence[float] = (0.0,),
    outcome_name: str = "conversions",
    freq: str = "W",
    bootstrap: int = 100,
    min_points: int = 8,
    min_cv: float = 0.1,
    seed: int = 0,
) -> ResponseCurve:
    """Fit one channel's curve; choose form and adstock by the lowest AIC.

    Raises
    ------
    CurveError
        When the data cannot identify a curve (the message says why and what to do).
    """
    x = np.asarray(spend, dtype=float)
    y = np.asarray(outcome, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    _check_points(channel, x, y, min_points, min_cv)
    for form in forms:
        if form not in _F:
            raise ParameterError(tr(f"form {form!r}: choose from {', '.join(FORMS)}.",
                                    f"form {form!r}: chọn trong {', '.join(FORMS)}."),
                                 code=ProblemCode.PARAMETER_CHOICE)
    best = None
    for decay in adstock_decays:
        xa = adstock(x, decay) if decay else x
        for form in forms:
            params, sse = _fit_form(form, xa, y, base=False)
            aic = _aic(sse, len(y), _F[form][2] + (1 if decay else 0))
            if best is None or aic < best[0]:
                best = (aic, form, decay, params, sse)
    aic, form, decay, params, sse = best  # type: ignore[misc]
    xa = adstock(x, decay) if decay else x
    f = _F[form][0]
    fitted = f(xa, *params)
    r2 = 1 - sse / float(((y - y.mean()) ** 2).sum()) if y.var() > 0 else math.nan
    mape = float(np.abs(fitted - y).sum() / max(np.abs(y).sum(), 1e-12))  # weighted
    draws = _bootstrap(form, xa, y, fitted, params, bootstrap, seed, base=False)

    def predict_after(t: int, h: int) -> np.ndarray:
        p_t, _ = _fit_form(form, xa[:t], y[:t], base=False)
        return f(xa[t:t + h], *p_t)

    ho, ho_naive, ho_n = _holdout(y, predict_after, max(min_points, 6))
    curve = ResponseCurve(channel, form, tuple(float(p) for p in params), float(decay),
                          outcome_name, freq, len(y), float(r2), mape, float(aic),
                          float(x.min()), float(x.max()), float(x.mean()), draws,
                          holdout_mape=ho, holdout_naive=ho_naive, holdout_n=ho_n)
    return _with_notes(curve)


def _holdout(y: np.ndarray, predict_after, min_train: int) -> tuple[float, float, int]:
    """Time-ordered holdout, rolling the origin where the data allows.

    ``predict_after(t, h)`` fits on periods ``0..t-1`` and forecasts ``t..t+h-1``. The
    last fifth of the periods (at least 2) is held out; with enough history the origin
    rolls back one and two holdout lengths more. Returns the weighted absolute
    percentage error of the forecasts, the same error of the training mean, and the
    number of forecast periods.
    """
    n = len(y)
    h = max(2, round(0.2 * n))
    # the last holdout always (when a fit is possible at all); earlier origins only when
    # their training part is as long as a fit normally needs
    origins = [t for t in (n - 3 * h, n - 2 * h) if t >= min_train]
    origins += [n - h] if n - h >= 4 else []
    if not origins:
        return math.nan, math.nan, 0
    err = naive = scale = 0.0
    count = 0
    for t in origins:
        try:
            pred = np.asarray(predict_after(t, h), dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            continue
        actual = y[t:t + h]
        err += float(np.abs(pred - actual).sum())
        naive += float(np.abs(y[:t].mean() - actual).sum())
        scale += float(np.abs(actual).sum())
        count += len(actual)
    if not count or scale <= 0:
        return math.nan, math.nan, 0
    return err / scale, naive / scale, count


def _bootstrap(form: str, x: np.ndarray, y: np.ndarray, fitted: np.ndarray, params: np.ndarray,
               n: int, seed: int, base: bool) -> np.ndarray | None:
    """Residual bootstrap: refit on fitted + resampled residuals."""
    if n <= 0:
        return None
    from scipy.optimize import least_squares

    f, _, _ = _F[form]
    rng = np.random.default_rng(seed)
    resid = y - fitted
    out = []
    _, lo, hi = _start(form, x, y)
    params = np.clip(params, lo, hi)
    for _ in range(n):
        yb = fitted + rng.choice(resid, size=len(resid), replace=True)
        sol = least_squares(lambda p, yb=yb: f(x, *p) - yb, params, bounds=(lo, hi),
                            x_scale=np.abs(params) + 1e-12, max_nfev=300)
        out.append(sol.x)
    return np.array(out)


def _with_notes(c: ResponseCurve) -> ResponseCurve:
    notes = []
    half = c.params[1]
    if half / (1 - c.decay) > 2 * c.spend_max:
        notes.append(tr(f"{c.channel}: saturation lies beyond the spend observed (half-effect at "
                        f"{nfmt(half)} vs at most {nfmt(c.spend_max)}); the curve is extrapolated "
                        "there.",
                        f"{c.channel}: điểm bão hòa nằm ngoài mức chi đã quan sát (nửa hiệu quả ở "
                        f"{nfmt(half)} so với tối đa {nfmt(c.spend_max)}); đường cong ở đó là "
                        "ngoại suy."))
    if c.draws is not None and len(c.draws):
        lo, hi = c.band(np.array([c.current]))
        mid = float(c.predict(c.current))
        if mid > 0 and (hi[0] - lo[0]) / mid > 0.5:
            notes.append(tr(f"{c.channel}: the outcome at current spend is uncertain (90% band "
                            f"{nfmt(lo[0])} to {nfmt(hi[0])} around {nfmt(mid)}).",
                            f"{c.channel}: kết quả ở mức chi hiện tại chưa chắc chắn (khoảng 90% "
                            f"từ {nfmt(lo[0])} đến {nfmt(hi[0])} quanh {nfmt(mid)})."))
    if c.holdout_ok is False:
        notes.append(tr(f"{c.channel}: the curve fails its time-ordered holdout (forecast error "
                        f"{nfmt(c.holdout_mape, '.0%')} against {nfmt(c.holdout_naive, '.0%')} for "
                        "the plain average); do not move budget on it alone.",
                        f"{c.channel}: đường cong không qua kiểm tra giữ lại theo thời gian (sai "
                        f"số dự báo {nfmt(c.holdout_mape, '.0%')} so với "
                        f"{nfmt(c.holdout_naive, '.0%')} của trung bình đơn giản); đừng chuyển "
                        "ngân sách chỉ dựa vào nó."))
    if c.r2 == c.r2 and c.r2 < 0.3:
        notes.append(tr(f"{c.channel}: the curve explains little of the variation (R² "
                        f"{nfmt(c.r2, '.2f')}).",
                        f"{c.channel}: đường cong giải thích được ít biến động (R² "
                        f"{nfmt(c.r2, '.2f')})."))
    for n in notes:
        warnings.warn(n, KpikitWarning, stacklevel=3)
    return ResponseCurve(**{**c.__dict__, "notes": tuple(notes)})


def fit_curves(
    data: pd.DataFrame,
    *,
    outcome: str = "conversions",
    campaigns: Sequence[str] = (),
    freq: str = "W",
    forms: Sequence[str] = FORMS,
    adstock_decays: Sequence[float] = (0.0,),
    bootstrap: int = 100,
    min_points: int = 8,
    min_cv: float = 0.1,
) -> tuple[dict[str, ResponseCurve], dict[str, str]]:
    """Fit a curve per channel from the canonical table (outcome attributed by channel).

    Returns the curves, and for each channel that was refused the reason.
    """
    from .goals import scope_data

    if outcome not in data or "spend" not in data:
        raise ParameterError(tr(
            f"the table needs 'spend' and {outcome!r} per channel to fit response curves. "
            "Fix: choose outcome='conversions' or 'revenue', or use fit_joint for a total "
            "outcome.",
            f"bảng cần 'spend' và {outcome!r} theo kênh để ước lượng đường phản hồi. Cách "
            "sửa: chọn outcome='conversions' hoặc 'revenue', hoặc dùng fit_joint cho một kết "
            "quả tổng."), code=ProblemCode.COLUMN_MISSING)
    from .metrics.periods import has_period_rows, spread_periods

    if freq not in ("D", "W"):
        raise ParameterError(tr(f"freq={freq!r}: choose D or W.", f"freq={freq!r}: chọn D hoặc W."),
                             code=ProblemCode.PARAMETER_CHOICE)
    if has_period_rows(data) and freq == "D":
        # days spread from a week's row are not separate observations: fit per week
        warnings.warn(tr("the table has rows covering several days; curves are fitted per "
                         "week (freq='W'), not per spread day.",
                         "bảng có các dòng gộp nhiều ngày; đường cong được ước lượng theo tuần "
                         "(freq='W'), không theo ngày đã chia đều."), KpikitWarning,
                      stacklevel=2)
        freq = "W"
    scoped = scope_data(spread_periods(data), campaigns).dropna(subset=["spend", outcome])
    key = scoped["date"].dt.to_period("W-SUN") if freq == "W" else scoped["date"]
    g = scoped.groupby(["channel", key])[["spend", outcome]].sum()
    curves, refused = {}, {}
    for ch, part in g.groupby(level=0):
        try:
            curves[ch] = fit_curve(part["spend"].to_numpy(), part[outcome].to_numpy(),
                                   channel=ch, forms=forms, adstock_decays=adstock_decays,
                                   outcome_name=outcome, freq=freq, bootstrap=bootstrap,
                                   min_points=min_points, min_cv=min_cv)
        except CurveError as e:
            refused[ch] = str(e)
    if not curves:
        why = " ".join(refused.values())
        raise CurveError(tr(f"no channel has data that identifies a curve: {why}",
                            f"không kênh nào có dữ liệu xác định được đường cong: {why}"),
                         code=ProblemCode.CURVE_UNIDENTIFIED)
    return curves, refused


def fit_joint(
    spend: pd.DataFrame,
    outcome: Sequence[float],
    *,
    outcome_name: str = "conversions",
    forms: Sequence[str] = FORMS,
    decays: Sequence[float] = (0.0, 0.3, 0.6),
    seasonality: bool = True,
    bootstrap: int = 50,
    freq: str = "W",
    min_cv: float = 0.1,
    seed: int = 0,
) -> tuple[dict[str, ResponseCurve], float]:
    """Fit ``outcome = baseline + season + sum over channels of curve(adstock(spend))``.

    ``spend`` has one column per channel, one row per period (a date index
    when ``seasonality``: a yearly Fourier pair and a linear trend are fitted
    beside the curves so that the season is not credited to media). One form
    and one adstock decay serve all channels, chosen by the lowest AIC.
    Returns the curves and the baseline (outcome per period without media).
    """
    from scipy.optimize import least_squares

    X = spend.to_numpy(dtype=float)
    y = np.asarray(outcome, dtype=float)
    channels = [str(c) for c in spend.columns]
    for j, ch in enumerate(channels):
        _check_points(ch, X[:, j], y, 8 + 3 * len(channels), min_cv)
    if seasonality and isinstance(spend.index, pd.DatetimeIndex):
        doy = spend.index.day_of_year.to_numpy() / 365.25 * 2 * np.pi
        Z = np.column_stack([np.sin(doy), np.cos(doy), np.linspace(-1, 1, len(y))])
        Z = Z * float(np.std(y))  # coefficients of the order of one
    else:
        Z = np.zeros((len(y), 0))
    nz = Z.shape[1]
    best = None
    for decay in decays:
        Xa = np.column_stack([adstock(X[:, j], decay) if decay else X[:, j]
                              for j in range(len(channels))])
        for form in forms:
            best = _joint_form(form, Xa, Z, y, channels, decay, best, least_squares)
    aic, form, p, sse, resid, (lo, hi), decay, Xa = best  # type: ignore[misc]
    f, _, k = _F[form]
    fitted = resid(p) + y
    r2 = 1 - sse / float(((y - y.mean()) ** 2).sum())
    mape = float(np.abs(fitted - y).sum() / max(np.abs(y).sum(), 1e-12))  # weighted
    draws = []
    if bootstrap:
        rng = np.random.default_rng(seed)
        res = y - fitted
        for _ in range(bootstrap):
            yb = fitted + rng.choice(res, size=len(res), replace=True)
            sol = least_squares(lambda q, yb=yb: resid(q) + y - yb, p, bounds=(lo, hi),
                                x_scale=np.abs(p) + 1e-12, max_nfev=200)
            draws.append(sol.x)
    draws_a = np.array(draws) if draws else None

    def predict_after(t: int, h: int) -> np.ndarray:
        fit = _joint_form(form, Xa[:t], Z[:t], y[:t], channels, decay, None, least_squares)
        q = fit[2]
        pred = q[0] + Z[t:t + h] @ q[1:1 + nz] + sum(
            f(Xa[t:t + h, j], *q[1 + nz + k * j:1 + nz + k * (j + 1)])
            for j in range(len(channels)))
        return pred

    ho, ho_naive, ho_n = _holdout(y, predict_after, 8 + 3 * len(channels))
    curves = {}
    for j, ch in enumerate(channels):
        sl = slice(1 + nz + k * j, 1 + nz + k * (j + 1))
        curves[ch] = _with_notes(ResponseCurve(
            ch, form, tuple(float(v) for v in p[sl]), decay, outcome_name, freq, len(y),
            float(r2), mape, float(aic), float(X[:, j].min()), float(X[:, j].max()),
            float(X[:, j].mean()), draws_a[:, sl] if draws_a is not None else None,
            criterion="lowest AIC (joint fit over forms and adstock decays)",
            holdout_mape=ho, holdout_naive=ho_naive, holdout_n=ho_n))
    return curves, float(p[0])


def _joint_form(form, Xa, Z, y, channels, decay, best, least_squares):
    f, _, k = _F[form]
    nz = Z.shape[1]
    p0, lo, hi = [float(y.min()) * 0.5], [0.0], [np.inf]
    p0 += [0.0] * nz
    lo += [-np.inf] * nz
    hi += [np.inf] * nz
    media = float(y.max() - y.min()) / len(channels)
    for j in range(len(channels)):
        s0, l0, h0 = _start(form, Xa[:, j], np.full(len(y), max(media, 1e-9)))
        p0 += s0
        lo += l0
        hi += h0

    def resid(p: np.ndarray) -> np.ndarray:
        pred = p[0] + Z @ p[1:1 + nz] + sum(
            f(Xa[:, j], *p[1 + nz + k * j:1 + nz + k * (j + 1)]) for j in range(len(channels)))
        return pred - y

    sol = least_squares(resid, p0, bounds=(lo, hi), x_scale=np.abs(p0) + 1e-3 * np.std(y),
                        max_nfev=20000)
    sse = float((sol.fun ** 2).sum())
    aic = _aic(sse, len(y), 1 + nz + k * len(channels) + (1 if decay else 0))
    if best is None or aic < best[0]:
        return (aic, form, sol.x, sse, resid, (lo, hi), decay, Xa)
    return best


#: the columns a Meridian-shaped file may use for the date of each period
MERIDIAN_TIME = ("date", "time", "week", "period")


def is_meridian(columns: Iterable[str]) -> bool:
    """True for a table with per-channel ``*_spend`` columns and a total outcome."""
    cols = [str(c).lower() for c in columns]
    return any(c.endswith("_spend") for c in cols) and "conversions" in cols


def load_meridian(path: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Read a Meridian-shaped file: raw (``time``, ``geo``, ``conversions``,
    ``revenue_per_conversion``, ``ChannelN_spend``) or national (``date``, ``revenue``).

    Geo rows are summed per period; revenue is ``conversions x revenue_per_conversion``
    row by row when the file has no ``revenue`` column.

    Returns (spend per channel, conversions, revenue), indexed by date.

    Raises
    ------
    ParameterError
        When a column the mapping needs is missing (the message names the mapping).
    """
    import io
    from pathlib import Path

    from ._files import read_limited

    raw = read_limited(Path(path), "optimize")
    df = pd.read_csv(io.BytesIO(raw))
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]]
    lower = {str(c).lower(): c for c in df.columns}
    time_col = next((lower[c] for c in MERIDIAN_TIME if c in lower), None)
    spend_cols = [c for c in df.columns if str(c).lower().endswith("_spend")]
    need = []
    if time_col is None:
        need.append(tr("a date column (date or time)", "một cột ngày (date hoặc time)"))
    if not spend_cols:
        need.append(tr("spend per channel (columns named CHANNEL_spend)",
                       "chi phí theo kênh (các cột tên KÊNH_spend)"))
    if "conversions" not in lower:
        need.append(tr("a conversions column", "một cột conversions"))
    if need:
        missing = "; ".join(need)
        raise ParameterError(tr(
            f"{path}: cannot read it as a Meridian-shaped file: it lacks {missing}. Fix: "
            "rename the columns to date, CHANNEL_spend, conversions and revenue (or "
            "revenue_per_conversion), or load a platform export with kpikit optimize FILE.",
            f"{path}: không đọc được theo dạng Meridian: thiếu {missing}. Cách sửa: đổi tên "
            "cột thành date, KÊNH_spend, conversions và revenue (hoặc revenue_per_conversion), "
            "hoặc đọc tệp xuất của nền tảng bằng kpikit optimize FILE."),
                             code=ProblemCode.COLUMN_MISSING)
    conv = pd.to_numeric(df[lower["conversions"]], errors="coerce")
    if "revenue" in lower:
        rev = pd.to_numeric(df[lower["revenue"]], errors="coerce")
    elif "revenue_per_conversion" in lower:
        rev = conv * pd.to_numeric(df[lower["revenue_per_conversion"]], errors="coerce")
    else:
        rev = pd.Series(np.nan, index=df.index)
    when = pd.to_datetime(df[time_col], errors="coerce")
    if when.isna().any():
        row = int(np.flatnonzero(when.isna().to_numpy())[0]) + 2
        raise ParameterError(tr(
            f"{path}, row {row}, column {time_col!r}: not a date. Fix: write dates as "
            "YYYY-MM-DD.",
            f"{path}, dòng {row}, cột {time_col!r}: không phải ngày. Cách sửa: ghi ngày theo "
            "dạng YYYY-MM-DD."), code=ProblemCode.DATE_UNREADABLE)
    table = pd.DataFrame({c: pd.to_numeric(df[c], errors="coerce") for c in spend_cols})
    table["conversions"], table["revenue"], table["date"] = conv, rev, when
    table = table.groupby("date").sum(min_count=1).sort_index()  # geos summed per period
    spend = table[spend_cols]
    spend.columns = [str(c)[: -len("_spend")] for c in spend_cols]
    return spend, table["conversions"], table["revenue"]


# ----------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Allocation:
    """A recommended allocation (a frozen value).

    ``table`` has one row per channel: current and recommended spend, change,
    outcome at each, marginal return at the recommendation, bounds, the binding
    constraint and why a channel did not move.
    """

    mode: str
    table: pd.DataFrame
    budget: float
    outcome: str
    outcome_current: float
    outcome_recommended: float
    outcome_low: float
    outcome_high: float
    binding: tuple[str, ...]
    target: float | None = None
    success: bool = True
    #: paired draws (current and recommended under the same bootstrap curve): 90% interval
    #: of the gain in outcome, and the share of draws in which the recommendation gains
    gain_low: float = math.nan
    gain_high: float = math.nan
    prob_gain: float = math.nan
    #: channels whose curve failed its time-ordered holdout (forecast worse than the mean)
    failed_holdout: tuple[str, ...] = ()

    @property
    def gain(self) -> float:
        """Expected change of the outcome against the current allocation."""
        return self.outcome_recommended - self.outcome_current

    @property
    def verdict(self) -> str:
        """``"act"`` when the gain is supported (interval above zero, 80%+ of paired
        draws gain, curves pass their holdout); ``"keep"`` when the fit does not support
        moving budget; ``"single"`` with one channel; ``"no change"`` when nothing moves."""
        if len(self.table) == 1 and self.mode == "max-outcome":
            return "single"
        if self.mode != "max-outcome":
            return "act"  # a target mode answers a different question: how to meet the limit
        if (self.table["change"].abs() <= 0.005 * self.table["current"].abs().clip(lower=1e-9)
                ).all():
            return "no change"
        if self.failed_holdout:
            return "keep"
        if self.prob_gain != self.prob_gain:
            return "act"  # curves given without draws: taken as known
        if not (self.prob_gain >= 0.8 and self.gain_low > 0):
            return "keep"
        return "act"

    @property
    def spend_current(self) -> float:
        """Total current spend."""
        return float(self.table["current"].sum())

    @property
    def spend_recommended(self) -> float:
        """Total recommended spend."""
        return float(self.table["recommended"].sum())

    @property
    def lift(self) -> float:
        """Relative change of the outcome against the current allocation."""
        return self.outcome_recommended / self.outcome_current - 1 if self.outcome_current \
            else math.nan


def _bounds(curves: Mapping[str, ResponseCurve], current: Mapping[str, float],
            bounds: Mapping[str, Sequence[float]] | None, locked: Iterable[str]
            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    names = list(curves)
    problems = []
    bounds = dict(bounds or {})
    locked = list(locked)
    for ch in [*bounds, *locked]:
        if ch not in curves:
            problems.append(tr(f"{ch!r} is not a channel with a curve (choose from "
                               f"{', '.join(names)}).",
                               f"{ch!r} không phải kênh có đường cong (chọn trong "
                               f"{', '.join(names)})."))
    lo = np.zeros(len(names))
    hi = np.full(len(names), np.inf)
    for i, ch in enumerate(names):
        if ch in bounds:
            b = bounds[ch]
            if not isinstance(b, (list, tuple)) or len(b) != 2:
                problems.append(tr(f"bounds[{ch!r}] must be [min, max], not {b!r}.",
                                   f"bounds[{ch!r}] phải là [min, max], không phải {b!r}."))
                continue
            mn, mx = (0.0 if b[0] is None else float(b[0]),
                      math.inf if b[1] is None else float(b[1]))
            if mn < 0:
                problems.append(tr(f"bounds[{ch!r}]: the minimum {nfmt(mn)} is negative.",
                                   f"bounds[{ch!r}]: mức tối thiểu {nfmt(mn)} là số âm."))
            if mx < mn:
                problems.append(tr(f"bounds[{ch!r}]: the maximum {nfmt(mx)} is below the minimum "
                                   f"{nfmt(mn)}.",
                                   f"bounds[{ch!r}]: mức tối đa {nfmt(mx)} thấp hơn mức tối thiểu "
                                   f"{nfmt(mn)}."))
            lo[i], hi[i] = mn, mx
        if ch in locked:
            if ch in bounds and not lo[i] <= current[ch] <= hi[i]:
                span = f"[{lo[i]:,.0f}, {hi[i]:,.0f}]"
                problems.append(tr(f"{ch!r} is locked at {nfmt(current[ch])}, outside its bounds "
                                   f"{span}.",
                                   f"{ch!r} bị khóa ở {nfmt(current[ch])}, ngoài giới hạn {span}."))
            lo[i] = hi[i] = current[ch]
    if problems:
        said = " ".join(problems)
        raise InfeasibleError(tr(f"the allocation cannot run: {said}",
                                 f"không thể phân bổ: {said}"),
                              code=ProblemCode.ALLOCATION_INVALID_BOUNDS)
    return lo, hi, names


def _check_budget(budget: float, lo: np.ndarray, hi: np.ndarray, names: list[str],
                  locked: Iterable[str]) -> None:
    if budget <= 0:
        raise InfeasibleError(tr(f"budget {nfmt(budget)} must be above 0.",
                                 f"ngân sách {nfmt(budget)} phải lớn hơn 0."),
                              code=ProblemCode.ALLOCATION_BUDGET_NOT_POSITIVE)
    if lo.sum() > budget * (1 + 1e-9):
        worst = sorted(zip(lo, names, strict=True), reverse=True)[:3]
        locked_word = tr(" (locked)", " (khóa)")
        what = ", ".join(f"{n} {v:,.0f}" + (locked_word if n in set(locked) else "")
                         for v, n in worst if v > 0)
        raise InfeasibleError(tr(
            f"the minimums add up to {nfmt(lo.sum())}, {nfmt(lo.sum() - budget)} above the budget "
            f"{nfmt(budget)} (largest: {what}). Fix: lower those minimums or unlock, or raise the "
            "budget.",
            f"tổng các mức tối thiểu là {nfmt(lo.sum())}, vượt ngân sách {nfmt(budget)} "
            f"{nfmt(lo.sum() - budget)} (lớn nhất: {what}). Cách sửa: giảm các mức tối thiểu đó "
            "hoặc mở khóa, hoặc tăng ngân sách."),
                              code=ProblemCode.ALLOCATION_MINIMUMS_ABOVE_BUDGET)
    if np.isfinite(hi).all() and hi.sum() < budget * (1 - 1e-9):
        raise InfeasibleError(tr(
            f"the maximums add up to {nfmt(hi.sum())}, {nfmt(budget - hi.sum())} below the budget "
            f"{nfmt(budget)}: the budget cannot be spent. Fix: raise the maximums or lower the "
            "budget.",
            f"tổng các mức tối đa là {nfmt(hi.sum())}, thấp hơn ngân sách {nfmt(budget)} "
            f"{nfmt(budget - hi.sum())}: không chi hết được ngân sách. Cách sửa: tăng các mức tối "
            "đa hoặc giảm ngân sách."), code=ProblemCode.ALLOCATION_MAXIMUMS_BELOW_BUDGET)


def _best_limit(term, lo: np.ndarray, hi: np.ndarray, budget: float, steps: int = 400
                ) -> tuple[np.ndarray, float]:
    """The allocation that maximises ``sum term(i, x_i)`` with ``lo <= x <= hi`` and
    ``sum x <= budget``, and that maximum.

    The terms are separable, so a dynamic programme over the budget left above the
    minimums (on a grid of ``steps``) is exact up to the grid; the best grid point is
    then polished by a local search that keeps it feasible.
    """
    n = len(lo)
    room = max(budget - float(lo.sum()), 0.0)
    grid = np.linspace(0.0, room, steps + 1)
    # value of channel i at lo_i + grid[k] (minus infinity beyond its maximum)
    vals = np.empty((n, steps + 1))
    for i in range(n):
        v = lo[i] + grid
        vals[i] = np.where(v <= hi[i] * (1 + 1e-12), term(i, np.minimum(v, hi[i])), -np.inf)
    best = vals[0].copy()
    choice = [np.arange(steps + 1)]
    for i in range(1, n):
        # new[k] = max over j <= k of best[k - j] + vals[i][j]
        ks = np.arange(steps + 1)
        j = ks[:, None] - ks[None, :]  # j = k - m, for m = budget used before
        ok = j >= 0
        cand = np.where(ok, best[None, :] + vals[i][np.clip(j, 0, steps)], -np.inf)
        arg = cand.argmax(axis=1)  # m
        best = cand[ks, arg]
        choice.append(arg)
    k = int(best.argmax())
    x = np.empty(n)
    for i in range(n - 1, 0, -1):
        m = int(choice[i][k])
        x[i] = lo[i] + grid[k - m]
        k = m
    x[0] = lo[0] + grid[k]
    x = np.minimum(x, hi)
    total = float(sum(term(i, np.array(x[i])) for i in range(n)))
    # polish: coordinate moves along the gradient sign keep the budget and the bounds
    step = room / steps if room > 0 else 0.0
    while step > room * 1e-9 and step > 0:
        improved = False
        for i in range(n):
            for d in (step, -step):
                y = x.copy()
                y[i] = min(max(y[i] + d, lo[i]), hi[i])
                if y.sum() > budget * (1 + 1e-12):
                    continue
                t = float(sum(term(q, np.array(y[q])) for q in range(n)))
                if t > total:
                    x, total, improved = y, t, True
        if not improved:
            step /= 2
    return x, total


def _total(curves: list[ResponseCurve], x: np.ndarray) -> float:
    return float(sum(c.predict(v) for c, v in zip(curves, x, strict=True)))


def _grad(curves: list[ResponseCurve], x: np.ndarray) -> np.ndarray:
    return np.array([float(c.marginal(v)) for c, v in zip(curves, x, strict=True)])


def _solve(curves: list[ResponseCurve], lo: np.ndarray, hi: np.ndarray, starts: list[np.ndarray],
           objective, jac, constraints) -> np.ndarray | None:
    """SLSQP from several starts on a well-scaled problem; the best feasible answer.

    Spend is scaled by the largest start, the objective by its size at the first
    start, and each constraint by its ``unit``, so that every quantity is of the
    order of one (outcomes in the hundreds of millions otherwise stall the line search).
    """
    from scipy.optimize import minimize

    scale = max(float(np.nanmax([s.max() for s in starts])), 1.0)
    first = np.clip(starts[0], lo, np.where(np.isfinite(hi), hi, np.inf))
    fs = max(abs(float(objective(first))), 1e-12)
    best, best_val = None, math.inf
    bnds = [(a / scale, (b / scale if np.isfinite(b) else None))
            for a, b in zip(lo, hi, strict=True)]
    cons = [{"type": c["type"],
             "fun": (lambda z, f=c["fun"], u=c["unit"]: f(z * scale) / u),
             "jac": (lambda z, g=c["jac"], u=c["unit"]: g(z * scale) * scale / u)}
            for c in constraints]
    for s0 in starts:
        z0 = np.clip(s0, lo, np.where(np.isfinite(hi), hi, np.inf)) / scale
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = minimize(lambda z: objective(z * scale) / fs, z0,
                           jac=lambda z: jac(z * scale) * scale / fs, bounds=bnds,
                           constraints=cons, method="SLSQP",
                           options={"ftol": 1e-15, "maxiter": 2000})
        x = np.clip(res.x * scale, lo, np.where(np.isfinite(hi), hi, np.inf))
        feasible = all((c["fun"](x) / c["unit"] >= -1e-7) if c["type"] == "ineq"
                       else abs(c["fun"](x) / c["unit"]) <= 1e-7 for c in constraints)
        if feasible and objective(x) < best_val:
            best, best_val = x, objective(x)
    return best


def allocate(
    curves: Mapping[str, ResponseCurve],
    *,
    budget: float | None = None,
    current: Mapping[str, float] | None = None,
    mode: str = "max-outcome",
    target: float | None = None,
    bounds: Mapping[str, Sequence[float]] | None = None,
    locked: Iterable[str] = (),
    value_per_outcome: float | None = None,
    max_multiple: float | None = 1.5,
) -> Allocation:
    """Allocate spend across channels under the fitted curves.

    Parameters
    ----------
    curves
        Channel -> curve (same outcome and period length for all).
    budget
        Total spend per period; default the current total. In ``min-budget``
        mode it is an upper limit (optional).
    current
        Current spend per period by channel (default: each curve's mean).
    mode
        ``max-outcome`` (most outcome for the budget), ``min-budget`` (least
        spend reaching ``target`` outcome), ``target-cpa`` (most outcome with
        spend / outcome at most ``target``) or ``target-roas`` (most outcome with
        revenue / spend at least ``target``).
    bounds
        Channel -> ``[min, max]`` spend per period (``None`` for no limit).
    locked
        Channels kept at their current spend.
    value_per_outcome
        Revenue per unit of outcome, for ``target-roas`` with a conversion curve.
    max_multiple
        Channels without an explicit maximum may not go above this multiple of the
        largest spend their curve was fitted on: a curve is not trusted far outside its
        data. ``None`` lifts the guard.

    Raises
    ------
    InfeasibleError
        When bounds, locks, budget and target cannot hold together (says which, by how much).
    """
    if mode not in MODES:
        raise ParameterError(tr(f"mode={mode!r}: choose from {', '.join(MODES)}.",
                                f"mode={mode!r}: chọn trong {', '.join(MODES)}."),
                             code=ProblemCode.PARAMETER_CHOICE)
    if not curves:
        raise ParameterError(tr("no curves to allocate over.",
                                "không có đường cong nào để phân bổ."),
                             code=ProblemCode.PARAMETER_MISSING)
    outcomes = {c.outcome for c in curves.values()}
    if len(outcomes) > 1:
        kinds = ", ".join(sorted(outcomes))
        raise ParameterError(tr(f"curves of different outcomes ({kinds}) cannot be added up. "
                                "Fix: fit them on one outcome.",
                                f"không cộng được các đường cong của những kết quả khác nhau "
                                f"({kinds}). Cách sửa: ước lượng chúng trên cùng một kết quả."),
                             code=ProblemCode.PARAMETER_CONFLICT)
    outcome = outcomes.pop()
    cur = {ch: float((current or {}).get(ch, c.current)) for ch, c in curves.items()}
    locked = list(locked)
    lo, hi, names = _bounds(curves, cur, bounds, locked)
    cs = [curves[n] for n in names]
    if max_multiple:
        for i, (n, c) in enumerate(zip(names, cs, strict=True)):
            if n not in (bounds or {}) and n not in locked and 0 < c.spend_max < math.inf:
                hi[i] = max(min(hi[i], max_multiple * c.spend_max), cur[n], lo[i])
    x0 = np.array([cur[n] for n in names])
    if mode in ("target-cpa", "target-roas", "min-budget") and (target is None or target <= 0):
        raise ParameterError(tr(f"mode {mode!r} needs a positive target.",
                                f"chế độ {mode!r} cần một chỉ tiêu dương."),
                             code=ProblemCode.PARAMETER_INVALID)
    value = 1.0
    if mode == "target-roas":
        if outcome != "revenue" and not value_per_outcome:
            raise ParameterError(tr("target-roas needs revenue curves, or value_per_outcome "
                                    "to turn conversions into revenue.",
                                    "target-roas cần đường cong doanh thu, hoặc "
                                    "value_per_outcome để đổi chuyển đổi thành doanh thu."),
                                 code=ProblemCode.PARAMETER_MISSING)
        value = value_per_outcome or 1.0
    total_budget = float(budget) if budget is not None else float(x0.sum())

    def neg_outcome(x: np.ndarray) -> float:
        return -_total(cs, x)

    def neg_grad(x: np.ndarray) -> np.ndarray:
        return -_grad(cs, x)

    starts = [x0 * total_budget / x0.sum() if x0.sum() > 0 else np.full(len(cs),
                                                                        total_budget / len(cs)),
              np.full(len(cs), total_budget / len(cs)), x0]
    binding: list[str] = []
    if mode == "max-outcome":
        _check_budget(total_budget, lo, hi, names, locked)
        cons = [{"type": "eq", "fun": lambda x: x.sum() - total_budget,
                 "jac": lambda x: np.ones_like(x), "unit": total_budget}]
        x = _solve(cs, lo, hi, starts, neg_outcome, neg_grad, cons)
        binding.append("total budget")
        # never worse than the current allocation when that one is feasible
        if abs(x0.sum() - total_budget) <= 1e-9 * total_budget and (lo <= x0).all() and (
                x0 <= hi).all() and (x is None or _total(cs, x0) > _total(cs, x)):
            x = x0
    elif mode == "min-budget":
        # without a maximum, look as far as ten times the data (or a hundred times today)
        wide = np.array([c.spend_max * 10 if 0 < c.spend_max < math.inf
                         else max(x0[i] * 100, 1.0) for i, c in enumerate(cs)])
        reach_hi = np.where(np.isfinite(hi), hi, wide)
        best = _total(cs, reach_hi)
        if best < target:
            raise InfeasibleError(tr(
                f"even at every channel's maximum ({nfmt(reach_hi.sum())} in all) the curves give "
                f"{nfmt(best)} {outcome}, below the target {nfmt(target)}. Fix: lower the target "
                "or raise the maximums.",
                f"ngay cả ở mức tối đa của mọi kênh (tổng {nfmt(reach_hi.sum())}) các đường cong "
                f"chỉ cho {nfmt(best)} {outcome}, dưới chỉ tiêu {nfmt(target)}. Cách sửa: giảm chỉ "
                "tiêu hoặc tăng các mức tối đa."), code=ProblemCode.ALLOCATION_TARGET_UNREACHABLE)
        cons = [{"type": "ineq", "fun": lambda x: _total(cs, x) - target,
                 "jac": lambda x: _grad(cs, x), "unit": float(target)}]
        if budget is not None:
            cons.append({"type": "ineq", "fun": lambda x: total_budget - x.sum(),
                         "jac": lambda x: -np.ones_like(x), "unit": total_budget})
        starts = [reach_hi.copy(), x0 * 1.5, x0]
        x = _solve(cs, lo, hi, starts, lambda x: float(x.sum()), lambda x: np.ones_like(x),
                   cons)
        if x is not None and budget is not None and x.sum() > total_budget * (1 + 1e-6):
            x = None
        if x is None:
            room = (tr(f"within the budget {nfmt(total_budget)} ",
                       f"trong ngân sách {nfmt(total_budget)} ") if budget is not None else "")
            raise InfeasibleError(tr(
                f"no allocation {room}reaches {nfmt(target)} {outcome}. Fix: raise the budget or "
                "the maximums.",
                f"không cách phân bổ nào {room}đạt {nfmt(target)} {outcome}. Cách sửa: tăng ngân "
                "sách hoặc các mức tối đa."), code=ProblemCode.ALLOCATION_TARGET_UNREACHABLE)
        binding.append(f"{outcome} >= target")
    else:
        _check_budget(total_budget, lo, np.full(len(cs), np.inf), names, locked)
        if mode == "target-cpa":
            def limit(x: np.ndarray) -> float:
                return target * _total(cs, x) - x.sum()  # spend <= cpa * outcome

            def limit_jac(x: np.ndarray) -> np.ndarray:
                return target * _grad(cs, x) - 1.0
        else:
            def limit(x: np.ndarray) -> float:
                return value * _total(cs, x) - target * x.sum()  # revenue >= roas * spend

            def limit_jac(x: np.ndarray) -> np.ndarray:
                return value * _grad(cs, x) - target
        # the limit is a sum of one term per channel (value x outcome - target x spend for
        # ROAS); the best any allocation can do is found channel by channel, coupled
        # only by the budget. Refuse only when even that best breaks the limit.
        if mode == "target-cpa":
            def term(i: int, v: np.ndarray) -> np.ndarray:
                return target * cs[i].predict(v) - v
        else:
            def term(i: int, v: np.ndarray) -> np.ndarray:
                return value * cs[i].predict(v) - target * v
        witness, best_limit = _best_limit(term, lo, hi, total_budget)
        unit = max(1.0, total_budget)
        if best_limit < -1e-9 * unit:
            kind = "CPA" if mode == "target-cpa" else "ROAS"
            got = _total(cs, witness)
            spent = float(witness.sum())
            if mode == "target-cpa":
                best_ratio = spent / got if got > 0 else math.inf
            else:
                best_ratio = value * got / spent if spent > 0 else 0.0
            raise InfeasibleError(tr(
                f"no allocation within the bounds and the budget {nfmt(total_budget)} meets the "
                f"{kind} limit {nfmt(target, 'g')}: even the most efficient one misses it "
                f"({kind} {nfmt(best_ratio, '.3g')} at {nfmt(float(witness.sum()))} spent). "
                "Fix: relax the target, lower the minimums, or raise the maximums of the most "
                "efficient channels.",
                f"không cách phân bổ nào trong giới hạn và ngân sách {nfmt(total_budget)} đạt "
                f"giới hạn {kind} {nfmt(target, 'g')}: ngay cả cách hiệu quả nhất cũng không đạt "
                f"({kind} {nfmt(best_ratio, '.3g')} với mức chi {nfmt(float(witness.sum()))}). "
                "Cách sửa: nới chỉ tiêu, giảm các mức tối thiểu, hoặc tăng mức tối đa của các "
                "kênh hiệu quả nhất."), code=ProblemCode.ALLOCATION_INFEASIBLE)
        cons = [{"type": "ineq", "fun": limit, "jac": limit_jac, "unit": total_budget},
                {"type": "ineq", "fun": lambda x: total_budget - x.sum(),
                 "jac": lambda x: -np.ones_like(x), "unit": total_budget}]
        starts = [witness, np.maximum(lo, x0 * 0.5), lo + 1e-6, np.maximum(lo, x0)]
        x = _solve(cs, lo, hi, starts, neg_outcome, neg_grad, cons)
        if x is None:
            x = witness  # feasible by construction: never fall back to a breaking answer
        if abs(limit(x)) <= 1e-6 * max(1.0, x.sum()):
            binding.append("CPA limit" if mode == "target-cpa" else "ROAS limit")
        if abs(x.sum() - total_budget) <= 1e-6 * total_budget:
            binding.append("total budget")
    if x is None:
        raise InfeasibleError(tr("the optimiser found no allocation that meets the "
                                 "constraints.",
                                 "bộ tối ưu không tìm được cách phân bổ thỏa các ràng buộc."),
                              code=ProblemCode.ALLOCATION_INFEASIBLE)
    return _result(mode, cs, names, x0, x, lo, hi, locked, total_budget, outcome, target,
                   binding)


def _result(mode: str, cs: list[ResponseCurve], names: list[str], x0: np.ndarray,
            x: np.ndarray, lo: np.ndarray, hi: np.ndarray, locked: list[str], budget: float,
            outcome: str, target: float | None, binding: list[str]) -> Allocation:
    rows = []
    marg = _grad(cs, x)
    for i, (c, n) in enumerate(zip(cs, names, strict=True)):
        tol = 1e-6 * max(1.0, x.max())
        at_min, at_max = x[i] <= lo[i] + tol, np.isfinite(hi[i]) and x[i] >= hi[i] - tol
        bind = "locked" if n in locked else ("min" if at_min and lo[i] > 0 else
                                               "max" if at_max else ("zero" if at_min else ""))
        change = x[i] - x0[i]
        reason = ""
        if len(names) == 1 and abs(change) <= 0.005 * max(x0[i], 1e-9):
            reason = tr("the only channel: there is nothing to reallocate",
                        "kênh duy nhất: không có gì để phân bổ lại")
        elif abs(change) <= 0.005 * max(x0[i], 1e-9):
            reason = {"locked": tr("locked at its current spend", "khóa ở mức chi hiện tại"),
                      "min": tr("held at its minimum", "giữ ở mức tối thiểu"),
                      "max": tr("held at its maximum", "giữ ở mức tối đa")}.get(
                bind, tr("its marginal return already matches the other channels'",
                         "lợi nhuận biên của kênh đã ngang các kênh khác"))
        elif bind:
            reason = {"min": tr("cut to its minimum: its marginal return is the lowest",
                                "giảm về mức tối thiểu: lợi nhuận biên thấp nhất"),
                      "max": tr("raised to its maximum: its marginal return stays the highest",
                                "tăng lên mức tối đa: lợi nhuận biên vẫn cao nhất"),
                      "zero": tr("cut to zero: its marginal return is below the others'",
                                 "giảm về 0: lợi nhuận biên thấp hơn các kênh khác")}.get(
                bind, "")
        rows.append({
            "channel": n, "current": x0[i], "recommended": x[i], "change": change,
            "change_pct": change / x0[i] if x0[i] else math.nan,
            "outcome_current": float(c.predict(x0[i])),
            "outcome_recommended": float(c.predict(x[i])),
            "marginal_current": float(c.marginal(x0[i])), "marginal": float(marg[i]),
            "min": lo[i], "max": hi[i], "binding": bind, "why": reason,
        })
        if bind in ("min", "max"):
            binding.append(f"{n} {bind}")
    table = pd.DataFrame(rows)
    table["impact"] = table["outcome_recommended"] - table["outcome_current"]
    table = table.sort_values("impact", key=np.abs, ascending=False).reset_index(drop=True)
    draws = [c.draws for c in cs]
    low = high = g_lo = g_hi = p_gain = math.nan
    if all(d is not None and len(d) for d in draws):
        m = min(len(d) for d in draws)
        # paired: both allocations under the same draw of every curve, so the spread of
        # the level (shared by both) does not hide or fake a gain
        sims = np.array([sum(float(c.predict(v, d[j])) for c, v, d in zip(cs, x, draws,
                                                                              strict=True))
                         for j in range(m)])
        base = np.array([sum(float(c.predict(v, d[j])) for c, v, d in zip(cs, x0, draws,
                                                                              strict=True))
                         for j in range(m)])
        low, high = np.quantile(sims, [0.05, 0.95])
        diff = sims - base
        g_lo, g_hi = (float(q) for q in np.quantile(diff, [0.05, 0.95]))
        p_gain = float(np.mean(diff > 0))
    failed = tuple(n for c, n in zip(cs, names, strict=True) if c.holdout_ok is False)
    return Allocation(mode, table, budget, outcome, _total(cs, x0), _total(cs, x), float(low),
                      float(high), tuple(binding), target, gain_low=g_lo, gain_high=g_hi,
                      prob_gain=p_gain, failed_holdout=failed)


# -------------------------------------------------------------- recommendations

_REC = {
    "en": {
        "more": "Raise {ch} by {pct} ({amt} a period): each extra {unit} of spend there returns "
                "{m} {out}, against {avg} in the channels that give budget up; expected {imp} "
                "{out}.",
        "less": "Cut {ch} by {pct} ({amt} a period): its last {unit} of spend returns only {m} "
                "{out}; expected {imp} {out}.",
        "hold": "Keep {ch} as it is: {why}.",
        "total": "In all: {out} from {a} to {b} ({lift}; 90% interval {lo} to {hi}) for "
                 "{spend} spent a period, against {spend0} now.",
        "gain": "Gain of the recommendation, paired on the same curve draws: {g} (90% interval "
                "{glo} to {ghi}); {p} of the draws gain.",
        "keep": "Keep the current mix: the fit does not support moving budget ({why}). Test "
                "{ch} first (e.g. {pct} for a few weeks against a hold-out period) and refit.",
        "why_p": "only {p} of the paired draws gain, below 80%",
        "why_i": "the 90% interval of the gain, {glo} to {ghi}, includes zero",
        "why_h": "the curves of {chs} fail their time-ordered holdout",
        "single": "{ch} is the only channel: there is nothing to reallocate. Use its budget "
                  "curve instead: at {s0} a period it returns {m} {out} per extra {unit}; "
                  "{s_lo} gives {o_lo} and {s_hi} gives {o_hi} {out} (now {o0}).",
        "diagnosis": "Why act: {line}",
    },
    "vi": {
        "more": "Tăng {ch} thêm {pct} ({amt} mỗi kỳ): mỗi {unit} chi thêm ở đây mang lại {m} "
                "{out}, so với {avg} ở các kênh bị cắt giảm; dự kiến {imp} {out}.",
        "less": "Giảm {ch} {pct} ({amt} mỗi kỳ): {unit} chi cuối cùng chỉ mang lại {m} {out}; "
                "dự kiến {imp} {out}.",
        "hold": "Giữ nguyên {ch}: {why}.",
        "total": "Tổng cộng: {out} từ {a} lên {b} ({lift}; khoảng 90% {lo} đến {hi}) với "
                 "{spend} chi mỗi kỳ, so với {spend0} hiện nay.",
        "gain": "Mức tăng của đề xuất, so cặp trên cùng các lần lấy mẫu đường cong: {g} (khoảng "
                "90% từ {glo} đến {ghi}); {p} số lần lấy mẫu cho kết quả tăng.",
        "keep": "Giữ nguyên cơ cấu hiện tại: mô hình chưa đủ cơ sở để chuyển ngân sách ({why}). "
                "Hãy thử nghiệm {ch} trước (ví dụ {pct} trong vài tuần, so với một giai đoạn "
                "đối chứng) rồi ước lượng lại.",
        "why_p": "chỉ {p} số lần lấy mẫu theo cặp cho kết quả tăng, dưới 80%",
        "why_i": "khoảng 90% của mức tăng, từ {glo} đến {ghi}, chứa số 0",
        "why_h": "đường cong của {chs} không qua kiểm tra giữ lại theo thời gian",
        "single": "{ch} là kênh duy nhất: không có gì để phân bổ lại. Hãy dùng đường cong ngân "
                  "sách của kênh: ở mức {s0} mỗi kỳ, mỗi {unit} chi thêm mang lại {m} {out}; "
                  "{s_lo} cho {o_lo} và {s_hi} cho {o_hi} {out} (hiện nay {o0}).",
        "diagnosis": "Vì sao cần điều chỉnh: {line}",
    },
}


def recommendations(a: Allocation, *, evaluation: object = None, lang: str | None = None,
                    currency: str | None = None, curves: Mapping[str, ResponseCurve] | None = None
                    ) -> list[str]:
    """Plain-language actions ordered by expected impact, after the evaluation's diagnosis.

    With an evaluation, its off-track and missed KPIs (and their drivers) come first.
    Every amount of money carries ``currency``. When the paired gain is not supported
    (probability under 80%, interval including zero, or a curve failing its holdout)
    the advice is to keep the mix and test first; with one channel, its budget curve
    (pass ``curves`` for the outcome at other spends).
    """
    lang = resolve_lang(lang)
    from .catalog import MEASURES
    from .format import format_change, format_money, format_number

    t = _REC["vi" if lang == "vi" else "en"]
    lines = []
    if evaluation is not None:
        rows = evaluation.totals()
        for r, line in zip(rows.itertuples(), evaluation.summary, strict=True):
            if r.status in ("off track", "missed", "at risk"):
                lines.append(t["diagnosis"].format(line=line))
    out_word = MEASURES[a.outcome].label(lang).lower() if a.outcome in MEASURES else a.outcome
    money_out = a.outcome in MEASURES and MEASURES[a.outcome].money
    unit = currency or ("đồng" if lang == "vi" else "unit")
    others = a.table["marginal_current"].mean()

    def amount(v: float) -> str:
        """An outcome amount: money (with its currency) for revenue, a count otherwise."""
        return format_money(v, currency, lang) if money_out else format_number(v, 0, lang)

    def signed(v: float) -> str:
        return ("+" if v >= 0 else "-") + amount(abs(v))

    verdict = a.verdict
    if verdict == "single":
        r = a.table.iloc[0]
        c = (curves or {}).get(r.channel)
        s0 = float(r.current)
        o0 = float(r.outcome_current)
        s_lo, s_hi = 0.8 * s0, 1.2 * s0
        o_lo = float(c.predict(s_lo)) if c is not None else math.nan
        o_hi = float(c.predict(s_hi)) if c is not None else math.nan
        lines.append(t["single"].format(
            ch=r.channel, s0=format_money(s0, currency, lang), unit=unit,
            m=format_number(r.marginal_current, 2, lang), out=out_word,
            s_lo=format_money(s_lo, currency, lang), s_hi=format_money(s_hi, currency, lang),
            o_lo=amount(o_lo), o_hi=amount(o_hi), o0=amount(o0)))
        return lines
    if verdict == "keep":
        why = []
        if a.failed_holdout:
            why.append(t["why_h"].format(chs=", ".join(a.failed_holdout)))
        if a.prob_gain == a.prob_gain and a.prob_gain < 0.8:
            why.append(t["why_p"].format(p=format_change(a.prob_gain, lang, 0).lstrip("+")))
        if a.gain_low == a.gain_low and a.gain_low <= 0 <= a.gain_high:
            why.append(t["why_i"].format(glo=signed(a.gain_low), ghi=signed(a.gain_high)))
        big = a.table.iloc[0]  # sorted by impact
        step = 0.2 if big.change > 0 else -0.2
        lines.append(t["keep"].format(why="; ".join(why), ch=big.channel,
                                      pct=format_change(step, lang, 0)))
    for r in a.table.itertuples():
        if verdict == "keep":
            break
        money = format_money(abs(r.change), currency, lang)
        m = format_number(r.marginal_current, 2, lang)
        if abs(r.change) <= 0.005 * max(r.current, 1e-9):
            lines.append(t["hold"].format(ch=r.channel, why=r.why))
        elif r.change > 0:
            cut = a.table.loc[a.table["change"] < 0, "marginal_current"]
            rest = cut.mean() if len(cut) else math.nan
            lines.append(t["more"].format(ch=r.channel, pct=format_change(r.change_pct, lang),
                                          amt=money, unit=unit,
                                          m=format_number(r.marginal_current, 2, lang),
                                          avg=format_number(rest if rest == rest else others, 2,
                                                            lang),
                                          out=out_word, imp=signed(r.impact)))
        else:
            lines.append(t["less"].format(ch=r.channel, pct=format_change(r.change_pct, lang),
                                          amt=money, unit=unit, m=m, out=out_word,
                                          imp=signed(r.impact)))
    if a.prob_gain == a.prob_gain and verdict != "no change":
        lines.append(t["gain"].format(g=signed(a.gain), glo=signed(a.gain_low),
                                      ghi=signed(a.gain_high),
                                      p=format_change(a.prob_gain, lang, 0).lstrip("+")))
    lines.append(t["total"].format(
        out=out_word, a=amount(a.outcome_current), b=amount(a.outcome_recommended),
        lift=format_change(a.lift, lang), lo=amount(a.outcome_low), hi=amount(a.outcome_high),
        spend=format_money(a.spend_recommended, currency, lang),
        spend0=format_money(a.spend_current, currency, lang)))
    return lines
