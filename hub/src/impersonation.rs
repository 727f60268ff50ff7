//! Impersonation (`kubectl --as`, `--as-group`, `--as-uid`, `Impersonate-Extra-*`), as
//! kube-apiserver's `WithImpersonation` filter does it: the `Impersonate-*` headers of a request
//! name a user (or service account), groups, extra values and a uid; the authenticated caller must
//! be allowed to `impersonate` each of them by RBAC in the request's logical cluster, and the
//! request then continues as the impersonated identity (authorized as it, answered as it).
//!
//! Called by `middleware.rs` between authentication and authorization.

use std::collections::BTreeMap;

use http::HeaderMap;
use hub_api::rbac::{Attributes, UserInfo};

use crate::auth::Identity;
use crate::authz;
use crate::error::ApiError;
use crate::state::AppState;

/// `Impersonate-User`.
pub const USER_HEADER: &str = "impersonate-user";
/// `Impersonate-Group` (repeatable).
pub const GROUP_HEADER: &str = "impersonate-group";
/// `Impersonate-Uid`.
pub const UID_HEADER: &str = "impersonate-uid";
/// `Impersonate-Extra-<key>` (repeatable; the key percent-encoded).
pub const EXTRA_HEADER_PREFIX: &str = "impersonate-extra-";

const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
const AUTHENTICATION_GROUP: &str = "authentication.k8s.io";
const AUTHENTICATED: &str = "system:authenticated";
const UNAUTHENTICATED: &str = "system:unauthenticated";
const ANONYMOUS: &str = "system:anonymous";

/// One thing a request asks to act as (kube's `ObjectReference` per impersonation request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requested {
    /// `Impersonate-User: system:serviceaccount:<namespace>:<name>`.
    ServiceAccount {
        /// The namespace.
        namespace: String,
        /// The service account's name.
        name: String,
    },
    /// `Impersonate-User` naming anything else.
    User(String),
    /// One `Impersonate-Group`.
    Group(String),
    /// One value of `Impersonate-Extra-<key>`.
    Extra {
        /// The key, lower-cased and percent-decoded.
        key: String,
        /// The value.
        value: String,
    },
    /// `Impersonate-Uid`.
    Uid(String),
}

impl Requested {
    /// The authorization attributes of impersonating this as `requester`: verb `impersonate` on
    /// `users`, `groups`, `serviceaccounts` (core group), `uids` or `userextras/<key>`
    /// (`authentication.k8s.io`).
    pub fn attributes(&self, requester: &UserInfo) -> Attributes {
        let (namespace, group, resource, subresource, name) = match self {
            Requested::ServiceAccount { namespace, name } => {
                (namespace.as_str(), "", "serviceaccounts", "", name.as_str())
            }
            Requested::User(name) => ("", "", "users", "", name.as_str()),
            Requested::Group(name) => ("", "", "groups", "", name.as_str()),
            Requested::Extra { key, value } => (
                "",
                AUTHENTICATION_GROUP,
                "userextras",
                key.as_str(),
                value.as_str(),
            ),
            Requested::Uid(uid) => ("", AUTHENTICATION_GROUP, "uids", "", uid.as_str()),
        };
        Attributes::resource(
            requester,
            "impersonate",
            namespace,
            group,
            resource,
            subresource,
            name,
        )
    }

    /// Go's `%v` of kube's `ObjectReference` for this request (`{Kind Namespace Name UID
    /// APIVersion ResourceVersion FieldPath}`), for kube's 400 message.
    fn go_format(&self) -> String {
        let version = "authentication.k8s.io/v1";
        let (kind, namespace, name, api_version, field_path) = match self {
            Requested::ServiceAccount { namespace, name } => {
                ("ServiceAccount", namespace.as_str(), name.as_str(), "", "")
            }
            Requested::User(name) => ("User", "", name.as_str(), "", ""),
            Requested::Group(name) => ("Group", "", name.as_str(), "", ""),
            Requested::Extra { key, value } => {
                ("UserExtra", "", value.as_str(), version, key.as_str())
            }
            Requested::Uid(uid) => ("UID", "", uid.as_str(), version, ""),
        };
        format!("{{{kind} {namespace} {name}  {api_version}  {field_path}}}")
    }
}

/// The result of a successful impersonation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impersonated {
    /// Who the request now acts as.
    pub identity: Identity,
    /// The impersonated user's extra values (`Impersonate-Extra-*`), which [`Identity`] does
    /// not carry.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// Set as a request extension after a successful impersonation: who really sent the request,
/// and the impersonated user's extra values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impersonation {
    /// The authenticated caller.
    pub impersonator: Identity,
    /// The impersonated user's extra values.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// Whether `headers` hold any `Impersonate-*` header this filter reads.
fn has_impersonation_headers(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| {
        let name = name.as_str();
        name == USER_HEADER
            || name == GROUP_HEADER
            || name == UID_HEADER
            || name.starts_with(EXTRA_HEADER_PREFIX)
    })
}

fn text(value: &http::HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

/// kube's `buildImpersonationRequests`: the user (or service account) first, then each group,
/// each extra value, the uid. Groups, extras or a uid without a user are a `400 BadRequest`.
pub fn requests(headers: &HeaderMap) -> Result<Vec<Requested>, ApiError> {
    let mut requests = Vec::new();
    // `headers.Get`: the first value; an empty one is no user.
    let user = headers.get(USER_HEADER).map(text).unwrap_or_default();
    let has_user = !user.is_empty();
    if has_user {
        requests.push(match split_service_account(&user) {
            Some((namespace, name)) => Requested::ServiceAccount {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            },
            None => Requested::User(user),
        });
    }
    let mut has_groups = false;
    for group in headers.get_all(GROUP_HEADER) {
        has_groups = true;
        requests.push(Requested::Group(text(group)));
    }
    let mut has_extra = false;
    for name in headers.keys() {
        let Some(encoded) = name.as_str().strip_prefix(EXTRA_HEADER_PREFIX) else {
            continue;
        };
        has_extra = true;
        // Header names are already lower-case; then percent-decoded, kept as sent if malformed.
        let key = path_unescape(encoded).unwrap_or_else(|| encoded.to_owned());
        for value in headers.get_all(name) {
            requests.push(Requested::Extra {
                key: key.clone(),
                value: text(value),
            });
        }
    }
    let uid = headers.get(UID_HEADER).map(text).unwrap_or_default();
    let has_uid = !uid.is_empty();
    if has_uid {
        requests.push(Requested::Uid(uid));
    }
    if (has_groups || has_extra || has_uid) && !has_user {
        let listed: Vec<String> = requests.iter().map(Requested::go_format).collect();
        return Err(ApiError::BadRequest(format!(
            "requested [{}] without impersonating a user",
            listed.join(" ")
        )));
    }
    Ok(requests)
}

/// The identity `requests` (already authorized) make: the user or service account; the
/// requested groups, or a service account's groups when none are requested; plus
/// `system:authenticated` unless a group already says authenticated or unauthenticated (for
/// `system:anonymous`, `system:unauthenticated` instead); the extra values; the uid.
pub fn identity(requests: &[Requested]) -> Impersonated {
    let groups_specified = requests
        .iter()
        .any(|request| matches!(request, Requested::Group(_)));
    let mut user = String::new();
    let mut groups: Vec<String> = Vec::new();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut uid = String::new();
    for request in requests {
        match request {
            Requested::ServiceAccount { namespace, name } => {
                user = format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}");
                if !groups_specified {
                    groups = vec![
                        "system:serviceaccounts".to_owned(),
                        format!("system:serviceaccounts:{namespace}"),
                    ];
                }
            }
            Requested::User(name) => user.clone_from(name),
            Requested::Group(group) => groups.push(group.clone()),
            Requested::Extra { key, value } => {
                extra.entry(key.clone()).or_default().push(value.clone());
            }
            Requested::Uid(value) => uid.clone_from(value),
        }
    }
    if user != ANONYMOUS {
        if !groups
            .iter()
            .any(|group| group == AUTHENTICATED || group == UNAUTHENTICATED)
        {
            groups.push(AUTHENTICATED.to_owned());
        }
    } else if !groups.iter().any(|group| group == UNAUTHENTICATED) {
        groups.push(UNAUTHENTICATED.to_owned());
    }
    Impersonated {
        identity: Identity { user, groups, uid },
        extra,
    }
}

/// The impersonation a request asks for, checked: `None` without `Impersonate-*` headers;
/// otherwise `requester` must be allowed (RBAC of `cluster`; `system:masters` may impersonate
/// anyone) to impersonate each requested thing, or the request is refused with kube's
/// `403 Forbidden` for the first one that is not allowed. On success the `Impersonate-*`
/// headers are removed from `headers`.
pub async fn impersonate(
    state: &AppState,
    cluster: &str,
    requester: &Identity,
    headers: &mut HeaderMap,
) -> Result<Option<Impersonated>, ApiError> {
    if !has_impersonation_headers(headers) {
        return Ok(None);
    }
    let requests = requests(headers)?;
    if requests.is_empty() {
        return Ok(None);
    }
    let user = crate::authz::user_info(requester);
    for request in &requests {
        authz::authorize_attributes(state, cluster, &request.attributes(&user)).await?;
    }
    headers.remove(USER_HEADER);
    headers.remove(GROUP_HEADER);
    headers.remove(UID_HEADER);
    let extras: Vec<http::HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with(EXTRA_HEADER_PREFIX))
        .cloned()
        .collect();
    for name in extras {
        headers.remove(name);
    }
    Ok(Some(identity(&requests)))
}

/// kube's `serviceaccount.SplitUsername`: `system:serviceaccount:<namespace>:<name>` with a
/// valid namespace (DNS-1123 label) and name (DNS-1123 subdomain).
fn split_service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let mut parts = rest.split(':');
    let (namespace, name) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_dns1123_label(namespace) || !is_dns1123_subdomain(name) {
        return None;
    }
    Some((namespace, name))
}

fn is_dns1123_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

fn is_dns1123_subdomain(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes
                    .iter()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
                && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
                && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        })
}

/// Go's `url.PathUnescape`: `%XX` decoded; `None` if a `%` is not followed by two hex digits.
fn path_unescape(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = bytes.get(index + 1).and_then(|byte| hex(*byte))?;
            let low = bytes.get(index + 2).and_then(|byte| hex(*byte))?;
            out.push(high << 4 | low);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    fn identity_of(pairs: &[(&str, &str)]) -> Impersonated {
        identity(&requests(&headers(pairs)).unwrap())
    }

    #[test]
    fn requests_like_kube() {
        assert_eq!(requests(&headers(&[])).unwrap(), Vec::new());
        assert_eq!(
            requests(&headers(&[
                ("Impersonate-User", "bob"),
                ("Impersonate-Group", "devs"),
                ("Impersonate-Group", "ops"),
                ("Impersonate-Extra-Scopes", "a"),
                ("Impersonate-Extra-Scopes", "b"),
                ("Impersonate-Uid", "u-1"),
            ]))
            .unwrap(),
            vec![
                Requested::User("bob".into()),
                Requested::Group("devs".into()),
                Requested::Group("ops".into()),
                Requested::Extra {
                    key: "scopes".into(),
                    value: "a".into()
                },
                Requested::Extra {
                    key: "scopes".into(),
                    value: "b".into()
                },
                Requested::Uid("u-1".into()),
            ]
        );
        assert_eq!(
            requests(&headers(&[(
                "Impersonate-User",
                "system:serviceaccount:foo:default"
            )]))
            .unwrap(),
            vec![Requested::ServiceAccount {
                namespace: "foo".into(),
                name: "default".into()
            }]
        );
        // Not a valid service account name: an ordinary user.
        for user in [
            "system:serviceaccount:foo",
            "system:serviceaccount:foo:a:b",
            "system:serviceaccount:Foo:default",
            "system:serviceaccount::default",
        ] {
            assert_eq!(
                requests(&headers(&[("Impersonate-User", user)])).unwrap(),
                vec![Requested::User(user.into())]
            );
        }
    }

    #[test]
    fn without_a_user_is_kubes_bad_request() {
        let error = requests(&headers(&[("Impersonate-Group", "devs")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "requested [{Group  devs    }] without impersonating a user"
        );
        assert_eq!(error.reason(), "BadRequest");
        let error = requests(&headers(&[
            ("Impersonate-Group", "devs"),
            ("Impersonate-Extra-Scopes", "a"),
            ("Impersonate-Uid", "u-1"),
        ]))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "requested [{Group  devs    } {UserExtra  a  authentication.k8s.io/v1  scopes} \
             {UID  u-1  authentication.k8s.io/v1  }] without impersonating a user"
        );
        assert!(requests(&headers(&[("Impersonate-Uid", "u-1")])).is_err());
        // An empty user is no user.
        assert!(
            requests(&headers(&[
                ("Impersonate-User", ""),
                ("Impersonate-Group", "g")
            ]))
            .is_err()
        );
    }

    #[test]
    fn extra_keys_are_percent_decoded() {
        let impersonated = identity_of(&[
            ("Impersonate-User", "bob"),
            (
                "Impersonate-Extra-example.com%2fescaped%e1%9b%84scopes",
                "a",
            ),
            ("Impersonate-Extra-almost%zzpercent%xxencoded", "b"),
        ]);
        assert_eq!(
            impersonated.extra,
            BTreeMap::from([
                (
                    "example.com/escapedᛄscopes".to_owned(),
                    vec!["a".to_owned()]
                ),
                (
                    "almost%zzpercent%xxencoded".to_owned(),
                    vec!["b".to_owned()]
                ),
            ])
        );
    }

    #[test]
    fn groups_like_kube() {
        let groups = |pairs: &[(&str, &str)]| identity_of(pairs).identity.groups;
        assert_eq!(
            groups(&[("Impersonate-User", "bob")]),
            ["system:authenticated"]
        );
        assert_eq!(
            groups(&[("Impersonate-User", "bob"), ("Impersonate-Group", "devs")]),
            ["devs", "system:authenticated"]
        );
        assert_eq!(
            groups(&[
                ("Impersonate-User", "bob"),
                ("Impersonate-Group", "devs"),
                ("Impersonate-Group", "system:authenticated")
            ]),
            ["devs", "system:authenticated"]
        );
        assert_eq!(
            groups(&[
                ("Impersonate-User", "unknown"),
                ("Impersonate-Group", "system:unauthenticated")
            ]),
            ["system:unauthenticated"]
        );
        assert_eq!(
            groups(&[("Impersonate-User", "system:anonymous")]),
            ["system:unauthenticated"]
        );
        assert_eq!(
            groups(&[("Impersonate-User", "system:serviceaccount:foo:default")]),
            [
                "system:serviceaccounts",
                "system:serviceaccounts:foo",
                "system:authenticated"
            ]
        );
        assert_eq!(
            groups(&[
                ("Impersonate-User", "system:serviceaccount:foo:default"),
                ("Impersonate-Group", "devs")
            ]),
            ["devs", "system:authenticated"]
        );
        let impersonated = identity_of(&[("Impersonate-User", "bob"), ("Impersonate-Uid", "u-1")]);
        assert_eq!(impersonated.identity.user, "bob");
        assert_eq!(impersonated.identity.uid, "u-1");
    }

    #[test]
    fn attributes_like_kube() {
        let user = UserInfo::new("alice", &["system:authenticated"]);
        let tuple = |request: Requested| {
            let a = request.attributes(&user);
            (
                a.verb,
                a.namespace,
                a.api_group,
                a.resource,
                a.subresource,
                a.name,
            )
        };
        let owned = |items: [&str; 6]| {
            let [a, b, c, d, e, f] = items.map(str::to_owned);
            (a, b, c, d, e, f)
        };
        assert_eq!(
            tuple(Requested::User("bob".into())),
            owned(["impersonate", "", "", "users", "", "bob"])
        );
        assert_eq!(
            tuple(Requested::ServiceAccount {
                namespace: "ns".into(),
                name: "robot".into()
            }),
            owned(["impersonate", "ns", "", "serviceaccounts", "", "robot"])
        );
        assert_eq!(
            tuple(Requested::Group("devs".into())),
            owned(["impersonate", "", "", "groups", "", "devs"])
        );
        assert_eq!(
            tuple(Requested::Extra {
                key: "scopes".into(),
                value: "a".into()
            }),
            owned([
                "impersonate",
                "",
                "authentication.k8s.io",
                "userextras",
                "scopes",
                "a"
            ])
        );
        assert_eq!(
            tuple(Requested::Uid("u-1".into())),
            owned([
                "impersonate",
                "",
                "authentication.k8s.io",
                "uids",
                "",
                "u-1"
            ])
        );
    }
}
