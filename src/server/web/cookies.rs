//! The cookies this IdP sets: each names one thing on the server or one choice of the browser
//! (its session, its `/select` preselection, its logout scenario), for every path, hidden from
//! scripts, and sent on top-level navigations from other sites (SameSite=Lax), which is how a
//! browser comes back from an SP.

use actix_web::cookie::{Cookie, SameSite};

/// The cookie `name` holding `value`.
pub fn kept(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish()
}

/// What removes the cookie `name` from the browser.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "").path("/").finish();
    c.make_removal();
    c
}
