"""lifetimes on 1M simulated customers: GammaGammaFitter (repeat buyers) and ParetoNBDFitter,
the peer side of the 1M cases of `cargo bench -p retain-models --bench fit`.

Run with the venv bench/batch_peers.py makes: target/bench-venv/bin/python bench/peer_fit_1m.py
[--pareto]  (ParetoNBDFitter on 1M takes minutes: 274 s here).

Same generating model as crates/models/benches/fit.rs (BG/NBD r .243 alpha 4.414 a .793 b 2.426,
ages 13 + (i*7919 % 365)/7 weeks, day-resolution purchase times; spend Gamma-Gamma p 6.25 q 3.74
gamma 15.44), drawn with numpy (other random numbers, same distributions and size)."""
import sys, time
import numpy as np
from lifetimes import GammaGammaFitter, ParetoNBDFitter
rng = np.random.default_rng(42)
n = 1_000_000
T = 13.0 + ((np.arange(n) * 7919) % 365) / 7.0
lam = rng.gamma(0.243, 1 / 4.414, n)
p = rng.beta(0.793, 2.426, n)
x = np.zeros(n, dtype=np.int64); tx = np.zeros(n)
# BG/NBD: purchases at rate lam; after each, drop with prob p.
for i in range(n):
    t = 0.0; k = 0; last = 0.0
    while True:
        t += rng.exponential(1 / lam[i]) if lam[i] > 0 else np.inf
        if t > T[i]: break
        k += 1; last = t
        if rng.random() < p[i]: break
    x[i] = k; tx[i] = np.floor(last * 7) / 7
nu = rng.gamma(3.74, 1 / 15.44, n)
m = np.where(x > 0, rng.gamma(6.25 * np.maximum(x, 1), 1 / nu) / np.maximum(x, 1), 0.0)
rep = x > 0
print(f"repeat buyers {rep.sum()}", flush=True)
t0 = time.perf_counter(); gg = GammaGammaFitter(0.0).fit(x[rep], m[rep]); t1 = time.perf_counter()
print(f"lifetimes GammaGammaFitter 1M ({rep.sum()} repeat buyers): {t1-t0:.2f} s  {gg.params_.to_dict()}", flush=True)
if "--pareto" in sys.argv:
    t0 = time.perf_counter(); pf = ParetoNBDFitter(0.0).fit(x, tx, T); t1 = time.perf_counter()
    print(f"lifetimes ParetoNBDFitter 1M: {t1-t0:.2f} s  {pf.params_.to_dict()}", flush=True)
