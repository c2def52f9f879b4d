//! Per-customer summaries read from a file (CSV or Parquet), for scoring a base that is
//! already summarised: one row per customer with the repeat purchases, recency, age and mean
//! repeat spend, in a stated time unit. Column names default to those of lifetimes'
//! `summary_data_from_transaction_data` (`frequency`, `recency`, `T`, `monetary_value`).

use crate::IoError;
use polars::prelude::*;
use retain_core::summary::Summaries;
use retain_core::time::TimeUnit;
use std::path::Path;

/// Column names of a summary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryColumns {
    /// Customer id.
    pub id: String,
    /// Repeat purchases (x).
    pub x: String,
    /// Time from the first to the last purchase (t_x).
    pub t_x: String,
    /// Time from the first purchase to the as-of date (T).
    pub t: String,
    /// Mean repeat purchase value (optional for models without spend).
    pub monetary: String,
}

impl Default for SummaryColumns {
    fn default() -> Self {
        SummaryColumns {
            id: "customer_id".into(),
            x: "frequency".into(),
            t_x: "recency".into(),
            t: "T".into(),
            monetary: "monetary_value".into(),
        }
    }
}

/// A file of summaries held as read (one partition's data), converted to model-unit
/// summaries a chunk of rows at a time, so that scoring a large file keeps one chunk's
/// intermediates, not the whole file's, beside the data.
pub struct SummaryFrame {
    path: std::path::PathBuf,
    df: DataFrame,
    /// Resolved column names: id, x, t_x, t, monetary (if needed).
    names: [String; 4],
    monetary: Option<String>,
    /// Factor from the file's unit to the model's.
    k: f64,
    /// Where a bad value is: a file's line (its header is line 1) or an in-memory table's
    /// 1-based row.
    rows: RowLabel,
}

/// How a bad value's position is named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowLabel {
    /// `line N` of a text file with a header.
    Line,
    /// `row N` (1-based) of an in-memory table.
    Row,
}

/// Summaries of a chunk, in the model's unit, and the chunk's customer ids as read.
pub struct SummaryChunk {
    /// Customer ids (a slice of the file's column, as text).
    pub ids: Column,
    /// Repeat purchases, recency, age, mean repeat spend; `ids` is left empty (the ids stay in
    /// polars, see [`SummaryChunk::ids`]).
    pub summaries: Summaries,
}

fn polars_err(path: &Path) -> impl Fn(PolarsError) -> IoError + '_ {
    move |e| IoError::read(path, e)
}

impl SummaryFrame {
    /// Reads the columns of `cols` from `path` (CSV with a header, or Parquet); `unit` is the
    /// unit of its recency and T columns, `model_unit` the model's.
    pub fn open(
        path: &Path,
        delimiter: u8,
        cols: &SummaryColumns,
        unit: TimeUnit,
        model_unit: TimeUnit,
        need_monetary: bool,
    ) -> Result<SummaryFrame, IoError> {
        let open = || Self::open_unguarded(path, delimiter, cols, unit, model_unit, need_monetary);
        if crate::format::is_parquet(path) {
            crate::parquet_guard::checked(path, open)
                .map_err(|reason| IoError::table(path, reason))?
        } else {
            open()
        }
    }

    fn open_unguarded(
        path: &Path,
        delimiter: u8,
        cols: &SummaryColumns,
        unit: TimeUnit,
        model_unit: TimeUnit,
        need_monetary: bool,
    ) -> Result<SummaryFrame, IoError> {
        if !path.is_file() {
            return Err(IoError::table(path, "no such file"));
        }
        let parquet = crate::format::is_parquet(path);
        let pl_path = PlRefPath::new(path.to_string_lossy().as_ref());
        let lf = if parquet {
            LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default())
                .map_err(polars_err(path))?
        } else {
            // Every column as text: values are parsed here, so errors can name line and column.
            LazyCsvReader::new(pl_path)
                .with_has_header(true)
                .with_separator(delimiter)
                .with_infer_schema_length(Some(0))
                .with_missing_is_null(true)
                .finish()
                .map_err(polars_err(path))?
        };
        Self::from_lazy(
            path,
            lf,
            cols,
            unit,
            model_unit,
            need_monetary,
            RowLabel::Line,
        )
    }

    /// Summaries held in memory (a table handed over by the Python package): the same columns
    /// and checks as a file, with bad values named by `source`, the column and the 1-based row.
    pub fn from_frame(
        df: DataFrame,
        source: &str,
        cols: &SummaryColumns,
        unit: TimeUnit,
        model_unit: TimeUnit,
        need_monetary: bool,
    ) -> Result<SummaryFrame, IoError> {
        let path = Path::new(source);
        Self::from_lazy(
            path,
            df.lazy(),
            cols,
            unit,
            model_unit,
            need_monetary,
            RowLabel::Row,
        )
    }

    fn from_lazy(
        path: &Path,
        mut lf: LazyFrame,
        cols: &SummaryColumns,
        unit: TimeUnit,
        model_unit: TimeUnit,
        need_monetary: bool,
        rows: RowLabel,
    ) -> Result<SummaryFrame, IoError> {
        let schema = lf.collect_schema().map_err(polars_err(path))?;
        let available: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        let missing = |name: &str| {
            IoError::table(
                path,
                format!("no column {name:?} (columns: {})", available.join(", ")),
            )
        };
        // `recency_weeks` (as `retain summarise` writes it, the unit in the name) or `recency`.
        let resolve = |name: &str| -> Result<String, IoError> {
            let with_unit = format!("{name}_{}", unit.plural());
            if available.contains(&with_unit) {
                Ok(with_unit)
            } else if available.iter().any(|a| a == name) {
                Ok(name.to_string())
            } else {
                Err(missing(name))
            }
        };
        if !available.contains(&cols.id) {
            return Err(missing(&cols.id));
        }
        let names = [
            cols.id.clone(),
            resolve(&cols.x)?,
            resolve(&cols.t_x)?,
            resolve(&cols.t)?,
        ];
        let monetary = if need_monetary {
            Some(resolve(&cols.monetary)?)
        } else {
            None
        };
        let mut select: Vec<Expr> = names
            .iter()
            .map(|n| polars::prelude::col(n.as_str()))
            .collect();
        if let Some(m) = &monetary {
            select.push(polars::prelude::col(m.as_str()));
        }
        let df = lf.select(select).collect().map_err(polars_err(path))?;
        if df.height() == 0 {
            return Err(IoError::table(path, "no data rows"));
        }
        Ok(SummaryFrame {
            path: path.to_path_buf(),
            df,
            names,
            monetary,
            k: unit.days() / model_unit.days(),
            rows,
        })
    }

    /// Rows in the file.
    pub fn len(&self) -> usize {
        self.df.height()
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.df.height() == 0
    }

    /// Rows `offset..offset + len` as checked summaries; errors name the file, the line (as in
    /// a CSV file with a header) and the column.
    pub fn chunk(&self, offset: usize, len: usize) -> Result<SummaryChunk, IoError> {
        let path = &self.path;
        let bad = |row: usize, name: &str, why: String| {
            let at = match self.rows {
                RowLabel::Line => format!("line {}", offset + row + 2),
                RowLabel::Row => format!("row {}", offset + row + 1),
            };
            IoError::table(path, format!("{at}, column {name:?}: {why}"))
        };
        let part = self.df.slice(offset as i64, len);
        let n = part.height();
        let column = |name: &str| -> Result<&Column, IoError> {
            part.column(name).map_err(polars_err(path))
        };
        // A numeric column as f64s, or a text column parsed (missing markers are None).
        let parse = |name: &str| -> Result<Vec<Option<f64>>, IoError> {
            let c = column(name)?;
            if c.dtype() == &DataType::String {
                c.str()
                    .map_err(polars_err(path))?
                    .iter()
                    .enumerate()
                    .map(
                        |(row, v)| match v.filter(|t| !crate::table::is_missing(t)) {
                            Some(t) => t
                                .trim()
                                .parse::<f64>()
                                .map(Some)
                                .map_err(|_| bad(row, name, format!("{t:?} is not a number"))),
                            None => Ok(None),
                        },
                    )
                    .collect()
            } else if c.dtype().is_primitive_numeric() {
                let f = c.cast(&DataType::Float64).map_err(polars_err(path))?;
                Ok(f.f64().map_err(polars_err(path))?.iter().collect())
            } else {
                Err(bad(
                    0,
                    name,
                    format!("expected numbers, found {}", c.dtype()),
                ))
            }
        };
        let check = |row: usize, name: &str, v: Option<f64>| match v {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
            Some(x) => Err(bad(row, name, format!("{x} must be finite and >= 0"))),
            None => Err(bad(row, name, "missing value".into())),
        };
        let numbers = |name: &str| -> Result<Vec<f64>, IoError> {
            parse(name)?
                .into_iter()
                .enumerate()
                .map(|(row, v)| check(row, name, v))
                .collect()
        };
        let [id_name, x_name, tx_name, t_name] = &self.names;
        let ids = column(id_name)?
            .cast(&DataType::String)
            .map_err(polars_err(path))?;
        if let Some(row) = ids
            .str()
            .map_err(polars_err(path))?
            .iter()
            .position(|v| v.is_none_or(crate::table::is_missing))
        {
            return Err(bad(row, id_name, "missing customer id".into()));
        }
        let xs = numbers(x_name)?;
        let (t_xs, ts) = (numbers(tx_name)?, numbers(t_name)?);
        // Customers without repeat purchases may leave the mean spend empty (it is 0).
        let ms = match &self.monetary {
            Some(m) => Some(parse(m)?),
            None => None,
        };
        let mut s = Summaries::default();
        s.x.reserve(n);
        s.t_x.reserve(n);
        s.t.reserve(n);
        s.monetary.reserve(n);
        for row in 0..n {
            let x = xs[row];
            if x.fract() != 0.0 || x > f64::from(u32::MAX) {
                return Err(bad(
                    row,
                    x_name,
                    format!("{x} is not a whole number of purchases"),
                ));
            }
            let (t_x, t) = (t_xs[row], ts[row]);
            if t_x > t {
                return Err(bad(row, tx_name, format!("recency {t_x} is after T = {t}")));
            }
            if x > 0.0 && t_x == 0.0 {
                return Err(bad(
                    row,
                    tx_name,
                    format!("{x} repeat purchases need recency > 0"),
                ));
            }
            // Recency is the time to the last *repeat* purchase: without one it is 0 (as
            // lifetimes writes it); anything else is a corrupt row, not a customer to score.
            if x == 0.0 && t_x != 0.0 {
                return Err(bad(
                    row,
                    tx_name,
                    format!("recency {t_x} with 0 repeat purchases (must be 0)"),
                ));
            }
            let monetary = match (&ms, &self.monetary) {
                (Some(m), Some(name)) if x > 0.0 => check(row, name, m[row])?,
                _ => 0.0,
            };
            s.x.push(x as u32);
            s.t_x.push(t_x * self.k);
            s.t.push(t * self.k);
            s.monetary.push(monetary);
        }
        Ok(SummaryChunk {
            ids: ids.with_name("customer_id".into()),
            summaries: s,
        })
    }
}

/// Reads summaries whose times are in `unit` and converts them to `model_unit`. Every value is
/// checked; an error names the file, line (as in a CSV file with a header) and column.
pub fn read_summaries(
    path: &Path,
    delimiter: u8,
    cols: &SummaryColumns,
    unit: TimeUnit,
    model_unit: TimeUnit,
    need_monetary: bool,
) -> Result<Summaries, IoError> {
    let frame = SummaryFrame::open(path, delimiter, cols, unit, model_unit, need_monetary)?;
    frame.whole()
}

impl SummaryFrame {
    /// Every row as checked summaries with their ids (the ids as text).
    pub fn whole(&self) -> Result<Summaries, IoError> {
        let path = &self.path;
        let frame = self;
        let chunk = frame.chunk(0, frame.len())?;
        let mut s = chunk.summaries;
        let n = s.x.len();
        s.ids = chunk
            .ids
            .str()
            .map_err(polars_err(path))?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect();
        s.first_purchase = vec![0; n];
        s.first_amount = vec![0.0; n];
        s.holdout_x = vec![0; n];
        s.holdout_spend = vec![0.0; n];
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_and_converts_units() {
        let (_d, p) = write(
            "customer_id,frequency,recency_days,T_days,monetary_value\na,2,14,28,10.5\nb,0,0,7,0\n",
        );
        let s = read_summaries(
            &p,
            b',',
            &SummaryColumns::default(),
            TimeUnit::Day,
            TimeUnit::Week,
            true,
        )
        .unwrap();
        assert_eq!(s.ids, ["a", "b"]);
        assert_eq!(s.x, [2, 0]);
        assert_eq!(s.t_x, [2.0, 0.0]);
        assert_eq!(s.t, [4.0, 1.0]);
        assert_eq!(s.monetary, [10.5, 0.0]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        for (text, needle) in [
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,14,28,1\nb,1.5,3,9,1\n",
                "line 3, column \"frequency\"",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,30,28,1\n",
                "line 2, column \"recency\"",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,x,28,1\n",
                "\"x\" is not a number",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,3,,1\n",
                "missing value",
            ),
            (
                "customer_id,frequency,recency,T\na,2,3,9\n",
                "no column \"monetary_value\"",
            ),
            (
                "customer_id,frequency,recency,T,monetary_value\na,2,14,28,1\nb,0,5,28,0\n",
                "line 3, column \"recency\": recency 5 with 0 repeat purchases",
            ),
        ] {
            let (_d, p) = write(text);
            let e = read_summaries(
                &p,
                b',',
                &SummaryColumns::default(),
                TimeUnit::Week,
                TimeUnit::Week,
                true,
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains(needle), "{e} lacks {needle}");
        }
    }
}
