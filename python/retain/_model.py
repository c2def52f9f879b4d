"""Fitted models: CLV (BTYD purchase model + Gamma-Gamma spend) and churn classifiers. The
artefact files are the ones ``retain score``, ``retain inspect`` and ``retain serve`` read."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Union

from . import _frames
from . import _retain

PathLike = Union[str, "os.PathLike[str]"]


class Model:
    """A fitted model; use :func:`retain.load`, :func:`retain.fit_clv` or
    :func:`retain.train_churn` to get one."""

    def __init__(self, inner: "_retain.Model") -> None:
        self._inner = inner
        self._artefact: Dict[str, Any] = json.loads(inner.to_json())

    @property
    def kind(self) -> str:
        """``"clv"`` or ``"churn"``."""
        return self._inner.kind

    @property
    def version(self) -> str:
        """Content version (12 hex digits), as the CLI, the server and score manifests report it.
        Set when the model is saved or loaded."""
        return self._inner.version

    def to_json(self) -> str:
        """The artefact's JSON text (what :func:`retain.loads` and the workers of
        :mod:`retain.spark` / :mod:`retain.dask` read)."""
        return self._inner.to_json()

    @property
    def artefact(self) -> Dict[str, Any]:
        """The whole artefact (parameters, fit, metrics, training data) as a dict."""
        return self._artefact

    def save(self, path: PathLike) -> None:
        """Writes the artefact atomically to ``path`` (a ``.json`` file; its stem becomes the
        model name). The CLI and the server load it as they load their own."""
        self._inner.save(os.fspath(path))

    def __repr__(self) -> str:
        return f"<retain.{type(self).__name__} {self.summary().splitlines()[0]}>"

    def summary(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class ClvModel(Model):
    """A buy-till-you-die CLV model: purchases (BG/NBD, Pareto/NBD or MBG/NBD) and spend
    (Gamma-Gamma). Time parameters (alpha, beta) are in :attr:`time_unit`."""

    @property
    def model(self) -> str:
        """The purchase model: ``bgnbd``, ``pareto-nbd`` or ``mbgnbd``."""
        return self._artefact["purchase"]["kind"]

    @property
    def time_unit(self) -> str:
        """Unit of every time parameter and of the summaries: day, week, month or year."""
        return self._artefact["time_unit"]

    def _fits(self) -> List[Dict[str, Any]]:
        fits = [self._artefact["purchase_fit"]]
        if self._artefact.get("spend_fit"):
            fits.append(self._artefact["spend_fit"])
        return fits

    @property
    def params(self) -> Dict[str, float]:
        """Maximum-likelihood parameters: the purchase model's (e.g. r, alpha, a, b), then
        Gamma-Gamma's p, q, gamma when spend was fitted."""
        return {p["name"]: p["value"] for f in self._fits() for p in f["params"]}

    @property
    def standard_errors(self) -> Dict[str, float]:
        """Standard errors of :attr:`params` (from the Hessian of the log-likelihood)."""
        return {p["name"]: p["std_error"] for f in self._fits() for p in f["params"]}

    @property
    def log_likelihood(self) -> float:
        """Log-likelihood of the purchase model at the optimum."""
        return self._artefact["purchase_fit"]["log_likelihood"]

    @property
    def candidates(self) -> List[Dict[str, Any]]:
        """Every purchase model tried (with ``model="all"``), with its fit and holdout metrics."""
        return self._artefact["candidates"]

    def summary(self) -> str:
        """The parameters with standard errors, log-likelihood and how the model was chosen."""
        a = self._artefact
        fit = a["purchase_fit"]
        lines = [
            f"{self.model} ({self.time_unit}s), {fit['customers']} customers, "
            f"{fit['patterns']} patterns, log-likelihood {fit['log_likelihood']:.4f}"
        ]
        for f in self._fits():
            for p in f["params"]:
                lines.append(f"  {p['name']:<6} {p['value']:>14.6f}  (se {p['std_error']:.6f})")
        lines.append(f"chosen: {a['selection']}")
        return "\n".join(lines)

    def score(
        self,
        table: Any,
        as_of: Optional[str] = None,
        horizon: str = "52w",
        customer_col: str = "customer_id",
        date_col: str = "date",
        amount_col: str = "amount",
        date_format: Optional[str] = None,
        timezone: Optional[str] = None,
        summary_unit: Optional[str] = None,
        clv_step: Optional[str] = None,
        discount: Optional[str] = None,
        segments: Optional[PathLike] = None,
        high_risk: Optional[float] = None,
        medium_risk: Optional[float] = None,
    ) -> Any:
        """Scores every customer; returns the columns of ``retain score`` in the type of
        ``table`` (pyarrow, polars or pandas).

        ``table`` is a transaction log (one row per purchase: ``customer_col``, ``date_col``,
        ``amount_col``; scored as of ``as_of``, ``YYYY-MM-DD``, inclusive) or per-customer
        summaries (lifetimes' columns ``frequency``, ``recency``, ``T``, ``monetary_value``, or
        ``recency_weeks``/``T_weeks`` as :func:`retain.summarise` writes them; times in
        ``summary_unit``, the model's unit by default). ``horizon`` (``52w``, ``12mo``, ``1y``),
        ``clv_step`` and ``discount`` (``10%/year``) have units; the model's defaults apply when
        omitted. ``segments`` is a TOML rules file (default: the built-in rules).

        Output: ``customer_id, x, t_x_<unit>, T_<unit>, p_alive, churn_probability,
        risk_tier, expected_purchases_<horizon>, p_no_purchase_<horizon>, expected_spend,
        clv_<horizon>, value_at_risk_<horizon>`` (+ ``dert``,
        ``discounted_residual_value`` for Pareto/NBD), RFM scores and segment, value tier and
        percentile ranks."""
        arrow, kind = _frames.to_arrow(table)
        source = _frames.source_name(kind)
        segments = None if segments is None else os.fspath(segments)
        if date_col in arrow.column_names:
            if as_of is None:
                raise ValueError(
                    "as_of: a transaction log is scored as of a day (YYYY-MM-DD); give as_of"
                )
            out = self._inner.score_transactions(
                _frames.stream(arrow), source, as_of, horizon, clv_step, discount,
                customer_col, date_col, amount_col, date_format, timezone, segments,
                high_risk, medium_risk,
            )
        elif "frequency" in arrow.column_names:
            out = self._inner.score_summaries(
                _frames.stream(arrow), source, summary_unit, horizon, clv_step, discount,
                customer_col, segments, high_risk, medium_risk,
            )
        else:
            raise ValueError(
                f"{source}: neither a transaction log (no column {date_col!r}) nor summaries "
                f"(no column 'frequency'); columns: {', '.join(arrow.column_names)}"
            )
        return _frames.from_stream(out, kind)


class ChurnModel(Model):
    """A churn classifier (logistic regression, boosted trees or a random forest, calibrated)
    with its cross-validation report."""

    @property
    def model(self) -> str:
        """The chosen classifier."""
        fitted = self._artefact["fitted"]["model"]
        return fitted.get("kind", "?") if isinstance(fitted, dict) else str(fitted)

    @property
    def cv_report(self) -> List[Dict[str, Any]]:
        """Cross-validation of every candidate: per-fold and summary metrics (ROC AUC, PR AUC,
        log loss, Brier score, top-decile lift), the calibration chosen, seconds."""
        return self._artefact["cv"]

    def summary(self) -> str:
        """The candidates' cross-validated metrics (mean ± std over folds) and the choice."""
        lines = [f"churn classifier, {self._artefact['data']['rows']} rows"]
        for r in self.cv_report:
            cells = ", ".join(
                f"{name} {ms['mean']:.4f} ± {ms['std']:.4f}" for name, ms in r["summary"]
            )
            lines.append(f"  {r['model']}: {cells}")
        lines.append(f"chosen: {self._artefact['selection']}")
        return "\n".join(lines)

    def score(
        self,
        table: Any,
        drivers: int = 3,
        segments: Optional[PathLike] = None,
        high_risk: Optional[float] = None,
        medium_risk: Optional[float] = None,
    ) -> Any:
        """Scores a customer table; returns the columns of ``retain score --data`` in the type
        of ``table``: ``customer_id, churn_probability, risk_tier`` (+ subscription value with a
        margin: ``expected_lifetime_months, clv_lifetime, value_at_risk_lifetime``), the top
        ``drivers`` as ``driver_k, driver_k_log_odds``, value tier and percentiles."""
        arrow, kind = _frames.to_arrow(table)
        segments = None if segments is None else os.fspath(segments)
        out = self._inner.score_table(
            _frames.stream(arrow), _frames.source_name(kind), drivers, segments, high_risk,
            medium_risk,
        )
        return _frames.from_stream(out, kind)


def wrap(inner: "_retain.Model") -> Model:
    return ClvModel(inner) if inner.kind == "clv" else ChurnModel(inner)


def load(path: PathLike) -> Model:
    """Loads a model artefact written by ``retain train``, :meth:`Model.save` or the server's
    model directory. Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for a
    corrupt, truncated or other-version one."""
    return wrap(_retain.load(os.fspath(path)))


def loads(text: str) -> Model:
    """A model from its artefact's JSON text (checked as a file is)."""
    return wrap(_retain.loads(text))


_CACHE: Dict[str, Model] = {}


def cached(text: str) -> Model:
    """The model of an artefact text, parsed once per worker process (Spark and Dask tasks
    reuse it)."""
    model = _CACHE.get(text)
    if model is None:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        model = _CACHE[text] = loads(text)
    return model
