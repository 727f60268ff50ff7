//! Validation of keys and values, and prefix ranges.

use crate::StorageError;

/// The longest key accepted, in bytes. Kubernetes keys are short paths; anything near this is a bug.
pub const MAX_KEY_LEN: usize = 4096;

/// The largest value accepted, in bytes: etcd's default request limit (`--max-request-bytes`,
/// 1.5 MiB) less room for the key and the transaction around it, so that every backend accepts
/// exactly the same objects.
pub const MAX_VALUE_LEN: usize = 1536 * 1024 - 16 * 1024;

/// Checks that `key` is acceptable to every backend: non-empty, at most [`MAX_KEY_LEN`] bytes, and
/// free of NUL bytes (the embedded engines use NUL as a separator).
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    if key.is_empty() {
        return Err(invalid_key(key, "key is empty"));
    }
    check_key_bytes(key)
}

/// Checks a list or watch prefix: like [`validate_key`], but the empty prefix (everything) is allowed.
pub fn validate_prefix(prefix: &str) -> Result<(), StorageError> {
    check_key_bytes(prefix)
}

/// Checks that `value` is non-empty and at most [`MAX_VALUE_LEN`] bytes.
pub fn validate_value(value: &[u8]) -> Result<(), StorageError> {
    if value.is_empty() {
        return Err(StorageError::InvalidValue {
            reason: "value is empty".into(),
        });
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(StorageError::InvalidValue {
            reason: format!(
                "value is {} bytes, more than the limit of {MAX_VALUE_LEN}",
                value.len()
            ),
        });
    }
    Ok(())
}

/// The exclusive end of the key range that starts with `prefix`, or `None` when the range is
/// unbounded (empty prefix, or a prefix of only `0xff` bytes).
pub fn prefix_range_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

fn check_key_bytes(key: &str) -> Result<(), StorageError> {
    if key.len() > MAX_KEY_LEN {
        return Err(invalid_key(key, "key is longer than 4096 bytes"));
    }
    if key.as_bytes().contains(&0) {
        return Err(invalid_key(key, "key contains a NUL byte"));
    }
    Ok(())
}

fn invalid_key(key: &str, reason: &'static str) -> StorageError {
    let shown: String = key.chars().take(128).collect();
    StorageError::InvalidKey { key: shown, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_increments_last_byte() {
        assert_eq!(prefix_range_end(b"/a/"), Some(b"/a0".to_vec()));
        assert_eq!(prefix_range_end(b"a\xff\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_range_end(b"\xff"), None);
        assert_eq!(prefix_range_end(b""), None);
    }

    #[test]
    fn keys_and_values_are_checked() {
        assert!(validate_key("/registry/x").is_ok());
        assert!(matches!(
            validate_key(""),
            Err(StorageError::InvalidKey { .. })
        ));
        assert!(matches!(
            validate_key("a\0b"),
            Err(StorageError::InvalidKey { .. })
        ));
        assert!(matches!(
            validate_key(&"k".repeat(MAX_KEY_LEN + 1)),
            Err(StorageError::InvalidKey { .. })
        ));
        assert!(validate_prefix("").is_ok());
        assert!(matches!(
            validate_value(b""),
            Err(StorageError::InvalidValue { .. })
        ));
        assert!(matches!(
            validate_value(&vec![1; MAX_VALUE_LEN + 1]),
            Err(StorageError::InvalidValue { .. })
        ));
        assert!(validate_value(&vec![1; MAX_VALUE_LEN]).is_ok());
    }
}
