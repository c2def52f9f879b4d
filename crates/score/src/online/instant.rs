//! Request timestamps → days, by the one day convention ([`Zone`]): an instant's calendar day
//! in the model's zone (UTC unless it was trained with `--timezone`), as the CLI's reader gives
//! the same instant written with an offset. The server calls [`LoadedModel::day_of`].

use super::{LoadedModel, OnlineError, invalid};
use crate::artefact::Artefact;
use retain_core::time::{Day, Zone};

impl LoadedModel {
    /// The zone in which this model's instants get their calendar day: the CLV model's stored
    /// `data.format.timezone`, UTC when unset and for churn classifiers (which take no
    /// timestamps).
    pub fn zone(&self) -> Result<Zone, OnlineError> {
        match &self.artefact {
            // Checked on load: an error here is not the caller's fault.
            Artefact::Clv(a) => a.zone().map_err(|e| OnlineError::Internal(e.to_string())),
            Artefact::Churn(_) | Artefact::Subscription(_) => Ok(Zone::Utc),
        }
    }

    /// The calendar day, in this model's zone, of the instant `seconds` + `nanos` / 10⁹ after
    /// 1970-01-01T00:00:00Z (a protobuf `Timestamp`'s two fields); errors name `field`.
    pub fn day_of(&self, seconds: i64, nanos: i32, field: &str) -> Result<Day, OnlineError> {
        instant_day(self.zone()?, seconds, nanos, field)
    }
}

/// The calendar day in `zone` of the instant `seconds` + `nanos` / 10⁹ after the epoch;
/// `nanos` must be in `0..10⁹` (protobuf's rule: earlier instants have negative `seconds`),
/// so only `seconds` decides the day. Errors name `field`.
pub fn instant_day(zone: Zone, seconds: i64, nanos: i32, field: &str) -> Result<Day, OnlineError> {
    if !(0..1_000_000_000).contains(&nanos) {
        return Err(invalid(field, format!("nanos {nanos} out of range")));
    }
    zone.day(seconds)
        .ok_or_else(|| invalid(field, format!("{seconds} seconds is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use retain_core::time::parse_date;

    #[test]
    fn request_instants_get_their_day_in_the_given_zone() {
        // 2024-03-01T23:30:00Z, i.e. 2024-03-02T00:30:00+01:00.
        let t = 1_709_335_800;
        let mar1 = parse_date("2024-03-01").unwrap();
        assert_eq!(instant_day(Zone::Utc, t, 0, "f").unwrap(), mar1);
        assert_eq!(instant_day(Zone::Utc, t, 999_999_999, "f").unwrap(), mar1);
        let plus1: Zone = "+01:00".parse().unwrap();
        assert_eq!(instant_day(plus1, t, 0, "f").unwrap(), mar1 + 1);
        assert_eq!(instant_day(Zone::Utc, -1, 500_000_000, "f").unwrap(), -1);
        for (seconds, nanos) in [(t, -1), (t, 1_000_000_000), (i64::MAX, 0)] {
            let e = instant_day(Zone::Utc, seconds, nanos, "history.as_of").unwrap_err();
            assert!(
                matches!(&e, OnlineError::Invalid { field, .. } if field == "history.as_of"),
                "{e}"
            );
        }
    }
}
