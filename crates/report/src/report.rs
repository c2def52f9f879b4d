//! A report: a title, tables of key numbers and figures, independent of where it is written.

use crate::chart::Figure;

/// A table of key numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Heading.
    pub title: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows of cells, as displayed.
    pub rows: Vec<Vec<String>>,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Page title.
    pub title: String,
    /// One line under the title: the model and the data.
    pub subtitle: String,
    /// Key numbers.
    pub tables: Vec<Table>,
    /// Plots, in page order.
    pub figures: Vec<Figure>,
    /// Remarks (definitions, what was approximated).
    pub notes: Vec<String>,
}
