//! What [`PurchaseKind`] and [`PurchaseModel`] offer beyond the generated dispatch: names,
//! parsing, and [`PurchaseProcess`](super::PurchaseProcess)'s methods as inherent methods (so
//! callers need not import the trait), each one a call through [`PurchaseModel::process`].

use super::{KindInfo, Posterior, PurchaseKind, PurchaseModel};
use crate::ModelError;
use std::fmt;
use std::str::FromStr;

impl PurchaseKind {
    /// The CLI / artefact name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The name in the literature.
    pub fn display_name(self) -> &'static str {
        self.info().display_name
    }

    /// Parameter names in the literature's order.
    pub fn param_names(self) -> &'static [&'static str] {
        self.info().params
    }
}

impl fmt::Display for PurchaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PurchaseKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let wanted = s.to_ascii_lowercase().replace(['/', '_'], "-");
        let is = |info: &KindInfo| info.name == wanted || info.aliases.contains(&wanted.as_str());
        PurchaseKind::ALL
            .iter()
            .copied()
            .find(|k| is(k.info()))
            .ok_or_else(|| {
                let known: Vec<&str> = PurchaseKind::ALL.iter().map(|k| k.name()).collect();
                ModelError::InvalidInput {
                    field: "model",
                    reason: format!("unknown purchase model {s:?} ({})", known.join(", ")),
                }
            })
    }
}

impl PurchaseModel {
    /// The names of its kind.
    pub fn info(&self) -> &'static KindInfo {
        self.process().info()
    }

    /// Parameter names, literature order.
    pub fn names(&self) -> &'static [&'static str] {
        self.process().names()
    }

    /// Number of parameters (for AIC / BIC).
    pub fn n_params(&self) -> usize {
        self.process().n_params()
    }

    /// Parameter values, literature order.
    pub fn values(&self) -> Vec<f64> {
        self.process().values()
    }

    /// Checks the parameters (e.g. after loading an artefact): each finite and > 0, and
    /// together giving finite predictions for typical customers (see
    /// [`crate::check_predictions`]), so a model that would score `inf` or NaN is refused up
    /// front, naming its most extreme parameter.
    pub fn validate(&self) -> Result<(), ModelError> {
        self.process().validate()?;
        // Customers (x, t_x, T) in model time units, from a one-off buyer to a heavy one.
        const PROBES: [(u32, f64, f64); 4] = [
            (0, 0.0, 1.0),
            (1, 1.0, 2.0),
            (5, 20.0, 52.0),
            (50, 100.0, 104.0),
        ];
        let mut outcomes = Vec::with_capacity(PROBES.len() * 3 + 1);
        for (x, t_x, t) in PROBES {
            let post = self.posterior(x, t_x, t);
            outcomes.push(("P(alive)", Ok(self.p_alive(x, t_x, t))));
            outcomes.push(("expected purchases", post.expected_purchases(1.0)));
            outcomes.push(("expected purchases", post.expected_purchases(52.0)));
        }
        outcomes.push((
            "expected purchases of a new customer",
            self.expected_purchases_new(52.0),
        ));
        crate::check_predictions(self.names(), &self.values(), outcomes)
    }

    /// Total log-likelihood of patterns.
    pub fn log_likelihood(&self, p: &retain_core::patterns::Patterns) -> f64 {
        self.process().log_likelihood(p)
    }

    /// P(alive at T | x, t_x, T).
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        self.process().p_alive(x, t_x, t)
    }

    /// E[purchases in (T, T + horizon] | x, t_x, T].
    pub fn expected_purchases(
        &self,
        horizon: f64,
        x: u32,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ModelError> {
        self.posterior(x, t_x, t).expected_purchases(horizon)
    }

    /// One customer's posterior: P(alive) computed once, for predictions at many horizons.
    pub fn posterior(&self, x: u32, t_x: f64, t: f64) -> Posterior<'_> {
        Posterior::new(self.process(), x, t_x, t)
    }

    /// E[X(t)] for a new customer.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64, ModelError> {
        self.process().expected_purchases_new(t)
    }

    /// P(no purchase in (T, T + horizon] | x, t_x, T).
    pub fn p_no_purchase(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        self.posterior(x, t_x, t).p_no_purchase(horizon)
    }

    /// ln P(X(t) = x) for a new customer observed for `t` (see
    /// [`PurchaseProcess::ln_pmf`](super::PurchaseProcess::ln_pmf)).
    pub fn ln_pmf(&self, t: f64, x: u32) -> Result<f64, ModelError> {
        self.process().ln_pmf(t, x)
    }

    /// P(X(t) = x) for a new customer observed for `t`, in [0, 1].
    pub fn pmf(&self, t: f64, x: u32) -> Result<f64, ModelError> {
        self.process().pmf(t, x)
    }

    /// One new customer's repeat purchase times in (0, t] (see
    /// [`PurchaseProcess::simulate_customer`](super::PurchaseProcess::simulate_customer)).
    pub fn simulate_customer(
        &self,
        rng: &mut dyn rand::Rng,
        t: f64,
    ) -> Result<Vec<f64>, ModelError> {
        self.process().simulate_customer(rng, t)
    }

    /// What [`PurchaseModel::reduce_dropout`] does to the parameters, in words.
    pub fn dropout_definition(&self) -> &'static str {
        self.process().dropout_definition()
    }

    /// Whether [`Posterior::dert`] gives a value for this model.
    pub fn has_dert(&self) -> bool {
        self.process().has_dert()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_serde_tags_and_parse_back() {
        for &k in PurchaseKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
            assert_eq!(k.name().parse::<PurchaseKind>().unwrap(), k);
            for alias in k.info().aliases {
                assert_eq!(alias.parse::<PurchaseKind>().unwrap(), k);
            }
            let values: Vec<f64> = (0..k.param_names().len()).map(|i| 1.5 + i as f64).collect();
            let m = k.from_values(&values).unwrap();
            assert_eq!(m.kind(), k);
            assert_eq!(m.values(), values);
            assert_eq!(m.names(), k.param_names());
            assert_eq!(m.n_params(), values.len());
            let json = serde_json::to_value(m).unwrap();
            assert_eq!(json["kind"], k.name());
            for (name, v) in k.param_names().iter().zip(&values) {
                assert_eq!(json["params"][name], *v);
            }
            assert!(k.from_values(&values[1..]).is_err());
            let mut bad = values.clone();
            bad[0] = -1.0;
            assert!(k.from_values(&bad).is_err());
            assert_eq!(m.reduce_dropout(0.0).unwrap(), m);
            assert!(m.reduce_dropout(1.0).is_err() && m.reduce_dropout(-0.01).is_err());
            assert_eq!(
                m.has_dert(),
                m.posterior(1, 1.0, 2.0).dert(0.01).is_some(),
                "{k}"
            );
        }
        assert_eq!(
            "BG/NBD".parse::<PurchaseKind>().unwrap(),
            PurchaseKind::Bgnbd
        );
        assert_eq!(
            "pnbd".parse::<PurchaseKind>().unwrap(),
            PurchaseKind::ParetoNbd
        );
        assert_eq!(
            "MBG_NBD".parse::<PurchaseKind>().unwrap(),
            PurchaseKind::Mbgnbd
        );
        let e = "nope".parse::<PurchaseKind>().unwrap_err().to_string();
        assert!(e.contains("bgnbd, pareto-nbd, mbgnbd"), "{e}");
    }
}
