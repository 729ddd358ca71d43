//! Single sign-on as use cases, one per endpoint, without HTTP: an AuthnRequest arrives at
//! `/sso` ([`arrive_sp_initiated`]), a portal's app tile asks for an unsolicited login
//! ([`arrive_idp_initiated`]), the picker's form comes back ([`log_in`]), or the API asks for a
//! response ([`answer_call`], [`answer_idp_initiated_call`]). Each takes what the request said,
//! the browser's cookie values and one `now`, decides what happens (an `IsPassive` answer, a
//! preselected answer, the picker, the review page, the post page) and says what to show and
//! what becomes of the browser's cookies.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::saml::issue::IssuedResponse;
use crate::saml::principal::Principal;
use crate::server::state::{AppState, Preselection};

use super::judged::{JudgedRequest, ReceivedRequest};
use super::login::{self, Choices, Destination, LoginError, Now};
use super::review::{self, Held};
use super::select;

type Result<T, E = LoginError> = std::result::Result<T, E>;

/// An AuthnRequest as it reached `/sso`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Message<'a> {
    pub saml_request: Option<&'a str>,
    pub relay_state: Option<&'a str>,
    /// HTTP-Redirect: the query string exactly as received (a Redirect signature covers its
    /// bytes); `None` for HTTP-POST.
    pub redirect_query: Option<&'a str>,
}

/// What this browser's cookies say: its IdP session, and its preselection (the `/select`
/// cookie, as set).
#[derive(Debug, Default, Clone, Copy)]
pub struct Browser<'a> {
    pub session: Option<&'a str>,
    pub preselection: Option<&'a str>,
}

/// What the picker's form or an API call says, read out of HTTP.
#[derive(Debug, Default)]
pub struct Form {
    pub saml_request: Option<String>,
    /// IdP-initiated: the SP's entity ID instead of a request.
    pub sp: Option<String>,
    pub relay_state: Option<String>,
    pub binding: Option<String>,
    /// HTTP-Redirect: the query string as it reached `/sso` (the API also takes the whole URL).
    pub redirect_query: Option<String>,
    pub user: Option<String>,
    /// The picker's "Review before posting" box: hold the response on the review page.
    pub review: bool,
    pub choices: Choices,
}

/// What to show the browser.
pub enum Shown<'s> {
    /// The page that posts `issued` to its ACS at once, on behalf of `user` (`None`: nobody,
    /// an `IsPassive` request answered without an IdP session).
    Post {
        issued: Arc<IssuedResponse>,
        relay_state: Option<String>,
        user: Option<String>,
    },
    /// The response held for review instead of posted.
    Review(Box<Held>),
    /// The user picker.
    Picker(Box<Picker<'s>>),
}

/// Everything the picker shows that is not a page's make-up.
pub struct Picker<'s> {
    /// The user of this browser's IdP session: one click continues it.
    pub continue_as: Option<&'s Principal>,
    /// The judged request; `None` for an IdP-initiated login.
    pub request: Option<JudgedRequest>,
    pub destination: Destination<'s>,
    /// The destination's warnings, then the request's.
    pub warnings: Vec<String>,
    pub relay_state: Option<String>,
}

/// A flow's result: what to show, and what becomes of the browser's cookies.
pub struct Outcome<'s> {
    pub shown: Shown<'s>,
    /// The IdP session the login ran in: the browser's session cookie names it.
    pub set_session: Option<String>,
    /// The browser's one-shot preselection was used: its cookie goes.
    pub spend_preselection: bool,
}

impl<'s> Outcome<'s> {
    fn show(shown: Shown<'s>) -> Self {
        Outcome {
            shown,
            set_session: None,
            spend_preselection: false,
        }
    }
}

/// An AuthnRequest reached `/sso`: an `IsPassive` request is answered at once, a preselection
/// answers at once, otherwise the picker is shown.
pub fn arrive_sp_initiated<'s>(
    state: &'s AppState,
    message: Message<'_>,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Outcome<'s>> {
    let relay_state = message.relay_state.filter(|r| !r.is_empty());
    let arrival = login::arrive(
        state,
        message.saml_request,
        message.redirect_query,
        relay_state,
    )?;
    let login::Arrival {
        request,
        destination,
        warnings,
    } = arrival;
    if request.request().is_passive {
        return passive(state, browser, &request, &destination, relay_state, now);
    }
    if let Some(pre) = select::for_browser(state, browser.preselection) {
        return preselected(
            state,
            browser,
            Some(&request),
            &destination,
            pre,
            relay_state,
            now,
        );
    }
    let force_authn = request.request().force_authn;
    let session = login::current_session(state, browser.session, now).filter(|_| !force_authn);
    Ok(Outcome::show(Shown::Picker(Box::new(picker(
        state,
        session.as_ref().map(|s| s.user.as_str()),
        Some(request),
        destination,
        warnings,
        relay_state,
    )))))
}

/// `/sso/idp-initiated` for the SP `sp`: a preselection answers at once, otherwise the picker
/// is shown. The RelayState is the given one or else the SP's (see
/// [`idp_initiated_relay_state`]).
pub fn arrive_idp_initiated<'s>(
    state: &'s AppState,
    sp: Option<&str>,
    relay_state: Option<&str>,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Outcome<'s>> {
    login::check_relay_state(relay_state)?;
    let destination = login::destination_for_sp(state, sp)?;
    let relay_state = idp_initiated_relay_state(relay_state, &destination);
    let relay_state = relay_state.as_deref();
    if let Some(pre) = select::for_browser(state, browser.preselection) {
        return preselected(state, browser, None, &destination, pre, relay_state, now);
    }
    let session = login::current_session(state, browser.session, now);
    Ok(Outcome::show(Shown::Picker(Box::new(picker(
        state,
        session.as_ref().map(|s| s.user.as_str()),
        None,
        destination,
        Vec::new(),
        relay_state,
    )))))
}

/// The RelayState of an IdP-initiated login: the one the login gives; none when it gives an
/// empty one (a person clearing the home page's field, `"RelayState": ""` in a call); and
/// when it gives none at all, the SP's registered `relay_state`.
pub fn idp_initiated_relay_state(
    given: Option<&str>,
    destination: &Destination<'_>,
) -> Option<String> {
    match given {
        Some("") => None,
        Some(r) => Some(r.to_owned()),
        None => destination.sp.and_then(|sp| sp.relay_state.clone()),
    }
}

fn picker<'s>(
    state: &'s AppState,
    session_user: Option<&str>,
    request: Option<JudgedRequest>,
    destination: Destination<'s>,
    mut warnings: Vec<String>,
    relay_state: Option<&str>,
) -> Picker<'s> {
    warnings.splice(0..0, destination.resolution.warnings.iter().cloned());
    Picker {
        continue_as: session_user.and_then(|u| state.directory.get(u)),
        request,
        destination,
        warnings,
        relay_state: relay_state.map(str::to_owned),
    }
}

/// The picker's form came back to `/sso/login`: the request it carries (or, IdP-initiated, its
/// SP) is answered as the chosen user inside the browser's IdP session, and posted or held
/// for review.
pub fn log_in<'s>(
    state: &'s AppState,
    form: &Form,
    browser: Browser<'_>,
    now: OffsetDateTime,
) -> Result<Outcome<'s>> {
    login::check_relay_state(form.relay_state.as_deref())?;
    let relay_state;
    let user = form
        .user
        .as_deref()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| LoginError::MissingUser(login::known_users(state)))?;
    let carried = |f: &Option<String>| f.as_deref().is_some_and(|r| !r.is_empty());
    let (issued, session) =
        if carried(&form.saml_request) || carried(&form.redirect_query) || form.sp.is_none() {
            let given = form.relay_state.as_deref().filter(|r| !r.is_empty());
            let (received, carried_relay_state) = carried_request(form, given)?;
            relay_state = carried_relay_state;
            let (received, destination) = received.judge(state)?;
            login::answer_in_session(
                state,
                browser.session,
                Some(&received),
                &destination,
                user,
                &form.choices,
                Now::at(now),
            )?
        } else {
            let destination = login::destination_for_sp(state, form.sp.as_deref())?;
            relay_state = idp_initiated_relay_state(form.relay_state.as_deref(), &destination);
            login::answer_in_session(
                state,
                browser.session,
                None,
                &destination,
                user,
                &form.choices,
                Now::at(now),
            )?
        };
    Ok(Outcome {
        shown: post_or_review(state, form.review, issued, relay_state, user, now),
        set_session: Some(session),
        spend_preselection: false,
    })
}

/// The request a form or call carries, and the RelayState to send back.
fn carried_request(
    form: &Form,
    relay_state: Option<&str>,
) -> Result<(ReceivedRequest, Option<String>)> {
    let binding = login::parse_binding(form.binding.as_deref())?;
    ReceivedRequest::carried(
        form.saml_request.as_deref(),
        binding,
        form.redirect_query.as_deref(),
        relay_state,
    )
}

/// Answers at once with the preselected user and scenario; a one-shot cookie is spent.
fn preselected<'s>(
    state: &'s AppState,
    browser: Browser<'_>,
    request: Option<&JudgedRequest>,
    destination: &Destination<'_>,
    (pre, from_cookie): (Preselection, bool),
    relay_state: Option<&str>,
    now: OffsetDateTime,
) -> Result<Outcome<'s>> {
    let (issued, session) = login::answer_in_session(
        state,
        browser.session,
        request,
        destination,
        &pre.user,
        &select::choices(&pre),
        Now::at(now),
    )?;
    let relay_state = relay_state.map(str::to_owned);
    Ok(Outcome {
        shown: post_or_review(state, state.review, issued, relay_state, &pre.user, now),
        set_session: Some(session),
        spend_preselection: from_cookie && !pre.sticky,
    })
}

/// `IsPassive="true"` (saml-core 3.4.1): the response from the IdP session, or NoPassive.
fn passive<'s>(
    state: &'s AppState,
    browser: Browser<'_>,
    received: &JudgedRequest,
    destination: &Destination<'_>,
    relay_state: Option<&str>,
    now: OffsetDateTime,
) -> Result<Outcome<'s>> {
    let answer =
        login::answer_passive(state, browser.session, received, destination, Now::at(now))?;
    let (user, set_session) = answer.session.unzip();
    Ok(Outcome {
        shown: Shown::Post {
            issued: answer.issued,
            relay_state: relay_state.map(str::to_owned),
            user,
        },
        set_session,
        spend_preselection: false,
    })
}

/// `review`: held on the review page; otherwise posted.
fn post_or_review<'s>(
    state: &AppState,
    review: bool,
    issued: Arc<IssuedResponse>,
    relay_state: Option<String>,
    user: &str,
    now: OffsetDateTime,
) -> Shown<'s> {
    if review {
        Shown::Review(Box::new(review::hold(
            state,
            &issued,
            relay_state.as_deref(),
            user,
            now,
        )))
    } else {
        Shown::Post {
            issued,
            relay_state,
            user: Some(user.to_owned()),
        }
    }
}

/// The API's answer to one call.
pub struct Answered {
    pub issued: Arc<IssuedResponse>,
    pub relay_state: Option<String>,
    /// The judged request; `None` for an IdP-initiated login.
    pub request: Option<JudgedRequest>,
}

/// `POST /api/sso`: answers the AuthnRequest the call carries as the picker would, outside
/// any IdP session.
pub fn answer_call(state: &AppState, call: &Form, now: OffsetDateTime) -> Result<Answered> {
    let relay_state = call.relay_state.as_deref().filter(|r| !r.is_empty());
    login::check_relay_state(relay_state)?;
    let (received, relay_state) = carried_request(call, relay_state)?;
    let (received, destination) = received.judge(state)?;
    let issued = login::answer(
        state,
        Some(&received),
        &destination,
        call.user.as_deref(),
        &call.choices,
        None,
        Now::at(now),
    )?;
    Ok(Answered {
        issued,
        relay_state,
        request: Some(received),
    })
}

/// `POST /api/idp-initiated`: an unsolicited response to the call's registered SP, at its
/// default ACS, with the call's RelayState or else the SP's (see
/// [`idp_initiated_relay_state`]).
pub fn answer_idp_initiated_call(
    state: &AppState,
    call: &Form,
    now: OffsetDateTime,
) -> Result<Answered> {
    login::check_relay_state(call.relay_state.as_deref())?;
    let destination = login::destination_for_sp(state, call.sp.as_deref())?;
    let relay_state = idp_initiated_relay_state(call.relay_state.as_deref(), &destination);
    let issued = login::answer(
        state,
        None,
        &destination,
        call.user.as_deref(),
        &call.choices,
        None,
        Now::at(now),
    )?;
    Ok(Answered {
        issued,
        relay_state,
        request: None,
    })
}

#[cfg(test)]
#[path = "tests/sso.rs"]
mod tests;
