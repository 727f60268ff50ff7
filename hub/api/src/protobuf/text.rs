//! Text forms of values as Go writes them in JSON: base64 for bytes, RFC 3339 for times, and
//! `time.Duration`'s `String`.

use jiff::Timestamp;
use jiff::tz::Offset;

/// Standard base64 with padding, as Go's `encoding/json` writes a `[]byte`.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's zero `time.Time` in Unix seconds (January 1 of year 1, UTC).
const GO_ZERO_TIME: i64 = -62_135_596_800;

/// `seconds` and `nanos` since the Unix epoch as `metav1.Time` (`2006-01-02T15:04:05Z`) or,
/// with `micro`, `metav1.MicroTime` (`2006-01-02T15:04:05.000000Z`) writes them: `None` for
/// Go's zero time (JSON `null`); an error for a year outside 0..=9999, which Go refuses too.
pub(super) fn rfc3339(seconds: i64, nanos: i32, micro: bool) -> Result<Option<String>, String> {
    // As Go's time.Unix, nanoseconds out of range carry into the seconds.
    let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    if total == i128::from(GO_ZERO_TIME) * 1_000_000_000 {
        return Ok(None);
    }
    let out_of_range = || format!("time {seconds}s {nanos}ns is outside the years 0 to 9999");
    let timestamp = Timestamp::from_nanosecond(total).map_err(|_| out_of_range())?;
    let time = Offset::UTC.to_datetime(timestamp);
    if !(0..=9999).contains(&time.year()) {
        return Err(out_of_range());
    }
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
    if micro {
        text.push_str(&format!(".{:06}", time.subsec_nanosecond() / 1000));
    }
    text.push('Z');
    Ok(Some(text))
}

/// Go's `time.Duration(nanos).String()`: `1h2m3.5s`, `1.5ms`, `0s`.
pub(super) fn go_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".to_owned();
    }
    let text = if u < 1_000_000_000 {
        let (unit, precision) = match u {
            0..1_000 => ("ns", 0),
            1_000..1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        let (whole, fraction) = split(u, precision);
        format!("{whole}{fraction}{unit}")
    } else {
        let (seconds, fraction) = split(u, 9);
        let minutes = seconds / 60;
        let hours = minutes / 60;
        let mut text = format!("{}{fraction}s", seconds % 60);
        if minutes > 0 {
            text = format!("{}m{text}", minutes % 60);
            if hours > 0 {
                text = format!("{hours}h{text}");
            }
        }
        text
    };
    format!("{sign}{text}")
}

/// `value / 10^precision` and its fraction as `.digits` without trailing zeros (empty when
/// zero).
fn split(value: u64, precision: u32) -> (u64, String) {
    let scale = 10u64.pow(precision);
    let fraction = value % scale;
    if fraction == 0 {
        return (value / scale, String::new());
    }
    let digits = format!("{fraction:0width$}", width = precision as usize);
    (value / scale, format!(".{}", digits.trim_end_matches('0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_as_go() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"b"), "Yg==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64("été".as_bytes()), "w6l0w6k=");
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn durations_print_as_go() {
        for (nanos, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (1_000_000_000, "1s"),
            (3_500_000_000, "3.5s"),
            (60_000_000_000, "1m0s"),
            (3_600_000_000_000, "1h0m0s"),
            (5_400_000_000_000, "1h30m0s"),
            (-90_000_000_000, "-1m30s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (i64::MAX, "2562047h47m16.854775807s"),
        ] {
            assert_eq!(go_duration(nanos), text, "{nanos}");
        }
    }

    #[test]
    fn times_print_as_metav1() {
        let time = |s, n, micro| rfc3339(s, n, micro).unwrap();
        assert_eq!(time(0, 0, false).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            time(1_700_000_000, 999_999_999, false).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(
            time(1_700_000_000, 123_456_789, true).as_deref(),
            Some("2023-11-14T22:13:20.123456Z")
        );
        assert_eq!(time(1, -1, false).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(time(GO_ZERO_TIME, 0, false), None);
        assert_eq!(
            time(GO_ZERO_TIME - 86_400, 0, false).as_deref(),
            Some("0000-12-31T00:00:00Z")
        );
        assert!(rfc3339(253_402_300_800, 0, false).is_err()); // year 10000
        assert!(rfc3339(i64::MAX, 0, false).is_err());
        assert!(rfc3339(i64::MIN, i32::MIN, true).is_err());
    }
}
