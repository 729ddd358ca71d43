//! A preselection: who logs in, and with which scenario, without the picker (a browser's
//! `/select` cookie, or `--auto-login` for the whole server), checked against the users and the
//! catalogue so a typo fails when it is set rather than in the middle of a test run.

use serde::{Deserialize, Serialize};

use crate::saml::scenario;
use crate::server::state::AppState;

use super::login::{Choices, LoginError};

/// Who logs in, and how, without the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preselection {
    pub user: String,
    pub scenario: Option<String>,
    /// Keep the cookie after use; otherwise it applies to the next login only.
    #[serde(default)]
    pub sticky: bool,
}

impl Preselection {
    /// Checks the user and scenario exist, so a typo fails at `/select` or at start-up rather
    /// than in the middle of a test run.
    pub fn validated(self, state: &AppState) -> Result<Self, LoginError> {
        if state.directory.get(&self.user).is_none() {
            let known: Vec<_> = state
                .directory
                .users()
                .iter()
                .map(|u| u.id.as_str())
                .collect();
            return Err(LoginError::UnknownUser(self.user, known.join(", ")));
        }
        if let Some(id) = self.scenario.as_deref() {
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
        Ok(self)
    }

    pub fn choices(&self) -> Choices {
        Choices {
            scenario: self.scenario.clone(),
            ..Choices::default()
        }
    }
}
