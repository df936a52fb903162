//! RFC 3339 instants and full dates as milliseconds since the Unix epoch.
//!
//! Rules (spec §9), for operands, attribute values and the evaluation time:
//!
//! - date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, every field with its
//!   exact number of digits; `T` and `Z` in either case; no space separator;
//! - seconds `00`–`59` (no leap second), real calendar validation (proleptic
//!   Gregorian: leap years, month lengths), years `0000`–`9999`;
//! - offsets `±HH:MM` with hours `00`–`23` and minutes `00`–`59`
//!   (`-00:00` is accepted and means UTC);
//! - a fraction of 1–9 digits, truncated (never rounded) to the millisecond.
//!   The truncation drops digits of the *local time of day*, which is always
//!   non-negative, so the result is the floor of the instant in milliseconds,
//!   also before 1970 (`1969-12-31T23:59:59.9999Z` is `-1`).
//!
//! Everything is computed with our own calendar arithmetic (days from civil,
//! after Howard Hinnant), in `i64` with no possible overflow: parsed values lie
//! within about ±2.6·10¹⁴ ms. Parsing never allocates.

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Parses an RFC 3339 date-time into milliseconds since the Unix epoch (UTC).
///
/// `None` for anything that breaks the rules of this module, including a
/// date-only string.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let day = parse_date_fields(b)?;
    if !matches!(b.get(10), Some(b'T' | b't')) {
        return None;
    }
    let hour = two_digits(b, 11)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = two_digits(b, 14)?;
    if b.get(16) != Some(&b':') {
        return None;
    }
    let second = two_digits(b, 17)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }

    // Optional fraction: 1–9 digits, of which the first three count.
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let digits_start = i;
        while let Some(d) = b.get(i).and_then(|&c| digit(c)) {
            if i - digits_start < 3 {
                frac_ms = frac_ms * 10 + d;
            }
            i += 1;
        }
        let n = i - digits_start;
        if !(1..=9).contains(&n) {
            return None;
        }
        for _ in n..3 {
            frac_ms *= 10;
        }
    }

    // Offset: `Z`/`z` or `±HH:MM`, then the end of the string.
    let offset_ms = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = two_digits(b, i + 1)?;
            if b.get(i + 3) != Some(&b':') {
                return None;
            }
            let om = two_digits(b, i + 4)?;
            if oh > 23 || om > 59 {
                return None;
            }
            i += 6;
            let magnitude = oh * MS_PER_HOUR + om * MS_PER_MINUTE;
            if sign == b'-' {
                -magnitude
            } else {
                magnitude
            }
        }
        _ => return None,
    };
    if i != b.len() {
        return None;
    }

    // Local time minus offset gives UTC.
    Some(
        day * MS_PER_DAY
            + hour * MS_PER_HOUR
            + minute * MS_PER_MINUTE
            + second * MS_PER_SECOND
            + frac_ms
            - offset_ms,
    )
}

/// Parses an RFC 3339 `full-date` (`YYYY-MM-DD`, exactly ten bytes) into the
/// milliseconds of that day's `00:00:00Z`.
pub fn parse_date_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 {
        return None;
    }
    Some(parse_date_fields(b)? * MS_PER_DAY)
}

/// Parses either a full date or a date-time (the `expires` field).
/// A full date means that day at `00:00:00Z`.
pub fn parse_date_or_datetime_ms(s: &str) -> Option<i64> {
    if s.len() == 10 {
        parse_date_ms(s)
    } else {
        parse_rfc3339_ms(s)
    }
}

/// Formats milliseconds since the epoch as an RFC 3339 UTC date-time:
/// `2026-11-26T09:00:00Z`, or `2026-11-26T09:00:00.123Z` when the
/// millisecond part is not zero. For messages and traces.
///
/// Total over `i64`. Within years 0000–9999 (the range [`parse_rfc3339_ms`]
/// accepts with `Z`) the output parses back to `ms`; outside it the year is
/// written in ISO 8601 expanded form (`-0001`, `+10000`), which is not RFC 3339.
pub fn format_rfc3339_ms(ms: i64) -> String {
    use core::fmt::Write as _;

    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let hour = rem / MS_PER_HOUR;
    let minute = rem % MS_PER_HOUR / MS_PER_MINUTE;
    let second = rem % MS_PER_MINUTE / MS_PER_SECOND;
    let milli = rem % MS_PER_SECOND;

    let mut out = String::with_capacity(24);
    // Writing into a String cannot fail; the results are ignored on purpose.
    let _ = match year {
        0..=9999 => write!(out, "{year:04}"),
        y if y < 0 => write!(out, "-{:04}", y.unsigned_abs()),
        y => write!(out, "+{y}"),
    };
    let _ = write!(
        out,
        "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
    );
    if milli != 0 {
        let _ = write!(out, ".{milli:03}");
    }
    out.push('Z');
    out
}

/// The system clock in milliseconds since the Unix epoch (floor), native only;
/// wasm callers always pass the time in. Saturates at the `i64` range.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => {
            // A clock before 1970: round the magnitude up so the result is
            // the floor of the instant, like parsed times.
            let d = e.duration();
            let mut ms = d.as_millis();
            if d.subsec_nanos() % 1_000_000 != 0 {
                ms += 1;
            }
            i64::try_from(ms).map_or(i64::MIN, |m| -m)
        }
    }
}

/// Validates `YYYY-MM-DD` at the start of `b` and returns days since the
/// epoch. Does not look past byte 10.
fn parse_date_fields(b: &[u8]) -> Option<i64> {
    let year = four_digits(b, 0)?;
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let month = two_digits(b, 5)?;
    if b.get(7) != Some(&b'-') {
        return None;
    }
    let day = two_digits(b, 8)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The value of an ASCII digit.
fn digit(c: u8) -> Option<i64> {
    if c.is_ascii_digit() {
        Some(i64::from(c - b'0'))
    } else {
        None
    }
}

/// Two ASCII digits at `b[i..i + 2]`.
fn two_digits(b: &[u8], i: usize) -> Option<i64> {
    Some(digit(*b.get(i)?)? * 10 + digit(*b.get(i + 1)?)?)
}

/// Four ASCII digits at `b[i..i + 4]`.
fn four_digits(b: &[u8], i: usize) -> Option<i64> {
    Some(two_digits(b, i)? * 100 + two_digits(b, i + 2)?)
}

/// Proleptic Gregorian leap year.
fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1–12) of `year`; 0 for a month out of range.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12,
/// day 1–31). Exact for any year whose result fits comfortably in `i64`
/// (callers pass 0–9999).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = if month > 2 { month - 3 } else { month + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month 1–12, day 1–31).
/// Total for every `days` obtained as `i64 / MS_PER_DAY`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MS_PER_DAY;

    fn t(s: &str) -> i64 {
        match parse_rfc3339_ms(s) {
            Some(v) => v,
            None => panic!("expected {s:?} to parse"),
        }
    }

    #[test]
    fn accepts_datetimes() {
        let cases: &[(&str, i64)] = &[
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01t00:00:00z", 0),
            ("1970-01-01T00:00:00z", 0),
            ("1970-01-01t00:00:00Z", 0),
            ("1970-01-01T00:00:00+00:00", 0),
            ("1970-01-01T00:00:00-00:00", 0),
            ("1970-01-01T00:00:00.001Z", 1),
            ("1970-01-01T00:00:00.1Z", 100),
            ("1970-01-01T00:00:00.12Z", 120),
            ("1970-01-01T00:00:00.123Z", 123),
            ("1970-01-01T00:00:00.1239Z", 123),
            ("1970-01-01T00:00:00.999999999Z", 999),
            ("1970-01-01T00:00:00.000000001Z", 0),
            ("1970-01-01T00:00:01Z", 1_000),
            ("1969-12-31T23:59:59Z", -1_000),
            ("1969-12-31T23:59:59.999Z", -1),
            ("1969-12-31T23:59:59.9999Z", -1),
            ("1969-12-31T23:59:59.999999999Z", -1),
            ("1969-12-31T23:59:59.5Z", -500),
            ("1969-12-31T23:59:59.0001Z", -1_000),
            ("1969-12-31T00:00:00Z", -DAY),
            ("2000-01-01T00:00:00Z", 946_684_800_000),
            ("2000-03-01T00:00:00Z", 951_868_800_000),
            ("2026-11-26T09:00:00Z", 1_795_683_600_000),
            ("2026-11-26T10:00:00+01:00", 1_795_683_600_000),
            ("2026-11-26T04:30:00-04:30", 1_795_683_600_000),
            ("2038-01-19T03:14:08Z", 2_147_483_648_000),
            ("0000-01-01T00:00:00Z", -62_167_219_200_000),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
            (
                "0000-01-01T00:00:00+23:59",
                -62_167_219_200_000 - 86_340_000,
            ),
            (
                "9999-12-31T23:59:59-23:59",
                253_402_300_799_000 + 86_340_000,
            ),
            (
                "2026-06-15T12:34:56.789+05:45",
                1_781_526_896_789 - 20_700_000,
            ),
        ];
        for &(s, want) in cases {
            assert_eq!(parse_rfc3339_ms(s), Some(want), "{s:?}");
            assert_eq!(parse_date_or_datetime_ms(s), Some(want), "{s:?}");
        }
    }

    #[test]
    fn rejects_datetimes() {
        let cases = [
            "",
            "2026-11-26",
            "2026-11-26T",
            "2026-11-26T09:00",
            "2026-11-26T09:00Z",
            "2026-11-26T09:00:00",
            "2026-11-26 09:00:00Z",
            "2026-11-26_09:00:00Z",
            "2026-11-26T09:00:00 Z",
            " 2026-11-26T09:00:00Z",
            "2026-11-26T09:00:00Z ",
            "2026-11-26T09:00:00Z\n",
            "2026-11-26T09:00:60Z",
            "2026-12-31T23:59:60Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T09:60:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-32T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-06-31T00:00:00Z",
            "2026-09-31T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-26T09:00:00.Z",
            "2026-11-26T09:00:00.1234567890Z",
            "2026-11-26T09:00:00,5Z",
            "2026-11-26T09:00:00.5",
            "2026-11-26T09:00:00+01",
            "2026-11-26T09:00:00+0100",
            "2026-11-26T09:00:00+1:00",
            "2026-11-26T09:00:00+01:0",
            "2026-11-26T09:00:00+01:00Z",
            "2026-11-26T09:00:00+24:00",
            "2026-11-26T09:00:00+01:60",
            "2026-11-26T09:00:00UTC",
            "2026-11-26T09:00:00GMT",
            "2026-11-26T09:00:00ZZ",
            "2026-11-26T9:00:00Z",
            "2026-11-26T09:0:00Z",
            "2026-11-26T09:00:0Z",
            "2026-11-6T09:00:00Z",
            "2026-1-26T09:00:00Z",
            "226-11-26T09:00:00Z",
            "02026-11-26T09:00:00Z",
            "+2026-11-26T09:00:00Z",
            "-2026-11-26T09:00:00Z",
            "2026/11/26T09:00:00Z",
            "2026-11-26T09.00.00Z",
            "2026-11-26T09:00:00+01:00:00",
            "2026-11-26T09:00:00.123+01:00x",
            "２026-11-26T09:00:00Z",
            "2026-11-26T09:00:00.１Z",
            "2026-11-26T09:00:00+-1:00",
            "2026-11-26T09:00:00-+1:00",
            "1970-01-01T00:00:00.-1Z",
        ];
        for s in cases {
            assert_eq!(parse_rfc3339_ms(s), None, "{s:?} should be rejected");
        }
    }

    #[test]
    fn full_dates() {
        let ok: &[(&str, i64)] = &[
            ("1970-01-01", 0),
            ("1969-12-31", -DAY),
            ("1970-01-02", DAY),
            ("2000-02-29", 951_782_400_000),
            ("2024-02-29", 1_709_164_800_000),
            ("2400-02-29", 13_574_563_200_000),
            ("0000-02-29", -62_162_121_600_000),
            ("2027-03-01", 1_803_859_200_000),
            ("0000-01-01", -62_167_219_200_000),
            ("9999-12-31", 253_402_214_400_000),
        ];
        for &(s, want) in ok {
            assert_eq!(parse_date_ms(s), Some(want), "{s:?}");
            assert_eq!(parse_date_or_datetime_ms(s), Some(want), "{s:?}");
            // a date-time operand never accepts a date alone
            assert_eq!(parse_rfc3339_ms(s), None, "{s:?}");
        }
        let bad = [
            "",
            "2026-02-29",
            "1900-02-29",
            "2026-1-01",
            "2026-01-1",
            "26-01-01",
            "2026-01-01 ",
            "2026-01-01T",
            "2026-01-01Z",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-01-00",
            "2026/01/01",
            "20260101",
            "2026-01-01T00:00:00Z",
        ];
        for s in bad {
            assert_eq!(parse_date_ms(s), None, "{s:?} should be rejected");
        }
        for s in &bad[..15] {
            assert_eq!(parse_date_or_datetime_ms(s), None, "{s:?}");
        }
    }

    #[test]
    fn leap_days() {
        assert_eq!(t("2024-02-29T00:00:00Z") - t("2024-02-28T00:00:00Z"), DAY);
        assert_eq!(t("2024-03-01T00:00:00Z") - t("2024-02-29T00:00:00Z"), DAY);
        assert_eq!(t("2023-03-01T00:00:00Z") - t("2023-02-28T00:00:00Z"), DAY);
        assert_eq!(
            t("2000-03-01T00:00:00Z") - t("2000-02-28T00:00:00Z"),
            2 * DAY
        );
        assert_eq!(t("1900-03-01T00:00:00Z") - t("1900-02-28T00:00:00Z"), DAY);
        assert_eq!(
            t("2025-01-01T00:00:00Z") - t("2024-01-01T00:00:00Z"),
            366 * DAY
        );
        assert_eq!(
            t("2026-01-01T00:00:00Z") - t("2025-01-01T00:00:00Z"),
            365 * DAY
        );
        assert_eq!(
            format_rfc3339_ms(t("2024-02-29T12:00:00Z")),
            "2024-02-29T12:00:00Z"
        );
    }

    #[test]
    fn offsets_crossing_midnight() {
        let same: &[(&str, &str)] = &[
            ("2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00Z"),
            ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z"),
            ("2024-02-28T23:30:00-01:00", "2024-02-29T00:30:00Z"),
            ("2025-12-31T23:00:00-02:00", "2026-01-01T01:00:00Z"),
            ("2026-01-01T00:00:00+14:00", "2025-12-31T10:00:00Z"),
            ("1970-01-01T00:00:00+01:00", "1969-12-31T23:00:00Z"),
            ("1969-12-31T23:00:00-01:00", "1970-01-01T00:00:00Z"),
            ("2026-06-30T23:59:59.999-00:01", "2026-07-01T00:00:59.999Z"),
        ];
        for &(a, b) in same {
            assert_eq!(t(a), t(b), "{a} == {b}");
            assert_eq!(format_rfc3339_ms(t(a)), b);
        }
    }

    #[test]
    fn formats() {
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01T00:00:00Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (-1_000, "1969-12-31T23:59:59Z"),
            (1_795_683_600_000, "2026-11-26T09:00:00Z"),
            (1_795_683_600_123, "2026-11-26T09:00:00.123Z"),
            (1_795_683_600_120, "2026-11-26T09:00:00.120Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (-62_167_219_200_001, "-0001-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "+10000-01-01T00:00:00Z"),
        ];
        for &(ms, want) in cases {
            assert_eq!(format_rfc3339_ms(ms), want, "{ms}");
        }
        // Total over i64 (no panic, no overflow).
        for ms in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            let s = format_rfc3339_ms(ms);
            assert!(s.ends_with('Z'), "{s}");
        }
        assert_eq!(
            format_rfc3339_ms(i64::MAX),
            "+292278994-08-17T07:12:55.807Z"
        );
        assert_eq!(
            format_rfc3339_ms(i64::MIN),
            "-292275055-05-16T16:47:04.192Z"
        );
    }

    #[test]
    fn calendar_matches_day_by_day_count() {
        // Walk every day of 0000..=9999 and check both directions of the
        // calendar arithmetic against a naive counter.
        let mut days = days_from_civil(0, 1, 1);
        assert_eq!(days, -719_528);
        for year in 0..=9999 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    assert_eq!(days_from_civil(year, month, day), days);
                    assert_eq!(civil_from_days(days), (year, month, day));
                    days += 1;
                }
            }
        }
        assert_eq!(days, days_from_civil(10_000, 1, 1));
    }

    #[test]
    fn format_parse_round_trip() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        let lo = -62_167_219_200_000i64;
        let hi = 253_402_300_799_999i64;
        for _ in 0..20_000 {
            let ms = lo + (rng.next() % (hi - lo + 1) as u64) as i64;
            let s = format_rfc3339_ms(ms);
            assert_eq!(parse_rfc3339_ms(&s), Some(ms), "{s}");
        }
    }

    #[test]
    fn now_is_plausible() {
        let now = now_ms();
        assert!(now > t("2024-01-01T00:00:00Z"));
        assert!(now < t("2200-01-01T00:00:00Z"));
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    #[test]
    fn random_strings_never_panic() {
        const ALPHABET: &[u8] = b"0123456789-:.TtZz+ ";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let template = b"2024-02-29T23:59:59.123456+05:30";
        let mut accepted = 0;
        for i in 0..100_000 {
            let bytes: Vec<u8> = if i % 2 == 0 {
                // mutate a valid template in one to three places
                let mut v = template.to_vec();
                for _ in 0..1 + rng.next() % 3 {
                    let pos = (rng.next() % v.len() as u64) as usize;
                    let r = rng.next();
                    match r % 4 {
                        0 => {
                            v.remove(pos);
                        }
                        1 => v.insert(pos, ALPHABET[(r / 4 % ALPHABET.len() as u64) as usize]),
                        2 => v[pos] = ALPHABET[(r / 4 % ALPHABET.len() as u64) as usize],
                        _ => v[pos] = (r >> 8) as u8,
                    }
                }
                v
            } else {
                let len = (rng.next() % 36) as usize;
                (0..len)
                    .map(|_| {
                        let r = rng.next();
                        if i % 6 == 1 {
                            r as u8
                        } else {
                            ALPHABET[(r % ALPHABET.len() as u64) as usize]
                        }
                    })
                    .collect()
            };
            let s = String::from_utf8_lossy(&bytes);
            let _ = parse_date_ms(&s);
            let _ = parse_date_or_datetime_ms(&s);
            if let Some(ms) = parse_rfc3339_ms(&s) {
                accepted += 1;
                // Any accepted instant formats to a string that parses back
                // to it (offsets move at most a day outside 0000–9999).
                let f = format_rfc3339_ms(ms);
                if (-62_167_219_200_000..=253_402_300_799_999).contains(&ms) {
                    assert_eq!(parse_rfc3339_ms(&f), Some(ms), "{s:?} -> {f}");
                }
            }
            let _ = format_rfc3339_ms(rng.next() as i64);
        }
        assert!(
            accepted > 1_000,
            "the mutator should keep some valid inputs"
        );
    }
}
