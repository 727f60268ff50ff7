//! kube's name rules the CRD checks need (`k8s.io/apimachinery/pkg/util/validation`, v1.32):
//! DNS-1035 labels for plural, singular, kind, short names, categories and version names, with
//! kube's own messages. DNS-1123 subdomains come from [`crate::selectors`].

/// Longest DNS-1035 label.
const DNS1035_LABEL_MAX_LENGTH: usize = 63;

const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric \
                                     characters or '-', start with an alphabetic character, and \
                                     end with an alphanumeric character";

/// What is wrong with `value` as a DNS-1035 label, in kube's words (`IsDNS1035Label`); empty
/// when it is valid.
pub(crate) fn dns1035_label_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > DNS1035_LABEL_MAX_LENGTH {
        errors.push(format!(
            "must be no more than {DNS1035_LABEL_MAX_LENGTH} characters"
        ));
    }
    if !is_dns1035_label(value) {
        errors.push(format!(
            "{DNS1035_LABEL_ERR_MSG} (e.g. 'my-name',  or 'abc-123', regex used for validation \
             is '{DNS1035_LABEL_FMT}')"
        ));
    }
    errors
}

/// `^[a-z]([-a-z0-9]*[a-z0-9])?$`.
pub(crate) fn is_dns1035_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_lowercase()
                && (last.is_ascii_lowercase() || last.is_ascii_digit())
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        }
        _ => false,
    }
}

/// What is wrong with `name` as a path segment (`path.ValidatePathSegmentName`).
pub(crate) fn path_segment_errors(name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if name == "." || name == ".." {
        errors.push(format!("may not be '{name}'"));
    }
    for forbidden in ["/", "%"] {
        if name.contains(forbidden) {
            errors.push(format!("may not contain '{forbidden}'"));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL_ERROR: &str = "a DNS-1035 label must consist of lower case alphanumeric \
        characters or '-', start with an alphabetic character, and end with an alphanumeric \
        character (e.g. 'my-name',  or 'abc-123', regex used for validation is \
        '[a-z]([-a-z0-9]*[a-z0-9])?')";

    #[test]
    fn dns1035_labels() {
        for good in ["a", "widgets", "v1", "v1beta1", "a-b", &"a".repeat(63)] {
            assert!(dns1035_label_errors(good).is_empty(), "{good}");
        }
        for bad in ["", "1v", "V1", "a_b", "a-", "-a", "a.b"] {
            assert_eq!(
                dns1035_label_errors(bad),
                vec![LABEL_ERROR.to_owned()],
                "{bad}"
            );
        }
        assert_eq!(
            dns1035_label_errors(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_owned()]
        );
    }

    #[test]
    fn path_segments() {
        assert!(path_segment_errors("ok").is_empty());
        assert_eq!(
            path_segment_errors(".."),
            vec!["may not be '..'".to_owned()]
        );
        assert_eq!(
            path_segment_errors("a/b%c"),
            vec![
                "may not contain '/'".to_owned(),
                "may not contain '%'".to_owned()
            ]
        );
    }
}
