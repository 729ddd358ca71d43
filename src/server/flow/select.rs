//! A preselection: who logs in, and with which scenario, without the picker (a browser's
//! `/select` cookie, or `--auto-login` for the whole server), checked against the users and the
//! catalogue so a typo fails when it is set rather than in the middle of a test run.

use crate::saml::scenario;
use crate::server::state::{AppState, Preselection};

use super::login::{Choices, LoginError};

/// Answer every SSO request of `state` at once as `user` (with `scenario`), unless a browser's
/// own preselection says otherwise.
pub fn with_auto_login(
    mut state: AppState,
    user: &str,
    scenario: Option<&str>,
) -> Result<AppState, LoginError> {
    let p = Preselection {
        user: user.to_owned(),
        scenario: scenario.map(str::to_owned),
        sticky: true,
    };
    state.auto_login = Some(validated(p, &state)?);
    Ok(state)
}

/// Checks the user and scenario exist, so a typo fails at `/select` or at start-up rather
/// than in the middle of a test run.
pub fn validated(p: Preselection, state: &AppState) -> Result<Preselection, LoginError> {
    if state.directory.get(&p.user).is_none() {
        return Err(LoginError::UnknownUser(
            p.user,
            super::login::known_users(state),
        ));
    }
    if let Some(id) = p.scenario.as_deref() {
        if scenario::find(id).is_none() {
            return Err(LoginError::BadChoice {
                field: "scenario",
                value: id.to_owned(),
                allowed: match scenario::logout::find(id) {
                    Some(_) => "the login scenarios; this scenario applies to logout: \
                                choose it with GET /slo/select?scenario=..."
                        .into(),
                    None => "the ids listed by GET /api/scenarios".into(),
                },
            });
        }
    }
    Ok(p)
}

/// The preselection `/select?user=..&scenario=..&sticky=..` asks for, checked: a user must be
/// named; `sticky` is on unless absent, `0` or `false`.
pub fn chosen(
    state: &AppState,
    user: Option<String>,
    scenario: Option<String>,
    sticky: Option<&str>,
) -> Result<Preselection, LoginError> {
    let user = user
        .filter(|u| !u.is_empty())
        .ok_or_else(|| LoginError::MissingUser(super::login::known_users(state)))?;
    let p = Preselection {
        user,
        scenario: scenario.filter(|s| !s.is_empty()),
        sticky: sticky.is_some_and(|s| s != "0" && s != "false"),
    };
    validated(p, state)
}

/// The preselection that applies to a browser with this `/select` cookie value: the cookie's,
/// else the server's (`--auto-login`). Also says whether it came from the cookie.
pub fn for_browser(state: &AppState, cookie: Option<&str>) -> Option<(Preselection, bool)> {
    let from_cookie = cookie
        .and_then(|c| serde_urlencoded::from_str::<Preselection>(c).ok())
        .and_then(|p| validated(p, state).ok());
    match from_cookie {
        Some(p) => Some((p, true)),
        None => state.auto_login.clone().map(|p| (p, false)),
    }
}

pub fn choices(p: &Preselection) -> Choices {
    Choices {
        scenario: p.scenario.clone(),
        ..Choices::default()
    }
}

#[cfg(test)]
#[path = "tests/select.rs"]
mod tests;
