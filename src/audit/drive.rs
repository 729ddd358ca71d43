//! One login through the SP, as a browser without JavaScript makes it, with the IdP's part
//! answered in-process by the flow layer:
//!
//! - SP-initiated: GET the SP's login URL and follow its redirects until the browser would
//!   reach this IdP's SSO URL, by an HTTP-Redirect or an auto-submitting HTTP-POST form; the
//!   AuthnRequest is answered with the scenario by [`flow::sso::answer_call`];
//! - IdP-initiated: an unsolicited response for a registered SP
//!   ([`flow::sso::answer_idp_initiated_call`]);
//!
//! then POST `SAMLResponse` and `RelayState` to the ACS as the IdP's auto-post page does,
//! follow the SP's redirects, and run the check.

use url::Url;

use super::browser::{Browser, HttpError, Origins, Page};
use super::check::{self, Check, Seen};
use super::form;
use super::jar::Jar;
use super::report::Login;
use crate::saml::binding::{self, Binding};
use crate::saml::logout;
use crate::saml::nameid::NameId;
use crate::saml::scenario::logout::LogoutScenario;
use crate::server::clock;
use crate::server::flow;
use crate::server::flow::choices::Choices;
use crate::server::flow::sso::{self, Answered, Form};
use crate::server::sessions::Participation;
use crate::server::state::AppState;

/// How a login starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// At the SP: this URL sends the browser to the IdP with an AuthnRequest.
    SpInitiated { login_url: Url },
    /// At the IdP: an unsolicited response to this registered SP.
    IdpInitiated { entity_id: String },
}

/// Everything the logins of one run share.
pub struct Driver<'a> {
    pub state: &'a AppState,
    pub agent: ureq::Agent,
    pub origins: Origins,
    pub start: Start,
    pub check: Check,
    /// The users.yaml id every login is for.
    pub user: String,
    /// IdP-initiated: the RelayState sent with the response.
    pub relay_state: Option<String>,
}

/// A login that ran to the end.
#[derive(Clone)]
pub struct Finished {
    pub seen: Seen,
    pub login: Login,
    /// The NameID the IdP signed, if the response has one.
    pub name_id: Option<String>,
    /// The SP, NameID and SessionIndex of the login, which a logout names; `None` when the
    /// response carries no NameID or SessionIndex, or the SP is not known.
    pub participation: Option<Participation>,
    pub jar: Jar,
    /// The cookies the SP set from the ACS post on: the only ones a cookie check counts.
    pub login_cookies: Vec<String>,
}

/// A logout that ran to the end.
pub struct LoggedOut {
    /// What the check saw afterwards: still logged in means the SP kept its session.
    pub seen: Seen,
    pub login: Login,
    /// The status of the LogoutResponse the SP sent back, if it sent one.
    pub answer_status: Option<String>,
}

/// Why a login did not run to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(
        "{login} never sent the browser to this IdP's SSO URL {sso}: it ended at {ended} \
         (HTTP {status}) without a redirect or an auto-submitting form carrying a SAMLRequest; \
         check --sp-login, and that the SP's IdP settings name {sso}"
    )]
    NoRequest {
        login: String,
        sso: String,
        ended: String,
        status: u16,
    },
    #[error("the IdP could not answer the SP's request: {0}")]
    Idp(String),
    #[error("the ACS URL {0:?} the response goes to is not an absolute http(s) URL")]
    BadAcs(String),
    #[error("the login has no NameID and SessionIndex at a known SP, which a LogoutRequest names")]
    NothingToLogOut,
    #[error("the SP has no logout URL in the registry (`slo_url:` in --sps)")]
    NoSloUrl,
}

/// What the IdP signed for a login, which a logout names.
struct Signed {
    /// The SP's entity ID, from its AuthnRequest.
    issuer: Option<String>,
    name_id: Option<NameId>,
    session_index: Option<String>,
}

/// The SP's LogoutResponse, if `page` sends the browser back to the IdP with one: its XML and
/// its top-level status code.
fn logout_answer(
    page: &Page,
    is_idp_slo: &dyn Fn(&Url) -> bool,
) -> Option<(String, Option<String>)> {
    let value = if page.is_redirect() {
        let location = Url::parse(page.location.as_deref()?).ok()?;
        if !is_idp_slo(&location) {
            return None;
        }
        let found = location
            .query_pairs()
            .find(|(k, _)| k == "SAMLResponse")
            .map(|(_, v)| v.into_owned());
        found?
    } else {
        form::forms(&page.body).into_iter().find_map(|f| {
            let action = page.url.join(&f.action).ok()?;
            is_idp_slo(&action).then(|| f.field("SAMLResponse").map(str::to_owned))?
        })?
    };
    let xml = binding::decode(&value).ok()?.xml;
    let status = logout::parse_logout_response(&xml)
        .ok()
        .map(|r| r.status.code);
    Some((xml, status))
}

/// How the AuthnRequest reached the IdP.
enum Arrived {
    Redirect {
        query: String,
    },
    Post {
        saml_request: String,
        relay_state: Option<String>,
    },
}

impl Driver<'_> {
    /// The IdP's SSO URL the SP sends its requests to.
    fn sso_url(&self) -> String {
        self.state.sso_url()
    }

    /// Whether `url` is one of this IdP's SSO URLs (`/sso`, or the AD FS path an SP set up
    /// for AD FS sends its requests to).
    fn is_sso(&self, url: &Url) -> bool {
        let mut bare = url.clone();
        bare.set_query(None);
        bare.set_fragment(None);
        // Parsed, so that both sides are normalised alike (default ports, case of the host).
        self.state
            .sso_urls()
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .any(|u| u == bare)
    }

    /// Logs in with `scenario`, in a fresh cookie jar. On failure, what was exchanged up to
    /// then comes with the error.
    pub fn log_in(&self, scenario: &str) -> Result<Finished, (DriveError, Box<Login>)> {
        let mut browser = Browser::new(&self.agent, self.origins.clone());
        let mut login = Login::default();
        let result = self.run(scenario, &mut browser, &mut login);
        login.exchanges = std::mem::take(&mut browser.exchanges);
        match result {
            Ok((seen, answered, login_cookies)) => {
                // The check's own request is the last exchange when it fetched a page.
                if self.check.url.is_some() {
                    login.check = login.exchanges.last().cloned();
                }
                Ok(Finished {
                    seen,
                    login,
                    name_id: answered.name_id.as_ref().map(|n| n.value.clone()),
                    participation: self.participation(&answered),
                    jar: browser.jar,
                    login_cookies,
                })
            }
            Err(e) => Err((e, Box::new(login))),
        }
    }

    /// What a logout of this login names.
    fn participation(&self, answered: &Signed) -> Option<Participation> {
        let sp_entity_id = match &self.start {
            Start::IdpInitiated { entity_id } => entity_id.clone(),
            Start::SpInitiated { .. } => answered.issuer.clone()?,
        };
        Some(Participation {
            sp_entity_id,
            name_id: answered.name_id.clone()?,
            session_index: answered.session_index.clone()?,
        })
    }

    /// Tells the SP of `finished`'s login that it ended, with a LogoutRequest broken as
    /// `scenario` says (`None`: a valid one), in that login's cookie jar; then runs the check
    /// again.
    pub fn log_out(
        &self,
        finished: Finished,
        scenario: Option<&'static LogoutScenario>,
    ) -> Result<LoggedOut, (DriveError, Box<Login>)> {
        let mut browser = Browser::new(&self.agent, self.origins.clone());
        browser.jar = finished.jar;
        let mut login = Login::default();
        let result = self.send_logout(
            finished.participation,
            &finished.login_cookies,
            scenario,
            &mut browser,
            &mut login,
        );
        login.exchanges = std::mem::take(&mut browser.exchanges);
        match result {
            Ok((seen, answer_status)) => {
                login.check = login.exchanges.last().cloned();
                Ok(LoggedOut {
                    seen,
                    login,
                    answer_status,
                })
            }
            Err(e) => Err((e, Box::new(login))),
        }
    }

    fn send_logout(
        &self,
        participation: Option<Participation>,
        login_cookies: &[String],
        scenario: Option<&'static LogoutScenario>,
        browser: &mut Browser<'_>,
        login: &mut Login,
    ) -> Result<(Seen, Option<String>), DriveError> {
        let participation = participation.ok_or(DriveError::NothingToLogOut)?;
        let outgoing =
            flow::logout::request_to_sp(self.state, &participation, scenario, clock::now())
                .map_err(|e| DriveError::Idp(e.to_string()))?
                .ok_or(DriveError::NoSloUrl)?;
        login.saml_request = Some(outgoing.xml.clone());
        login.relay_state = outgoing.relay_state.clone();
        let url = Url::parse(&outgoing.url).map_err(|_| DriveError::NoSloUrl)?;
        browser.allow(&url);
        let idp_slo: Vec<Url> = self
            .state
            .slo_urls()
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .collect();
        let is_idp_slo = |u: &Url| {
            let mut bare = u.clone();
            bare.set_query(None);
            bare.set_fragment(None);
            idp_slo.contains(&bare)
        };
        let page = match (&outgoing.binding, &outgoing.form_value) {
            (Binding::Post, Some(value)) => {
                let mut fields = vec![("SAMLRequest", value.as_str())];
                if let Some(relay_state) = &outgoing.relay_state {
                    fields.push(("RelayState", relay_state));
                }
                let from = Url::parse(&self.state.slo_url()).map_err(|_| DriveError::NoSloUrl)?;
                browser.post_form(&url, &fields, &from)?
            }
            _ => browser.get(&url)?,
        };
        let page = browser.follow(page, is_idp_slo)?;
        let answer = logout_answer(&page, &is_idp_slo);
        login.saml_response = answer.as_ref().map(|(xml, _)| xml.clone());
        let landed = page.clone();
        let seen = self.check.run(browser, &landed, login_cookies)?;
        Ok((seen, answer.and_then(|(_, status)| status)))
    }

    fn run(
        &self,
        scenario: &str,
        browser: &mut Browser<'_>,
        login: &mut Login,
    ) -> Result<(Seen, Signed, Vec<String>), DriveError> {
        let choices = Choices {
            scenario: Some(scenario.to_owned()),
            ..Choices::default()
        };
        let answered = match &self.start {
            Start::SpInitiated { login_url } => {
                let arrived = self.reach_idp(browser, login_url)?;
                let form = match arrived {
                    Arrived::Redirect { query } => Form {
                        binding: Some("redirect".into()),
                        redirect_query: Some(query),
                        user: Some(self.user.clone()),
                        choices,
                        ..Form::default()
                    },
                    Arrived::Post {
                        saml_request,
                        relay_state,
                    } => Form {
                        binding: Some("post".into()),
                        saml_request: Some(saml_request),
                        relay_state,
                        user: Some(self.user.clone()),
                        choices,
                        ..Form::default()
                    },
                };
                let answered = sso::answer_call(self.state, &form, clock::now())
                    .map_err(|e| DriveError::Idp(e.to_string()))?;
                login.saml_request = answered.request.as_ref().map(|r| r.xml().to_owned());
                answered
            }
            Start::IdpInitiated { entity_id } => {
                let form = Form {
                    sp: Some(entity_id.clone()),
                    relay_state: self.relay_state.clone(),
                    user: Some(self.user.clone()),
                    choices,
                    ..Form::default()
                };
                sso::answer_idp_initiated_call(self.state, &form, clock::now())
                    .map_err(|e| DriveError::Idp(e.to_string()))?
            }
        };
        let signed = Signed {
            issuer: answered
                .request
                .as_ref()
                .and_then(|r| r.request().issuer.clone()),
            name_id: answered.issued.name_id.clone(),
            session_index: answered.issued.session_index.clone(),
        };
        let since = browser.exchanges.len();
        let landed = self.post_to_acs(browser, &answered, login)?;
        let set_by_login = check::set_cookies(&browser.exchanges[since..]);
        let seen = self.check.run(browser, &landed, &set_by_login)?;
        Ok((
            seen,
            signed,
            check::set_cookies(&browser.exchanges[since..]),
        ))
    }

    /// Follows the SP's login until the request would reach the IdP.
    fn reach_idp(&self, browser: &mut Browser<'_>, login_url: &Url) -> Result<Arrived, DriveError> {
        let first = browser.get(login_url)?;
        let page = browser.follow(first, |next| self.is_sso(next))?;
        let sso = page
            .location
            .as_deref()
            .filter(|_| page.is_redirect())
            .and_then(|l| Url::parse(l).ok())
            .filter(|u| self.is_sso(u));
        if let Some(sso) = sso {
            let query = sso.query().unwrap_or_default().to_owned();
            return Ok(Arrived::Redirect { query });
        }
        if let Some(arrived) = self.posted_request(&page) {
            return Ok(arrived);
        }
        Err(DriveError::NoRequest {
            login: login_url.to_string(),
            sso: self.sso_url(),
            ended: page.url.to_string(),
            status: page.status,
        })
    }

    /// An auto-submitting form on `page` that posts a SAMLRequest to the IdP.
    fn posted_request(&self, page: &Page) -> Option<Arrived> {
        form::forms(&page.body).into_iter().find_map(|f| {
            let action = page.url.join(&f.action).ok()?;
            if f.method != "post" || !self.is_sso(&action) {
                return None;
            }
            Some(Arrived::Post {
                saml_request: f.field("SAMLRequest")?.to_owned(),
                relay_state: f.field("RelayState").map(str::to_owned),
            })
        })
    }

    /// POSTs the response as the auto-post page does and follows the SP's redirects.
    fn post_to_acs(
        &self,
        browser: &mut Browser<'_>,
        answered: &Answered,
        login: &mut Login,
    ) -> Result<Page, DriveError> {
        let issued = &answered.issued;
        login.saml_response = Some(issued.xml.clone());
        login.relay_state = answered.relay_state.clone();
        let acs = Url::parse(&issued.acs_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| DriveError::BadAcs(issued.acs_url.clone()))?;
        let mut fields = vec![("SAMLResponse", issued.saml_response.as_str())];
        if let Some(relay_state) = &answered.relay_state {
            fields.push(("RelayState", relay_state));
        }
        let from = Url::parse(&self.sso_url()).map_err(|_| DriveError::BadAcs(self.sso_url()))?;
        browser.allow(&acs);
        let posted = browser.post_form(&acs, &fields, &from)?;
        Ok(browser.follow(posted, |_| false)?)
    }
}

#[cfg(test)]
#[path = "tests/drive.rs"]
mod tests;
