//! The output flags shared by `retain score` and `retain campaign`: which columns
//! (`--columns`), which profile (`--profile scores|crm`, `--id-map`) and how many significant
//! digits CSV floats keep (`--precision`). A [`Shape`] applies them to every frame written, so
//! one-file, chunked and partitioned runs write the same columns.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use polars::prelude::DataFrame;
use retain_io::format::OutputFormat;
use retain_io::precision::Precision;
use retain_score::ScoreError;
use retain_score::crm::{CrmProfile, IdMap};
use retain_score::score_file::ColumnSelection;
use std::path::{Path, PathBuf};

/// The output flags.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output columns by name, in this order, e.g. customer_id,churn_probability,clv. A name
    /// may leave out its horizon or unit suffix (clv for clv_52_weeks). [default: every
    /// column of the profile; see the README's score-file columns]
    #[arg(long, value_name = "NAMES")]
    columns: Option<ColumnSelection>,
    /// Columns written: `scores` (the score file) or `crm` (one profile row per customer for a
    /// CRM import: churn probability, risk tier, predicted CLV and orders over the horizon,
    /// days between orders, order value, segment, tiers, percentiles).
    #[arg(long, value_enum, default_value_t = Profile::Scores)]
    profile: Profile,
    /// With --profile crm: a two-column table (CSV with a header, or Parquet) mapping retain's
    /// customer id to the CRM's id; rows are keyed by the CRM id (first column crm_id) and
    /// customers without one are left out (their number is reported).
    #[arg(long, value_name = "FILE")]
    id_map: Option<PathBuf>,
    /// CSV output: significant digits of floats, 1 to 17 [default: the shortest text that reads
    /// back to the same number, up to 17 digits]. 6 digits make score files about a third smaller.
    #[arg(long, value_name = "DIGITS")]
    precision: Option<Precision>,
}

impl OutputArgs {
    /// The id map's path, if any (an input: never overwritten).
    pub fn id_map(&self) -> Option<&Path> {
        self.id_map.as_deref()
    }
}

/// Columns written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// The score file.
    Scores,
    /// The CRM export.
    Crm,
}

/// The output flags, checked: applied to each frame before it is written.
pub struct Shape {
    columns: Option<ColumnSelection>,
    crm: Option<CrmProfile>,
    /// CSV float digits, for the writer.
    pub precision: Option<Precision>,
    /// A description of the shape, part of a partitioned run's settings (a change rescores).
    pub settings: String,
}

impl Shape {
    /// Checks the flags against the output format (`--precision` is for CSV only) and loads
    /// the id map.
    pub fn new(a: &OutputArgs, format: OutputFormat, output: &Path) -> Result<Shape> {
        if a.precision.is_some() && format != OutputFormat::Csv {
            bail!(
                "--precision applies to CSV output; {} is Parquet, whose floats are stored exactly \
                 in binary",
                output.display()
            );
        }
        if a.id_map.is_some() && a.profile != Profile::Crm {
            bail!("--id-map keys a CRM export: give --profile crm with it");
        }
        let id_map = match &a.id_map {
            Some(p) => Some(IdMap::load(p)?),
            None => None,
        };
        let settings = format!(
            "columns {:?}; profile {:?}; id map {}; precision {:?}",
            a.columns.as_ref().map(|c| c.names().join(",")),
            a.profile,
            match &a.id_map {
                Some(p) => retain_io::fingerprint::of_file(p)?,
                None => "none".into(),
            },
            a.precision.map(Precision::digits)
        );
        Ok(Shape {
            columns: a.columns.clone(),
            crm: (a.profile == Profile::Crm).then(|| CrmProfile::new(id_map)),
            precision: a.precision,
            settings,
        })
    }

    /// The frame to write, and the customers left out for want of a CRM id.
    pub fn apply(&self, df: DataFrame) -> Result<(DataFrame, usize), ScoreError> {
        self.apply_with(df, Vec::new())
    }

    /// [`Shape::apply`] with `extra` columns (one value per input row) appended after the
    /// profile's columns, before the selection (a campaign's rank and net value).
    pub fn apply_with(
        &self,
        df: DataFrame,
        extra: Vec<polars::prelude::Column>,
    ) -> Result<(DataFrame, usize), ScoreError> {
        let frame_err = |e: polars::prelude::PolarsError| ScoreError::Frame(e.to_string());
        let (df, unmapped) = match &self.crm {
            Some(crm) => {
                let keyed = crm.keeps(&df)?;
                let mut out = crm.frame(&df)?;
                for c in extra {
                    let c = c.filter(&keyed).map_err(frame_err)?;
                    out.frame.with_column(c).map_err(frame_err)?;
                }
                (out.frame, out.unmapped)
            }
            None => {
                let mut df = df;
                for c in extra {
                    df.with_column(c).map_err(frame_err)?;
                }
                (df, 0)
            }
        };
        match &self.columns {
            Some(c) => Ok((c.select(&df)?, unmapped)),
            None => Ok((df, unmapped)),
        }
    }

    /// Whether the frame is the plain score file (campaign's list gets its own columns then).
    pub fn is_crm(&self) -> bool {
        self.crm.is_some()
    }
}
