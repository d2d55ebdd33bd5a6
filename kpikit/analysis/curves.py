"""Response curves: outcome per period as a function of spend, per channel.

Curves are fitted per channel (outcome attributed to each channel) or jointly
(one total outcome explained by every channel's spend plus a baseline), in a
Hill or a logarithmic form, optionally after geometric adstock, chosen by the
lowest AIC. A curve the data cannot identify (too few points, spend that hardly
varies) is refused with the reason instead of returned with false confidence.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpikit.analysis.stats import aic as akaike
from kpikit.analysis.stats import holdout
from kpikit.errors import KpikitError, KpikitWarning, ParameterError, ProblemCode
from kpikit.i18n.lang import nfmt, tr
from kpikit.metrics.periods import has_period_rows, spread_periods
from kpikit.plans import scope_data

__all__ = [
    "FORMS",
    "CurveError",
    "ResponseCurve",
    "adstock",
    "fit_curve",
    "fit_curves",
    "fit_joint",
]

FORMS = ("hill", "log")


class CurveError(KpikitError):
    """The data cannot identify a response curve."""


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
        raise CurveError(tr("{channel}: only {n} periods of data; a response curve needs at least "
                            "{min_points}. Fix: use a longer history or daily data (freq='D').",
                            channel=channel, n=n, min_points=min_points),
                         code=ProblemCode.CURVE_TOO_FEW_POINTS)
    if not (x > 0).any():
        raise CurveError(tr("{channel}: no spend in the data. Fix: drop the channel.",
                            channel=channel),
                         code=ProblemCode.CURVE_NO_SPEND)
    cv = float(np.std(x) / np.mean(x)) if np.mean(x) > 0 else 0.0
    if cv < min_cv:
        raise CurveError(tr("{channel}: spend hardly varies (coefficient of variation {cv}, below "
                            "{min_cv}), so the data cannot tell a saturating curve from a straight "
                            "line. Fix: test budgets that differ (e.g. +-30% for a few weeks), or "
                            "fix this channel's spend as locked.", channel=channel,
                            cv=nfmt(cv, '.0%'),
                            min_cv=nfmt(min_cv, '.0%')), code=ProblemCode.CURVE_FLAT_SPEND)


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
            raise ParameterError(tr("form {form!r}: choose from {FORMS}.", form=form,
                                    FORMS=', '.join(FORMS)),
                                 code=ProblemCode.PARAMETER_CHOICE)
    best = None
    for decay in adstock_decays:
        xa = adstock(x, decay) if decay else x
        for form in forms:
            params, sse = _fit_form(form, xa, y, base=False)
            aic = akaike(sse, len(y), _F[form][2] + (1 if decay else 0))
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

    ho, ho_naive, ho_n = holdout(y, predict_after, max(min_points, 6))
    curve = ResponseCurve(channel, form, tuple(float(p) for p in params), float(decay),
                          outcome_name, freq, len(y), float(r2), mape, float(aic),
                          float(x.min()), float(x.max()), float(x.mean()), draws,
                          holdout_mape=ho, holdout_naive=ho_naive, holdout_n=ho_n)
    return _with_notes(curve)


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
        notes.append(tr("{channel}: saturation lies beyond the spend observed (half-effect at "
                        "{half} vs at most {spend_max}); the curve is extrapolated there.",
                        channel=c.channel, half=nfmt(half), spend_max=nfmt(c.spend_max)))
    if c.draws is not None and len(c.draws):
        lo, hi = c.band(np.array([c.current]))
        mid = float(c.predict(c.current))
        if mid > 0 and (hi[0] - lo[0]) / mid > 0.5:
            notes.append(tr("{channel}: the outcome at current spend is uncertain (90% band {lo} "
                            "to {hi} around {mid}).", channel=c.channel, lo=nfmt(lo[0]),
                            hi=nfmt(hi[0]), mid=nfmt(mid)))
    if c.holdout_ok is False:
        notes.append(tr("{channel}: the curve fails its time-ordered holdout (forecast error "
                        "{holdout_mape} against {holdout_naive} for the plain average); do not "
                        "move budget on it alone.", channel=c.channel,
                        holdout_mape=nfmt(c.holdout_mape, '.0%'),
                        holdout_naive=nfmt(c.holdout_naive, '.0%')))
    if c.r2 == c.r2 and c.r2 < 0.3:
        notes.append(tr("{channel}: the curve explains little of the variation (R² {r2}).",
                        channel=c.channel, r2=nfmt(c.r2, '.2f')))
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
    if outcome not in data or "spend" not in data:
        raise ParameterError(tr("the table needs 'spend' and {outcome!r} per channel to fit "
                                "response curves. Fix: choose outcome='conversions' or 'revenue', "
                                "or use fit_joint for a total outcome.",
                                outcome=outcome), code=ProblemCode.COLUMN_MISSING)
    if freq not in ("D", "W"):
        raise ParameterError(tr("freq={freq!r}: choose D or W.", freq=freq),
                             code=ProblemCode.PARAMETER_CHOICE)
    if has_period_rows(data) and freq == "D":
        # days spread from a week's row are not separate observations: fit per week
        warnings.warn(tr("the table has rows covering several days; curves are fitted per week "
                         "(freq='W'), not per spread day."), KpikitWarning,
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
        raise CurveError(tr("no channel has data that identifies a curve: {why}", why=why),
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

    ho, ho_naive, ho_n = holdout(y, predict_after, 8 + 3 * len(channels))
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
    aic = akaike(sse, len(y), 1 + nz + k * len(channels) + (1 if decay else 0))
    if best is None or aic < best[0]:
        return (aic, form, sol.x, sse, resid, (lo, hi), decay, Xa)
    return best
