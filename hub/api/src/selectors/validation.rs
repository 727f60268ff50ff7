//! kube's rules for label keys and label values (`k8s.io/apimachinery/pkg/util/validation`,
//! v1.32), returning kube's own error strings, which the selectors put into their messages.
//!
//! The rules are hand-written rather than regular expressions; the regexes kube prints in its
//! messages are kept as text.

/// Longest label value, and longest name part of a label key, in bytes.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;

/// Longest DNS-1123 subdomain (such as the prefix of a label key), in bytes.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

/// What is wrong with `key` as a label key (a "qualified name": an optional DNS-1123 subdomain
/// prefix and `/`, then a name of at most 63 alphanumerics, `-`, `_` or `.`), in kube's words;
/// empty when it is valid. Like kube's `IsQualifiedName`.
pub fn label_key_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errors.push(format!("prefix part {EMPTY_ERROR}"));
            } else {
                errors.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|message| format!("prefix part {message}")),
                );
            }
            *name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. \
                 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_ERR_MSG,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            )];
        }
    };
    if name.is_empty() {
        errors.push(format!("name part {EMPTY_ERROR}"));
    } else if name.len() > LABEL_VALUE_MAX_LENGTH {
        errors.push(format!(
            "name part {}",
            max_len_error(LABEL_VALUE_MAX_LENGTH)
        ));
    }
    if !is_qualified_name_shape(name) {
        errors.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errors
}

/// What is wrong with `value` as a label value (empty, or at most 63 alphanumerics, `-`, `_` or
/// `.` that start and end with an alphanumeric), in kube's words; empty when it is valid. Like
/// kube's `IsValidLabelValue`.
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errors.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !is_qualified_name_shape(value) {
        errors.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errors
}

/// What is wrong with `value` as a lowercase RFC 1123 subdomain (dot-separated labels of
/// lowercase alphanumerics and `-`, at most 253 bytes), in kube's words; empty when it is valid.
/// Like kube's `IsDNS1123Subdomain`.
pub fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errors.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !is_dns1123_subdomain_shape(value) {
        errors.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errors
}

const EMPTY_ERROR: &str = "must be non-empty";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and \
                                      must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric \
                                   characters, '-', '_' or '.', and must start and end with an \
                                   alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
                                         alphanumeric characters, '-' or '.', and must start and \
                                         end with an alphanumeric character";

/// kube's `MaxLenError` (v1.32 says "characters" although it counts bytes).
fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// kube's `RegexError`.
fn regex_error(message: &str, regex: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{message} (regex used for validation is '{regex}')");
    }
    let mut out = format!("{message} (e.g. ");
    for (index, example) in examples.iter().enumerate() {
        if index > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(example);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(regex);
    out.push_str("')");
    out
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
fn is_qualified_name_shape(value: &str) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`.
fn is_dns1123_subdomain_shape(value: &str) -> bool {
    value.split('.').all(|label| {
        let bytes = label.as_bytes();
        let lower_alphanumeric = |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                lower_alphanumeric(first)
                    && lower_alphanumeric(last)
                    && bytes
                        .iter()
                        .all(|byte| lower_alphanumeric(byte) || *byte == b'-')
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME_REGEX_ERROR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and \
        must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or \
        '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const SUBDOMAIN_ERROR: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
        alphanumeric characters, '-' or '.', and must start and end with an alphanumeric \
        character (e.g. 'example.com', regex used for validation is \
        '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    #[test]
    fn valid_keys_have_no_errors() {
        for key in [
            "a",
            "A",
            "app",
            "app.kubernetes.io/name",
            "a_b-c.d",
            "9",
            "example.com/MyName",
            "a-b.c-d/x",
            &"x".repeat(63),
            &format!("{}/n", "a".repeat(253)),
        ] {
            assert_eq!(label_key_errors(key), Vec::<String>::new(), "{key}");
        }
    }

    #[test]
    fn invalid_keys_have_kubes_messages() {
        assert_eq!(
            label_key_errors("-a"),
            vec![format!("name part {NAME_REGEX_ERROR}")]
        );
        assert_eq!(
            label_key_errors("a/"),
            vec![
                "name part must be non-empty".to_owned(),
                format!("name part {NAME_REGEX_ERROR}")
            ]
        );
        assert_eq!(
            label_key_errors("/a"),
            vec!["prefix part must be non-empty".to_owned()]
        );
        assert_eq!(
            label_key_errors("Example.com/a"),
            vec![format!("prefix part {SUBDOMAIN_ERROR}")]
        );
        assert_eq!(
            label_key_errors(&"x".repeat(64)),
            vec!["name part must be no more than 63 characters".to_owned()]
        );
        assert_eq!(
            label_key_errors(&format!("{}/n", "a".repeat(254))),
            vec!["prefix part must be no more than 253 characters".to_owned()]
        );
        assert_eq!(
            label_key_errors("a/b/c"),
            vec![format!(
                "a qualified name {NAME_REGEX_ERROR} with an optional DNS subdomain prefix and \
                 '/' (e.g. 'example.com/MyName')"
            )]
        );
        assert_eq!(label_key_errors("").len(), 2);
        assert_eq!(label_key_errors("é").len(), 1);
        assert_eq!(label_key_errors("a..b/c").len(), 1);
    }

    #[test]
    fn label_values() {
        for value in ["", "a", "my_value", "1.2.3-rc_1", &"v".repeat(63)] {
            assert!(label_value_errors(value).is_empty(), "{value}");
        }
        assert_eq!(
            label_value_errors("a b"),
            vec![
                "a valid label must be an empty string or consist of alphanumeric characters, \
                 '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
                 'MyValue',  or 'my_value',  or '12345', regex used for validation is \
                 '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                    .to_owned()
            ]
        );
        assert_eq!(
            label_value_errors(&"v".repeat(64)),
            vec!["must be no more than 63 characters".to_owned()]
        );
        assert_eq!(label_value_errors(&format!("-{}", "v".repeat(63))).len(), 2);
        assert_eq!(label_value_errors("_a").len(), 1);
        assert_eq!(label_value_errors("a.").len(), 1);
    }

    #[test]
    fn subdomains() {
        assert!(dns1123_subdomain_errors("a.b-c.d1").is_empty());
        for bad in ["", "A", "a..b", ".a", "a.", "-a", "a-", "a_b"] {
            assert_eq!(
                dns1123_subdomain_errors(bad),
                vec![SUBDOMAIN_ERROR.to_owned()],
                "{bad}"
            );
        }
    }
}
