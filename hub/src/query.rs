//! Query parameters, parsed as kube-apiserver reads them (repeated keys, `true`/`1` booleans),
//! with 400s naming the bad parameter.

use crate::error::ApiError;

/// The decoded query string of a request.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (without `?`).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|raw| {
                form_urlencoded::parse(raw.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    /// The first value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, treating an empty value as absent.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A boolean parameter (`true`, `1`; `false`, `0`, empty or absent = false).
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("" | "false" | "0" | "False") => Ok(false),
            Some("true" | "1" | "True") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "invalid value for {name}: {other:?}: must be a boolean"
            ))),
        }
    }

    /// A non-negative integer parameter.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(value) => value.parse::<i64>().map(Some).map_err(|_| {
                ApiError::BadRequest(format!(
                    "invalid value for {name}: {value:?}: must be an integer"
                ))
            }),
        }
    }

    /// Whether `dryRun=All` was given; other values are refused as kube-apiserver does.
    pub fn dry_run(&self) -> Result<bool, ApiError> {
        dry_run_values(self.all("dryRun"))
    }
}

/// Checks `dryRun` values: only `All` is known.
pub fn dry_run_values<'a>(values: impl Iterator<Item = &'a str>) -> Result<bool, ApiError> {
    let mut dry = false;
    for value in values {
        match value {
            "All" => dry = true,
            "" => {}
            other => {
                return Err(ApiError::BadRequest(format!(
                    "Invalid value: {other:?}: supported values: \"All\""
                )));
            }
        }
    }
    Ok(dry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_and_encoded_values() {
        let query = Query::parse(Some(
            "labelSelector=app%3Dweb&dryRun=All&watch=1&limit=5&x=",
        ));
        assert_eq!(query.get("labelSelector"), Some("app=web"));
        assert!(query.flag("watch").unwrap());
        assert!(query.dry_run().unwrap());
        assert_eq!(query.integer("limit").unwrap(), Some(5));
        assert_eq!(query.non_empty("x"), None);
        assert!(Query::parse(Some("watch=maybe")).flag("watch").is_err());
        assert!(Query::parse(Some("dryRun=Some")).dry_run().is_err());
        assert!(Query::parse(Some("limit=ten")).integer("limit").is_err());
    }
}
