#!/usr/bin/env python3
"""Seeded synthetic customer-churn tables with STRONG non-linear interactions.

Purpose: stand-ins for a hidden test set of "churn data with strong non-linear
interactions, where tree ensembles beat logistic regression by about 0.1 AUC". On these
files LightGBM with its defaults beats one-hot + standardised logistic regression by
roughly 0.08-0.13 ROC AUC under 5-fold CV (measure with bench/churn_peers.py).

Every file has: an `id` column (unique strings, order-free), numeric columns, string
categorical columns, and the target `churn` with labels `Yes` / `No` (last column).
The churn probability is sigmoid(intercept + signal); the intercept is solved by bisection
so the expected churn rate equals --rate (default 0.25, i.e. inside 15-35 %).

Variants:
  xor    XOR-like interaction of two numeric features (data usage vs. call minutes, each
         relative to its median), step/threshold effects (support calls >= 4, monthly
         charges > 95, a narrow "promo ended" tenure band), small linear effects,
         a categorical contract and region (region is noise), 4 noise columns.
  plan   categorical `plan` (Basic / Standard / Premium / Unlimited, string levels)
         interacting with numeric `usage_gb` (over-quota on small plans churns, low usage
         on Unlimited churns = paying for nothing), U-shaped tenure effect (early and late
         churn), payment-method x age interaction, a few noise columns.
  wide   the larger one (default 50,000 rows): ~45 columns, most of them noise (numeric
         and categorical), empty cells (missing values) in several columns (some
         informative: a missing survey score raises churn), Yes/No columns (`auto_pay`,
         `paperless_billing`, `streaming`, ...), interactions: contract x auto_pay x price
         rise, low satisfaction x many support calls, login-recency threshold, XOR of
         discount vs. charges, piecewise age.

Usage (from the project root):
    /tmp/churnvenv/bin/python bench/nonlinear_churn.py --variant xor --seed 1 --rows 10000 \
        --out /tmp/nonlinear/xor_s1_10k.csv
    /tmp/churnvenv/bin/python bench/nonlinear_churn.py --all --outdir /tmp/nonlinear
        (writes the standard set of six files, see STANDARD_SET)

Only numpy and pandas are needed. A summary line (rows, realised churn rate and the AUC of
the TRUE churn probability, i.e. the Bayes-optimal ceiling) goes to stderr.
"""

import argparse
import os
import sys

import numpy as np
import pandas as pd

VARIANTS = ("xor", "plan", "wide")
# (variant, seed, rows, target churn rate, file name) written by --all
STANDARD_SET = [
    ("xor", 1, 10000, 0.25, "xor_s1_10k.csv"),
    ("xor", 2, 5000, 0.18, "xor_s2_5k.csv"),
    ("plan", 1, 10000, 0.25, "plan_s1_10k.csv"),
    ("plan", 2, 20000, 0.32, "plan_s2_20k.csv"),
    ("wide", 1, 50000, 0.25, "wide_s1_50k.csv"),
    ("wide", 2, 20000, 0.20, "wide_s2_20k.csv"),
]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def solve_intercept(signal, rate):
    lo, hi = -20.0, 20.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if sigmoid(mid + signal).mean() < rate:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def auc(y, s):
    """Mann-Whitney ROC AUC (ties get half credit)."""
    r = pd.Series(s).rank(method="average").to_numpy()
    n1 = int(y.sum())
    n0 = len(y) - n1
    return (r[y == 1].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0)


def choice(rng, n, levels, probs):
    return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=n, p=probs)]


def make_ids(rng, n, prefix):
    # unique, not in row order: a random permutation of 0..n-1 mixed into a hex code
    perm = rng.permutation(n)
    salt = rng.integers(0, 16 ** 4, size=n)
    return np.array(["%s%06d-%04X" % (prefix, p, s) for p, s in zip(perm, salt)], dtype=object)


def punch_missing(rng, col, frac):
    col = col.astype(object).copy()
    col[rng.random(len(col)) < frac] = None
    return col


# --------------------------------------------------------------------------------------
def gen_xor(rng, n):
    tenure = np.clip(np.round(rng.exponential(24.0, n)) + 1, 1, 72).astype(int)
    monthly = np.round(rng.uniform(18.0, 120.0, n), 2)
    usage = np.round(rng.lognormal(np.log(12.0), 0.7, n), 2)           # GB / month
    minutes = np.round(rng.gamma(3.0, 60.0, n), 1)                      # call minutes
    support = rng.poisson(1.4, n)
    devices = rng.integers(1, 6, n)
    age = rng.integers(18, 81, n)
    contract = choice(rng, n, ["Month-to-month", "One year", "Two year"], [0.5, 0.28, 0.22])
    region = choice(rng, n, ["North", "South", "East", "West"], [0.3, 0.25, 0.25, 0.2])
    noise = {"noise_%d" % i: np.round(rng.normal(0, 1, n), 4) for i in range(1, 5)}

    a = (np.log(usage) - np.log(np.median(usage))) / 0.7
    b = (minutes - np.median(minutes)) / np.std(minutes)
    signal = (
        -2.0 * np.tanh(2.5 * a) * np.tanh(2.5 * b)          # XOR: one high and one low -> churn
        + 1.2 * (support >= 4)
        + 0.9 * (monthly > 95)
        + 1.0 * ((tenure >= 12) & (tenure <= 15))            # promo ended
        - 0.03 * tenure
        + 0.012 * (monthly - 70.0)
        - 0.012 * (age - 50)
        + np.select([contract == "Month-to-month", contract == "Two year"], [0.9, -0.9], 0.0)
    )
    df = pd.DataFrame({
        "tenure_months": tenure, "monthly_charges": monthly, "data_usage_gb": usage,
        "call_minutes": minutes, "support_calls": support, "devices": devices, "age": age,
        "contract": contract, "region": region, **noise,
    })
    return df, signal


def gen_plan(rng, n):
    plan = choice(rng, n, ["Basic", "Standard", "Premium", "Unlimited"], [0.3, 0.3, 0.2, 0.2])
    usage = np.round(rng.lognormal(np.log(14.0), 0.9, n), 2)
    quota = pd.Series(plan).map({"Basic": 5.0, "Standard": 15.0, "Premium": 40.0, "Unlimited": np.inf}).to_numpy()
    price = pd.Series(plan).map({"Basic": 25.0, "Standard": 45.0, "Premium": 70.0, "Unlimited": 95.0}).to_numpy()
    over = np.where(np.isfinite(quota), np.log(usage) - np.log(np.where(np.isfinite(quota), quota, 1.0)), -5.0)
    monthly = np.round(price + np.where(over > 0, 2.0 * (usage - np.where(np.isfinite(quota), quota, 0.0)), 0.0) * 0.3
                       + rng.normal(0, 4.0, n), 2)
    tenure = rng.integers(1, 73, n)
    age = rng.integers(18, 81, n)
    payment = choice(rng, n, ["Credit card", "Bank transfer", "Electronic check", "Mailed check"],
                     [0.3, 0.25, 0.3, 0.15])
    lines = rng.integers(1, 5, n)
    support = rng.poisson(1.0, n)
    gender = choice(rng, n, ["F", "M"], [0.5, 0.5])
    noise = {"noise_%d" % i: np.round(rng.normal(0, 1, n), 4) for i in range(1, 4)}

    t = (tenure - 36.5) / 36.0
    signal = (
        3.2 * np.where(plan != "Unlimited", sigmoid(3.0 * over), 0.0)                 # over quota
        + 2.6 * ((plan == "Unlimited") & (usage < 8.0))                             # paying for nothing
        - 1.0 * ((plan == "Premium") & (usage > 15.0) & (usage < 40.0))              # right-sized
        + 2.6 * t ** 2 - 0.6 * t                                                     # U-shaped tenure
        + 1.2 * ((payment == "Electronic check") & (age < 35))
        - 0.8 * ((payment == "Electronic check") & (age >= 55))
        + 0.45 * (support - 1.0)
        + 0.4 * (lines - 2.5)
        + np.select([payment == "Mailed check", payment == "Credit card"], [0.5, -0.4], 0.0)
    )
    df = pd.DataFrame({
        "plan": plan, "usage_gb": usage, "monthly_charges": monthly, "tenure_months": tenure,
        "age": age, "payment_method": payment, "lines": lines, "support_calls": support,
        "gender": gender, **noise,
    })
    return df, signal


def gen_wide(rng, n):
    yn = lambda p: choice(rng, n, ["Yes", "No"], [p, 1 - p])
    contract = choice(rng, n, ["Month-to-month", "One year", "Two year"], [0.5, 0.3, 0.2])
    auto_pay = yn(0.45)
    paperless = yn(0.6)
    streaming = yn(0.4)
    fiber = yn(0.45)
    tenure = rng.integers(1, 73, n)
    monthly = np.round(rng.uniform(18.0, 120.0, n) + 15.0 * (fiber == "Yes"), 2)
    price_rise = np.round(np.clip(rng.normal(4.0, 4.0, n), 0, None), 1)          # % last 12 months
    discount = np.round(rng.uniform(0.0, 30.0, n), 1)                             # % discount
    satisfaction = rng.integers(1, 11, n).astype(float)
    sat_missing = rng.random(n) < 0.18
    support = rng.poisson(1.3, n)
    last_login = np.round(rng.exponential(15.0, n), 0)
    age = rng.integers(18, 86, n)
    total = np.round(monthly * tenure * rng.uniform(0.9, 1.1, n), 2)

    sat = np.where(sat_missing, 5.5, satisfaction)
    d = (discount - 15.0) / 8.0
    m = (monthly - np.median(monthly)) / 25.0
    signal = (
        1.6 * ((contract == "Month-to-month") & (auto_pay == "No") & (price_rise > 5.0))
        + 1.5 * ((sat <= 4) & (support >= 2))
        - 0.5 * ((sat >= 8) & (support <= 1))
        + 0.5 * sat_missing
        + 1.3 * (last_login > 30)
        - 1.6 * np.tanh(2.0 * d) * np.tanh(2.0 * m)           # XOR: big discount on cheap or no discount on dear
        + np.select([age < 25, age > 70], [0.8, 0.7], 0.0)
        + 0.5 * ((fiber == "Yes") & (streaming == "No"))
        - 0.025 * tenure
        + np.select([contract == "Month-to-month", contract == "Two year"], [0.6, -0.6], 0.0)
        + 0.5 * (paperless == "Yes")
        - 0.12 * (sat - 5.5)
        + 0.2 * (support - 1.3)
    )

    cols = {
        "contract": contract, "auto_pay": auto_pay, "paperless_billing": paperless, "streaming": streaming,
        "fiber_internet": fiber, "tenure_months": tenure, "monthly_charges": monthly,
        "total_charges": total, "price_rise_pct": price_rise, "discount_pct": discount,
        "satisfaction_score": np.where(sat_missing, np.nan, satisfaction), "support_calls": support,
        "days_since_login": last_login, "age": age,
    }
    # missing cells in signal columns (not informative) on top of the survey score
    cols["days_since_login"] = np.where(rng.random(n) < 0.05, np.nan, cols["days_since_login"])
    cols["total_charges"] = np.where(rng.random(n) < 0.02, np.nan, cols["total_charges"])
    cols["streaming"] = punch_missing(rng, cols["streaming"], 0.08)
    # noise: 18 numeric, 8 categorical, 3 Yes/No
    for i in range(1, 19):
        kind = i % 3
        if kind == 0:
            v = np.round(rng.normal(50, 15, n), 3)
        elif kind == 1:
            v = np.round(rng.lognormal(1.0, 1.0, n), 3)
        else:
            v = rng.integers(0, 20, n).astype(float)
        if i % 4 == 0:
            v = np.where(rng.random(n) < 0.1, np.nan, v)
        cols["num_noise_%d" % i] = v
    for i in range(1, 9):
        k = 3 + (i * 2) % 9
        lv = ["L%d" % j for j in range(k)]
        p = rng.dirichlet(np.ones(k))
        c = choice(rng, n, lv, p)
        if i % 3 == 0:
            c = punch_missing(rng, c, 0.07)
        cols["cat_noise_%d" % i] = c
    for i in range(1, 4):
        cols["flag_%d" % i] = yn(rng.uniform(0.2, 0.8))
    df = pd.DataFrame(cols)
    for c in ("tenure_months", "support_calls", "age"):
        df[c] = df[c].astype(int)
    return df, signal


GENERATORS = {"xor": gen_xor, "plan": gen_plan, "wide": gen_wide}


def generate(variant, seed, rows, rate=0.25):
    # different variants with the same --seed give unrelated streams
    rng = np.random.default_rng([seed, VARIANTS.index(variant), 20240917])
    df, signal = GENERATORS[variant](rng, rows)
    b0 = solve_intercept(signal, rate)
    p = sigmoid(b0 + signal)
    y = rng.random(rows) < p
    df.insert(0, "id", make_ids(rng, rows, {"xor": "X", "plan": "P", "wide": "W"}[variant]))
    df["churn"] = np.where(y, "Yes", "No")
    assert df["id"].is_unique
    return df, {"rows": rows, "churn_rate": float(y.mean()), "oracle_auc": float(auc(y.astype(int), p)),
                "intercept": float(b0)}


def write(df, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    # NaN / None -> empty cell; integer-valued floats stay like 3.0 only in float columns
    df.to_csv(path, index=False, na_rep="", lineterminator="\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=VARIANTS, default="xor")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rows", type=int, default=None, help="default 10000 (wide: 50000)")
    ap.add_argument("--rate", type=float, default=0.25,
                    help="target expected churn rate (ignored with --all, which uses STANDARD_SET's)")
    ap.add_argument("--out", default=None, help="output CSV (default stdout)")
    ap.add_argument("--all", action="store_true", help="write the standard set to --outdir")
    ap.add_argument("--outdir", default="/tmp/nonlinear")
    args = ap.parse_args()

    if args.all:
        for variant, seed, rows, rate, name in STANDARD_SET:
            df, info = generate(variant, seed, rows, rate)
            path = os.path.join(args.outdir, name)
            write(df, path)
            print("%-20s variant=%-4s seed=%d rows=%d target_rate=%.2f churn_rate=%.4f oracle_auc=%.4f"
                  % (name, variant, seed, rows, rate, info["churn_rate"], info["oracle_auc"]), file=sys.stderr)
        return
    rows = args.rows or (50000 if args.variant == "wide" else 10000)
    df, info = generate(args.variant, args.seed, rows, args.rate)
    if args.out:
        write(df, args.out)
    else:
        df.to_csv(sys.stdout, index=False, na_rep="", lineterminator="\n")
    print("variant=%s seed=%d rows=%d churn_rate=%.4f oracle_auc=%.4f"
          % (args.variant, args.seed, rows, info["churn_rate"], info["oracle_auc"]), file=sys.stderr)


if __name__ == "__main__":
    main()
