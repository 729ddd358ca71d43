//! One logout in progress, as a state machine the server drives one event at a time
//! (saml-profiles 4.4.3.3, saml-core 3.7.3.2): the SPs of the session are told one after the
//! other by the browser, each answer is judged and recorded, and when none is left to tell
//! or wait for, the SP that started the logout (if one did) gets the final status.
//!
//! ```text
//! advance ─> Send(request to the next SP) ── its answer ─> record_answer ─> advance ...
//!         ─> Wait  (an answer is still out: give_up, or record_answer, then advance)
//!         ─> Done  ─> final_answer: the initiator's LogoutResponse, or none (IdP-initiated)
//! ```
//! Every step takes its `now`, its IDs and its signer as parameters; the server keeps the
//! [`Logout`] between requests and forgets it once [`Logout::expired`].

use time::{Duration, OffsetDateTime};

use crate::saml::binding::Binding;
use crate::saml::dsig::{SignatureAlgorithm, Signer};
use crate::saml::issue::IdSource;
use crate::saml::logout::{LogoutRequestSpec, LogoutResponse, LogoutResponseSpec};
use crate::saml::nameid::NameId;
use crate::saml::ns;
use crate::saml::response::StatusSpec;
use crate::saml::scenario::logout::LogoutScenario;

use super::received::MessageSignature;
use super::send::{send_request, send_response, Outgoing, Sending, SloError};

/// How long the LogoutRequests we send stay valid (their NotOnOrAfter).
pub const REQUEST_LIFETIME: Duration = Duration::minutes(5);
/// How long a logout waits for the SPs' answers before it is forgotten.
pub const LIFETIME: Duration = Duration::minutes(15);

/// The SP whose LogoutRequest started the logout (SP-initiated), to be answered at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initiator {
    pub sp_entity_id: String,
    pub request_id: String,
    pub slo_url: String,
    /// The Issuer our answer carries for this SP (the AD FS face for adfs-style SPs).
    pub issuer: String,
    /// The binding the request came by; the answer goes back by the same one.
    pub binding: Binding,
    pub relay_state: Option<String>,
    pub algorithm: SignatureAlgorithm,
    /// The LogoutRequest as received, for the inspector.
    pub request_xml: String,
    /// What is known of its signature, in words.
    pub signature: String,
}

impl Initiator {
    /// The LogoutResponse answering the initiator's request with `status`, broken as
    /// `scenario` says if it breaks responses.
    pub fn answer(
        &self,
        status: StatusSpec,
        scenario: Option<&'static LogoutScenario>,
        signer: &Signer,
        now: OffsetDateTime,
        ids: &mut dyn IdSource,
    ) -> Result<Outgoing, SloError> {
        let spec = LogoutResponseSpec {
            id: ids.next_id(),
            version: ns::VERSION_2_0.into(),
            issue_instant: now,
            destination: self.slo_url.clone(),
            in_response_to: Some(self.request_id.clone()),
            issuer: self.issuer.clone(),
            status,
        };
        let sending = Sending {
            binding: self.binding,
            relay_state: self.relay_state.as_deref(),
            signer,
            algorithm: self.algorithm,
            scenario,
            now,
        };
        send_response(spec, &sending)
    }
}

/// What became of one SP of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not yet told.
    Waiting,
    /// The LogoutRequest with this ID is on its way; no answer yet.
    Sent { request_id: String },
    /// There is no SingleLogoutService URL to send a LogoutRequest to.
    NoEndpoint,
    /// It answered with a LogoutResponse.
    Answered {
        status: StatusSpec,
        /// What is known of the answer's signature, in words.
        signature: String,
    },
    /// The logout finished before it answered.
    NoAnswer,
    /// Its answer was not accepted, for this reason.
    Refused(String),
    /// Its LogoutRequest could not be made.
    Failed(String),
}

impl Outcome {
    /// `success`, `failure`, `no answer`, ... for the summary.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Waiting => "not told yet",
            Outcome::Sent { .. } => "waiting for its answer",
            Outcome::NoEndpoint => "not told: no logout URL",
            Outcome::Answered { status, .. } if status.is_success() => "success",
            Outcome::Answered { .. } => "failure",
            Outcome::NoAnswer => "no answer",
            Outcome::Refused(_) => "answer refused",
            Outcome::Failed(_) => "not told: error",
        }
    }

    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Answered { status, .. } if status.is_success())
    }
}

/// One SP of the session, to be told of the logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub sp_entity_id: String,
    pub slo_url: Option<String>,
    /// The Issuer our LogoutRequest carries for this SP.
    pub issuer: String,
    pub algorithm: SignatureAlgorithm,
    pub name_id: NameId,
    pub session_index: String,
    pub outcome: Outcome,
    /// The binding its LogoutRequest goes by: the one its logout endpoint takes.
    pub binding: Binding,
}

/// What the server does next for a logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send the browser to an SP with this LogoutRequest, and keep the logout for its answer.
    Send(Outgoing),
    /// Every SP that can be told has been, and an answer is still out: keep the logout.
    Wait,
    /// Nobody is left to tell or to wait for: the logout is over ([`Logout::final_answer`]).
    Done,
}

/// A LogoutResponse that answers none of this logout's LogoutRequests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the LogoutResponse answers {in_response_to:?}, which is no LogoutRequest of this logout still waiting for its answer")]
pub struct Unmatched {
    pub in_response_to: Option<String>,
}

/// One logout across a session's SPs: who started it, who is told, what each answered.
#[derive(Debug, Clone)]
pub struct Logout {
    pub id: String,
    pub session_id: String,
    pub user: String,
    pub started: OffsetDateTime,
    pub initiator: Option<Initiator>,
    pub scenario: Option<&'static LogoutScenario>,
    pub recipients: Vec<Recipient>,
}

impl Logout {
    /// Tells the next SP that has not been told: its LogoutRequest, by the recipient's binding
    /// (HTTP-Redirect with a query signature, or HTTP-POST with an enveloped one), valid for
    /// [`REQUEST_LIFETIME`]. An SP without a logout URL, or whose request cannot be made, is
    /// passed over with that outcome.
    pub fn advance(
        &mut self,
        signer: &Signer,
        now: OffsetDateTime,
        ids: &mut dyn IdSource,
    ) -> Next {
        let scenario = self.scenario;
        while let Some(recipient) = self
            .recipients
            .iter_mut()
            .find(|r| r.outcome == Outcome::Waiting)
        {
            let Some(slo_url) = recipient.slo_url.clone() else {
                recipient.outcome = Outcome::NoEndpoint;
                continue;
            };
            let spec = LogoutRequestSpec {
                id: ids.next_id(),
                version: ns::VERSION_2_0.into(),
                issue_instant: now,
                destination: slo_url,
                issuer: recipient.issuer.clone(),
                name_id: recipient.name_id.clone(),
                session_indexes: vec![recipient.session_index.clone()],
                not_on_or_after: Some(now + REQUEST_LIFETIME),
                reason: Some(ns::logout_reason::USER.into()),
            };
            let sending = Sending {
                binding: recipient.binding,
                relay_state: None,
                signer,
                algorithm: recipient.algorithm,
                scenario,
                now,
            };
            match send_request(spec, &sending) {
                Ok(out) => {
                    recipient.outcome = Outcome::Sent {
                        request_id: out.id.clone(),
                    };
                    return Next::Send(out);
                }
                Err(e) => recipient.outcome = Outcome::Failed(e.to_string()),
            }
        }
        if self.waits_for_an_answer() {
            Next::Wait
        } else {
            Next::Done
        }
    }

    /// Whether a LogoutRequest is still waiting for its answer.
    pub fn waits_for_an_answer(&self) -> bool {
        self.recipients
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Sent { .. }))
    }

    /// The recipient waiting for the answer to the LogoutRequest `request_id`.
    pub fn sent(&self, request_id: &str) -> Option<usize> {
        self.recipients.iter().position(
            |r| matches!(&r.outcome, Outcome::Sent { request_id: id } if id == request_id),
        )
    }

    /// Judges and records an SP's answer to one of our LogoutRequests: its Issuer must be the
    /// SP we asked, its Destination one of `ours` (saml-bindings 3.4.5.2, 3.5.5.2) and, in
    /// `strict` mode, its signature valid. `signature` checks it for the recipient it answers.
    pub fn record_answer(
        &mut self,
        response: &LogoutResponse,
        ours: &[String],
        strict: bool,
        signature: impl FnOnce(&Recipient) -> MessageSignature,
    ) -> Result<&Outcome, Unmatched> {
        let index = response
            .in_response_to
            .as_deref()
            .and_then(|id| self.sent(id))
            .ok_or_else(|| Unmatched {
                in_response_to: response.in_response_to.clone(),
            })?;
        let recipient = &mut self.recipients[index];
        recipient.outcome = judge_answer(recipient, response, ours, strict, signature);
        Ok(&recipient.outcome)
    }

    /// Every SP still to be told or to answer is given up on.
    pub fn give_up(&mut self) {
        for r in &mut self.recipients {
            if matches!(r.outcome, Outcome::Waiting | Outcome::Sent { .. }) {
                r.outcome = Outcome::NoAnswer;
            }
        }
    }

    /// Whether the logout has waited longer than [`LIFETIME`] and is to be forgotten.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        now >= self.started + LIFETIME
    }

    /// The initiator's answer (saml-core 3.7.3.2): Success, with the second-level
    /// PartialLogout when some other SP was not logged out.
    pub fn final_status(&self) -> StatusSpec {
        let failed: Vec<&str> = self
            .recipients
            .iter()
            .filter(|r| !r.outcome.succeeded())
            .map(|r| r.sp_entity_id.as_str())
            .collect();
        if failed.is_empty() {
            StatusSpec::success()
        } else {
            StatusSpec {
                code: ns::status::SUCCESS.into(),
                sub_code: Some(ns::status::PARTIAL_LOGOUT.into()),
                message: Some(format!(
                    "not logged out of every service provider of the session: {}",
                    failed.join(", ")
                )),
            }
        }
    }

    /// When the logout is [`Next::Done`]: the LogoutResponse with the [`final_status`] to
    /// the SP that started it, or `None` when the IdP did.
    ///
    /// [`final_status`]: Logout::final_status
    pub fn final_answer(
        &self,
        signer: &Signer,
        now: OffsetDateTime,
        ids: &mut dyn IdSource,
    ) -> Result<Option<Outgoing>, SloError> {
        self.initiator
            .as_ref()
            .map(|i| i.answer(self.final_status(), self.scenario, signer, now, ids))
            .transpose()
    }
}

/// What an SP's LogoutResponse says, once its issuer, address and signature are checked.
fn judge_answer(
    recipient: &Recipient,
    response: &LogoutResponse,
    ours: &[String],
    strict: bool,
    signature: impl FnOnce(&Recipient) -> MessageSignature,
) -> Outcome {
    if response.issuer != recipient.sp_entity_id {
        return Outcome::Refused(format!(
            "the LogoutResponse's Issuer is {}, not {}",
            response.issuer, recipient.sp_entity_id
        ));
    }
    if let Some(d) = response
        .destination
        .as_deref()
        .filter(|d| !ours.iter().any(|o| o == d))
    {
        return Outcome::Refused(format!(
            "the LogoutResponse's Destination is {d}, not this endpoint ({})",
            ours.first().map_or("", String::as_str)
        ));
    }
    let check = signature(recipient);
    if strict {
        if let Some(reason) = check.strict_refusal() {
            return Outcome::Refused(format!("strict mode: {reason}"));
        }
    }
    Outcome::Answered {
        status: response.status.clone(),
        signature: check.describe(),
    }
}
