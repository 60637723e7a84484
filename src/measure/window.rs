//! `--since` and `--until`: which commits are measured, by committer time, both bounds
//! inclusive. A bound is a date (`YYYY-MM-DD`: 00:00:00 UTC for `--since`, 23:59:59 UTC
//! for `--until`) or an RFC 3339 time.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// Which end of the window a bound is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Edge {
    /// `--since`: a date means its first second.
    Since,
    /// `--until`: a date means its last second.
    Until,
}

/// The committer times measured; `None` bounds are open.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Window {
    /// The earliest committer time measured (seconds since the epoch), inclusive.
    pub since: Option<i64>,
    /// The latest committer time measured, inclusive.
    pub until: Option<i64>,
}

impl Window {
    /// True when a commit with this committer time is measured.
    pub fn contains(&self, time: i64) -> bool {
        self.since.is_none_or(|s| time >= s) && self.until.is_none_or(|u| time <= u)
    }

    /// True when neither bound is set.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

/// Parses one bound: `YYYY-MM-DD` or an RFC 3339 time, to seconds since the epoch.
pub fn parse_bound(text: &str, edge: Edge) -> Result<i64, String> {
    if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        let time = match edge {
            Edge::Since => Time::MIDNIGHT,
            Edge::Until => Time::from_hms(23, 59, 59).expect("23:59:59 is a time"),
        };
        return Ok(PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp());
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| {
            format!("'{text}' is neither a date (YYYY-MM-DD) nor an RFC 3339 time (2026-11-02T10:11:12Z)")
        })
}

/// `2026-11-02T10:11:12Z`: a committer time in UTC, as the JSON report writes times.
pub fn rfc3339_utc(time: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(time) {
        Ok(t) => {
            let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
            t.format(fmt).unwrap_or_else(|_| time.to_string())
        }
        Err(_) => time.to_string(),
    }
}

/// `2026-11-02`: the UTC date of a committer time.
pub fn utc_date(time: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(time) {
        Ok(t) => t
            .format(format_description!("[year]-[month]-[day]"))
            .unwrap_or_else(|_| time.to_string()),
        Err(_) => time.to_string(),
    }
}

/// `2026-W45`: the ISO week (ISO week-year) of a committer time in UTC.
pub fn iso_week(time: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(time) {
        Ok(t) => {
            let (year, week, _) = t.to_iso_week_date();
            format!("{year:04}-W{week:02}")
        }
        Err(_) => "invalid".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_a_whole_day_on_either_edge() {
        let since = parse_bound("2026-11-02", Edge::Since).expect("date");
        let until = parse_bound("2026-11-02", Edge::Until).expect("date");
        assert_eq!(rfc3339_utc(since), "2026-11-02T00:00:00Z");
        assert_eq!(rfc3339_utc(until), "2026-11-02T23:59:59Z");
        let w = Window {
            since: Some(since),
            until: Some(until),
        };
        assert!(w.contains(since) && w.contains(until));
        assert!(!w.contains(since - 1) && !w.contains(until + 1));
    }

    #[test]
    fn rfc3339_times_keep_their_offset() {
        let t = parse_bound("2026-11-02T10:11:12+02:00", Edge::Since).expect("time");
        assert_eq!(rfc3339_utc(t), "2026-11-02T08:11:12Z");
        assert!(parse_bound("2026-11-02 10:11", Edge::Since).is_err());
        assert!(parse_bound("yesterday", Edge::Until).is_err());
        assert!(parse_bound("2026-02-30", Edge::Until).is_err());
    }

    #[test]
    fn iso_weeks_use_the_iso_week_year() {
        // 2027-01-01 is a Friday: ISO week 53 of 2026.
        let t = parse_bound("2027-01-01", Edge::Since).expect("date");
        assert_eq!(iso_week(t), "2026-W53");
        // 2024-12-30 is a Monday: ISO week 1 of 2025.
        let t = parse_bound("2024-12-30", Edge::Since).expect("date");
        assert_eq!(iso_week(t), "2025-W01");
        assert_eq!(
            iso_week(parse_bound("2026-11-02", Edge::Since).expect("date")),
            "2026-W45"
        );
    }
}
