//! Synthetic transaction logs from buy-till-you-die parameters (`retain simulate`): the
//! ground truth for parameter-recovery tests, scale tests and benchmarks.
//!
//! Customer *i* is acquired on a day drawn uniformly from `[start, acquisition_end]` with a
//! first purchase that day, then buys and drops out as the purchase model says until `end`
//! (inclusive). Purchase times are continuous in the model's time unit and recorded on the
//! day they fall in. With a Gamma-Gamma spend model, each customer draws a mean-spend rate
//! ν ~ Gamma(q, rate γ) and every purchase (the first included) an amount ~ Gamma(p, rate ν);
//! without one, every amount is 1.
//!
//! Every customer has its own random stream, derived from the seed and its index, so a log is
//! the same whatever the number of partitions it is written in.

use crate::TrainError;
use polars::prelude::*;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Gamma, Uniform};
use rayon::prelude::*;
use retain_core::time::{Day, TimeUnit, date_of};
use retain_io::format::OutputFormat;
use retain_io::write::{write_frame, write_frame_as};
use retain_models::btyd::PurchaseModel;
use retain_models::btyd::simulate::simulate;
use retain_models::spend::gammagamma::GammaGamma;
use std::path::{Path, PathBuf};

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationSpec {
    /// Purchase and dropout model.
    pub purchase: PurchaseModel,
    /// Spend per purchase (None: every amount is 1).
    pub spend: Option<GammaGamma>,
    /// Time unit of the purchase model's parameters.
    pub unit: TimeUnit,
    /// Number of customers.
    pub customers: usize,
    /// First possible acquisition day.
    pub start: Day,
    /// Last possible acquisition day.
    pub acquisition_end: Day,
    /// Last day observed.
    pub end: Day,
    /// Seed of every random draw.
    pub seed: u64,
}

/// One partition of a simulated log, column-wise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimulatedLog {
    /// Customer id per transaction.
    pub customer_id: Vec<String>,
    /// Day per transaction.
    pub day: Vec<Day>,
    /// Amount per transaction.
    pub amount: Vec<f64>,
}

/// Most transactions a simulation may be expected to write: 50 million (about 1.5 GB of CSV;
/// a partition's log is held in memory at about 60 bytes a transaction). The expectation is
/// the customers times (1 + E[X(t)]) of a customer acquired on the first day.
pub const MAX_SIMULATED_TRANSACTIONS: f64 = 5e7;

impl SimulationSpec {
    /// The expected number of transactions: every customer's first purchase plus E[X(t)] of a
    /// new customer observed from the first acquisition day to the end (an upper bound).
    pub fn expected_transactions(&self) -> Result<f64, TrainError> {
        let t = f64::from(self.end - self.start) / self.unit.days();
        let repeat = self.purchase.expected_purchases_new(t)?;
        Ok(self.customers as f64 * (1.0 + repeat))
    }

    /// Checks dates, counts, parameters and the expected output size
    /// ([`MAX_SIMULATED_TRANSACTIONS`]), before anything is simulated.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.customers == 0 {
            return Err(TrainError::setting("--customers", "must be at least 1"));
        }
        if self.acquisition_end < self.start || self.end < self.acquisition_end {
            return Err(TrainError::setting(
                "dates",
                format!(
                    "must satisfy start <= acquisition end <= end (got {}, {}, {})",
                    date_of(self.start),
                    date_of(self.acquisition_end),
                    date_of(self.end)
                ),
            ));
        }
        self.purchase.validate()?;
        if let Some(gg) = &self.spend {
            gg.validate()?;
            // ν ~ Gamma(q, scale 1/γ), amounts ~ Gamma(p, scale 1/ν): both scales and the
            // mean amount p γ / (q − 1) must be ordinary finite numbers.
            let mean = if gg.q > 1.0 {
                gg.p * gg.gamma / (gg.q - 1.0)
            } else {
                gg.p * gg.gamma
            };
            if !(1.0 / gg.gamma).is_normal() || !mean.is_finite() || !(1.0 / mean).is_normal() {
                return Err(TrainError::setting(
                    "--spend",
                    format!(
                        "p={}, q={}, gamma={} give non-finite amounts (mean amount {mean:e})",
                        gg.p, gg.q, gg.gamma
                    ),
                ));
            }
        }
        let expected = self.expected_transactions()?;
        if expected.is_nan() || expected > MAX_SIMULATED_TRANSACTIONS {
            return Err(TrainError::setting(
                "--customers",
                format!(
                    "with these purchase parameters, {} customers are expected to give \
                     {expected:.3e} transactions; at most {MAX_SIMULATED_TRANSACTIONS:.0} are \
                     allowed (fewer customers, a shorter window or lower rates)",
                    self.customers
                ),
            ));
        }
        Ok(())
    }

    /// Simulates customers `range` (indices into 0..customers), in order.
    pub fn customers(&self, range: std::ops::Range<usize>) -> Result<SimulatedLog, TrainError> {
        let per_customer = range
            .into_par_iter()
            .with_min_len(256)
            .map(|i| self.customer(i))
            .collect::<Result<Vec<_>, _>>()?;
        let mut log = SimulatedLog::default();
        for (id, days, amounts) in per_customer {
            log.customer_id.extend(std::iter::repeat_n(id, days.len()));
            log.day.extend(days);
            log.amount.extend(amounts);
        }
        Ok(log)
    }

    /// Customer `i`: id, purchase days (first purchase first) and amounts.
    fn customer(&self, i: usize) -> Result<(String, Vec<Day>, Vec<f64>), TrainError> {
        // SplitMix-style mixing so neighbouring indices get unrelated streams.
        let stream = self
            .seed
            .wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream);
        let acquired = Uniform::new_inclusive(self.start, self.acquisition_end)
            .map_err(invalid)?
            .sample(&mut rng);
        let unit_days = self.unit.days();
        let t = f64::from(self.end - acquired) / unit_days;
        let sim = simulate(&self.purchase, &[t], stream ^ 0x5851_F42D_4C95_7F2D)?;
        let mut days = Vec::with_capacity(sim[0].purchases.len() + 1);
        days.push(acquired);
        for &p in &sim[0].purchases {
            let day = acquired + (p * unit_days).floor() as Day;
            days.push(day.min(self.end));
        }
        let amounts = match &self.spend {
            None => vec![1.0; days.len()],
            Some(gg) => {
                let nu = Gamma::new(gg.q, 1.0 / gg.gamma)
                    .map_err(invalid)?
                    .sample(&mut rng);
                let z = Gamma::new(gg.p, 1.0 / nu).map_err(invalid)?;
                let amounts: Vec<f64> = (0..days.len()).map(|_| z.sample(&mut rng)).collect();
                // A rare draw of ν near 0 can still overflow: refuse, never write `inf`.
                if amounts.iter().any(|a| !a.is_finite()) {
                    return Err(TrainError::setting(
                        "--spend",
                        format!(
                            "p={}, q={}, gamma={} gave a non-finite amount (customer {i})",
                            gg.p, gg.q, gg.gamma
                        ),
                    ));
                }
                amounts
            }
        };
        Ok((format!("c{i:09}"), days, amounts))
    }
}

/// A gamma distribution the spend parameters cannot make.
fn invalid(e: impl std::fmt::Display) -> TrainError {
    TrainError::setting("--spend", e.to_string())
}

impl SimulatedLog {
    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// No transactions.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// As a frame with columns `customer_id`, `date` (a date) and `amount`.
    pub fn to_frame(&self) -> Result<DataFrame, TrainError> {
        let date = Column::new("date".into(), &self.day)
            .cast(&DataType::Date)
            .map_err(|e| TrainError::Frame(e.to_string()))?;
        DataFrame::new_infer_height(vec![
            Column::new("customer_id".into(), &self.customer_id),
            date,
            Column::new("amount".into(), &self.amount),
        ])
        .map_err(|e| TrainError::Frame(e.to_string()))
    }
}

/// Simulates `spec` into the one file `path` in `format` (`-`: standard output). Returns the
/// number of transactions.
pub fn write_one(
    spec: &SimulationSpec,
    path: &Path,
    format: OutputFormat,
) -> Result<usize, TrainError> {
    spec.validate()?;
    let log = spec.customers(0..spec.customers)?;
    write_frame_as(&mut log.to_frame()?, path, format, None)?;
    Ok(log.len())
}

/// Simulates `spec` into `partitions` files `part-00000.EXT`… under `dir` (customers split
/// into contiguous ranges, so every customer is in exactly one partition); each file is
/// written atomically. Returns the files and their transaction counts.
pub fn write_partitions(
    spec: &SimulationSpec,
    partitions: usize,
    dir: &Path,
    extension: &str,
) -> Result<Vec<(PathBuf, usize)>, TrainError> {
    write_partitions_with(spec, partitions, dir, extension, &mut |_, _| {})
}

/// [`write_partitions`], calling `done(k, n)` after each of the n partitions is written
/// (for progress).
pub fn write_partitions_with(
    spec: &SimulationSpec,
    partitions: usize,
    dir: &Path,
    extension: &str,
    done: &mut dyn FnMut(usize, usize),
) -> Result<Vec<(PathBuf, usize)>, TrainError> {
    spec.validate()?;
    let k = partitions.clamp(1, spec.customers);
    let mut out = Vec::with_capacity(k);
    for part in 0..k {
        let range = (spec.customers * part / k)..(spec.customers * (part + 1) / k);
        let log = spec.customers(range)?;
        let path = dir.join(format!("part-{part:05}.{extension}"));
        write_frame(&mut log.to_frame()?, &path)?;
        out.push((path, log.len()));
        done(part + 1, k);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_models::btyd::bgnbd::BgNbd;

    fn spec(customers: usize) -> SimulationSpec {
        SimulationSpec {
            purchase: PurchaseModel::Bgnbd(BgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            }),
            spend: Some(GammaGamma {
                p: 6.25,
                q: 3.74,
                gamma: 15.44,
            }),
            unit: TimeUnit::Week,
            customers,
            start: 9862, // 1997-01-01
            acquisition_end: 9952,
            end: 10407,
            seed: 7,
        }
    }

    #[test]
    fn logs_are_reproducible_and_independent_of_partitioning() {
        let s = spec(1000);
        let whole = s.customers(0..1000).unwrap();
        let a = s.customers(0..400).unwrap();
        let b = s.customers(400..1000).unwrap();
        assert_eq!(whole.len(), a.len() + b.len());
        assert_eq!(whole.day[..a.len()], a.day[..]);
        assert_eq!(whole.amount[a.len()..], b.amount[..]);
        assert_eq!(whole, s.customers(0..1000).unwrap());
        let mut other = s.clone();
        other.seed = 8;
        assert_ne!(whole.day, other.customers(0..1000).unwrap().day);
    }

    #[test]
    fn every_customer_buys_on_acquisition_and_nothing_falls_outside_the_window() {
        let s = spec(2000);
        let log = s.customers(0..2000).unwrap();
        let mut first: std::collections::HashMap<&str, Day> = Default::default();
        for i in 0..log.len() {
            assert!(log.day[i] >= s.start && log.day[i] <= s.end);
            assert!(log.amount[i] > 0.0 && log.amount[i].is_finite());
            let f = first.entry(&log.customer_id[i]).or_insert(log.day[i]);
            assert!(*f <= log.day[i], "days ascend per customer");
            assert!(*f <= s.acquisition_end);
        }
        assert_eq!(first.len(), 2000);
        // Gamma-Gamma: the mean amount is p·γ/(q − 1) ≈ 35.8; 2,000 customers pin it to ±10%.
        let mean = log.amount.iter().sum::<f64>() / log.len() as f64;
        assert!((mean - 6.25 * 15.44 / 2.74).abs() < 0.1 * 35.2, "{mean}");
    }

    #[test]
    fn extreme_parameters_are_refused_before_simulating() {
        use retain_models::btyd::paretonbd::ParetoNbd;
        // 1e12 purchases a week per customer: refused up front, in no time and no memory.
        let mut s = spec(10);
        s.purchase = PurchaseModel::ParetoNbd(ParetoNbd {
            r: 1e6,
            alpha: 1e-6,
            s: 1.0,
            beta: 1.0,
        });
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("at most 50000000"), "{e}");
        // Amounts that overflow to inf.
        let mut s = spec(10);
        s.spend = Some(GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 1e308,
        });
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("non-finite"), "{e}");
        // The ordinary spec is well inside the limit.
        assert!(spec(1000).expected_transactions().unwrap() < 1e4);
        spec(1000).validate().unwrap();
    }

    #[test]
    fn bad_specs_are_errors() {
        let mut s = spec(10);
        s.end = s.start - 1;
        assert!(s.validate().is_err());
        let mut s = spec(0);
        s.customers = 0;
        assert!(s.validate().is_err());
    }
}
