//! The string formats kube-apiserver v1.32 validates in CRD schemas (kube-openapi's `strfmt`
//! registry, as `StripUnsupportedFormatsPostProcess` leaves it): `date-time`, `date`,
//! `duration`, `byte`, `uuid`, `ipv4`, `cidr`, `quantity`, ...; other formats are ignored.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

/// The supported formats, as the registry normalizes names (dashes removed).
const SUPPORTED: &[&str] = &[
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
    "duration",
    "datetime",
    "quantity",
];

fn normalize(format: &str) -> String {
    format.replace('-', "")
}

/// Whether kube validates strings of `format` (`date-time` and `datetime` alike).
pub(super) fn is_supported(format: &str) -> bool {
    SUPPORTED.contains(&normalize(format).as_str())
}

/// Whether `value` is valid for the supported `format`.
pub(super) fn validates(format: &str, value: &str) -> bool {
    match normalize(format).as_str() {
        "bsonobjectid" => value.len() == 24 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        "uri" => is_request_uri(value),
        "email" => is_email(value),
        "hostname" => is_hostname(value),
        "ipv4" => value.parse::<IpAddr>().is_ok() && value.contains('.'),
        "ipv6" => value.parse::<IpAddr>().is_ok() && value.contains(':'),
        "cidr" => is_cidr(value),
        "mac" => is_mac(value),
        "uuid" => matches(&UUID, value),
        "uuid3" => matches(&UUID3, value),
        "uuid4" => matches(&UUID4, value),
        "uuid5" => matches(&UUID5, value),
        "isbn" => is_isbn10(value) || is_isbn13(value),
        "isbn10" => is_isbn10(value),
        "isbn13" => is_isbn13(value),
        "creditcard" => is_credit_card(value),
        "ssn" => value.len() == 11 && matches(&SSN, value),
        "hexcolor" => matches(&HEX_COLOR, value),
        "rgbcolor" => matches(&RGB_COLOR, value),
        "byte" => matches(&BASE64, value),
        "password" => true,
        "date" => is_date(value),
        "duration" => is_duration(value),
        "datetime" => is_date_time(value),
        "quantity" => is_quantity(value),
        _ => true,
    }
}

fn regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn matches(regex: &LazyLock<Option<Regex>>, value: &str) -> bool {
    regex.as_ref().is_some_and(|r| r.is_match(value))
}

static UUID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
});
static UUID3: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
});
static UUID4: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
});
static UUID5: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
});
static SSN: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}$"));
static HEX_COLOR: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex("^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"));
static RGB_COLOR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let c = r"(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])";
    regex(&format!(r"^rgb\(\s*{c}\s*,\s*{c}\s*,\s*{c}\s*\)$"))
});
static BASE64: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")
});
static HOSTNAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$",
    )
});
static CREDIT_CARD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        "^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11}|6[27][0-9]{14})$",
    )
});
static DATE_TIME_TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
});

/// `strfmt.IsHostname`.
fn is_hostname(value: &str) -> bool {
    matches(&HOSTNAME, value) && value.len() <= 255 && value.split('.').all(|p| p.len() <= 63)
}

/// Go's `time.Parse("2006-01-02", value)`.
pub(crate) fn is_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &value[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days
}

/// `strfmt.IsDateTime`: a full date, `T` (any case), then `hh:mm:ss[.frac](Z|±hh:mm)`.
fn is_date_time(value: &str) -> bool {
    if value.len() < 4 {
        return false;
    }
    let lower = value.to_lowercase();
    let parts: Vec<&str> = lower.split('t').collect();
    if parts.len() < 2 || !is_date(parts[0]) {
        return false;
    }
    let Some(Some(captures)) = DATE_TIME_TIME.as_ref().map(|r| r.captures(parts[1])) else {
        return false;
    };
    let field = |i: usize| captures.get(i).map_or("", |m| m.as_str());
    field(1) <= "23" && field(2) <= "59" && field(3) <= "59"
}

/// `strfmt.ParseDuration`: Go's `time.ParseDuration`, or Scala-like `3 days 4h`.
fn is_duration(value: &str) -> bool {
    if is_go_duration(value) {
        return true;
    }
    static VALIDATOR: LazyLock<Option<Regex>> =
        LazyLock::new(|| regex(r"^\s*(?:[0-9]+\s*[A-Za-zµ]+\s*)+$"));
    static MATCHER: LazyLock<Option<Regex>> = LazyLock::new(|| regex(r"(([0-9]+)\s*([A-Za-zµ]+))"));
    if !matches(&VALIDATOR, value) {
        return false;
    }
    const UNITS: &[&[&str]] = &[
        &["ns", "nano"],
        &["us", "µs", "micro"],
        &["ms", "milli"],
        &["s", "sec"],
        &["m", "min"],
        &["h", "hr", "hour"],
        &["d", "day"],
        &["w", "wk", "week"],
    ];
    let Some(matcher) = MATCHER.as_ref() else {
        return false;
    };
    let mut ok = false;
    for captures in matcher.captures_iter(value) {
        if captures[2].parse::<i64>().is_err() {
            return false;
        }
        let unit = captures[3].trim().to_lowercase();
        for variants in UNITS {
            let last = variants.len() - 1;
            for (i, variant) in variants.iter().enumerate() {
                if (i == last && unit.starts_with(variant)) || variant.eq_ignore_ascii_case(&unit) {
                    ok = true;
                }
            }
        }
    }
    ok
}

/// Go's `time.ParseDuration` syntax: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or `0`.
pub(crate) fn is_go_duration(value: &str) -> bool {
    let rest = value.strip_prefix(['-', '+']).unwrap_or(value);
    if rest == "0" {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    let mut chars = rest.char_indices().peekable();
    while chars.peek().is_some() {
        let mut digits = 0;
        while let Some((_, c)) = chars.peek().copied()
            && c.is_ascii_digit()
        {
            digits += 1;
            chars.next();
        }
        if let Some((_, '.')) = chars.peek().copied() {
            chars.next();
            while let Some((_, c)) = chars.peek().copied()
                && c.is_ascii_digit()
            {
                digits += 1;
                chars.next();
            }
        }
        if digits == 0 {
            return false;
        }
        let start = chars.peek().map_or(rest.len(), |(i, _)| *i);
        while let Some((_, c)) = chars.peek().copied()
            && !c.is_ascii_digit()
            && c != '.'
        {
            chars.next();
        }
        let end = chars.peek().map_or(rest.len(), |(i, _)| *i);
        if !matches!(
            &rest[start..end],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return false;
        }
    }
    true
}

/// `net.ParseCIDR`.
fn is_cidr(value: &str) -> bool {
    let Some((ip, prefix)) = value.split_once('/') else {
        return false;
    };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(prefix) = prefix.parse::<u32>() else {
        return false;
    };
    if ip.contains(':') {
        ip.parse::<Ipv6Addr>().is_ok() && prefix <= 128
    } else {
        ip.parse::<Ipv4Addr>().is_ok() && prefix <= 32
    }
}

/// `net.ParseMAC`: 6, 8 or 20 octets as `xx:xx`, `xx-xx` or `xxxx.xxxx`.
fn is_mac(value: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let octets_ok = |count: usize| matches!(count, 6 | 8 | 20);
    if value.contains(':') || value.contains('-') {
        let separator = if value.contains(':') { ':' } else { '-' };
        let parts: Vec<&str> = value.split(separator).collect();
        octets_ok(parts.len()) && parts.iter().all(|p| hex(p, 2))
    } else if value.contains('.') {
        let parts: Vec<&str> = value.split('.').collect();
        octets_ok(parts.len() * 2) && parts.iter().all(|p| hex(p, 4))
    } else {
        false
    }
}

/// `url.ParseRequestURI` (approximately): an absolute URI or an absolute path.
fn is_request_uri(value: &str) -> bool {
    if value.is_empty() || value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    if !valid_escapes(value) {
        return false;
    }
    if value == "*" || value.starts_with('/') {
        return true;
    }
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return false;
    }
    match rest.strip_prefix("//") {
        Some(authority) => {
            let host = authority.split(['/', '?', '#']).next().unwrap_or_default();
            let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
            !host.contains(' ')
        }
        None => true,
    }
}

fn valid_escapes(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// `net/mail.ParseAddress` (approximately): `local@domain`, optionally as `Name <...>`.
fn is_email(value: &str) -> bool {
    let address = match (value.rfind('<'), value.ends_with('>')) {
        (Some(start), true) => &value[start + 1..value.len() - 1],
        (None, false) => value.trim(),
        _ => return false,
    };
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let dot_atom =
        |s: &str| !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.chars().all(atext));
    let local_ok =
        dot_atom(local) || (local.len() >= 2 && local.starts_with('"') && local.ends_with('"'));
    let domain_ok = dot_atom(domain) || (domain.starts_with('[') && domain.ends_with(']'));
    local_ok && domain_ok
}

fn sanitize(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// govalidator's `IsISBN10`.
fn is_isbn10(value: &str) -> bool {
    let s = sanitize(value);
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[..9].iter().all(u8::is_ascii_digit)
        && (b[9].is_ascii_digit() || b[9] == b'X');
    if !shape {
        return false;
    }
    let mut checksum: u32 = (0..9)
        .map(|i| (i as u32 + 1) * u32::from(b[i] - b'0'))
        .sum();
    checksum += 10
        * if b[9] == b'X' {
            10
        } else {
            u32::from(b[9] - b'0')
        };
    checksum.is_multiple_of(11)
}

/// govalidator's `IsISBN13`.
fn is_isbn13(value: &str) -> bool {
    let s = sanitize(value);
    let b = s.as_bytes();
    if b.len() != 13 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let checksum: u32 = (0..12)
        .map(|i| [1, 3][i % 2] * u32::from(b[i] - b'0'))
        .sum();
    u32::from(b[12] - b'0') == (10 - checksum % 10) % 10
}

/// govalidator's `IsCreditCard`: the issuer shapes and the Luhn checksum.
fn is_credit_card(value: &str) -> bool {
    let s = sanitize(value);
    if !matches(&CREDIT_CARD, &s) {
        return false;
    }
    let mut sum = 0;
    let mut double = false;
    for b in s.bytes().rev() {
        let mut digit = u32::from(b - b'0');
        if double {
            digit *= 2;
            if digit >= 10 {
                digit = digit % 10 + 1;
            }
        }
        sum += digit;
        double = !double;
    }
    sum.is_multiple_of(10)
}

/// `resource.ParseQuantity`'s grammar: a signed decimal number and a suffix (`Ki`..`Ei`,
/// `n`, `u`, `m`, `k`, `M`..`E`, or `e`/`E` and a signed integer).
pub(crate) fn is_quantity(value: &str) -> bool {
    let rest = value.strip_prefix(['+', '-']).unwrap_or(value);
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || number.matches('.').count() > 1 {
        return false;
    }
    match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => match suffix.strip_prefix(['e', 'E']) {
            Some(exponent) => {
                let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
                !exponent.is_empty() && exponent.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_names_are_normalized() {
        assert!(is_supported("date-time"));
        assert!(is_supported("datetime"));
        assert!(is_supported("byte"));
        assert!(!is_supported("int-or-string"));
        assert!(!is_supported("k8s-short-name"));
        assert!(!is_supported(""));
    }

    #[test]
    fn formats_accept_and_reject_like_kube() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "date-time",
                &[
                    "2024-01-02T03:04:05Z",
                    "2024-01-02t03:04:05.123+02:00",
                    "2024-02-29T00:00:00Z",
                ],
                &[
                    "2024-01-02",
                    "2024-01-02T25:00:00Z",
                    "2023-02-29T00:00:00Z",
                    "garbage",
                    "2024-01-02T03:04:05",
                ],
            ),
            (
                "date",
                &["2024-01-31", "2000-02-29"],
                &["2024-1-31", "2024-02-30", "1900-02-29", "x"],
            ),
            (
                "duration",
                &["1h30m", "-1.5s", "0", "300ms", "3 days", "1week 2h", "2µs"],
                &["", "1", "h", "1x", "1.s.m"],
            ),
            (
                "byte",
                &["aGVsbG8=", "YWJj", "YQ=="],
                &["", "a", "!!!!", "aGVsbG8"],
            ),
            (
                "uuid",
                &[
                    "123e4567-e89b-12d3-a456-426614174000",
                    "123E4567E89B12D3A456426614174000",
                ],
                &[
                    "123e4567-e89b-12d3-a456",
                    "zzze4567-e89b-12d3-a456-426614174000",
                ],
            ),
            (
                "uuid4",
                &["123e4567-e89b-42d3-a456-426614174000"],
                &["123e4567-e89b-12d3-a456-426614174000"],
            ),
            (
                "ipv4",
                &["10.0.0.1", "::ffff:1.2.3.4"],
                &["10.0.0", "::1", "256.0.0.1", "x"],
            ),
            ("ipv6", &["::1", "fe80::1"], &["10.0.0.1", "::g"]),
            (
                "cidr",
                &["10.0.0.0/8", "fd00::/64"],
                &["10.0.0.0/33", "10.0.0.0", "x/8"],
            ),
            (
                "mac",
                &["00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e"],
                &["00:1a:2b:3c:4d", "001a2b3c4d5e"],
            ),
            (
                "hostname",
                &["example.com", "a", "my-host.local"],
                &["-a.com", "a_b.com", "a..b"],
            ),
            (
                "email",
                &["a@b.com", "Alice <alice@example.com>"],
                &["a", "@b", "a@", "a b@c"],
            ),
            (
                "uri",
                &["https://example.com/x?y=1", "/path", "mailto:a@b", "*"],
                &["example.com", "", "http://a b/", "%zz"],
            ),
            ("isbn10", &["0321751043", "0-321-75104-3"], &["0321751044"]),
            ("isbn13", &["978-0321751041"], &["978-0321751042"]),
            ("isbn", &["0321751043", "9780321751041"], &["123"]),
            (
                "creditcard",
                &["4111 1111 1111 1111"],
                &["4111 1111 1111 1112", "1234"],
            ),
            (
                "ssn",
                &["123-45-6789", "123 45 6789"],
                &["123456789", "12-345-6789"],
            ),
            ("hexcolor", &["#fff", "FFFFFF"], &["#ffff", "ggg"]),
            (
                "rgbcolor",
                &["rgb(0, 128, 255)"],
                &["rgb(256,0,0)", "rgb(1,2)"],
            ),
            (
                "bsonobjectid",
                &["507f1f77bcf86cd799439011"],
                &["507f1f77bcf86cd79943901", "zzzzzzzzzzzzzzzzzzzzzzzz"],
            ),
            ("password", &["anything", ""], &[]),
            (
                "quantity",
                &["1", "1.5Gi", "100m", "-2k", "1e3", "0.5", ".5", "1E-2"],
                &["", "1.5.5", "Gi", "1Xi", "1e", "1 Gi"],
            ),
        ];
        for (format, good, bad) in cases {
            for value in *good {
                assert!(
                    validates(format, value),
                    "{format}: {value:?} should be valid"
                );
            }
            for value in *bad {
                assert!(
                    !validates(format, value),
                    "{format}: {value:?} should be invalid"
                );
            }
        }
    }
}
