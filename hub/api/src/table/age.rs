//! Time in table cells: apimachinery's `HumanDuration`, kube-apiserver's `translateTimestampSince`
//! (the `Age` column), and the RFC 3339 parsing of `metav1.Time` values.

use jiff::Timestamp;
use serde_json::Value;

/// Nanoseconds in a Go `time.Duration` unit.
const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// apimachinery's `duration.HumanDuration`: ~2-3 significant figures, `<invalid>` when more than
/// a second in the future.
pub(crate) fn human_duration(nanos: i128) -> String {
    // A Go time.Duration saturates at ±292 years.
    let d = nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let seconds = d / SECOND;
    if seconds < -1 {
        return "<invalid>".to_owned();
    } else if seconds < 0 {
        return "0s".to_owned();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = d / MINUTE;
    if minutes < 10 {
        let s = (d / SECOND) % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = d / HOUR;
    if hours < 8 {
        let m = (d / MINUTE) % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// `translateTimestampSince`: the age of `time` at `now`, `<unknown>` for a zero time.
pub(crate) fn since(time: Option<Timestamp>, now: Timestamp) -> String {
    match time {
        Some(time) => human_duration(now.as_nanosecond() - time.as_nanosecond()),
        None => "<unknown>".to_owned(),
    }
}

/// A `metav1.Time` or `metav1.MicroTime` field: `None` when absent, null, empty, unparsable or
/// Go's zero time (what `IsZero` reports).
pub(crate) fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    match parse_rfc3339(value?.as_str()?) {
        Ok(Some(time)) => Some(time),
        _ => None,
    }
}

/// Go's `time.Parse(time.RFC3339, s)` as `metav1.Time` uses it: `Ok(None)` for an empty string,
/// `"null"` or the zero time; `Err` when `s` is not RFC 3339.
pub(crate) fn parse_rfc3339(s: &str) -> Result<Option<Timestamp>, ()> {
    if s.is_empty() || s == "null" {
        return Ok(None);
    }
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return Err(());
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > 9 {
            return Err(());
        }
        rest = &fraction[len..];
    }
    let offset_ok = rest == "Z" || {
        let o = rest.as_bytes();
        o.len() == 6
            && (o[0] == b'+' || o[0] == b'-')
            && o[1..3].iter().all(u8::is_ascii_digit)
            && o[3] == b':'
            && o[4..6].iter().all(u8::is_ascii_digit)
    };
    if !offset_ok {
        return Err(());
    }
    let time: Timestamp = s.parse().map_err(|_| ())?;
    Ok((time != go_zero_time()).then_some(time))
}

/// `t.UTC().Format(time.RFC3339)`, the zero time for `None`, as the default table prints
/// `Created At`.
pub(crate) fn rfc3339_utc(time: Option<Timestamp>) -> String {
    let time = time.unwrap_or_else(go_zero_time);
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `time.Time{}`: 0001-01-01T00:00:00Z.
fn go_zero_time() -> Timestamp {
    // Seconds from 0001-01-01 to 1970-01-01 (Go's unixToInternal, negated).
    Timestamp::from_second(-62_135_596_800).unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        let s = |secs: i64| human_duration(i128::from(secs) * 1_000_000_000);
        let cases: &[(i64, &str)] = &[
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (1, "1s"),
            (119, "119s"),
            (120, "2m"),
            (121, "2m1s"),
            (9 * 60 + 59, "9m59s"),
            (10 * 60, "10m"),
            (10 * 60 + 59, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 61, "3h1m"),
            (7 * 3600 + 59 * 60, "7h59m"),
            (8 * 3600 + 59 * 60, "8h"),
            (47 * 3600 + 59 * 60, "47h"),
            (48 * 3600, "2d"),
            (49 * 3600, "2d1h"),
            (7 * 86400 + 23 * 3600, "7d23h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (731 * 86400, "2y1d"),
            (8 * 365 * 86400 - 86400, "7y364d"),
            (8 * 365 * 86400, "8y"),
            (300 * 365 * 86400, "292y"),
        ];
        for (secs, want) in cases {
            assert_eq!(s(*secs), *want, "{secs}s");
        }
        // Sub-second parts are truncated like Go's int(d.Seconds()).
        assert_eq!(human_duration(1_999_999_999), "1s");
        assert_eq!(human_duration(-1_999_999_999), "0s");
    }

    #[test]
    fn rfc3339_is_strict_and_zero_is_none() {
        let t = parse_rfc3339("2024-05-01T10:00:00Z").unwrap().unwrap();
        assert_eq!(t.as_second(), 1_714_557_600);
        let micro = parse_rfc3339("2024-05-01T10:00:00.123456Z")
            .unwrap()
            .unwrap();
        assert_eq!(micro.subsec_microsecond(), 123_456);
        let offset = parse_rfc3339("2024-05-01T12:00:00+02:00").unwrap().unwrap();
        assert_eq!(offset, t);
        assert_eq!(parse_rfc3339(""), Ok(None));
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), Ok(None));
        for bad in [
            "2024-05-01",
            "2024-05-01 10:00:00Z",
            "2024-05-01T10:00Z",
            "2024-05-01T10:00:00",
            "2024-13-01T10:00:00Z",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(bad), Err(()), "{bad}");
        }
        assert_eq!(rfc3339_utc(Some(offset)), "2024-05-01T10:00:00Z");
        assert_eq!(rfc3339_utc(None), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn since_reports_unknown_for_zero_times() {
        let now: Timestamp = "2024-05-01T10:00:00Z".parse().unwrap();
        let created = timestamp(Some(&Value::from("2024-05-01T09:00:00Z")));
        assert_eq!(since(created, now), "60m");
        assert_eq!(since(timestamp(None), now), "<unknown>");
        assert_eq!(since(timestamp(Some(&Value::Null)), now), "<unknown>");
    }
}
