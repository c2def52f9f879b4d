"""retain (Python package) vs lifetimes 0.11.3 on 1M customer summaries, pandas to pandas,
side by side in one run: P(alive), expected purchases over 52 weeks and 12-month CLV
(monthly steps, 1%/month discount) from the same in-memory pandas DataFrame.

    python3 python/bench/python_vs_lifetimes.py [--customers 1000000] [--repeats 3]

Makes target/py-bench-venv (bench/batch_peers_requirements.txt: lifetimes and its pins, plus
maturin), installs python/ into it as a release build, and re-runs itself there. The summaries
are drawn from the model by bench/batch_peers.py's generator (one home); the BG/NBD model is
fitted on the CDNOW sample by retain.fit_clv. Prints medians and the ratio; checks that
P(alive) agrees to 1e-12.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "target" / "py-bench-venv"
TARGET_RATIO = 20.0


def ensure_venv() -> None:
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "maturin==1.16.0",
                        "-r", str(ROOT / "bench" / "batch_peers_requirements.txt")], check=True)
    started = time.perf_counter()
    subprocess.run([str(VENV / "bin" / "maturin"), "develop", "--release", "--quiet"],
                   cwd=ROOT / "python", check=True,
                   env=dict(os.environ, VIRTUAL_ENV=str(VENV)))
    print(f"maturin develop --release: {time.perf_counter() - started:.0f} s", flush=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def peers_module():
    spec = importlib.util.spec_from_file_location("batch_peers", ROOT / "bench" / "batch_peers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    ensure_venv()
    import warnings

    import numpy as np
    import pandas as pd

    import retain

    warnings.simplefilter("ignore")
    peers = peers_module()
    peers.DATA.mkdir(parents=True, exist_ok=True)
    cdnow = pd.read_csv(ROOT / "tests" / "data" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                        names=["customer_id", "s", "date", "n", "amount"],
                        dtype={"customer_id": str, "date": str})
    summaries = retain.summarise(cdnow, date_format="%Y%m%d", time_unit="week",
                                 calibration_end="1997-09-30",
                                 observation_end="1998-06-30")
    model = retain.fit_clv(summaries, model="bgnbd", time_unit="week")
    model_path = peers.DATA / "py-bgnbd.json"
    model.save(model_path)
    path = peers.make_summaries(f"py-{args.customers}", args.customers, model_path)
    base = pd.read_parquet(path)
    print(f"{len(base):,} summaries in a pandas DataFrame", flush=True)

    def run_retain():
        return model.score(base, horizon="12mo", clv_step="1mo", discount="1%/month",
                           summary_unit="week")

    bgf, ggf = peers.lifetimes_fitters(model_path)

    def run_lifetimes():
        f, r, t, m = base["frequency"], base["recency"], base["T"], base["monetary_value"]
        return pd.DataFrame({
            "customer_id": base["customer_id"],
            "p_alive": bgf.conditional_probability_alive(f, r, t),
            "expected_purchases_52w": bgf.conditional_expected_number_of_purchases_up_to_time(
                52, f, r, t),
            "clv_12mo": ggf.customer_lifetime_value(
                bgf, f, r, t, m, time=12, freq="W", discount_rate=0.01).to_numpy(),
        })

    def timed(fn, repeats):
        times, out = [], None
        for _ in range(repeats):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times), out

    t_retain, ours = timed(run_retain, args.repeats)
    t_peer, theirs = timed(run_lifetimes, 1)
    diff = np.max(np.abs(ours["p_alive"].to_numpy() - theirs["p_alive"].to_numpy()))
    ratio = t_peer / t_retain
    print(f"\n| case | retain | lifetimes 0.11.3 | ratio | target |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| {len(base):,} summaries, pandas → pandas: P(alive), E[purchases], 12-month CLV "
          f"| {t_retain:.2f} s | {t_peer:.2f} s | {ratio:.1f}× | ≥ {TARGET_RATIO:.0f}× "
          f"{'✔' if ratio >= TARGET_RATIO else '✘'} |")
    print(f"max |P(alive) retain − lifetimes| = {diff:.1e}")
    assert diff < 1e-12, diff


if __name__ == "__main__":
    main()
