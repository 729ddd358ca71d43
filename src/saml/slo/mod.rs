//! Single logout as the session authority runs it (saml-profiles 4.4, saml-core 3.7.3.2):
//! what a received LogoutRequest asks for, the state of one logout across the session's SPs,
//! and the messages sent on the way, broken as a logout scenario says.
//!
//! ```text
//! LogoutRequest (parsed) ─> check_request ─> match_participant ─> Logout { recipients }
//!
//! Logout::advance(signer, now, ids) ─> Next::Send(LogoutRequest to one SP)  ─┐
//!        ^                            Next::Wait (an answer is still out)     │ browser
//!        └── Logout::record_answer(LogoutResponse) <─────────────────────────┘
//!            Next::Done ─> Logout::final_answer ─> the initiator's LogoutResponse
//!
//! LogoutRequestSpec / LogoutResponseSpec ─> scenario shape ─> build ─> sign (POST) ─> encode
//!                                         (Redirect: query signature) ─> Outgoing
//! ```
//! Pure like the rest of the engine: the time, the IDs and the signer are passed in, and the
//! server keeps the [`Logout`] values between requests.
//!
//! - [`send`]: one outgoing logout message, shaped, signed and encoded;
//! - [`received`]: what a received message must satisfy, and what is known of its signature;
//! - [`progress`]: one logout in progress, the state machine.

pub mod progress;
pub mod received;
pub mod send;

pub use progress::{Initiator, Logout, Next, Outcome, Recipient, Unmatched};
pub use received::MessageSignature;
pub use received::{check_request, match_participant, no_session_status, Mismatch};
pub use send::{send_request, send_response, Outgoing, Sending, SloError};

#[cfg(test)]
#[path = "tests/progress.rs"]
mod progress_tests;
#[cfg(test)]
#[path = "tests/messages.rs"]
mod tests;
