//! The IdP's pages in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, which tests/run installs) driven over WebDriver, logging in to a service
//! provider built on python3-saml (`sp.py`) that validates every response strictly.
//!
//! Each test starts its own `mock-idp`, SP, chromedriver and browser profile ([`harness::run`]);
//! a failing test leaves a screenshot in `target/browser-screenshots/<test>.png`, and
//! `BROWSER_SCREENSHOTS=all` keeps one of every checkpoint as well.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is its failure message"
)]

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod request;

use fantoccini::Locator;
use harness::{ensure, run, Context as _, Page, Result, Setup};

const ALICE: &str = "alice.martin@acme-support.example";
const BRUNO: &str = "bruno.costa@acme-support.example";

/// Opens the SP's /login and waits for the picker it leads to.
async fn start_at_sp(page: &Page) -> Result {
    page.goto(&page.sp_url("/login")).await?;
    page.picker().await?;
    Ok(())
}

/// SP-initiated login through the picker: the request's fields are shown, one click on a user,
/// and the auto-posting form takes the response to the SP without another click.
#[test]
fn valid_login() {
    run("valid_login", Setup::default(), |page| async move {
        start_at_sp(&page).await?;
        page.checkpoint("valid_login-picker").await?;
        let id = page.picker_field("ID").await?;
        ensure!(
            id.starts_with("ONELOGIN_"),
            "the picker shows the ID python3-saml gave its request, not {id:?}"
        );
        let issuer = page.picker_field("Issuer").await?;
        ensure!(issuer == page.sp_entity_id, "Issuer row: {issuer:?}");
        let acs = page.picker_field("AssertionConsumerServiceURL").await?;
        ensure!(acs == page.sp_url("/acs"), "ACS row: {acs:?}");
        let binding = page.picker_field("Binding").await?;
        ensure!(
            binding.contains("Redirect"),
            "the request came by HTTP-Redirect, the Binding row says {binding:?}"
        );
        let relay = page.picker_field("RelayState").await?;
        ensure!(relay == page.sp_url("/"), "RelayState row: {relay:?}");
        let destination = page.find_all("form[action='/sso/login']").await?;
        ensure!(destination.len() == 1, "one picker form");

        page.pick("Alice Martin").await?;
        page.expect_logged_in(ALICE).await?;
        page.checkpoint("valid_login-sp").await?;
        let relay = page
            .find(Locator::Css("#relay-state"), "the RelayState the SP got")
            .await?
            .text()
            .await
            .context("RelayState")?;
        ensure!(
            relay == page.sp_url("/"),
            "RelayState came back as {relay:?}"
        );
        Ok(())
    });
}

/// Chooses `scenario` in the picker, logs in as Alice, and fails unless the SP rejects the
/// response with a reason that mentions `because`.
async fn expect_rejection(page: &Page, scenario: &str, because: &str) -> Result {
    start_at_sp(page).await?;
    page.choose_scenario(scenario).await?;
    page.pick("Alice Martin").await?;
    let outcome = page.sp_outcome().await?;
    ensure!(
        outcome.starts_with("Rejected"),
        "the SP accepted scenario {scenario}: it says {outcome:?}"
    );
    let reason = page
        .find(Locator::Css("#reason"), "python3-saml's reason")
        .await?
        .text()
        .await
        .context("the reason")?;
    ensure!(
        reason.to_lowercase().contains(because),
        "python3-saml rejects scenario {scenario} for a reason about {because:?}, not {reason:?}"
    );
    Ok(())
}

/// A failure scenario chosen in the picker reaches the SP, which rejects it for the reason the
/// scenario is about.
#[test]
fn expired_scenario_is_rejected() {
    run(
        "expired_scenario_is_rejected",
        Setup::default(),
        |page| async move { expect_rejection(&page, "expired", "expired").await },
    );
}

/// An assertion for another audience is refused as such.
#[test]
fn wrong_audience_scenario_is_rejected() {
    run(
        "wrong_audience_scenario_is_rejected",
        Setup::default(),
        |page| async move { expect_rejection(&page, "wrong-audience", "audience").await },
    );
}

/// Without JavaScript the auto-post page waits, says why, and its Continue button finishes
/// the login.
#[test]
fn no_javascript_continue_button() {
    let setup = Setup {
        javascript: false,
        ..Setup::default()
    };
    run("no_javascript_continue_button", setup, |page| async move {
        start_at_sp(&page).await?;
        page.pick("Alice Martin").await?;
        let button = page
            .wait_for(
                Locator::XPath("//form[@id='saml-post']//button[normalize-space()='Continue']"),
                "the post page's Continue button",
            )
            .await?;
        let text = page.text().await?;
        ensure!(
            text.contains("JavaScript is off: press Continue"),
            "the post page explains the button; it says:\n{text}"
        );
        // The page stays put: the form did not submit itself.
        ensure!(
            page.browser.current_url().await.context("URL")?.as_str() == page.idp_url("/sso/login"),
            "the post page is still showing"
        );
        page.checkpoint("no_javascript-post").await?;
        button.click().await.context("clicking Continue")?;
        page.expect_logged_in(ALICE).await?;
        Ok(())
    });
}

/// After one login the IdP remembers the user: the next login offers "Continue as", and one
/// click on it logs in.
#[test]
fn idp_session_continue_as() {
    run(
        "idp_session_continue_as",
        Setup::default(),
        |page| async move {
            start_at_sp(&page).await?;
            page.pick("Alice Martin").await?;
            page.expect_logged_in(ALICE).await?;

            start_at_sp(&page).await?;
            let button = page
            .wait_for(
                Locator::XPath("//button[@name='user'][strong[normalize-space()='Continue as Alice Martin']]"),
                "the picker's Continue as Alice Martin",
            )
            .await?;
            page.checkpoint("idp_session-picker").await?;
            button.click().await.context("clicking Continue as")?;
            page.expect_logged_in(ALICE).await?;
            Ok(())
        },
    );
}

/// IdP-initiated: the home page's "log in" link for a registered SP, the picker, one user, and
/// the SP accepts the unsolicited response.
#[test]
fn idp_initiated_from_home_page() {
    let setup = Setup {
        register_sp: true,
        allow_unsolicited: true,
        ..Setup::default()
    };
    run("idp_initiated_from_home_page", setup, |page| async move {
        page.goto(&page.sp_url("/idp-login")).await?;
        let accepts = page.text().await?;
        ensure!(
            accepts.contains("accepts unsolicited responses"),
            "the SP is set up for IdP-initiated logins; it says:\n{accepts}"
        );

        page.goto(&page.idp_url("/")).await?;
        let xpath = format!(
            "//tr[td[contains(normalize-space(), '{}')]]//a[normalize-space()='log in to Browser SP']",
            page.sp_entity_id
        );
        let link = page
            .wait_for(
                Locator::XPath(&xpath),
                "the SP's 'log in' link on the home page",
            )
            .await?;
        link.click().await.context("clicking log in")?;
        page.picker().await?;
        let flow = page.picker_field("Flow").await?;
        ensure!(flow.contains("IdP-initiated"), "the picker says {flow:?}");
        page.pick("Alice Martin").await?;
        page.expect_logged_in(ALICE).await?;
        Ok(())
    });
}

/// Atlassian's set-up: an ACS with a query string and a registered RelayState. The home page
/// lists the SP by its name with that RelayState; its link logs in with it, its form with
/// another or (emptied) none, and each response reaches the ACS with the query unchanged.
#[test]
fn idp_initiated_with_the_sps_relay_state_to_a_query_string_acs() {
    const QUERY: &str = "?connection=saml-1234&tenant=a%2Fb";
    const RELAY_STATE: &str = "https://site.example/jira?a=1&b=<2>";
    let setup = Setup {
        register_sp: true,
        allow_unsolicited: true,
        acs_query: QUERY,
        relay_state: Some(RELAY_STATE),
        ..Setup::default()
    };
    run(
        "idp_initiated_with_the_sps_relay_state_to_a_query_string_acs",
        setup,
        |page| async move {
            let row = format!("tr[data-entity-id='{}']", page.sp_entity_id);
            page.goto(&page.idp_url("/")).await?;
            let name = page
                .find(Locator::Css(&format!("{row} .sp-name")), "the SP's name")
                .await?;
            let name = name.text().await.context("the SP's name")?;
            ensure!(name == "Browser SP", "the home page names the SP {name:?}");
            let shown = page
                .find(
                    Locator::Css(&format!("{row} .default-relay-state")),
                    "the SP's RelayState",
                )
                .await?;
            let shown = shown.text().await.context("the SP's RelayState")?;
            ensure!(shown == RELAY_STATE, "the home page shows {shown:?}");

            // (what the RelayState field is set to, what the SP receives)
            for (typed, received) in [
                (None, Some(RELAY_STATE)),
                (Some("/browse/ABC-1"), Some("/browse/ABC-1")),
                (Some(""), None),
            ] {
                page.goto(&page.idp_url("/")).await?;
                match typed {
                    None => {
                        let link = page
                            .find(
                                Locator::Css(&format!("{row} a.idp-initiated")),
                                "the SP's log in link",
                            )
                            .await?;
                        link.click().await.context("clicking log in")?;
                    }
                    Some(value) => {
                        let field = page
                            .find(
                                Locator::Css(&format!(
                                    "{row} form.idp-initiated input[name='RelayState']"
                                )),
                                "the RelayState field",
                            )
                            .await?;
                        field.clear().await.context("clearing the RelayState")?;
                        if !value.is_empty() {
                            field
                                .send_keys(value)
                                .await
                                .context("typing a RelayState")?;
                        }
                        let button = page
                            .find(
                                Locator::Css(&format!("{row} form.idp-initiated button")),
                                "the SP's log in button",
                            )
                            .await?;
                        button.click().await.context("clicking Log in")?;
                    }
                }
                page.picker().await?;
                page.pick("Alice Martin").await?;
                page.expect_logged_in(ALICE).await?;
                let url = page.browser.current_url().await.context("the SP's URL")?;
                ensure!(
                    url.as_str() == page.sp_url(&format!("/acs{QUERY}")),
                    "the response was posted to {url}, typed {typed:?}"
                );
                let got = match page.browser.find(Locator::Css("#relay-state")).await {
                    Ok(e) => Some(e.text().await.context("the RelayState")?),
                    Err(_) => None,
                };
                ensure!(
                    got.as_deref() == received,
                    "the SP received RelayState {got:?}, typed {typed:?}"
                );
            }
            Ok(())
        },
    );
}

/// `/select` preselects a user and scenario for this browser: the next login needs no click.
#[test]
fn select_logs_in_without_picker() {
    run(
        "select_logs_in_without_picker",
        Setup::default(),
        |page| async move {
            page.goto(&page.idp_url("/select?user=bruno&scenario=valid"))
                .await?;
            let text = page.text().await?;
            ensure!(
                text.contains("Next login: Bruno Costa") || text.contains("Next login: bruno"),
                "/select confirms the choice; it says:\n{text}"
            );
            page.goto(&page.sp_url("/login")).await?;
            page.expect_logged_in(BRUNO).await?;
            Ok(())
        },
    );
}

/// The inspector lists the newest exchange first; its page shows the scenario, the
/// AuthnRequest the SP sent and the Response that went back.
#[test]
fn inspector_shows_newest_exchange() {
    run(
        "inspector_shows_newest_exchange",
        Setup::default(),
        |page| async move {
            start_at_sp(&page).await?;
            page.pick("Alice Martin").await?;
            page.expect_logged_in(ALICE).await?;

            start_at_sp(&page).await?;
            let request_id = page.picker_field("ID").await?;
            page.choose_scenario("expired").await?;
            page.pick("Alice Martin").await?;
            let outcome = page.sp_outcome().await?;
            ensure!(outcome.starts_with("Rejected"), "the SP says {outcome:?}");

            page.goto(&page.idp_url("/inspector")).await?;
            let rows = page.find_all("table tr td:first-child a").await?;
            ensure!(rows.len() == 2, "two exchanges listed, not {}", rows.len());
            let first = rows[0].text().await.context("newest seq")?;
            let second = rows[1].text().await.context("older seq")?;
            ensure!(
                first.parse::<u64>().ok() > second.parse::<u64>().ok(),
                "newest first: {first} then {second}"
            );
            rows[0]
                .click()
                .await
                .context("opening the newest exchange")?;
            page.wait_for(
                Locator::XPath("//h2[starts-with(normalize-space(), 'AuthnRequest')]"),
                "the exchange page",
            )
            .await?;
            page.checkpoint("inspector-exchange").await?;
            let text = page.text().await?;
            ensure!(
                text.contains("Scenario expired"),
                "the exchange names its scenario; the page says:\n{text}"
            );
            let pres = page.find_all("pre").await?;
            ensure!(
                pres.len() == 2,
                "the request and the response, {} <pre>",
                pres.len()
            );
            let request = pres[0].text().await.context("the AuthnRequest")?;
            ensure!(
                request.contains("AuthnRequest") && request.contains(&request_id),
                "the AuthnRequest {request_id} is shown; it is:\n{request}"
            );
            let response = pres[1].text().await.context("the Response")?;
            ensure!(
                response.contains("Response")
                    && response.contains(&format!("InResponseTo=\"{request_id}\""))
                    && response.contains(ALICE),
                "the Response to {request_id} for {ALICE} is shown; it is:\n{response}"
            );
            Ok(())
        },
    );
}

/// The users file of the payload test: a user whose every shown field is markup.
const MALLORY: &str = r#"users:
  - id: mallory
    email: mallory@evil.example
    display_name: '<img src=x onerror=window.__pwned=1,alert(5)>'
    first_name: '<script>window.__pwned=1,alert(9)</script>'
    last_name: '"><b id=injected>'
    name_id: '"><script>window.__pwned=1,alert(6)</script>'
    attributes:
      note: '</td><img src=x onerror=window.__pwned=1,alert(10)>'
"#;

/// Markup in everything that comes from outside (an AuthnRequest's ProviderName, Issuer, ACS
/// URL and NameIDPolicy, the RelayState, the users file's names and NameID) is shown as text
/// on the picker, the auto-post page, the inspector and an error page, and never runs: no
/// dialog opens, `window.__pwned` stays unset and no injected element exists.
#[test]
fn script_payloads_stay_inert() {
    let setup = Setup {
        users: Some(MALLORY),
        ..Setup::default()
    };
    run("script_payloads_stay_inert", setup, |page| async move {
        let relay_state = r#""><script>window.__pwned=1,alert(1)</script>"#;
        let markup = "<img src=x onerror=window.__pwned=1,alert(2)>";
        // /hold answers 204 No Content: the browser stays on the post page after its script
        // has submitted the form, so the page can be examined.
        // No space: an ACS URL with one is refused before any page shows it. `/` separates the
        // attributes as well for an HTML parser.
        let acs = page.sp_url(r#"/hold?x="><img/src=x/onerror=window.__pwned=1,alert(3)>"#);
        let qualifier = "'><svg onload=window.__pwned=1,alert(4)>";
        let display_name = "<img src=x onerror=window.__pwned=1,alert(5)>";
        let request = request::AuthnRequest {
            id: "_browser_payloads_1",
            issuer: markup,
            provider_name: markup,
            acs: &acs,
            sp_name_qualifier: qualifier,
        };
        page.goto(&request.redirect_url(&page.idp_url("/sso"), relay_state))
            .await?;
        page.picker().await?;
        page.not_pwned("picker").await?;
        for (label, expected) in [
            ("ProviderName", markup),
            ("Issuer", markup),
            ("AssertionConsumerServiceURL", acs.as_str()),
            ("NameIDPolicy SPNameQualifier", qualifier),
            ("RelayState", relay_state),
        ] {
            let shown = page.picker_field(label).await?;
            ensure!(
                shown == expected,
                "the picker's {label} row shows {shown:?}"
            );
        }
        let hidden = page
            .find(
                Locator::Css("input[name='RelayState']"),
                "the picker's RelayState input",
            )
            .await?
            .prop("value")
            .await
            .context("RelayState value")?;
        ensure!(
            hidden.as_deref() == Some(relay_state),
            "RelayState input: {hidden:?}"
        );
        let mallory = page
            .find(
                Locator::Css("form[action='/sso/login'] button[name='user'][value='mallory']"),
                "the button for mallory",
            )
            .await?;
        let shown = mallory.text().await.context("mallory's button")?;
        ensure!(
            shown.contains(display_name),
            "the button shows the display name as text: {shown:?}"
        );
        let scripts = page.find_all("script").await?;
        ensure!(
            scripts.is_empty(),
            "the picker has no script, found {}",
            scripts.len()
        );
        let injected = page.find_all("#injected, svg").await?;
        ensure!(injected.is_empty(), "no injected element on the picker");
        page.checkpoint("payloads-picker").await?;

        mallory.click().await.context("clicking mallory")?;
        let form = page
            .wait_for(Locator::Css("form#saml-post"), "the post page")
            .await?;
        page.not_pwned("post page").await?;
        let action = form.attr("action").await.context("the form's action")?;
        ensure!(
            action.as_deref() == Some(acs.as_str()),
            "the form posts to the ACS URL as given: {action:?}"
        );
        let posted = page
            .find(
                Locator::Css("form#saml-post input[name='RelayState']"),
                "the posted RelayState",
            )
            .await?
            .prop("value")
            .await
            .context("RelayState value")?;
        ensure!(
            posted.as_deref() == Some(relay_state),
            "posted RelayState: {posted:?}"
        );
        let text = page.text().await?;
        ensure!(
            text.contains(&acs),
            "the post page names the ACS URL as text:\n{text}"
        );
        let scripts = page.find_all("script").await?;
        ensure!(
            scripts.len() == 1,
            "only the post page's own script, found {}",
            scripts.len()
        );
        page.checkpoint("payloads-post").await?;

        page.goto(&page.idp_url("/inspector")).await?;
        page.not_pwned("inspector").await?;
        let list = page.text().await?;
        ensure!(
            list.contains(markup),
            "the inspector lists the SP as text:\n{list}"
        );
        let newest = page
            .find(
                Locator::Css("table tr td:first-child a"),
                "the newest exchange",
            )
            .await?;
        newest.click().await.context("opening the exchange")?;
        page.wait_for(Locator::Css("pre"), "the exchange page")
            .await?;
        page.not_pwned("exchange page").await?;
        let heading = page
            .find(Locator::Css("h1"), "the exchange heading")
            .await?
            .text()
            .await
            .context("heading")?;
        ensure!(
            heading.contains(markup),
            "the heading names the SP as text: {heading:?}"
        );
        let text = page.text().await?;
        ensure!(
            text.contains(&acs),
            "the exchange names the ACS URL as text:\n{text}"
        );
        let pres = page.find_all("pre").await?;
        ensure!(
            pres.len() == 2,
            "the request and the response, {} <pre>",
            pres.len()
        );
        let shown = pres[0].text().await.context("the AuthnRequest")?;
        for expected in [
            "<samlp:AuthnRequest ",
            "ProviderName=\"&lt;img src=x onerror=window.__pwned=1,alert(2)",
            "SAML:2.0:assertion\">&lt;img src=x onerror=window.__pwned=1,alert(2)&gt;</saml:Issuer>",
            "SPNameQualifier=\"'&gt;&lt;svg onload=window.__pwned=1,alert(4)",
        ] {
            ensure!(
                shown.contains(expected) || shown.contains(&expected.replace("&gt;", ">")),
                "the AuthnRequest is shown as its XML text, with {expected:?}:\n{shown}"
            );
        }
        let shown = pres[1].text().await.context("the Response")?;
        ensure!(
            shown.contains("<saml:NameID") && shown.contains("script&gt;window.__pwned=1,alert(6)"),
            "the Response is shown as its XML text, with mallory's NameID:\n{shown}"
        );
        let injected = page.find_all("#injected, svg").await?;
        ensure!(
            injected.is_empty(),
            "no injected element on the exchange page"
        );
        page.checkpoint("payloads-inspector").await?;

        // An ACS URL that is not http(s) is refused; the error page quotes it as text.
        let evil_acs =
            "javascript:window.__pwned=1,alert(7)//<img src=x onerror=window.__pwned=1,alert(8)>";
        let request = request::AuthnRequest {
            acs: evil_acs,
            id: "_browser_payloads_2",
            ..request
        };
        page.goto(&request.redirect_url(&page.idp_url("/sso"), relay_state))
            .await?;
        page.wait_for(Locator::Css("h1"), "the error page").await?;
        page.not_pwned("error page").await?;
        let forms = page.find_all("form").await?;
        ensure!(
            forms.is_empty(),
            "no picker or post form for a javascript: ACS URL"
        );
        let text = page.text().await?;
        ensure!(
            text.contains(evil_acs),
            "the error page quotes the ACS URL as text:\n{text}"
        );
        page.checkpoint("payloads-error").await?;
        Ok(())
    });
}

/// The address the review tests put in place of Alice's.
const EDITED: &str = "edited@acme-support.example";

/// Logs in as Alice through the review page: ticks "Review before posting", replaces Alice's
/// address with [`EDITED`] in the response's text, presses the button whose `value` is
/// `action`, and returns the SP's verdict.
async fn post_edited_review(page: &Page, action: &str) -> Result<String> {
    start_at_sp(page).await?;
    let review = page
        .find(
            Locator::Css("form[action='/sso/login'] input[name='review']"),
            "the picker's Review before posting box",
        )
        .await?;
    if !review
        .is_selected()
        .await
        .context("the review box's state")?
    {
        review
            .click()
            .await
            .context("ticking Review before posting")?;
    }
    page.pick("Alice Martin").await?;
    page.wait_for(
        Locator::Css("form[action='/sso/review'] textarea[name='xml']"),
        "the review page's response text",
    )
    .await?;
    let replaced = page
        .script(&format!(
            "const t = document.querySelector(\"textarea[name='xml']\"); \
             const parts = t.value.split('<saml:NameID'); \
             if (parts.length !== 2) return -1; \
             const n = parts[1].split('{ALICE}').length - 1; \
             parts[1] = parts[1].replace('{ALICE}', '{EDITED}'); \
             t.value = parts.join('<saml:NameID'); \
             return n;"
        ))
        .await?;
    ensure!(
        replaced.as_i64().is_some_and(|n| n >= 1),
        "the review page shows one NameID holding {ALICE} (script said {replaced})"
    );
    let text = page
        .script("return document.querySelector(\"textarea[name='xml']\").value;")
        .await?;
    let text = text.as_str().unwrap_or_default();
    ensure!(
        text.contains(&format!(">{EDITED}</saml:NameID>")),
        "the edit is in the textarea:\n{text}"
    );
    page.checkpoint(&format!("review-{action}")).await?;
    let button = page
        .find(
            Locator::Css(&format!("button[name='action'][value='{action}']")),
            &format!("the review page's {action} button"),
        )
        .await?;
    button
        .click()
        .await
        .context(format_args!("clicking {action}"))?;
    page.sp_outcome().await
}

/// Review before posting, through the real SP: an edited NameID that is re-signed is accepted
/// as the new user, the same edit posted as typed is refused for its broken signature, and the
/// inspector says which was which.
#[test]
fn review_edit_resign_and_as_typed() {
    run(
        "review_edit_resign_and_as_typed",
        Setup::default(),
        |page| async move {
            let outcome = post_edited_review(&page, "resign").await?;
            if outcome != format!("Logged in as {EDITED}") {
                let reason = page.text().await.unwrap_or_default();
                return Err(format!(
                    "a re-signed edit logs in as {EDITED}; the SP says {outcome:?}:\n{reason}"
                )
                .into());
            }

            let outcome = post_edited_review(&page, "as-is").await?;
            ensure!(
                outcome.starts_with("Rejected"),
                "an edit posted as typed breaks the signature; the SP says {outcome:?}"
            );
            let reason = page
                .find(Locator::Css("#reason"), "python3-saml's reason")
                .await?
                .text()
                .await
                .context("the reason")?;
            ensure!(
                reason.to_lowercase().contains("signature"),
                "python3-saml refuses the edit posted as typed for its signature, not {reason:?}"
            );

            page.goto(&page.idp_url("/inspector")).await?;
            let list = page.text().await?;
            ensure!(
                list.contains("edited, re-signed")
                    && list.contains("edited, posted as typed (not re-signed)"),
                "the inspector says how each review was posted; it says:\n{list}"
            );
            Ok(())
        },
    );
}

/// What the SP's home page says about this browser's login.
async fn sp_session(page: &Page) -> Result<String> {
    page.goto(&page.sp_url("/")).await?;
    let p = page
        .wait_for(Locator::Css("p#session"), "the SP's session line")
        .await?;
    p.text().await.context("the SP's session line")
}

/// Logs in as Alice at the SP through the picker, and checks the SP keeps the login.
async fn log_in_alice(page: &Page) -> Result {
    start_at_sp(page).await?;
    page.pick("Alice Martin").await?;
    page.expect_logged_in(ALICE).await?;
    let session = sp_session(page).await?;
    ensure!(
        session == format!("Logged in as {ALICE}"),
        "the SP keeps the login; its home page says {session:?}"
    );
    Ok(())
}

/// IdP-initiated single logout: the home page's button sends the SP a signed LogoutRequest,
/// python3-saml validates it strictly and answers, and the IdP's summary reports the SP as
/// logged out, which the SP confirms.
#[test]
fn logout_from_the_home_page() {
    let setup = Setup {
        slo: true,
        ..Setup::default()
    };
    run("logout_from_the_home_page", setup, |page| async move {
        log_in_alice(&page).await?;

        page.goto(&page.idp_url("/")).await?;
        let button = page
            .wait_for(
                Locator::XPath(
                    "//form[@action='/slo/idp-initiated']//button[normalize-space()='Log out of every service provider']",
                ),
                "the home page's logout button",
            )
            .await?;
        button.click().await.context("clicking the logout button")?;
        page.wait_for(
            Locator::XPath(
                "//h1[contains(normalize-space(), 'is logged out of the identity provider')]",
            ),
            "the logout summary",
        )
        .await?;
        page.checkpoint("logout-summary").await?;
        let xpath = format!(
            "//tr[td[contains(normalize-space(), '{}')]]/td",
            page.sp_entity_id
        );
        let cells = page
            .browser
            .find_all(Locator::XPath(&xpath))
            .await
            .context("the SP's row")?;
        ensure!(cells.len() == 4, "the summary has a row for the SP");
        let result = cells[1].text().await.context("the SP's result")?;
        let class = cells[1].attr("class").await.context("the result's class")?;
        let status = cells[2].text().await.context("the SP's status")?;
        ensure!(
            result == "success" && class.as_deref() == Some("ok") && status == "Success",
            "the SP answered with Success; the summary says {result:?} ({class:?}), status {status:?}:\n{}",
            page.text().await.unwrap_or_default()
        );

        expect_logged_out_at_both(&page).await
    });
}

/// After a logout: the SP has forgotten the login, and the IdP's session (and so its logout
/// button) is gone.
async fn expect_logged_out_at_both(page: &Page) -> Result {
    let session = sp_session(page).await?;
    ensure!(
        session == "Logged out",
        "the SP forgot the login; its home page says {session:?}"
    );
    page.goto(&page.idp_url("/")).await?;
    let buttons = page.find_all("form[action='/slo/idp-initiated']").await?;
    ensure!(
        buttons.is_empty(),
        "the IdP's session ended with the logout"
    );
    Ok(())
}

/// SP-initiated single logout: python3-saml's LogoutRequest goes to the IdP's /slo, which
/// ends its session and answers with a signed LogoutResponse that python3-saml validates.
#[test]
fn logout_from_the_sp() {
    let setup = Setup {
        slo: true,
        ..Setup::default()
    };
    run("logout_from_the_sp", setup, |page| async move {
        log_in_alice(&page).await?;

        page.goto(&page.sp_url("/logout")).await?;
        let outcome = page.sp_outcome().await?;
        if outcome != "Logged out" {
            let text = page.text().await.unwrap_or_default();
            return Err(
                format!("the SP accepts the IdP's LogoutResponse; it says:\n{text}").into(),
            );
        }
        expect_logged_out_at_both(&page).await
    });
}

/// The SP checks the IdP's signature on a LogoutRequest: with the home page's
/// `slo-bad-signature` logout scenario, python3-saml refuses it and keeps the login.
#[test]
fn logout_with_a_bad_signature_is_refused() {
    let setup = Setup {
        slo: true,
        ..Setup::default()
    };
    run(
        "logout_with_a_bad_signature_is_refused",
        setup,
        |page| async move {
            log_in_alice(&page).await?;

            page.goto(&page.idp_url("/")).await?;
            let select = page
                .wait_for(
                    Locator::Css("form[action='/slo/idp-initiated'] select[name='scenario']"),
                    "the home page's logout scenario",
                )
                .await?;
            select
                .select_by_value("slo-bad-signature")
                .await
                .context("choosing slo-bad-signature")?;
            page.find(
                Locator::Css("form[action='/slo/idp-initiated'] button"),
                "the home page's logout button",
            )
            .await?
            .click()
            .await
            .context("clicking the logout button")?;
            let outcome = page.sp_outcome().await?;
            ensure!(
                outcome.starts_with("Rejected") && outcome.contains("signature"),
                "python3-saml refuses a LogoutRequest with a broken signature; the SP says \
                 {outcome:?}"
            );
            let session = sp_session(&page).await?;
            ensure!(
                session == format!("Logged in as {ALICE}"),
                "the SP keeps the login; its home page says {session:?}"
            );
            Ok(())
        },
    );
}

/// The plain logout a product's "remote logout URL" makes (Zendesk: a browser redirect, no
/// SAML message): `/logout` ends the IdP session and goes back to the `return_to` address, and
/// the next login shows the picker again instead of offering to continue the session.
#[test]
fn plain_logout_redirect_ends_the_idp_session() {
    run(
        "plain_logout_redirect_ends_the_idp_session",
        Setup::default(),
        |page| async move {
            start_at_sp(&page).await?;
            page.pick("Alice Martin").await?;
            page.expect_logged_in(ALICE).await?;
            start_at_sp(&page).await?;
            let continue_as =
                "//button[@name='user'][strong[normalize-space()='Continue as Alice Martin']]";
            page.wait_for(
                Locator::XPath(continue_as),
                "Continue as Alice Martin before the logout",
            )
            .await?;

            let back = page.sp_url("/");
            let logout = url::Url::parse_with_params(
                &page.idp_url("/logout"),
                [("return_to", back.as_str()), ("email", ALICE)],
            )
            .context("the logout URL")?;
            page.goto(logout.as_str()).await?;
            page.wait_for(
                Locator::Css("p#session"),
                "the SP's page, the return address",
            )
            .await?;
            let url = page.browser.current_url().await.context("URL")?;
            ensure!(
                url.as_str() == back,
                "back at the return address, not {url}"
            );
            page.checkpoint("plain_logout-returned").await?;

            start_at_sp(&page).await?;
            page.checkpoint("plain_logout-picker").await?;
            let offered = page
                .browser
                .find_all(Locator::XPath(continue_as))
                .await
                .context("looking for Continue as")?;
            ensure!(
                offered.is_empty(),
                "the picker offers to continue a session the plain logout ended"
            );
            page.pick("Alice Martin").await?;
            page.expect_logged_in(ALICE).await?;
            Ok(())
        },
    );
}
