//! Who may reach a logical cluster at all, before RBAC inside it decides the request: the
//! `/clusters/<reference>` of a request resolved to a cluster id, or refused as kcp refuses it.
//!
//! Root and clusters outside the workspace tree are open to every authenticated user (RBAC
//! inside decides). A workspace is reachable by `system:masters`, by its own ServiceAccounts
//! and bootstrap tokens (valid nowhere else), by its members (anyone one of its own role
//! bindings names, by user or by a group other than `system:authenticated`), by anyone its RBAC
//! grants `access` on the non-resource URL `/`, and by anyone the parent's RBAC grants `access`
//! on `workspaces/content` with the workspace's name. An unknown reference is a
//! 404 only for someone who may `get` that Workspace in the parent; everyone else gets the same
//! 403 an existing workspace they may not enter gives, so names do not leak.

use hub_api::rbac::Attributes;
use hub_api::tenancy;

use crate::auth::Identity;
use crate::authz;
use crate::error::{ApiError, Target};
use crate::state::AppState;

/// The cluster a request reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reached {
    /// One logical cluster, by id.
    Cluster(String),
    /// Every logical cluster (`/clusters/*`): privileged list and watch.
    Wildcard,
}

/// Decides whether `identity` may reach `reference` (resolved by the caller to the cluster id
/// `resolved`, if any): the cluster it reaches, or the 403/404 to answer.
pub async fn reach(
    state: &AppState,
    reference: &str,
    resolved: Option<&str>,
    identity: &Identity,
) -> Result<Reached, ApiError> {
    if reference == crate::path::WILDCARD {
        if identity.is_superuser() {
            return Ok(Reached::Wildcard);
        }
        return Err(ApiError::Forbidden {
            target: None,
            message: format!(
                "forbidden: User \"{}\" cannot access every logical cluster (/clusters/*)",
                identity.user
            ),
            causes: Vec::new(),
        });
    }
    match resolved {
        Some(id) => {
            if identity.is_superuser() || may_enter(state, id, identity).await? {
                Ok(Reached::Cluster(id.to_owned()))
            } else {
                Err(forbidden(reference, identity))
            }
        }
        None => Err(unknown(state, reference, identity).await?),
    }
}

/// Whether `identity` may enter cluster `id` (not a `system:masters` member).
async fn may_enter(state: &AppState, id: &str, identity: &Identity) -> Result<bool, ApiError> {
    let Some((parent, name)) = state.clusters.parent_of(id) else {
        return Ok(true);
    };
    // ServiceAccount and bootstrap tokens authenticate only in their own logical cluster.
    if identity.user.starts_with("system:serviceaccount:")
        || identity
            .groups
            .iter()
            .any(|group| group == "system:bootstrappers")
    {
        return Ok(true);
    }
    if authz::is_member(state, id, identity).await? {
        return Ok(true);
    }
    let user = authz::user_info(identity);
    let inside = Attributes {
        user: user.clone(),
        verb: "access".into(),
        path: "/".into(),
        ..Attributes::default()
    };
    if allowed(state, id, &inside).await? {
        return Ok(true);
    }
    let content = Attributes {
        verb: "access".into(),
        api_group: tenancy::GROUP.into(),
        resource: tenancy::RESOURCE.into(),
        subresource: "content".into(),
        name,
        resource_request: true,
        ..Attributes {
            user,
            ..Attributes::default()
        }
    };
    allowed(state, &parent, &content).await
}

/// The answer for a reference that names no cluster: 404 for `system:masters` and for whoever
/// may get that Workspace in its parent, the workspace 403 for everyone else.
async fn unknown(
    state: &AppState,
    reference: &str,
    identity: &Identity,
) -> Result<ApiError, ApiError> {
    let not_found = || {
        let name = reference.rsplit(':').next().unwrap_or(reference);
        ApiError::NotFound(Target::new(tenancy::GROUP, tenancy::RESOURCE, name))
    };
    if identity.is_superuser() {
        return Ok(not_found());
    }
    if let Some((parent, name)) = reference.rsplit_once(':')
        && let Some(parent) = state.clusters.resolve(parent)
        && (state.clusters.parent_of(&parent).is_none()
            || may_enter(state, &parent, identity).await?)
    {
        let get = Attributes {
            verb: "get".into(),
            api_group: tenancy::GROUP.into(),
            resource: tenancy::RESOURCE.into(),
            name: name.into(),
            resource_request: true,
            ..Attributes {
                user: authz::user_info(identity),
                ..Attributes::default()
            }
        };
        if allowed(state, &parent, &get).await? {
            return Ok(not_found());
        }
    }
    Ok(forbidden(reference, identity))
}

async fn allowed(
    state: &AppState,
    cluster: &str,
    attributes: &Attributes,
) -> Result<bool, ApiError> {
    match authz::authorize_attributes(state, cluster, attributes).await {
        Ok(()) => Ok(true),
        Err(ApiError::Forbidden { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}

/// The one 403 for a workspace someone may not enter, whether or not it exists.
fn forbidden(reference: &str, identity: &Identity) -> ApiError {
    ApiError::Forbidden {
        target: None,
        message: format!(
            "forbidden: User \"{}\" cannot access workspace \"{reference}\"",
            identity.user
        ),
        causes: Vec::new(),
    }
}
