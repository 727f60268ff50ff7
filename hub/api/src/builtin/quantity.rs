//! Resource quantities (`k8s.io/apimachinery/pkg/api/resource`): parsed exactly, compared, and
//! printed in kube's canonical form (`0.5` → `500m`, `1000` → `1k`, `1024Mi` → `1Gi`), which is
//! how validation messages show them.

use std::cmp::Ordering;

/// kube's `ErrFormatWrong`.
pub(crate) const FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// kube's `ErrSuffix`.
pub(crate) const SUFFIX_ERROR: &str = "unable to parse quantity's suffix";

/// How a quantity prints (taken from its suffix when parsed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    DecimalSI,
    BinarySI,
    DecimalExponent,
}

/// An exact quantity: `mantissa × 10^exponent`, never finer than nano units (kube rounds up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quantity {
    mantissa: i128,
    exponent: i32,
    format: Format,
}

impl Quantity {
    /// `resource.ParseQuantity`; the error is kube's message.
    pub(crate) fn parse(text: &str) -> Result<Quantity, &'static str> {
        if text.is_empty() {
            return Err(FORMAT_ERROR);
        }
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut negative = false;
        match bytes.first() {
            Some(b'-') => {
                negative = true;
                pos += 1;
            }
            Some(b'+') => pos += 1,
            _ => {}
        }
        let digits_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let whole = &text[digits_start..pos];
        let mut fraction = "";
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            fraction = &text[start..pos];
        }
        let suffix_start = pos;
        while pos < bytes.len() && b"eEinumkKMGTP".contains(&bytes[pos]) {
            pos += 1;
        }
        if pos < bytes.len() && matches!(bytes[pos], b'-' | b'+') {
            pos += 1;
        }
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos < bytes.len() {
            return Err(FORMAT_ERROR);
        }
        if whole.is_empty() && fraction.is_empty() {
            if digits_start == suffix_start {
                return Err(FORMAT_ERROR);
            }
            // "0." style input with no digits at all is not a number.
            return Err(FORMAT_ERROR);
        }
        let suffix = &text[suffix_start..];
        let (base2, mut exponent, format): (u32, i32, Format) = match suffix {
            "" => (0, 0, Format::DecimalSI),
            "n" => (0, -9, Format::DecimalSI),
            "u" => (0, -6, Format::DecimalSI),
            "m" => (0, -3, Format::DecimalSI),
            "k" => (0, 3, Format::DecimalSI),
            "M" => (0, 6, Format::DecimalSI),
            "G" => (0, 9, Format::DecimalSI),
            "T" => (0, 12, Format::DecimalSI),
            "P" => (0, 15, Format::DecimalSI),
            "E" => (0, 18, Format::DecimalSI),
            "Ki" => (1, 0, Format::BinarySI),
            "Mi" => (2, 0, Format::BinarySI),
            "Gi" => (3, 0, Format::BinarySI),
            "Ti" => (4, 0, Format::BinarySI),
            "Pi" => (5, 0, Format::BinarySI),
            "Ei" => (6, 0, Format::BinarySI),
            other => {
                let Some(rest) = other.strip_prefix(['e', 'E']) else {
                    return Err(SUFFIX_ERROR);
                };
                let exp: i32 = rest.parse().map_err(|_| SUFFIX_ERROR)?;
                (0, exp, Format::DecimalExponent)
            }
        };
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        let digits = if digits.len() > 30 {
            // Beyond i128's exact range: keep the leading digits, scale the rest away.
            exponent += (digits.len() - 30) as i32;
            &digits[..30]
        } else {
            digits
        };
        let mut mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| FORMAT_ERROR)?
        };
        exponent -= fraction.len() as i32;
        for _ in 0..base2 {
            mantissa = mantissa.saturating_mul(1024);
        }
        if negative {
            mantissa = -mantissa;
        }
        Ok(Quantity {
            mantissa,
            exponent,
            format,
        }
        .normalized())
    }

    fn normalized(mut self) -> Quantity {
        if self.mantissa == 0 {
            self.exponent = 0;
            return self;
        }
        if self.exponent < -9 {
            // Round up (away from negative infinity) to nano units.
            let divisor = pow10(-9 - self.exponent);
            let quotient = self.mantissa.div_euclid(divisor);
            let remainder = self.mantissa.rem_euclid(divisor);
            self.mantissa = if remainder == 0 {
                quotient
            } else {
                quotient + 1
            };
            self.exponent = -9;
        }
        while self.mantissa != 0 && self.mantissa % 10 == 0 && self.exponent < 30 {
            self.mantissa /= 10;
            self.exponent += 1;
        }
        if self.mantissa == 0 {
            self.exponent = 0;
        }
        self
    }

    /// The sign: -1, 0 or 1.
    pub(crate) fn sign(&self) -> i32 {
        self.mantissa.signum() as i32
    }

    /// Whether the quantity is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// The value scaled to `10^exponent` units, rounded up (`ScaledValue`), saturating.
    fn scaled(&self, exponent: i32) -> i128 {
        let shift = self.exponent - exponent;
        if shift >= 0 {
            self.mantissa.saturating_mul(pow10(shift))
        } else {
            let divisor = pow10(-shift);
            let quotient = self.mantissa.div_euclid(divisor);
            if self.mantissa.rem_euclid(divisor) == 0 {
                quotient
            } else {
                quotient + 1
            }
        }
    }

    /// `Value()`: the integer value, rounded up.
    pub(crate) fn value(&self) -> i128 {
        self.scaled(0)
    }

    /// `MilliValue()`: the value in thousandths, rounded up.
    pub(crate) fn milli_value(&self) -> i128 {
        self.scaled(-3)
    }

    /// `Cmp`.
    pub(crate) fn cmp(&self, other: &Quantity) -> Ordering {
        let exponent = self.exponent.min(other.exponent);
        self.scaled(exponent).cmp(&other.scaled(exponent))
    }

    /// `String()`: kube's canonical form.
    pub(crate) fn canonical(&self) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let mut format = self.format;
        if format == Format::BinarySI {
            let small = self.cmp(&Quantity::int(1024)) == Ordering::Less
                && self.cmp(&Quantity::int(-1024)) == Ordering::Greater;
            if small || self.exponent < 0 {
                format = Format::DecimalSI;
            }
        }
        if format == Format::BinarySI {
            let mut value = self.value();
            let mut power = 0;
            while value % 1024 == 0 && power < 6 {
                value /= 1024;
                power += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power];
            return format!("{value}{suffix}");
        }
        let mut mantissa = self.mantissa;
        let mut exponent = self.exponent;
        match exponent.rem_euclid(3) {
            1 => {
                mantissa *= 10;
                exponent -= 1;
            }
            2 => {
                mantissa *= 100;
                exponent -= 2;
            }
            _ => {}
        }
        let suffix = if format == Format::DecimalExponent {
            if exponent == 0 {
                String::new()
            } else {
                format!("e{exponent}")
            }
        } else {
            match exponent {
                -9 => "n".to_owned(),
                -6 => "u".to_owned(),
                -3 => "m".to_owned(),
                0 => String::new(),
                3 => "k".to_owned(),
                6 => "M".to_owned(),
                9 => "G".to_owned(),
                12 => "T".to_owned(),
                15 => "P".to_owned(),
                18 => "E".to_owned(),
                other => format!("e{other}"),
            }
        };
        format!("{mantissa}{suffix}")
    }

    /// An integer quantity.
    pub(crate) fn int(value: i64) -> Quantity {
        Quantity {
            mantissa: i128::from(value),
            exponent: 0,
            format: Format::DecimalSI,
        }
        .normalized()
    }
}

fn pow10(exponent: i32) -> i128 {
    10_i128.saturating_pow(exponent.clamp(0, 38) as u32)
}

/// The quantity of a JSON value (a string, or a number as kube accepts in `int-or-string`
/// quantity fields).
pub(crate) fn of(value: &serde_json::Value) -> Result<Quantity, &'static str> {
    match value {
        serde_json::Value::String(s) => Quantity::parse(s),
        serde_json::Value::Number(n) => Quantity::parse(&n.to_string()),
        _ => Err(FORMAT_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        Quantity::parse(text)
            .map(|q| q.canonical())
            .unwrap_or_else(|e| e.to_owned())
    }

    #[test]
    fn canonical_forms_match_kube() {
        for (input, output) in [
            ("0.5", "500m"),
            ("500m", "500m"),
            ("1000", "1k"),
            ("1500", "1500"),
            ("1.5k", "1500"),
            ("1024Mi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("1Ki", "1Ki"),
            ("0.5Gi", "512Mi"),
            ("100Mi", "100Mi"),
            ("1e3", "1e3"),
            ("2", "2"),
            ("-1", "-1"),
            ("0", "0"),
            ("000", "0"),
            ("1n", "1n"),
            ("0.0000000001", "1n"),
            ("128974848", "128974848"),
            ("129e6", "129e6"),
            ("123Mi", "123Mi"),
            ("1G", "1G"),
        ] {
            assert_eq!(canonical(input), output, "{input}");
        }
        assert_eq!(canonical("abc"), FORMAT_ERROR);
        assert_eq!(canonical("1Zi"), FORMAT_ERROR);
        assert_eq!(canonical("1ki"), SUFFIX_ERROR);
        assert_eq!(canonical(""), FORMAT_ERROR);
    }

    #[test]
    fn compares_and_rounds() {
        let q = |s: &str| Quantity::parse(s).unwrap_or_else(|_| Quantity::int(0));
        assert_eq!(q("1").cmp(&q("1000m")), Ordering::Equal);
        assert_eq!(q("1Gi").cmp(&q("1G")), Ordering::Greater);
        assert_eq!(q("100m").cmp(&q("0.2")), Ordering::Less);
        assert_eq!(q("1500m").value(), 2);
        assert_eq!(q("1.5").milli_value(), 1500);
        assert_eq!(q("-1").sign(), -1);
    }
}
