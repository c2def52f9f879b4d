#!/usr/bin/env python3
"""Peer-library cross-validation baselines for churn classification tables.

For one CSV this runs 5-fold StratifiedKFold(shuffle=True, random_state=42) and reports,
per model, ROC AUC and log loss both POOLED over all out-of-fold predictions and as the
mean +- std (sample std, ddof=1) of the five per-fold values. Models (library defaults
unless noted; every model is single-threaded):

  logreg        LogisticRegression(max_iter=1000); numeric: median impute + StandardScaler,
                categorical: impute "__missing__" + OneHotEncoder(handle_unknown="ignore"),
                fitted inside each fold (Pipeline)
  lgbm_cat      LGBMClassifier() defaults, string columns as pandas `category` dtype
                (LightGBM's native categorical splits), numeric NaN left as NaN
  lgbm_onehot   LGBMClassifier() defaults on a one-hot design (pd.get_dummies, a missing
                category is the all-zero row), as retain one-hot encodes
  hgb           HistGradientBoostingClassifier() defaults (random_state=0 only fixes the
                early-stopping split, which sklearn enables by default above 10,000 rows);
                string columns as `category` dtype -> categorical_features="from_dtype"
  rf            RandomForestClassifier(n_estimators=100, random_state=0) on the one-hot
                design (sklearn >= 1.4 handles NaN natively)
  xgb           XGBClassifier() defaults on the one-hot design (NaN native)

The one-hot / category levels are taken from the whole file (level lists only; no target
information), so all folds see the same columns.

Usage:
    /tmp/churnvenv/bin/python bench/churn_peers.py /work/shared/data/telco_churn.csv \
        --target churn --positive Yes [--id customer_id] [--models logreg,lgbm_cat,...] \
        [--json out.json] [--throughput]

--throughput additionally fits LightGBM and XGBoost (defaults, 100 trees) on the full
one-hot numeric matrix and times model-only predict_proba, single-threaded, on that
matrix tiled to ~1,000,000 rows (--throughput-rows).

Setup:
    python3 -m venv /tmp/churnvenv
    /tmp/churnvenv/bin/pip install lightgbm scikit-learn pandas numpy pyarrow xgboost
"""

import os

# Single-threaded everywhere (HistGradientBoosting and BLAS have no n_jobs argument).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import lightgbm
import xgboost
from lightgbm import LGBMClassifier
from xgboost import XGBClassifier

ALL_MODELS = ["logreg", "lgbm_cat", "lgbm_onehot", "hgb", "rf", "xgb"]


def load(path, target, positive, id_col):
    df = pd.read_csv(path)  # empty cells -> NaN
    if target not in df.columns:
        raise SystemExit("target column %r not in %s (columns: %s)" % (target, path, list(df.columns)))
    y = (df[target].astype(str).str.strip() == str(positive)).astype(int).to_numpy()
    drop = [target]
    if id_col:
        if id_col not in df.columns:
            raise SystemExit("id column %r not in %s" % (id_col, path))
        drop.append(id_col)
    X = df.drop(columns=drop)
    num_cols = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    cat_cols = [c for c in X.columns if c not in num_cols]
    for c in cat_cols:
        X[c] = X[c].astype(object).where(X[c].notna(), None)
        X[c] = X[c].map(lambda v: None if v is None else str(v))
    for c in num_cols:
        X[c] = X[c].astype(float)
    return X, y, num_cols, cat_cols


def designs(X, num_cols, cat_cols):
    """Raw frame (object strings), category-dtype frame and a one-hot float frame."""
    Xcat = X.copy()
    for c in cat_cols:
        levels = sorted(Xcat[c].dropna().unique().tolist())
        Xcat[c] = pd.Categorical(Xcat[c], categories=levels)
    Xoh = pd.get_dummies(Xcat, columns=cat_cols, dummy_na=False, dtype=float)
    Xoh.columns = ["f%d" % i for i in range(Xoh.shape[1])]  # xgboost dislikes [ ] < in names
    return Xcat, Xoh.astype(float)


def make_logreg(num_cols, cat_cols):
    pre = ColumnTransformer(
        [
            ("num", Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]), num_cols),
            ("cat", Pipeline([
                ("imp", SimpleImputer(strategy="constant", fill_value="__missing__")),
                ("oh", OneHotEncoder(handle_unknown="ignore")),
            ]), cat_cols),
        ]
    )
    return Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000))])


def model_specs(num_cols, cat_cols):
    # name -> (factory, which design: raw / cat / onehot)
    return {
        "logreg": (lambda: make_logreg(num_cols, cat_cols), "raw"),
        "lgbm_cat": (lambda: LGBMClassifier(n_jobs=1, verbose=-1), "cat"),
        "lgbm_onehot": (lambda: LGBMClassifier(n_jobs=1, verbose=-1), "onehot"),
        "hgb": (lambda: HistGradientBoostingClassifier(random_state=0), "cat"),
        "rf": (lambda: RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0), "onehot"),
        "xgb": (lambda: XGBClassifier(n_jobs=1), "onehot"),
    }


def cv_model(factory, X, y, folds):
    oof = np.zeros(len(y))
    fold_auc, fold_ll, fit_s = [], [], []
    for tr, te in folds:
        m = factory()
        t0 = time.perf_counter()
        m.fit(X.iloc[tr], y[tr])
        fit_s.append(time.perf_counter() - t0)
        p = m.predict_proba(X.iloc[te])[:, 1]
        oof[te] = p
        fold_auc.append(roc_auc_score(y[te], p))
        fold_ll.append(log_loss(y[te], p, labels=[0, 1]))
    return {
        "auc_pooled": float(roc_auc_score(y, oof)),
        "auc_mean": float(np.mean(fold_auc)),
        "auc_std": float(np.std(fold_auc, ddof=1)),
        "logloss_pooled": float(log_loss(y, oof, labels=[0, 1])),
        "logloss_mean": float(np.mean(fold_ll)),
        "logloss_std": float(np.std(fold_ll, ddof=1)),
        "fold_auc": [float(v) for v in fold_auc],
        "fold_logloss": [float(v) for v in fold_ll],
        "fit_seconds_total": float(np.sum(fit_s)),
    }


def throughput(Xoh, y, target_rows, repeats=3):
    """Model-only predict_proba rows/s, one thread, default 100-tree models."""
    A = np.ascontiguousarray(Xoh.to_numpy(dtype=np.float64))
    reps = max(1, int(round(target_rows / A.shape[0])))
    big = np.ascontiguousarray(np.tile(A, (reps, 1)))
    out = {"n_rows": int(big.shape[0]), "n_features": int(big.shape[1]), "repeats": repeats}

    lg = LGBMClassifier(n_jobs=1, verbose=-1).fit(A, y)
    bst = lg.booster_
    lg.predict_proba(A[:1000])  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        bst.predict(big, num_threads=1)
        ts.append(time.perf_counter() - t0)
    out["lightgbm"] = {"trees": int(bst.num_trees()), "median_s": float(np.median(ts)),
                       "rows_per_s": float(big.shape[0] / np.median(ts)), "runs_s": ts,
                       "call": "booster_.predict(X, num_threads=1) (probability)"}

    xg = XGBClassifier(n_jobs=1).fit(A, y)
    xb = xg.get_booster()
    xb.set_param({"nthread": 1})
    xb.inplace_predict(A[:1000])  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        xb.inplace_predict(big)
        ts.append(time.perf_counter() - t0)
    out["xgboost"] = {"trees": int(xb.num_boosted_rounds()), "median_s": float(np.median(ts)),
                      "rows_per_s": float(big.shape[0] / np.median(ts)), "runs_s": ts,
                      "call": "get_booster().inplace_predict(X) with nthread=1 (probability)"}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--target", default="churn")
    ap.add_argument("--positive", default="Yes")
    ap.add_argument("--id", default=None, help="id column to drop (optional)")
    ap.add_argument("--models", default=",".join(ALL_MODELS))
    ap.add_argument("--json", default=None, help="write results as JSON to this path ('-' = stdout)")
    ap.add_argument("--throughput", action="store_true")
    ap.add_argument("--throughput-rows", type=int, default=1_000_000)
    args = ap.parse_args()

    warnings.filterwarnings("ignore", category=UserWarning)
    X, y, num_cols, cat_cols = load(args.csv, args.target, args.positive, args.id)
    Xcat, Xoh = designs(X, num_cols, cat_cols)
    frames = {"raw": X, "cat": Xcat, "onehot": Xoh}
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=42).split(np.zeros(len(y)), y))
    specs = model_specs(num_cols, cat_cols)

    res = {
        "csv": os.path.abspath(args.csv),
        "n_rows": int(len(y)),
        "positive_rate": float(y.mean()),
        "n_numeric": len(num_cols),
        "n_categorical": len(cat_cols),
        "n_onehot_features": int(Xoh.shape[1]),
        "cv": "StratifiedKFold(n_splits=5, shuffle=True, random_state=42)",
        "versions": {"python": sys.version.split()[0], "sklearn": sklearn.__version__,
                     "lightgbm": lightgbm.__version__, "xgboost": xgboost.__version__,
                     "numpy": np.__version__, "pandas": pd.__version__},
        "models": {},
    }
    print("%s: %d rows, positive rate %.4f, %d numeric + %d categorical columns (%d one-hot features)"
          % (os.path.basename(args.csv), len(y), y.mean(), len(num_cols), len(cat_cols), Xoh.shape[1]),
          file=sys.stderr if args.json == "-" else sys.stdout)
    hdr = "%-12s %9s %17s %9s %17s %8s" % ("model", "AUC pool", "AUC mean+-std", "LL pool", "LL mean+-std", "fit s")
    table = [hdr, "-" * len(hdr)]
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        factory, design = specs[name]
        r = cv_model(factory, frames[design], y, folds)
        res["models"][name] = r
        line = "%-12s %9.4f %9.4f+-%.4f %9.4f %9.4f+-%.4f %8.1f" % (
            name, r["auc_pooled"], r["auc_mean"], r["auc_std"], r["logloss_pooled"],
            r["logloss_mean"], r["logloss_std"], r["fit_seconds_total"])
        table.append(line)
        print(line, file=sys.stderr, flush=True)
    if args.throughput:
        res["throughput"] = throughput(Xoh, y, args.throughput_rows)
    out = sys.stderr if args.json == "-" else sys.stdout
    print("\n".join(table), file=out)
    if "throughput" in res:
        t = res["throughput"]
        print("predict throughput on %d x %d (1 thread): LightGBM %.0f rows/s, XGBoost %.0f rows/s"
              % (t["n_rows"], t["n_features"], t["lightgbm"]["rows_per_s"], t["xgboost"]["rows_per_s"]), file=out)
    if args.json:
        s = json.dumps(res, indent=1)
        if args.json == "-":
            print(s)
        else:
            with open(args.json, "w") as f:
                f.write(s + "\n")


if __name__ == "__main__":
    main()
