//! Label and field selectors, parsed, printed and matched as kube-apiserver v1.32 does, failing
//! with the messages it puts in its `400 BadRequest` Status.
//!
//! - [`LabelSelector`]: the `labelSelector` query parameter ([`LabelSelector::parse`]) and the
//!   `metav1.LabelSelector` objects of specs ([`LabelSelector::from_label_selector_json`]).
//! - [`FieldSelector`]: the `fieldSelector` query parameter, checked against the field labels the
//!   kind supports ([`FieldSelector::check`]) and matched through [`field_value`], or through
//!   [`custom_field_value`] for custom resources.
//! - [`label_key_errors`] and [`label_value_errors`]: kube's label syntax rules, reusable for
//!   validating `metadata.labels`.
//!
//! A list or watch handler parses both selectors, calls [`FieldSelector::check`] before reading
//! the store (kube rejects an unsupported field even when nothing would be listed), then keeps the
//! objects for which both match. Every [`SelectorError`] from a request's selectors is a
//! `400 BadRequest` whose message is the error's `Display`.

mod fields;
mod labels;
mod validation;

pub use fields::{
    FieldOperator, FieldRequirement, FieldSelector, custom_field_value, escape_field_value,
    field_value, supported_field_labels, unescape_field_value,
};
pub use labels::{LabelSelector, Operator, Requirement};
pub use validation::{
    DNS1123_SUBDOMAIN_MAX_LENGTH, LABEL_VALUE_MAX_LENGTH, dns1123_subdomain_errors,
    label_key_errors, label_value_errors,
};

/// Why a selector was rejected. `Display` is exactly the message kube-apiserver returns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A label selector kube's parser (or `LabelSelectorAsSelector`) rejects, e.g.
    /// `unable to parse requirement: found '(', expected: identifier`.
    #[error("{0}")]
    InvalidLabelSelector(String),
    /// A field selector kube's parser rejects, e.g.
    /// `invalid selector: 'a'; can't understand 'a'` or
    /// `invalid field selector: invalid escape sequence: \x`.
    #[error("{0}")]
    InvalidFieldSelector(String),
    /// A field label the kind's conversion function rejects: `field label not supported: <field>`
    /// (core/v1 Pod, Node, Event, Namespace, Secret, Service, ReplicationController,
    /// events.k8s.io Event, certificates CertificateSigningRequest, custom resources).
    #[error("field label not supported: {0}")]
    FieldLabelNotSupported(String),
    /// A field label batch/v1 Job rejects: `field label "<field>" not supported for batchv1.Job`.
    #[error("field label {} not supported for batchv1.Job", go_quote(.0))]
    JobFieldLabelNotSupported(String),
    /// A field label rejected by kube's default conversion, used by every built-in kind without
    /// its own: `"<field>" is not a known field selector: only "metadata.name", "metadata.namespace"`.
    #[error(
        "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        go_quote(.0)
    )]
    UnknownFieldSelector(String),
}

/// `s` quoted as Go's `%q` (`strconv.Quote`) does, for messages that quote user input.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c == ' ' || !(c.is_control() || c.is_whitespace()) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("plain"), "\"plain\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\t\n\u{1}\u{7f}"), "\"\\t\\n\\x01\\x7f\"");
        assert_eq!(go_quote("é ü"), "\"é ü\"");
        assert_eq!(go_quote("\u{a0}\u{2028}"), "\"\\u00a0\\u2028\"");
        assert_eq!(go_quote(""), "\"\"");
    }

    #[test]
    fn error_messages_are_kubes() {
        assert_eq!(
            SelectorError::FieldLabelNotSupported("foo".into()).to_string(),
            "field label not supported: foo"
        );
        assert_eq!(
            SelectorError::JobFieldLabelNotSupported("status.active".into()).to_string(),
            "field label \"status.active\" not supported for batchv1.Job"
        );
        assert_eq!(
            SelectorError::UnknownFieldSelector("foo.bar".into()).to_string(),
            "\"foo.bar\" is not a known field selector: only \"metadata.name\", \
             \"metadata.namespace\""
        );
        assert_eq!(
            SelectorError::InvalidLabelSelector("x".into()).to_string(),
            "x"
        );
    }
}
