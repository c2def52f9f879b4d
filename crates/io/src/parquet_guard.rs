//! A corrupt Parquet file is an error, never a crash.
//!
//! Found by `tests/fuzz.rs`, polars 0.55 trusts a Parquet footer more than it should:
//! - its metadata decoder panics on some corrupt footers ("thrift bool field");
//! - its streaming reader slices the file with `get_unchecked` at the column-chunk offsets the
//!   footer gives, so offsets past the end of the file are an out-of-bounds read (a
//!   non-unwinding abort in debug builds, undefined behaviour in release);
//! - its page decoder trusts each data page header's value count: a negative count becomes a
//!   2^61-byte allocation, which aborts the process (an allocation failure cannot be caught).
//!
//! Every Parquet read of retain goes through [`checked`]: the footer is decoded first (a
//! decoder panic caught by [`guard`] and turned into an error naming the file), every column
//! chunk's byte range is checked to lie within the file, every page header of every chunk is
//! read (headers only: page bodies are skipped) and its counts and sizes checked against the
//! chunk and the row group ([`check_pages`]), and only then is the file read (again under
//! [`guard`]). A caught panic still prints one line through the default panic hook.

use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
use polars_parquet_format::{PageHeader, PageType};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// The most bytes one page header may take. Headers hold sizes, counts and optional min/max
/// statistics; polars' own reader allows the same.
pub const MAX_PAGE_HEADER_BYTES: u64 = 16 * 1024 * 1024;

/// What [`check_pages`] needs of one column chunk, taken from the footer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkLayout {
    /// Column path, for the message.
    pub column: String,
    /// Bytes of the file the chunk occupies (dictionary page first, if any).
    pub bytes: std::ops::Range<u64>,
    /// Values in the chunk, as the footer says (null slots included).
    pub num_values: i64,
    /// Whether the column is repeated somewhere (a list): then values may outnumber rows.
    pub nested: bool,
    /// Rows of the row group the chunk belongs to.
    pub rows: u64,
}

/// Runs a Parquet read; a panic inside polars becomes `Err(reason)` (without the path, which
/// the caller's error names).
pub fn guard<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    // AssertUnwindSafe: on a panic, everything the closure touched is dropped with it; the
    // caller only sees the error.
    catch_unwind(AssertUnwindSafe(read)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown decoder failure");
        format!("corrupt Parquet file (the decoder failed: {detail})")
    })
}

/// Checks that every column chunk of the Parquet file at `path` lies within the file, then
/// runs `read` under [`guard`].
pub fn checked<T>(path: &Path, read: impl FnOnce() -> T) -> Result<T, String> {
    let corrupt = |why: String| format!("corrupt Parquet file ({why})");
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let layout = guard(|| {
        use polars::prelude::SerReader;
        let mut reader = polars::prelude::ParquetReader::new(file);
        reader.get_metadata().map(|m| {
            let ranges = m
                .row_groups
                .iter()
                .flat_map(|g| g.byte_ranges_iter().chain([g.full_byte_range()]))
                .collect::<Vec<_>>();
            let chunks = m
                .row_groups
                .iter()
                .flat_map(|g| {
                    g.parquet_columns().iter().map(|c| ChunkLayout {
                        column: c.descriptor().path_in_schema.join("."),
                        bytes: c.byte_range(),
                        num_values: c.num_values(),
                        nested: c.descriptor().descriptor.max_rep_level > 0,
                        rows: g.num_rows() as u64,
                    })
                })
                .collect::<Vec<_>>();
            (ranges, chunks)
        })
    })?;
    // A footer polars cannot decode is reported by the read itself, with polars' reason.
    if let Ok((ranges, chunks)) = layout {
        if let Some(r) = ranges.iter().find(|r| r.start > r.end || r.end > len) {
            return Err(corrupt(format!(
                "a column chunk spans bytes {}..{} of a {len}-byte file",
                r.start, r.end
            )));
        }
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut file = BufReader::new(file);
        for chunk in &chunks {
            check_pages(&mut file, chunk).map_err(corrupt)?;
        }
    }
    guard(read)
}

/// Reads every page header of one column chunk (skipping the page bodies) and checks what
/// polars would otherwise trust: each header decodes within the chunk, page sizes and value
/// counts are not negative, no page runs past the chunk, the data pages hold the chunk's
/// values and no more, and a flat column holds one value per row of its row group.
pub fn check_pages(file: &mut (impl Read + Seek), chunk: &ChunkLayout) -> Result<(), String> {
    let column = &chunk.column;
    let bad = |what: String| format!("column {column:?}: {what}");
    if chunk.num_values < 0 {
        return Err(bad(format!("the footer gives {} values", chunk.num_values)));
    }
    let total = chunk.num_values as u64;
    if !chunk.nested && total != chunk.rows {
        return Err(bad(format!(
            "the footer gives {total} values for a row group of {} rows",
            chunk.rows
        )));
    }
    let (mut at, end) = (chunk.bytes.start, chunk.bytes.end);
    let mut seen: u64 = 0;
    while seen < total {
        if at >= end {
            return Err(bad(format!(
                "its pages hold {seen} of the {total} values the footer gives"
            )));
        }
        file.seek(SeekFrom::Start(at))
            .map_err(|e| bad(format!("cannot seek to byte {at}: {e}")))?;
        let limit = (end - at).min(MAX_PAGE_HEADER_BYTES);
        let mut counted = CountingReader {
            inner: &mut *file,
            read: 0,
        };
        let header = {
            let mut protocol = TCompactInputProtocol::new(&mut counted, limit as usize);
            PageHeader::read_from_in_protocol(&mut protocol)
                .map_err(|e| bad(format!("the page header at byte {at} does not decode: {e}")))?
        };
        let header_bytes = counted.read;
        let (compressed, uncompressed) =
            (header.compressed_page_size, header.uncompressed_page_size);
        if compressed < 0 || uncompressed < 0 {
            return Err(bad(format!(
                "the page at byte {at} gives a negative size ({compressed} compressed, \
                 {uncompressed} uncompressed)"
            )));
        }
        let next = at + header_bytes + compressed as u64;
        if next > end {
            return Err(bad(format!(
                "the page at byte {at} runs to byte {next}, past its chunk's end at {end}"
            )));
        }
        let values = match header.type_ {
            PageType::DATA_PAGE => header.data_page_header.as_ref().map(|h| h.num_values),
            PageType::DATA_PAGE_V2 => match header.data_page_header_v2.as_ref() {
                Some(h) => {
                    let levels = i64::from(h.definition_levels_byte_length)
                        + i64::from(h.repetition_levels_byte_length);
                    if h.num_nulls < 0
                        || h.num_rows < 0
                        || h.definition_levels_byte_length < 0
                        || h.repetition_levels_byte_length < 0
                        || levels > i64::from(compressed)
                        || h.num_nulls > h.num_values
                    {
                        return Err(bad(format!(
                            "the v2 data page at byte {at} has inconsistent counts"
                        )));
                    }
                    Some(h.num_values)
                }
                None => None,
            },
            PageType::DICTIONARY_PAGE => match header.dictionary_page_header.as_ref() {
                Some(h) if h.num_values < 0 => {
                    return Err(bad(format!(
                        "the dictionary page at byte {at} gives {} values",
                        h.num_values
                    )));
                }
                Some(_) => Some(0),
                None => None,
            },
            // Index pages (and types this version does not know) carry no values.
            _ => Some(0),
        };
        let Some(values) = values else {
            return Err(bad(format!(
                "the page at byte {at} lacks the header its type needs"
            )));
        };
        if values < 0 {
            return Err(bad(format!("the page at byte {at} gives {values} values")));
        }
        seen += values as u64;
        if seen > total {
            return Err(bad(format!(
                "its pages hold more values ({seen}) than the footer gives ({total})"
            )));
        }
        at = next;
    }
    Ok(())
}

/// Counts the bytes a header decoder takes.
struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error() {
        let e = super::guard(|| -> u8 { panic!("thrift bool field") }).unwrap_err();
        assert!(e.starts_with("corrupt Parquet file"), "{e}");
        assert!(e.contains("thrift bool field"), "{e}");
        assert_eq!(super::guard(|| 3), Ok(3));
    }
}
