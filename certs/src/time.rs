//! Time conversions between [`jiff::Timestamp`], [`std::time::Duration`] and OpenSSL's
//! [`Asn1Time`], clamped to what X.509 can encode.

use std::time::Duration;

use jiff::Timestamp;
use openssl::asn1::{Asn1Time, Asn1TimeRef};

use crate::error::{Context, Error, Result};

/// 9999-12-31T23:59:59Z, the latest time X.509 (GeneralizedTime) can encode.
const LATEST: i64 = 253_402_300_799;

/// `start + duration`, in whole seconds, saturating at [`LATEST`].
pub(crate) fn add(start: Timestamp, duration: Duration) -> i64 {
    let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    start.as_second().saturating_add(seconds).min(LATEST)
}

/// `start - duration`, in whole seconds, not before the Unix epoch.
pub(crate) fn sub(start: Timestamp, duration: Duration) -> i64 {
    let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
    start.as_second().saturating_sub(seconds).max(0)
}

/// An [`Asn1Time`] for `seconds` since the Unix epoch.
pub(crate) fn asn1(seconds: i64) -> Result<Asn1Time> {
    Asn1Time::from_unix(seconds.clamp(0, LATEST)).context("encoding a certificate time")
}

/// Seconds since the Unix epoch of an [`Asn1TimeRef`].
pub(crate) fn seconds(time: &Asn1TimeRef) -> Result<i64> {
    let epoch = Asn1Time::from_unix(0).context("encoding the Unix epoch")?;
    let diff = epoch.diff(time).context("reading a certificate time")?;
    Ok(i64::from(diff.days) * 86_400 + i64::from(diff.secs))
}

/// The [`Timestamp`] of an [`Asn1TimeRef`].
pub(crate) fn timestamp(time: &Asn1TimeRef) -> Result<Timestamp> {
    let seconds = seconds(time)?;
    Timestamp::from_second(seconds)
        .map_err(|e| Error::invalid("certificate time", format!("{seconds} s: {e}")))
}
