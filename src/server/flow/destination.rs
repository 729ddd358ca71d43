//! Where a login's response goes: the SP a request names (SP-initiated) or the one asked for
//! (IdP-initiated), resolved against the registry under the server's policy.

use crate::saml::authn_request::AuthnRequest;
use crate::saml::sp::{self, Resolution, ServiceProvider, TargetError};
use crate::server::state::AppState;

use super::login_error::LoginError;

/// Where one login's response goes, and for which registered SP, if any.
pub struct Destination<'a> {
    pub sp: Option<&'a ServiceProvider>,
    pub resolution: Resolution,
}

/// SP-initiated: the SP is the request's issuer.
pub fn destination_for_request<'a>(
    state: &'a AppState,
    request: &AuthnRequest,
) -> Result<Destination<'a>, LoginError> {
    let sp = request
        .issuer
        .as_deref()
        .and_then(|i| state.registry.get(i));
    let resolution = sp::resolve_target(Some(request), sp, state.policy)?;
    Ok(Destination { sp, resolution })
}

/// IdP-initiated: a registered SP, answered at its default ACS.
pub fn destination_for_sp<'a>(
    state: &'a AppState,
    entity_id: Option<&str>,
) -> Result<Destination<'a>, LoginError> {
    let registered = || {
        state
            .registry
            .all()
            .iter()
            .map(|s| s.entity_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let entity_id = entity_id.filter(|e| !e.is_empty()).ok_or_else(|| {
        LoginError::MissingSp(if state.registry.is_empty() {
            "none is registered".into()
        } else {
            format!("registered: {}", registered())
        })
    })?;
    let sp = state
        .registry
        .get(entity_id)
        .ok_or_else(|| TargetError::UnknownSp(entity_id.to_owned()))?;
    let resolution = sp::resolve_target(None, Some(sp), state.policy)?;
    Ok(Destination {
        sp: Some(sp),
        resolution,
    })
}
