"""Type hints of the Rust extension (python/src). Tables are ``arrow_array_stream``
PyCapsules (the Arrow C stream interface); use the wrappers in :mod:`retain`."""

from typing import Any, List, Optional

__version__: str

Capsule = Any

class Model:
    @property
    def kind(self) -> str: ...
    @property
    def version(self) -> str: ...
    def to_json(self) -> str: ...
    def save(self, path: str) -> None: ...
    def score_transactions(
        self,
        table: Capsule,
        source: str,
        as_of: str,
        horizon: str,
        clv_step: Optional[str],
        discount: Optional[str],
        customer_col: str,
        date_col: str,
        amount_col: str,
        date_format: Optional[str],
        timezone: Optional[str],
        segments: Optional[str],
        high_risk: Optional[float],
        medium_risk: Optional[float],
    ) -> Capsule: ...
    def score_summaries(
        self,
        table: Capsule,
        source: str,
        unit: Optional[str],
        horizon: str,
        clv_step: Optional[str],
        discount: Optional[str],
        customer_col: str,
        segments: Optional[str],
        high_risk: Optional[float],
        medium_risk: Optional[float],
    ) -> Capsule: ...
    def score_table(
        self,
        table: Capsule,
        source: str,
        drivers: int,
        segments: Optional[str],
        high_risk: Optional[float],
        medium_risk: Optional[float],
    ) -> Capsule: ...

def load(path: str) -> Model: ...
def loads(text: str) -> Model: ...
def summarise(
    table: Capsule,
    source: str,
    customer_col: str,
    date_col: str,
    amount_col: str,
    date_format: Optional[str],
    timezone: Optional[str],
    time_unit: str,
    calibration_end: str,
    observation_end: Optional[str],
) -> Capsule: ...
def fit_clv(
    table: Capsule,
    source: str,
    patterns: bool,
    customer_col: Optional[str],
    count_col: Optional[str],
    weights_col: Optional[str],
    time_unit: str,
    model: str,
    spend: bool,
    penalty: float,
    clv_step: str,
    discount: str,
    name: str,
    call: str,
    spend_table: Optional[Capsule] = None,
) -> Model: ...
def train_churn(
    table: Capsule,
    source: str,
    target: str,
    positive: str,
    id: Optional[str],
    drop: List[str],
    categorical: List[str],
    model: str,
    metric: str,
    folds: int,
    seed: int,
    alpha: float,
    calibrate: bool,
    margin: Optional[str],
    margin_rate: float,
    period: str,
    discount: str,
    horizon: Optional[str],
    high_risk: float,
    medium_risk: float,
    name: str,
    call: str,
) -> Model: ...
