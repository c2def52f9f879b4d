#!/usr/bin/env python3
"""Reference numbers from the Python peer library `lifetimes` (0.11.3) and SciPy.

This script produces golden values that `retain` (the Rust crate in this repository) is
checked against. It prints one JSON document on stdout; every float is printed with
Python's repr (shortest round-trip form, i.e. full double precision). Non-finite values
are written as the strings "NaN", "Infinity" and "-Infinity" so the output stays valid JSON.

Setup (Python 3.11; lifetimes 0.11.3 only imports with a newer autograd):

    python3.11 -m venv /tmp/peervenv
    /tmp/peervenv/bin/pip install lifetimes 'autograd>=1.6' scipy pandas numpy
    /tmp/peervenv/bin/pip install mpmath      # optional: adds 50-digit cross-check columns
    /tmp/peervenv/bin/python bench/peer_reference.py            # from the project root

Versions used for the numbers recorded with this script: lifetimes 0.11.3, autograd 1.9.1,
numpy 2.4.6, pandas 3.1.1, scipy 1.17.1, mpmath 1.4.1 (printed in the "versions" key).

Options / environment:
    RETAIN_DATA_DIR     directory holding cdnow_customers_summary_with_transactions.csv
                        (default: ../shared/data beside the project root, then
                        /work/shared/data)
    --skip-large        skip the 1,000,000-customer BG/NBD timing (data generation with
                        lifetimes' pure-Python generator alone takes ~1.5 minutes)

Notes on what is computed:
* lifetimes fits on time rescaled so that max(T) == 1 and stores the *mean* per-customer
  negative log-likelihood on that scale. The "log_likelihood" values below are instead the
  TOTAL log-likelihood on the original (weeks) scale, evaluated here with independent
  implementations of each model's likelihood formula at the fitted parameters. As
  cross-checks, lifetimes' own stored value converted back
  (-n * nll_mean + sum(x) * log(scale), the Jacobian of the time rescaling) is reported too.
* ParetoNBDFitter.fit starts Nelder-Mead from a random point (np.random.normal(1, 0.05));
  the global NumPy seed is fixed before every fit so the run is reproducible.
"""

import json
import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

try:  # optional: high-precision cross-checks (pip install mpmath)
    import mpmath
except ImportError:  # pragma: no cover
    mpmath = None

import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.generate_data import beta_geometric_nbd_model

SEED = 20240601
CSV_NAME = "cdnow_customers_summary_with_transactions.csv"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def clean(obj):
    """Recursively convert numpy / pandas scalars to plain Python values for json."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, (pd.Series, np.ndarray)):
        return [clean(v) for v in np.asarray(obj).tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    return obj


def scalar(v):
    """lifetimes returns 0-d / 1-element arrays for scalar inputs; unwrap them."""
    a = np.asarray(v, dtype=float).ravel()
    assert a.size == 1, a
    return float(a[0])


def find_csv():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if os.environ.get("RETAIN_DATA_DIR"):
        candidates.append(os.environ["RETAIN_DATA_DIR"])
    candidates += [
        os.path.join(here, "..", "..", "shared", "data"),
        "/work/shared/data",
    ]
    for d in candidates:
        p = os.path.join(d, CSV_NAME)
        if os.path.exists(p):
            return os.path.abspath(p)
    raise SystemExit("cannot find %s (set RETAIN_DATA_DIR)" % CSV_NAME)


def median_time(fn, runs=5):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), ts


def with_params(cls, names, values):
    """A lifetimes fitter instance carrying the given params (no fit)."""
    m = cls()
    m.params_ = pd.Series([float(v) for v in values], index=names)
    return m


# --------------------------------------------------------------------------------------
# independent log-likelihood implementations (original time scale, per customer)
# --------------------------------------------------------------------------------------
def ll_bgnbd(r, alpha, a, b, x, tx, T):
    """Fader, Hardie & Lee (2005a) eq. (6)."""
    x = np.asarray(x, dtype=float)
    base = (
        gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        + betaln(a, b + x) - betaln(a, b)
        - (r + x) * np.log(alpha + T)
    )
    with np.errstate(divide="ignore"):
        # log of  (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x))^(r + x), only for x > 0
        log_second = np.where(
            x > 0,
            np.log(a) - np.log(b + np.maximum(x, 1) - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)),
            -np.inf,
        )
    return base + np.logaddexp(0.0, log_second)


def ll_mbgnbd(r, alpha, a, b, x, tx, T):
    """Batislam, Denizel & Filiztekin (2007) MBG/NBD likelihood."""
    x = np.asarray(x, dtype=float)
    base = (
        gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        + betaln(a, b + x + 1) - betaln(a, b)
        - (r + x) * np.log(alpha + T)
    )
    log_second = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return base + np.logaddexp(0.0, log_second)


def ll_paretonbd(r, alpha, s, beta, x, tx, T):
    """Schmittlein, Morrison & Colombo (1987); Fader & Hardie note 009 eq. (18)-(20)."""
    x = np.asarray(x, dtype=float)
    tx = np.asarray(tx, dtype=float)
    T = np.asarray(T, dtype=float)
    rsx = r + s + x
    if alpha >= beta:
        big, b2 = alpha, s + 1.0
    else:
        big, b2 = beta, r + x
    diff = abs(alpha - beta)
    z1 = diff / (big + tx)
    z2 = diff / (big + T)
    # A0 = F(z1)/(big+tx)^rsx - F(z2)/(big+T)^rsx  (>= 0)
    l1 = np.log(hyp2f1(rsx, b2, rsx + 1.0, z1)) - rsx * np.log(big + tx)
    l2 = np.log(hyp2f1(rsx, b2, rsx + 1.0, z2)) - rsx * np.log(big + T)
    with np.errstate(divide="ignore"):
        log_A0 = l1 + np.log1p(-np.exp(l2 - l1))
    term1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    term2 = np.log(s) - np.log(rsx) + log_A0
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.logaddexp(term1, term2)


def ll_gammagamma(p, q, v, x, m):
    """Fader, Hardie & Lee (2005b) / Hardie note 025: density of the mean spend zbar."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    px = p * x
    return (
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
        + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(x * m + v)
    )


def pareto_mp(r, alpha, s, beta, xs, txs, Ts, t):
    """Pareto/NBD P(alive), E[X(t)|x,t_x,T] and log L at 50 digits with mpmath (None if absent)."""
    if mpmath is None:
        return None
    mp = mpmath
    res = {"p_alive": [], "cond_exp": [], "log_likelihood": []}
    with mp.workdps(50):
        r, alpha, s, beta, t = (mp.mpf(float(v)) for v in (r, alpha, s, beta, t))
        for x, tx, T in zip(xs, txs, Ts):
            x, tx, T = mp.mpf(float(x)), mp.mpf(float(tx)), mp.mpf(float(T))
            rsx = r + s + x
            if alpha >= beta:
                big, b2 = alpha, s + 1
            else:
                big, b2 = beta, r + x
            d = abs(alpha - beta)
            A0 = (mp.hyp2f1(rsx, b2, rsx + 1, d / (big + tx)) / (big + tx) ** rsx
                  - mp.hyp2f1(rsx, b2, rsx + 1, d / (big + T)) / (big + T) ** rsx)
            c = mp.gamma(r + x) * alpha ** r * beta ** s / mp.gamma(r)
            live = 1 / ((alpha + T) ** (r + x) * (beta + T) ** s)
            L = c * (live + s / rsx * A0)
            res["log_likelihood"].append(float(mp.log(L)))
            res["p_alive"].append(float(c * live / L))
            ce = (c * live * (r + x) * (beta + T) / ((alpha + T) * (s - 1))
                  * (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / L)
            res["cond_exp"].append(float(ce))
    return res


# --------------------------------------------------------------------------------------
def main():
    skip_large = "--skip-large" in sys.argv[1:]
    caught = []
    warnings.simplefilter("always")
    showwarning_orig = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None):
        caught.append("%s: %s (%s:%d)" % (category.__name__, message, os.path.basename(filename), lineno))

    warnings.showwarning = record

    csv_path = find_csv()
    df = pd.read_csv(csv_path)
    x = df["x"]
    tx = df["t_x"]
    T = df["T"]  # NB: df.T would be the transpose
    zbar = df["zbar"]
    n = len(df)
    rep = df[df["x"] > 0]
    out = {
        "versions": {
            "python": sys.version.split()[0],
            "lifetimes": lifetimes.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
            "mpmath": getattr(mpmath, "__version__", None),
        },
        "data": {
            "csv": os.path.basename(csv_path),
            "n_customers": n,
            "n_repeat_buyers": int(len(rep)),
            "sum_x": int(x.sum()),
            "max_T": float(T.max()),
        },
        "seed": SEED,
    }

    # ------------------------------------------------------------------ 1. fits
    np.random.seed(SEED)
    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(x, tx, T)
    np.random.seed(SEED)
    pnf = ParetoNBDFitter(penalizer_coef=0.0).fit(x, tx, T)
    np.random.seed(SEED)
    mbgf = ModifiedBetaGeoFitter(penalizer_coef=0.0).fit(x, tx, T)
    np.random.seed(SEED)
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(rep["x"], rep["zbar"])

    # lifetimes' Pareto/NBD fit stops at Nelder-Mead tol=1e-4; polish with our own likelihood
    # (log-parameters, tight Nelder-Mead) to give the implementer the converged MLE as well.
    def pareto_nll(lp):
        return -float(ll_paretonbd(*np.exp(lp), x.values, tx.values, T.values).sum())

    lp0 = np.log(pnf.params_[["r", "alpha", "s", "beta"]].values.astype(float))
    pol = minimize(pareto_nll, lp0, method="Nelder-Mead",
                   options={"xatol": 1e-11, "fatol": 1e-11, "maxiter": 40000, "maxfev": 80000})
    pol = minimize(pareto_nll, pol.x, method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 40000, "maxfev": 80000})
    pareto_polished = {
        "params": dict(zip(["r", "alpha", "s", "beta"], np.exp(pol.x).tolist())),
        "log_likelihood": -float(pol.fun),
        "how": "scipy Nelder-Mead on log-params with this script's own Pareto/NBD LL, started at lifetimes' fit, run twice",
    }

    def jac_adjusted(model):
        # stored mean NLL on rescaled time -> total LL on original scale
        return -n * float(model._negative_log_likelihood_) + float(x.sum()) * math.log(model._scale)

    r, al, a, b = (float(v) for v in bgf.params_[["r", "alpha", "a", "b"]])
    mr, mal, ma, mb = (float(v) for v in mbgf.params_[["r", "alpha", "a", "b"]])
    pr, pal, ps, pbe = (float(v) for v in pnf.params_[["r", "alpha", "s", "beta"]])
    gp, gq, gv = (float(v) for v in ggf.params_[["p", "q", "v"]])

    out["fits"] = {
        "bgnbd": {
            "params": {"r": r, "alpha": al, "a": a, "b": b},
            "log_likelihood": float(ll_bgnbd(r, al, a, b, x, tx, T).sum()),
            "log_likelihood_from_lifetimes_stored_nll": jac_adjusted(bgf),
            "lifetimes_stored_mean_nll_rescaled": float(bgf._negative_log_likelihood_),
            "time_scale": float(bgf._scale),
        },
        "paretonbd": {
            "params": {"r": pr, "alpha": pal, "s": ps, "beta": pbe},
            "log_likelihood": float(ll_paretonbd(pr, pal, ps, pbe, x, tx, T).sum()),
            "log_likelihood_lifetimes_formula_original_scale": float(
                ParetoNBDFitter._conditional_log_likelihood([pr, pal, ps, pbe], x.values, tx.values, T.values).sum()
            ),
            # ParetoNBDFitter divides the weighted sum by weights.mean() (== 1), so its stored value
            # is the TOTAL negative LL on the rescaled time axis, not a per-customer mean.
            "log_likelihood_from_lifetimes_stored_nll": -float(pnf._negative_log_likelihood_)
            + float(x.sum()) * math.log(pnf._scale),
            "lifetimes_stored_total_nll_rescaled": float(pnf._negative_log_likelihood_),
            "fit_note": "Nelder-Mead, tol=1e-4, iterative_fitting=1, random start seeded with SEED",
            "polished_mle": pareto_polished,
        },
        "mbgnbd": {
            "params": {"r": mr, "alpha": mal, "a": ma, "b": mb},
            "log_likelihood": float(ll_mbgnbd(mr, mal, ma, mb, x, tx, T).sum()),
            "log_likelihood_from_lifetimes_stored_nll": jac_adjusted(mbgf),
            "lifetimes_stored_mean_nll_rescaled": float(mbgf._negative_log_likelihood_),
        },
        "gammagamma": {
            "params": {"p": gp, "q": gq, "gamma": gv},
            "n": int(len(rep)),
            "log_likelihood": float(ll_gammagamma(gp, gq, gv, rep["x"], rep["zbar"]).sum()),
            "log_likelihood_from_lifetimes_stored_nll": -len(rep) * float(ggf._negative_log_likelihood_),
            "note": "lifetimes calls the third parameter 'v'; no time rescaling for this model",
        },
    }

    customers = [(2, 30.43, 38.86), (0, 0.0, 38.86), (10, 35.0, 38.86), (1, 1.71, 38.86), (25, 38.0, 38.86)]
    ts_cond = [39.0, 52.0]

    def per_customer(model, extra=()):
        rows = []
        for (cx, ctx, cT) in list(customers) + list(extra):
            row = {"x": cx, "t_x": ctx, "T": cT, "p_alive": scalar(model.conditional_probability_alive(cx, ctx, cT))}
            for t in ts_cond:
                row["cond_exp_t%g" % t] = scalar(
                    model.conditional_expected_number_of_purchases_up_to_time(t, cx, ctx, cT)
                )
            rows.append(row)
        return rows

    ts_uncond = [1.0, 3.0, 39.0, 78.0]

    # ------------------------------------------------------------------ 2. BG/NBD
    bg_paper = with_params(BetaGeoFitter, ["r", "alpha", "a", "b"], [0.243, 4.414, 0.793, 2.426])
    out["bgnbd_predictions"] = {
        "fitted_params": {
            "customers": per_customer(bgf),
            "unconditional": {"%g" % t: scalar(bgf.expected_number_of_purchases_up_to_time(t)) for t in ts_uncond},
        },
        "paper_params": {
            "params": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
            "customers": per_customer(bg_paper),
            "unconditional": {
                "%g" % t: scalar(bg_paper.expected_number_of_purchases_up_to_time(t)) for t in ts_uncond
            },
        },
    }

    # ------------------------------------------------------------------ 3. MBG/NBD
    out["mbgnbd_predictions"] = {
        "fitted_params": {
            "customers": per_customer(mbgf),
            "unconditional": {"%g" % t: scalar(mbgf.expected_number_of_purchases_up_to_time(t)) for t in ts_uncond},
        }
    }

    # ------------------------------------------------------------------ 4. Pareto/NBD
    pn_rows = per_customer(pnf, extra=[(26, 30.86, 31.0)])
    stress = with_params(ParetoNBDFitter, ["r", "alpha", "s", "beta"], [0.5143, 2.8845, 0.2856, 14.1087])
    sx = np.array([221, 254, 161, 204], dtype=float)
    stx = np.array([103.43, 97.14, 94.71, 98.57])
    sT = np.array([103.57, 97.29, 98.00, 99.43])
    with np.errstate(all="ignore"):
        s_palive = np.asarray(stress.conditional_probability_alive(sx, stx, sT), dtype=float)
        s_ce = np.asarray(stress.conditional_expected_number_of_purchases_up_to_time(52.0, sx, stx, sT), dtype=float)
        s_ll_lifetimes = np.asarray(
            ParetoNBDFitter._conditional_log_likelihood([0.5143, 2.8845, 0.2856, 14.1087], sx, stx, sT), dtype=float
        )
        s_ll_own = np.asarray(ll_paretonbd(0.5143, 2.8845, 0.2856, 14.1087, sx, stx, sT), dtype=float)
    out["paretonbd_predictions"] = {
        "fitted_params": {
            "customers": pn_rows,
            "unconditional": {"%g" % t: scalar(pnf.expected_number_of_purchases_up_to_time(t)) for t in ts_uncond},
        },
        "clvtools_stress_case": {
            "params": {"r": 0.5143, "alpha": 2.8845, "s": 0.2856, "beta": 14.1087},
            "x": sx, "t_x": stx, "T": sT,
            "p_alive": s_palive,
            "cond_exp_t52": s_ce,
            "log_likelihood_per_customer_lifetimes": s_ll_lifetimes,
            "log_likelihood_per_customer_own_formula": s_ll_own,
            "all_finite_in_lifetimes": bool(np.all(np.isfinite(s_palive)) and np.all(np.isfinite(s_ce))),
            "mpmath_50digits": pareto_mp(0.5143, 2.8845, 0.2856, 14.1087, sx, stx, sT, 52.0),
        },
    }

    # ------------------------------------------------------------------ 5. Gamma-Gamma
    gg_cases = [(2, 22.35), (1, 11.77), (0, 0.0), (10, 50.0)]
    out["gammagamma_conditional_expected_average_profit"] = [
        {"x": gx, "zbar": gz, "value": scalar(ggf.conditional_expected_average_profit(gx, gz))} for gx, gz in gg_cases
    ]
    out["gammagamma_population_mean_spend"] = gv * gp / (gq - 1.0)

    # ------------------------------------------------------------------ 6. CLV
    clv = ggf.customer_lifetime_value(bgf, x, tx, T, zbar, time=12, discount_rate=0.01, freq="W")
    factor = 4.345
    c1 = df.iloc[0]
    incr = []
    for i in np.arange(1, 13) * factor:
        e_i = scalar(bgf.predict(i, int(c1["x"]), float(c1["t_x"]), float(c1["T"])))
        e_prev = scalar(bgf.predict(i - factor, int(c1["x"]), float(c1["t_x"]), float(c1["T"])))
        incr.append({"t_weeks": float(i), "cum_expected": e_i, "increment": e_i - e_prev,
                     "discount": 1.0 / (1.01) ** (i / factor)})
    m1 = scalar(ggf.conditional_expected_average_profit(int(c1["x"]), float(c1["zbar"])))
    out["clv_12_months"] = {
        "call": "GammaGammaFitter.customer_lifetime_value(bgf, x, t_x, T, zbar, time=12, discount_rate=0.01, freq='W')",
        "month_weeks": factor,
        "first_5": [{"ID": int(df["ID"].iloc[k]), "clv": float(clv.iloc[k])} for k in range(5)],
        "sum_all": float(clv.sum()),
        "n": int(len(clv)),
        "sum_customers_x_gt_0": float(clv[df["x"] > 0].sum()),
        "sum_customers_x_eq_0": float(clv[df["x"] == 0].sum()),
        "customer_1": {
            "x": int(c1["x"]), "t_x": float(c1["t_x"]), "T": float(c1["T"]), "zbar": float(c1["zbar"]),
            "gg_adjusted_monetary_value": m1,
            "monthly": incr,
            "clv_recomputed": m1 * sum(d["increment"] * d["discount"] for d in incr),
        },
        "note": (
            "customer_lifetime_value replaces the monetary value by GG conditional_expected_average_profit; "
            "for x=0 that is the population mean regardless of the zbar=0 given in the file. Month i uses "
            "E[X(4.345 i)] - E[X(4.345 (i-1))] discounted by 1.01^i, i = 1..12; no margin applied."
        ),
    }

    # ------------------------------------------------------------------ 7. hyp2f1 goldens
    grid = [
        (1.0, 1.0, 2.0, 0.5),
        (0.5, 1.5, 2.5, 0.9),
        (2.2426, 2.4259, 2.2188, 0.5),
        (24.3, 2.2, 27.1, 0.3),
        (0.2426 + 10, 2.4259 + 10, 0.7929 + 2.4259 + 10 - 1, 0.95),
        (3.0, 4.0, 2.0, 0.99),
        (0.7, 0.3, 1.5, 0.999),
        (30.0, 31.0, 25.0, 0.6),
    ]
    def mp_h(*args):
        if mpmath is None:
            return None
        with mpmath.workdps(50):
            return float(mpmath.hyp2f1(*[mpmath.mpf(float(u)) for u in args]))

    h_grid = [{"a": ga, "b": gb, "c": gc, "z": gz, "value": float(hyp2f1(ga, gb, gc, gz)),
               "mpmath_50digits": mp_h(ga, gb, gc, gz)} for ga, gb, gc, gz in grid]
    h_pareto = []
    rr, ss = 0.5533, 0.6062
    for xx in (0, 1, 5, 50):
        for zz in (0.05, 0.5, 0.9, 0.99):
            aa, bb, cc = rr + ss + xx, ss + 1.0, rr + ss + xx + 1.0
            h_pareto.append({"x": xx, "a": aa, "b": bb, "c": cc, "z": zz, "value": float(hyp2f1(aa, bb, cc, zz)),
                             "mpmath_50digits": mp_h(aa, bb, cc, zz)})
    out["hyp2f1"] = {"scipy_version": scipy.__version__, "grid": h_grid,
                     "pareto_type": {"r": rr, "s": ss, "form": "2F1(r+s+x, s+1; r+s+x+1; z)", "values": h_pareto}}

    # ------------------------------------------------------------------ 8. timings
    def seeded(f):
        def g():
            np.random.seed(SEED)
            f()
        return g

    timings = {}
    for name, fn in [
        ("BetaGeoFitter.fit", lambda: BetaGeoFitter().fit(x, tx, T)),
        ("ParetoNBDFitter.fit", lambda: ParetoNBDFitter().fit(x, tx, T)),
        ("ModifiedBetaGeoFitter.fit", lambda: ModifiedBetaGeoFitter().fit(x, tx, T)),
        ("GammaGammaFitter.fit", lambda: GammaGammaFitter().fit(rep["x"], rep["zbar"])),
    ]:
        med, runs = median_time(seeded(fn), 5)
        timings[name] = {"median_s": med, "runs_s": runs}
    timings["cdnow_n"] = n
    if not skip_large:
        N = 1_000_000
        np.random.seed(SEED)
        t0 = time.perf_counter()
        big = beta_geometric_nbd_model(39.0, 0.24, 4.41, 0.79, 2.43, size=N)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        big_fit = BetaGeoFitter().fit(big["frequency"], big["recency"], big["T"])
        fit_s = time.perf_counter() - t0
        timings["BetaGeoFitter.fit_1M"] = {
            "n": N,
            "fit_s": fit_s,
            "runs": 1,
            "generate_s": gen_s,
            "generator": "lifetimes.generate_data.beta_geometric_nbd_model(39.0, r=0.24, alpha=4.41, a=0.79, b=2.43, size=1e6), np.random.seed(SEED)",
            "fitted_params": {k: float(v) for k, v in big_fit.params_.items()},
            "sum_frequency": float(big["frequency"].sum()),
            "note": "lifetimes' generator sets frequency = number of distinct floor(purchase time) values, "
                    "so fitted params are not expected to recover the generating ones",
        }
    else:
        timings["BetaGeoFitter.fit_1M"] = "skipped (--skip-large)"
    timings["machine_note"] = "wall clock, time.perf_counter; includes lifetimes' autograd Hessian/variance computation done inside fit()"
    out["timings"] = timings

    warnings.showwarning = showwarning_orig
    out["warnings"] = sorted(set(caught))
    print(json.dumps(clean(out), indent=1))


if __name__ == "__main__":
    main()
