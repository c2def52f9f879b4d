//! Finding the line behind a structural CSV error that polars reports without one.
//!
//! polars says "found more fields than defined in 'Schema'" or "invalid utf-8 sequence" but not
//! where. When it does, the file is scanned once more here for the first record with too many
//! fields or the first line that is not UTF-8, so that the error can name the line.

use std::io::{self, BufRead, BufReader, Read};

/// A structural defect and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Defect {
    /// 1-based line number.
    pub(super) line: usize,
    /// What is wrong there.
    pub(super) reason: String,
}

/// The first defect of a delimited file whose records should have `width` fields, looking only
/// after the first `records_before` records (blank lines skipped and the header).
pub(super) fn first_defect<R: Read>(
    input: R,
    separator: u8,
    quote: u8,
    records_before: usize,
    width: usize,
) -> io::Result<Option<Defect>> {
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut buf = Vec::new();
    let (mut line, mut record, mut quoted) = (0usize, 0usize, false);
    let (mut fields, mut record_line) = (1usize, 1usize);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        line += 1;
        if !quoted {
            fields = 1;
            record_line = line;
        }
        if std::str::from_utf8(&buf).is_err() {
            let reason = "the line is not valid UTF-8".to_string();
            return Ok(Some(Defect { line, reason }));
        }
        for &b in &buf {
            if b == quote {
                quoted = !quoted;
            } else if b == separator && !quoted {
                fields += 1;
            }
        }
        if quoted {
            continue; // the record goes on on the next line
        }
        if record >= records_before && fields > width {
            let reason = format!("the record has {fields} fields, the first line has {width}");
            return Ok(Some(Defect {
                line: record_line,
                reason,
            }));
        }
        record += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_record_with_too_many_fields() {
        let text = "a,b,c\n1,\"x,\ny\",3\n4,5,6,7\n";
        let d = first_defect(text.as_bytes(), b',', b'"', 1, 3)
            .unwrap()
            .unwrap();
        assert_eq!(d.line, 4);
        assert!(d.reason.contains("4 fields"), "{}", d.reason);
        assert_eq!(
            first_defect("a,b\n1,2\n".as_bytes(), b',', b'"', 1, 2).unwrap(),
            None
        );
    }

    #[test]
    fn finds_the_first_line_that_is_not_utf8() {
        let text: &[u8] = b"a;b\n1;2\n\xff;3\n";
        assert_eq!(
            first_defect(text, b';', b'"', 1, 2)
                .unwrap()
                .map(|d| d.line),
            Some(3)
        );
    }
}
