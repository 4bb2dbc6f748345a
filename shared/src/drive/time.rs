//! Time as the protocol sees it: whole seconds since the Unix epoch, passed
//! in by the caller (wasm32 has no clock of its own, and tests want fixed
//! values), written as RFC 3339 UTC (`2026-11-23T12:00:00Z`).

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnixTime(pub i64);

// Howard Hinnant's civil-from-days / days-from-civil, proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y, u32::try_from(m).unwrap_or(1), u32::try_from(d).unwrap_or(1))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl UnixTime {
    /// RFC 3339 UTC with second precision. Years outside 0000–9999 are
    /// clamped to that range (the format cannot show them).
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        let max = days_from_civil(9999, 12, 31) * 86_400 + 86_399;
        let min = days_from_civil(0, 1, 1) * 86_400;
        let t = self.0.clamp(min, max);
        let (y, mo, d) = civil_from_days(t.div_euclid(86_400));
        let s = t.rem_euclid(86_400);
        format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, (s / 60) % 60, s % 60)
    }

    /// Parses exactly the form [`Self::to_rfc3339`] writes
    /// (`YYYY-MM-DDTHH:MM:SSZ`); anything else is `None`.
    #[must_use]
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |r: core::ops::Range<usize>| -> Option<i64> {
            let part = b.get(r)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            core::str::from_utf8(part).ok()?.parse().ok()
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
            return None;
        }
        Some(Self(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s))
    }
}

#[cfg(test)]
mod tests {
    use super::UnixTime;

    #[test]
    fn drive_time_round_trip() {
        for t in [0, 1_795_435_200, 951_782_400, -1, 253_402_300_799] {
            let text = UnixTime(t).to_rfc3339();
            assert_eq!(UnixTime::parse_rfc3339(&text), Some(UnixTime(t)), "{text}");
        }
        assert_eq!(UnixTime(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(UnixTime(951_782_400).to_rfc3339(), "2000-02-29T00:00:00Z");
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T24:00:00Z",
            "+026-01-01T00:00:00Z",
            "2026-01-01T00:00:00+00:00",
        ] {
            assert_eq!(UnixTime::parse_rfc3339(bad), None, "{bad}");
        }
    }
}
