//! Data-row numbers of a delimited file → the line numbers a user sees in an editor.
//!
//! polars reports rows, not lines. Rows and lines differ when a quoted field spans lines or when
//! blank lines precede the header, so the file is scanned again, only when a bad row has to be
//! reported. Quotes toggle the "inside a field" state exactly as polars' line splitter does.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

/// The 1-based line on which each data row of `rows` (1-based, any order) starts.
///
/// `records_before` counts the records before the first data row (skipped blank lines plus the
/// header). Rows past the end of the file get `None`.
pub(super) fn lines_of_rows<R: Read>(
    input: R,
    quote: Option<u8>,
    records_before: usize,
    rows: &[usize],
) -> io::Result<Vec<Option<usize>>> {
    // Record indices (0-based) wanted, in ascending order with their slot in `rows`.
    let mut wanted: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .map(|(slot, r)| (records_before + r.saturating_sub(1), slot))
        .collect();
    wanted.sort_unstable();
    let mut out = vec![None; rows.len()];
    let mut next = wanted.iter().peekable();
    let (mut line, mut record, mut quoted) = (1usize, 0usize, false);
    let mut reader = BufReader::with_capacity(1 << 16, input);
    loop {
        while let Some(&&(r, slot)) = next.peek() {
            if r != record {
                break;
            }
            out[slot] = Some(line);
            next.next();
        }
        if next.peek().is_none() {
            return Ok(out);
        }
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(out);
        }
        let mut consumed = 0;
        for &b in buf {
            consumed += 1;
            if Some(b) == quote {
                quoted = !quoted;
            } else if b == b'\n' {
                line += 1;
                if !quoted {
                    record += 1;
                    if next.peek().is_some_and(|&&(r, _)| r == record) {
                        break;
                    }
                }
            }
        }
        reader.consume(consumed);
    }
}

/// Blank lines (spaces, tabs, CR only) at the start of the file, or `None` if every line is blank.
pub(super) fn leading_blank_lines(file: &File) -> io::Result<Option<usize>> {
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut blank = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Ok(Some(blank));
        }
        blank += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_map_to_lines_across_quoted_newlines() {
        let text = "id,note\n1,plain\n2,\"two\nline\"\n3,x\n\n4,y";
        let lines = lines_of_rows(text.as_bytes(), Some(b'"'), 1, &[4, 1, 3, 2, 6, 5]).unwrap();
        assert_eq!(
            lines,
            vec![Some(6), Some(2), Some(5), Some(3), None, Some(7)]
        );
    }

    #[test]
    fn blank_lines_and_the_header_come_before_the_first_row() {
        let text = "\n\r\nid\n1\n2\n";
        assert_eq!(
            lines_of_rows(text.as_bytes(), Some(b'"'), 3, &[2]).unwrap(),
            vec![Some(5)]
        );
        assert_eq!(
            lines_of_rows(text.as_bytes(), None, 0, &[2]).unwrap(),
            vec![Some(2)]
        );
    }
}
