//! What an audit event says, as types: its `EventKind` and its `Outcome`, each with the
//! stable string that is stored, hashed into the chain and exported. A new kind or outcome
//! is a new variant here, so every kind the gateway writes is listed in one place.

use std::fmt;

/// What happened. The string of a kind never changes once released (it is hashed into the
/// chain and filtered on by exports and reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    AccountCreated,
    AccountVerified,
    AttestationChanged,
    TokenCreated,
    TokenRevoked,
    LicensePublished,
    LicenseAccepted,
    LicenseTerminated,
    ModelPublished,
    PolicyDecision,
    /// A grant issued after an allow.
    GrantIssued,
    /// An allow answered with the account's unexpired grant for the same revision.
    GrantReused,
    ReviewOpened,
    ReviewDecided,
    BlobRequest,
    /// Refused anonymous blob requests of one address and period, counted.
    BlobRefusals,
    InferenceValidated,
    InferenceGenerated,
    PartnerCreated,
    PartnerUpdated,
    MirrorSnapshot,
    MirrorSynced,
    /// An event a partner mirror wrote and shipped upstream.
    MirrorReported,
    /// A data subject's personal data beside the log destroyed (its key erased).
    SubjectErased,
}

impl EventKind {
    /// Every kind, in the order of the list above.
    pub const ALL: [EventKind; 24] = [
        EventKind::AccountCreated,
        EventKind::AccountVerified,
        EventKind::AttestationChanged,
        EventKind::TokenCreated,
        EventKind::TokenRevoked,
        EventKind::LicensePublished,
        EventKind::LicenseAccepted,
        EventKind::LicenseTerminated,
        EventKind::ModelPublished,
        EventKind::PolicyDecision,
        EventKind::GrantIssued,
        EventKind::GrantReused,
        EventKind::ReviewOpened,
        EventKind::ReviewDecided,
        EventKind::BlobRequest,
        EventKind::BlobRefusals,
        EventKind::InferenceValidated,
        EventKind::InferenceGenerated,
        EventKind::PartnerCreated,
        EventKind::PartnerUpdated,
        EventKind::MirrorSnapshot,
        EventKind::MirrorSynced,
        EventKind::MirrorReported,
        EventKind::SubjectErased,
    ];

    /// The stored form, `resource.verb`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::AccountCreated => "account.created",
            EventKind::AccountVerified => "account.verified",
            EventKind::AttestationChanged => "attestation.changed",
            EventKind::TokenCreated => "token.created",
            EventKind::TokenRevoked => "token.revoked",
            EventKind::LicensePublished => "license.published",
            EventKind::LicenseAccepted => "license.accepted",
            EventKind::LicenseTerminated => "license.terminated",
            EventKind::ModelPublished => "model.published",
            EventKind::PolicyDecision => "policy.decision",
            EventKind::GrantIssued => "grant.issued",
            EventKind::GrantReused => "grant.reused",
            EventKind::ReviewOpened => "review.opened",
            EventKind::ReviewDecided => "review.decided",
            EventKind::BlobRequest => "blob.request",
            EventKind::BlobRefusals => "blob.refusals",
            EventKind::InferenceValidated => "inference.validated",
            EventKind::InferenceGenerated => "inference.generated",
            EventKind::PartnerCreated => "partner.created",
            EventKind::PartnerUpdated => "partner.updated",
            EventKind::MirrorSnapshot => "mirror.snapshot",
            EventKind::MirrorSynced => "mirror.synced",
            EventKind::MirrorReported => "mirror.reported",
            EventKind::SubjectErased => "subject.erased",
        }
    }

    /// The kind a stored string names, if it is one this build writes.
    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How it ended. Like kinds, the strings are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A policy decision's three answers.
    Allow,
    Deny,
    Review,
    /// A review case's verdicts.
    Approved,
    Denied,
    /// A review case opened.
    Open,
    Created,
    Updated,
    Verified,
    Issued,
    Revoked,
    Published,
    Accepted,
    Recorded,
    Reported,
    /// A blob sent.
    Served,
    /// Refused requests counted together (`blob.refusals`).
    Refused,
    /// A validation run's result.
    Passed,
    Failed,
    /// A generation that produced its answer.
    Completed,
    /// Personal data destroyed.
    Erased,
    /// A request refused with this error code (`grant-required`, `download-limit-reached`…).
    Refusal(&'static str),
}

impl Outcome {
    /// The stored form: a word, or the error code of a refusal.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Review => "review",
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
            Outcome::Open => "open",
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Verified => "verified",
            Outcome::Issued => "issued",
            Outcome::Revoked => "revoked",
            Outcome::Published => "published",
            Outcome::Accepted => "accepted",
            Outcome::Recorded => "recorded",
            Outcome::Reported => "reported",
            Outcome::Served => "served",
            Outcome::Refused => "refused",
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Completed => "completed",
            Outcome::Erased => "erased",
            Outcome::Refusal(code) => code,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_string_and_reads_back() {
        let mut seen = std::collections::HashSet::new();
        for kind in EventKind::ALL {
            assert!(seen.insert(kind.as_str()), "{kind} listed twice");
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            let (resource, verb) = kind.as_str().split_once('.').unwrap();
            assert!(!resource.is_empty() && !verb.is_empty());
        }
        assert_eq!(EventKind::parse("grant.forged"), None);
    }
}
