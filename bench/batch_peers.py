#!/usr/bin/env python3
"""Batch throughput of retain against its Python peers, file in -> file out, same inputs.

What it measures (wall-clock seconds, median of several runs; peak RSS of each process):

  a. summary   transaction log (CSV) -> per-customer calibration/holdout summary
               (calibration end 1997-12-31, observation end 1998-06-30, weeks), on logs of
               ~70k, ~700k and ~7M transactions simulated by `retain simulate`:
                 retain            `retain summarise ... --output OUT.parquet`
                 lifetimes         pandas.read_csv + lifetimes.utils.calibration_and_holdout_data
                                   (freq='W') + to_parquet
                 polars-python     the same summary as retain (same-day purchases netted,
                                   recency/T in days / 7) written with polars; on the 70k log
                                   its output is checked against retain's
  b. scoring   per-customer summaries (Parquet) -> P(alive), expected purchases and 12-month
               CLV (BG/NBD + Gamma-Gamma, 1%/month) -> Parquet, on 1M and 10M customers:
                 retain            `retain score --summaries ... --output OUT.parquet`
                 lifetimes         pandas.read_parquet + BetaGeoFitter/GammaGammaFitter with
                                   retain's fitted parameters + to_parquet; the first 1000
                                   customers of both outputs are compared
  c. scale     `retain summarise` on ~100M simulated transactions (Parquet), retain only

Peers run in a fresh interpreter per run and time themselves from reading the input to
writing the output (interpreter start-up and imports excluded); retain is timed as a whole
process. Peak RSS is each process's maximum resident set size from GNU time (/usr/bin/time,
as `-v` reports it); without it, from os.wait4, which then also counts this interpreter's own
RSS (ru_maxrss survives fork + exec), so small figures are upper bounds. Model-fit speed is
compared elsewhere:
`cargo bench -p retain-models --bench fit`.

Run from the repository root:

    python3 bench/batch_peers.py            # everything (~1 h on 2 cores)
    python3 bench/batch_peers.py --quick    # 70k-transaction summary and 1M-customer scoring

The script creates (or reuses) the virtualenv target/bench-venv from
bench/batch_peers_requirements.txt and re-executes itself inside it, builds
target/release/retain, and keeps its inputs under target/bench-data/ (reused when present).
Before each timed case it waits until no cargo/rustc process runs (--no-wait-idle to skip).
"""

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"
REQUIREMENTS = ROOT / "bench" / "batch_peers_requirements.txt"
DATA = ROOT / "target" / "bench-data"
OUT = DATA / "out"
RETAIN = ROOT / "target" / "release" / "retain"

CALIBRATION_END = "1997-12-31"
OBSERVATION_END = "1998-06-30"
SIMULATION = [
    "--model", "models/cdnow.json", "--start", "1997-01-01", "--acquisition-end", "1997-03-31",
    "--end", "1998-06-30", "--seed", "1",
]
# Customers simulated per log size: models/cdnow.json gives ~2.84 transactions per customer
# over this window (CDNOW master: 69,659 transactions from 23,570 customers).
LOG_SIZES = {"70k": 24_500, "700k": 245_000, "7M": 2_450_000}
SCALE_TRANSACTIONS = 100_000_000
SCALE_FALLBACK_TRANSACTIONS = 30_000_000
SCORE_SIZES = {"1M": 1_000_000, "10M": 10_000_000}
MONTH_WEEKS = 365.2425 / 12 / 7  # retain's `mo` (a mean Gregorian month); lifetimes uses 4.345

# Targets of the issue.
SUMMARY_TARGET = 1.5  # retain within 1.5x of polars-python
SCORING_TARGET = 10.0  # retain >= 10x lifetimes, end to end
SCORE_10M_SECONDS, SCORE_10M_RSS_MB = 10.0, 2048.0
SCALE_SECONDS = 60.0


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------


def ensure_venv():
    """Creates/updates target/bench-venv and re-executes this script inside it."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not python.exists():
        print(f"creating virtualenv {VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not stamp.exists() or stamp.read_text().strip() != digest:
        print(f"installing {REQUIREMENTS.relative_to(ROOT)}", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(digest + "\n")
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def busy_compilers():
    """Pids of running cargo/rustc processes (what `pgrep -x cargo; pgrep rustc` shows)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if name == "cargo" or name.startswith("rustc"):
            pids.append(int(entry.name))
    return pids


class Idle:
    """Waits for a machine without compilers before timing, and notes contended cases."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.contended = []

    def wait(self):
        if not self.enabled:
            return
        announced = False
        while busy_compilers():
            if not announced:
                print("  waiting for cargo/rustc to finish (polling every 20 s)...", flush=True)
                announced = True
            time.sleep(20)

    @contextlib.contextmanager
    def watch(self, case):
        """Samples for compilers every second while `case` is timed; notes it if one ran."""
        stop = threading.Event()
        seen = []

        def sample():
            while not stop.wait(1.0):
                if busy_compilers():
                    seen.append(True)
                    return

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        if seen:
            self.contended.append(case)
            print(f"  note: cargo/rustc ran while {case!r} was timed", flush=True)


# --------------------------------------------------------------------------------------------
# Running and timing processes
# --------------------------------------------------------------------------------------------


class Run:
    """One finished process: wall seconds, peak RSS in MB, and its stdout."""

    def __init__(self, seconds, rss_mb, stdout):
        self.seconds = seconds
        self.rss_mb = rss_mb
        self.stdout = stdout


# ru_maxrss survives exec: a child forked from this (large) interpreter starts with our RSS as
# its high-water mark. GNU time forks from a small process, so its %M is the command's own.
GNU_TIME = Path("/usr/bin/time")


def run(cmd):
    """Runs `cmd` to completion: wall seconds, peak RSS (GNU time's %M) and stdout."""
    log_dir = OUT / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / "last.stdout", log_dir / "last.stderr"
    rss_path = log_dir / "last.maxrss"
    cmd = [str(c) for c in cmd]
    wrapped = [str(GNU_TIME), "-f", "%M", "-o", str(rss_path), *cmd] if GNU_TIME.exists() else cmd
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text()
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                 f"{stdout}{err_path.read_text()}")
    # Without GNU time, wait4's figure is an upper bound (at least this interpreter's RSS).
    rss_kb = int(rss_path.read_text().split()[-1]) if GNU_TIME.exists() else usage.ru_maxrss
    return Run(seconds, rss_kb / 1024.0, stdout)


class Timing:
    """Median wall time (or the worker's own time) over repeated runs, and the peak RSS."""

    def __init__(self, runs, seconds):
        self.runs = runs
        self.seconds = statistics.median(seconds)
        self.rss_mb = max(r.rss_mb for r in runs)
        self.all_seconds = seconds


def time_retain(args, repeats):
    runs = [run([RETAIN, *args]) for _ in range(repeats)]
    return Timing(runs, [r.seconds for r in runs])


def time_worker(kind, repeats, **options):
    """Times a peer in a fresh interpreter per run; the worker reports its own seconds."""
    cmd = [sys.executable, Path(__file__).resolve(), "--worker", kind]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", value]
    runs = [run(cmd) for _ in range(repeats)]
    seconds = [json.loads(r.stdout.strip().splitlines()[-1])["seconds"] for r in runs]
    return Timing(runs, seconds)


# --------------------------------------------------------------------------------------------
# Peer workers (run in their own interpreter by time_worker)
# --------------------------------------------------------------------------------------------


def worker_summary_lifetimes(opts):
    import warnings

    import pandas as pd
    import pyarrow.parquet  # noqa: F401  (pandas would import it inside the timed window)
    from lifetimes.utils import calibration_and_holdout_data

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    df = pd.read_csv(opts.input, dtype={"customer_id": str}, parse_dates=["date"])
    summary = calibration_and_holdout_data(
        df, "customer_id", "date", calibration_period_end=CALIBRATION_END,
        observation_period_end=OBSERVATION_END, freq="W", monetary_value_col="amount",
    )
    summary.reset_index().to_parquet(opts.output)
    return time.perf_counter() - start


def polars_summary(path):
    """retain's summary in polars: same-day purchases netted, times in days / 7."""
    import datetime as dt

    import polars as pl

    cal = dt.date.fromisoformat(CALIBRATION_END)
    obs = dt.date.fromisoformat(OBSERVATION_END)
    schema = {"customer_id": pl.String, "date": pl.Date, "amount": pl.Float64}
    if str(path).endswith(".parquet"):
        log = pl.scan_parquet(path)
    else:
        log = pl.scan_csv(path, schema=schema)
    date, amount = pl.col("date"), pl.col("amount")
    first = date.min()
    in_cal = date <= cal
    per_customer = (
        log.group_by("customer_id", "date")
        .agg(amount.sum())
        .group_by("customer_id")
        .agg(
            first=first,
            last_cal=date.filter(in_cal).max(),
            frequency=in_cal.sum() - 1,
            repeat_spend=amount.filter(in_cal & (date > first)).sum(),
            frequency_holdout=(~in_cal & (date <= obs)).sum(),
            monetary_value_holdout=amount.filter(~in_cal & (date <= obs)).sum(),
        )
        .filter(pl.col("first") <= cal)
    )
    weeks = lambda days: days.dt.total_days().cast(pl.Float64) / 7.0  # noqa: E731
    return per_customer.select(
        "customer_id",
        pl.col("frequency").cast(pl.UInt32),
        recency_weeks=weeks(pl.col("last_cal") - pl.col("first")),
        T_weeks=weeks(pl.lit(cal) - pl.col("first")),
        monetary_value=pl.when(pl.col("frequency") > 0)
        .then(pl.col("repeat_spend") / pl.col("frequency"))
        .otherwise(0.0),
        frequency_holdout=pl.col("frequency_holdout").cast(pl.UInt32),
        monetary_value_holdout=pl.col("monetary_value_holdout"),
        duration_holdout_weeks=pl.lit((obs - cal).days / 7.0),
    ).collect()


def worker_summary_polars(opts):
    import polars  # noqa: F401  (imported before the clock starts)

    start = time.perf_counter()
    polars_summary(opts.input).write_parquet(opts.output)
    return time.perf_counter() - start


def lifetimes_fitters(model_path):
    """BetaGeoFitter and GammaGammaFitter set to the parameters of a retain BG/NBD artefact."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    art = json.loads(Path(model_path).read_text())
    purchase, spend = art["purchase"]["params"], art["spend"]
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series({k: purchase[k] for k in ("r", "alpha", "a", "b")})
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # set by fit()
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series(dict(p=spend["p"], q=spend["q"], v=spend["gamma"]))
    return bgf, ggf


def worker_score_lifetimes(opts):
    import warnings

    import pandas as pd
    import pyarrow.parquet  # noqa: F401  (pandas would import it inside the timed window)

    warnings.simplefilter("ignore")
    bgf, ggf = lifetimes_fitters(opts.model)
    start = time.perf_counter()
    df = pd.read_parquet(opts.input)
    f, r, t, m = df["frequency"], df["recency"], df["T"], df["monetary_value"]
    out = pd.DataFrame({
        "customer_id": df["customer_id"],
        "p_alive": bgf.conditional_probability_alive(f, r, t),
        "expected_purchases_52w": bgf.conditional_expected_number_of_purchases_up_to_time(
            52, f, r, t),
        "clv_12mo": ggf.customer_lifetime_value(
            bgf, f, r, t, m, time=12, freq="W", discount_rate=0.01).to_numpy(),
    })
    out.to_parquet(opts.output)
    return time.perf_counter() - start


WORKERS = {
    "summary-lifetimes": worker_summary_lifetimes,
    "summary-polars": worker_summary_polars,
    "score-lifetimes": worker_score_lifetimes,
}


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def build_retain():
    print("building: cargo build --release --bin retain", flush=True)
    subprocess.run(["cargo", "build", "--release", "--bin", "retain"], cwd=ROOT, check=True)
    commands = subprocess.run([RETAIN, "--help"], capture_output=True, text=True, check=True)
    missing = [c for c in ("simulate", "summarise", "score", "train")
               if f"\n  {c} " not in commands.stdout]
    if missing:
        sys.exit(f"target/release/retain has no {', '.join(missing)} subcommand(s) yet")


def simulate(name, customers, fmt):
    """Simulated log DATA/log-NAME/part-00000.FMT (reused when its recipe is unchanged)."""
    directory = DATA / f"log-{name}"
    meta_path = directory / "simulation.json"
    recipe = [*SIMULATION, "--customers", str(customers), "--format", fmt, "--partitions", "1"]
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta["recipe"] == recipe and (directory / f"part-00000.{fmt}").exists():
            return meta
    if directory.exists():
        shutil.rmtree(directory)
    print(f"  simulating {customers:,} customers ({fmt}) into {directory.relative_to(ROOT)}",
          flush=True)
    r = run([RETAIN, "simulate", *recipe, "--out", directory])
    transactions = int(r.stdout.split(" transactions")[0].rsplit(" ", 1)[-1])
    meta = dict(recipe=recipe, customers=customers, transactions=transactions,
                seconds=round(r.seconds, 2), rss_mb=round(r.rss_mb, 1),
                file=str(directory / f"part-00000.{fmt}"))
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"    {transactions:,} transactions in {r.seconds:.1f} s, peak RSS {r.rss_mb:,.0f} MB",
          flush=True)
    return meta


def train_bgnbd():
    path = DATA / "bgnbd.json"
    if not path.exists():
        run([RETAIN, "train", "clv", "--transactions", "tests/data/CDNOW_sample.txt",
             "--customer-col", "1", "--date-col", "3", "--amount-col", "5",
             "--date-format", "%Y%m%d", "--delimiter", "whitespace", "--no-header",
             "--time-unit", "week", "--calibration-end", "1997-09-30", "--model", "bgnbd",
             "--out", path])
    return path


def make_summaries(name, customers, model_path):
    """Per-customer summaries (weeks) drawn from the BG/NBD + Gamma-Gamma model itself.

    Acquired uniformly over 1997-01-01..1997-03-31 and scored as of 1998-06-30 (T of 65 to
    78 weeks, whole days): lambda ~ Gamma(r, alpha), p ~ Beta(a, b); repeat purchases up to
    T are Poisson(lambda T), cut at the Geometric(p) dropout; the last one's time is the
    matching uniform order statistic; the mean repeat spend is Gamma(p x, nu x) with
    nu ~ Gamma(q, gamma).
    """
    import numpy as np
    import polars as pl

    path = DATA / f"summaries-{name}.parquet"
    if path.exists():
        return path
    print(f"  drawing {customers:,} customer summaries into {path.relative_to(ROOT)}", flush=True)
    art = json.loads(Path(model_path).read_text())
    pp, sp = art["purchase"]["params"], art["spend"]
    rng = np.random.default_rng(1)
    t_days = rng.integers(456, 546, size=customers, endpoint=True)  # 1998-06-30 - acquisition
    lam = rng.gamma(pp["r"], 1.0 / pp["alpha"], customers)
    drop = rng.beta(pp["a"], pp["b"], customers)
    n = rng.poisson(lam * t_days / 7.0)
    x = np.minimum(n, rng.geometric(drop))
    buyers = x > 0
    last = np.zeros(customers)
    last[buyers] = rng.beta(x[buyers], n[buyers] - x[buyers] + 1)
    tx_days = np.where(buyers, np.clip(np.ceil(last * t_days), 1, t_days), 0)
    nu = rng.gamma(sp["q"], 1.0 / sp["gamma"], customers)
    xs = np.maximum(x, 1)
    monetary = np.where(buyers, rng.gamma(sp["p"] * xs, 1.0 / (nu * xs)), 0.0)
    pl.DataFrame({
        "customer_id": pl.int_range(customers, eager=True).cast(pl.String).str.zfill(9),
        "frequency": x.astype(np.int64),
        "recency": tx_days / 7.0,
        "T": t_days / 7.0,
        "monetary_value": monetary,
    }).with_columns(customer_id="c" + pl.col("customer_id")).write_parquet(path)
    return path


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


class Row:
    """One line of the results table."""

    def __init__(self, case, retain, peer, peer_name):
        self.case, self.retain, self.peer, self.peer_name = case, retain, peer, peer_name

    @property
    def ratio(self):
        return self.peer.seconds / self.retain.seconds if self.peer else None


def case_summary(sizes, idle):
    """a. transaction log -> calibration/holdout summary: retain vs lifetimes vs polars."""
    print("\n== a. transaction log -> calibration/holdout summary (weeks)", flush=True)
    rows, checks = [], []
    for rank, name in enumerate(sizes):
        meta = simulate(name, LOG_SIZES[name], "csv")
        log = Path(meta["file"])
        repeats = 1 if name == "7M" else 3
        out = {k: OUT / f"summary-{name}-{k}.parquet" for k in ("retain", "lifetimes", "polars")}
        label = f"summary {name} tx ({meta['transactions']:,})"
        print(f"  {label}: {repeats} run(s) each", flush=True)
        idle.wait()
        with idle.watch(label):
            retain = time_retain(
                ["summarise", "--transactions", log, "--time-unit", "week",
                 "--calibration-end", CALIBRATION_END, "--observation-end", OBSERVATION_END,
                 "--output", out["retain"]], repeats)
            lifetimes = time_worker("summary-lifetimes", repeats, input=log,
                                    output=out["lifetimes"])
            polars = time_worker("summary-polars", repeats, input=log, output=out["polars"])
        rows.append(Row(f"{label} vs lifetimes", retain, lifetimes, "lifetimes"))
        rows.append(Row(f"{label} vs polars-python", retain, polars, "polars-python"))
        if rank == 0:
            checks += check_summaries(out)
    return rows, checks


def check_summaries(out):
    """polars-python (and lifetimes) against retain on the smallest log."""
    import polars as pl

    retain = pl.read_parquet(out["retain"])
    lines = []
    for peer, cols in (("polars", ("recency_weeks", "T_weeks")),
                       ("lifetimes", ("recency_cal", "T_cal"))):
        other = pl.read_parquet(out[peer])
        if peer == "lifetimes":
            other = other.rename({"frequency_cal": "frequency", "monetary_value_cal":
                                  "monetary_value", "recency_cal": "recency_weeks",
                                  "T_cal": "T_weeks"})
        joined = retain.join(other, on="customer_id", how="full", suffix="_peer")
        unmatched = joined.filter(pl.col("customer_id").is_null()
                                  | pl.col("customer_id_peer").is_null()).height
        both = joined.drop_nulls(["customer_id", "customer_id_peer"])
        freq_diff = both.filter(pl.col("frequency") != pl.col("frequency_peer")).height
        hold_diff = both.filter(pl.col("frequency_holdout")
                                != pl.col("frequency_holdout_peer")).height
        dev = lambda c: both.select((pl.col(c) - pl.col(f"{c}_peer")).abs().max()).item()  # noqa: E731
        rel_m = both.select(((pl.col("monetary_value") - pl.col("monetary_value_peer")).abs()
                             / pl.col("monetary_value").abs().clip(1e-300)).max()).item()
        rec, big_t = dev("recency_weeks"), dev("T_weeks")
        if peer == "polars":
            ok = (unmatched == 0 and freq_diff == 0 and hold_diff == 0 and rec <= 1e-9
                  and big_t <= 1e-9)
            verdict = "AGREE" if ok else "DISAGREE"
            lines.append(
                f"polars-python vs retain summary, 70k log: {verdict} - {retain.height:,} "
                f"customers, {unmatched} unmatched, frequency differs for {freq_diff}, "
                f"holdout frequency for {hold_diff}, max |recency diff| {rec:.1e} w, "
                f"max |T diff| {big_t:.1e} w, max monetary rel. diff {rel_m:.1e}")
        else:
            lines.append(
                f"lifetimes (freq='W') vs retain summary, 70k log (informative): {unmatched} "
                f"unmatched, frequency differs for {freq_diff} of {both.height:,} customers "
                f"(lifetimes counts purchase weeks, retain purchase days), max |recency diff| "
                f"{rec:.2f} w, max |T diff| {big_t:.2f} w (lifetimes: whole calendar weeks)")
    for line in lines:
        print("  check: " + line, flush=True)
    return lines


def case_scoring(sizes, idle):
    """b. summaries -> P(alive), expected purchases, 12-month CLV: retain vs lifetimes."""
    print("\n== b. scoring P(alive) + expected purchases + 12-month CLV, Parquet -> Parquet",
          flush=True)
    model = train_bgnbd()
    rows, checks = [], []
    for rank, name in enumerate(sizes):
        summaries = make_summaries(name, SCORE_SIZES[name], model)
        repeats = 1 if name == "10M" else 3
        out = {k: OUT / f"score-{name}-{k}.parquet" for k in ("retain", "lifetimes")}
        label = f"score {name} customers"
        print(f"  {label}: {repeats} run(s) each", flush=True)
        idle.wait()
        with idle.watch(label):
            retain = time_retain(
                ["score", "--model", model, "--summaries", summaries, "--summary-unit", "week",
                 "--horizon", "12mo", "--clv-step", "1mo", "--discount", "1%/month", "--quiet",
                 "--output", out["retain"]], repeats)
            lifetimes = time_worker("score-lifetimes", repeats, input=summaries,
                                    output=out["lifetimes"], model=model)
        rows.append(Row(f"{label} vs lifetimes", retain, lifetimes, "lifetimes"))
        if rank == 0:
            checks += check_scores(out, summaries, model)
    return rows, checks


def check_scores(out, summaries, model):
    """The first 1000 customers of both outputs; lifetimes' formulas with retain's month too."""
    import numpy as np
    import pandas as pd

    n = 1000
    retain = pd.read_parquet(out["retain"]).head(n)
    peer = pd.read_parquet(out["lifetimes"]).head(n)
    inputs = pd.read_parquet(summaries).head(n)
    if not (retain["customer_id"].to_numpy() == peer["customer_id"].to_numpy()).all():
        sys.exit("score outputs are not in the same customer order")
    col = lambda prefix: next(c for c in retain.columns if c.startswith(prefix))  # noqa: E731
    ep_col, clv_col = col("expected_purchases_"), col("clv_")
    rel = lambda a, b: float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))  # noqa: E731
    p_alive = float(np.max(np.abs(retain["p_alive"] - peer["p_alive"])))
    ep = rel(retain[ep_col].to_numpy(), peer["expected_purchases_52w"].to_numpy())
    clv = rel(retain[clv_col].to_numpy(), peer["clv_12mo"].to_numpy())
    mean_clv = (retain[clv_col].mean() / peer["clv_12mo"].mean()) - 1

    # lifetimes' own CLV loop, with retain's month (365.2425 / 12 days) instead of 4.345 weeks.
    bgf, ggf = lifetimes_fitters(model)
    f, r, t, m = (inputs[c] for c in ("frequency", "recency", "T", "monetary_value"))
    spend = np.asarray(ggf.conditional_expected_average_profit(f, m))
    clv_same_month = np.zeros(n)
    for i in range(1, 13):
        step = bgf.predict(i * MONTH_WEEKS, f, r, t) - bgf.predict((i - 1) * MONTH_WEEKS, f, r, t)
        clv_same_month += spend * np.asarray(step) / 1.01 ** i
    ep_same = np.asarray(bgf.predict(12 * MONTH_WEEKS, f, r, t))
    clv_unit = rel(retain[clv_col].to_numpy(), clv_same_month)
    ep_unit = rel(retain[ep_col].to_numpy(), ep_same)

    verdict = "AGREE" if p_alive <= 1e-9 else "DISAGREE"
    lines = [
        f"P(alive), first {n} customers: {verdict} - max |retain - lifetimes| {p_alive:.1e}",
        f"expected purchases: retain {ep_col} (12 x {MONTH_WEEKS:.4f} w = "
        f"{12 * MONTH_WEEKS:.2f} w) vs lifetimes 52 w: max rel. diff {ep:.2e}; "
        f"at lifetimes' formula for {12 * MONTH_WEEKS:.2f} w: {ep_unit:.1e}",
        f"CLV 12 months: retain {clv_col} (month = {MONTH_WEEKS:.4f} w) vs lifetimes "
        f"(month = 4.345 w): max rel. diff {clv:.2e}, mean CLV {mean_clv:+.2e}; lifetimes' "
        f"CLV loop with retain's month: max rel. diff {clv_unit:.1e}",
    ]
    for line in lines:
        print("  check: " + line, flush=True)
    return lines


def case_scale(idle):
    """c. ~100M transactions (Parquet) summarised by retain (30M if time/disk/memory short)."""
    print("\n== c. retain summarise at scale (Parquet)", flush=True)
    reference = simulate("7M", LOG_SIZES["7M"], "csv")  # the rates to extrapolate from
    per_customer = reference["transactions"] / reference["customers"]
    notes = []
    target = SCALE_TRANSACTIONS
    customers = round(target / per_customer)
    est_seconds = reference["seconds"] * customers / reference["customers"]
    est_rss_gb = reference["rss_mb"] * customers / reference["customers"] / 1024
    free_gb = shutil.disk_usage(DATA).free / 2**30
    avail_gb = meminfo_available_gb()
    est_disk_gb = target * 12 / 2**30  # ~10 bytes per transaction in Parquet, with headroom
    existing = DATA / "log-100M" / "simulation.json"
    if not existing.exists() and (est_seconds > 600 or free_gb < 3 * est_disk_gb + 2
                                  or est_rss_gb > 0.75 * avail_gb):
        notes.append(
            f"100M transactions skipped: estimated generation {est_seconds:.0f} s, "
            f"{est_rss_gb:.1f} GB peak RSS, ~{est_disk_gb:.1f} GB on disk; free disk "
            f"{free_gb:.1f} GB, available memory {avail_gb:.1f} GB -> "
            f"{SCALE_FALLBACK_TRANSACTIONS / 1e6:.0f}M transactions instead")
        target = SCALE_FALLBACK_TRANSACTIONS
        customers = round(target / per_customer)
    name = "100M" if target == SCALE_TRANSACTIONS else "30M"
    print(f"  free disk {free_gb:.1f} GB, available memory {avail_gb:.1f} GB; estimated "
          f"generation {est_seconds:.0f} s", flush=True)
    idle.wait()
    meta = simulate(name, customers, "parquet")
    notes.append(f"{name} log: {meta['customers']:,} customers, {meta['transactions']:,} "
                 f"transactions, simulated in {meta['seconds']:.0f} s "
                 f"(peak RSS {meta['rss_mb'] / 1024:.1f} GB), "
                 f"{Path(meta['file']).stat().st_size / 2**30:.2f} GB Parquet")
    label = f"summary {name} tx ({meta['transactions']:,}), Parquet"
    print(f"  {label}: 1 run", flush=True)
    idle.wait()
    with idle.watch(label):
        retain = time_retain(
            ["summarise", "--transactions", meta["file"], "--time-unit", "week",
             "--calibration-end", CALIBRATION_END, "--observation-end", OBSERVATION_END,
             "--output", OUT / f"summary-{name}-retain.parquet"], 1)
    print("  " + retain.runs[0].stdout.strip(), flush=True)
    for line in notes:
        print("  note: " + line, flush=True)
    return [Row(label, retain, None, "-")], notes


def meminfo_available_gb():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def print_results(rows):
    head = (f"{'case':<52} | {'retain s':>9} | {'peer s':>9} | {'ratio peer/retain':>17} | "
            f"{'retain RSS MB':>13} | {'peer RSS MB':>11}")
    print("\n" + head)
    print("-" * len(head))
    for row in rows:
        peer_s = f"{row.peer.seconds:9.3f}" if row.peer else f"{'-':>9}"
        ratio = f"{row.ratio:16.1f}x" if row.peer else f"{'-':>17}"
        peer_rss = f"{row.peer.rss_mb:11,.0f}" if row.peer else f"{'-':>11}"
        print(f"{row.case:<52} | {row.retain.seconds:9.3f} | {peer_s} | {ratio} | "
              f"{row.retain.rss_mb:13,.0f} | {peer_rss}")


def print_targets(rows):
    print(f"\n{'target (issue)':<58} | {'measured':<36} | met?")
    print("-" * 104)

    def line(target, measured, ok):
        print(f"{target:<58} | {measured:<36} | {'yes' if ok else 'NO'}")

    for row in rows:
        if row.peer_name == "polars-python":
            ratio = row.ratio
            line(f"{row.case.split(' vs')[0]}: within {SUMMARY_TARGET}x of polars-python",
                 f"polars/retain = {ratio:.2f} (need >= {1 / SUMMARY_TARGET:.2f})",
                 ratio >= 1 / SUMMARY_TARGET)
        elif row.case.startswith("score"):
            line(f"{row.case.split(' vs')[0]}: >= {SCORING_TARGET:.0f}x lifetimes end to end",
                 f"lifetimes/retain = {row.ratio:.1f}x", row.ratio >= SCORING_TARGET)
            if "10M" in row.case:
                line("score 10M customers Parquet->Parquet <= 10 s",
                     f"{row.retain.seconds:.2f} s", row.retain.seconds <= SCORE_10M_SECONDS)
                line("score 10M customers peak RSS <= 2 GB",
                     f"{row.retain.rss_mb:,.0f} MB", row.retain.rss_mb <= SCORE_10M_RSS_MB)
        elif row.case.startswith("summary") and "Parquet" in row.case:
            name = row.case.split()[1]
            line(f"{name} transactions summarised <= {SCALE_SECONDS:.0f} s"
                 + ("" if name == "100M" else " (target is for 100M)"),
                 f"{row.retain.seconds:.2f} s, peak RSS {row.retain.rss_mb / 1024:.2f} GB",
                 row.retain.seconds <= SCALE_SECONDS)
    print("model fits: compared in `cargo bench -p retain-models --bench fit` (not here)")


# --------------------------------------------------------------------------------------------


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="only the smallest sizes: 70k-transaction summary, 1M-customer scoring")
    p.add_argument("--no-build", action="store_true", help="use target/release/retain as is")
    p.add_argument("--no-wait-idle", action="store_true",
                   help="time even while cargo/rustc processes run")
    p.add_argument("--skip", default="", help="comma-separated cases to skip: summary,score,scale")
    # Internal: one peer run in a fresh interpreter.
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--input", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    return p.parse_args()


def main():
    opts = parse_args()
    ensure_venv()
    if opts.worker:
        seconds = WORKERS[opts.worker](opts)
        print(json.dumps({"seconds": seconds}))
        return
    skip = {s.strip() for s in opts.skip.split(",") if s.strip()}
    idle = Idle(not opts.no_wait_idle)
    OUT.mkdir(parents=True, exist_ok=True)
    if not opts.no_build:
        idle.wait()
        build_retain()
    import numpy
    import pandas
    import polars
    import lifetimes  # noqa: F401

    versions = (f"python {sys.version.split()[0]}, lifetimes 0.11.3, pandas {pandas.__version__},"
                f" numpy {numpy.__version__}, polars {polars.__version__}; {os.cpu_count()} cores")
    print(versions, flush=True)
    rows, checks = [], []
    if "summary" not in skip:
        r, c = case_summary(["70k"] if opts.quick else list(LOG_SIZES), idle)
        rows, checks = rows + r, checks + c
    if "score" not in skip:
        r, c = case_scoring(["1M"] if opts.quick else list(SCORE_SIZES), idle)
        rows, checks = rows + r, checks + c
    if not opts.quick and "scale" not in skip:
        r, c = case_scale(idle)
        rows, checks = rows + r, checks + c

    print(f"\n# batch_peers results ({versions})")
    print("# median wall s (3 runs; 1 for the 7M log, 10M customers and the scale case); "
          "peers timed from read to write")
    print("# peak RSS: " + ("GNU time %M, per process" if GNU_TIME.exists() else
                            "os.wait4 ru_maxrss, upper bounds (includes this script's RSS)"))
    print_results(rows)
    print_targets(rows)
    if checks:
        print("\nchecks and notes:")
        for line in checks:
            print("  - " + line)
    if idle.contended:
        print("\nWARNING: a compiler was running at the end of: " + "; ".join(idle.contended))


if __name__ == "__main__":
    main()
