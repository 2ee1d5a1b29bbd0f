//! Outgoing mail through the configured SMTP relay (`mail.smtp_url`), with lettre: plain
//! SMTP for a relay on a private network, STARTTLS (`?tls=required`) or implicit TLS
//! (`smtps://`), optional AUTH from the URL's user and password. Without a relay no mail
//! is sent, and a gateway that requires verified addresses refuses to start.

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::auth::throttle::RateLimit;
use crate::config::MailSettings;

/// Sends the gateway's mail. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    /// Messages per recipient per hour, so nobody can aim the relay at one mailbox.
    per_recipient: std::sync::Arc<RateLimit>,
}

/// The window of the per-recipient limit.
const RECIPIENT_WINDOW: Duration = Duration::from_secs(3600);

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("configured", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("no SMTP relay is configured (mail.smtp_url)")]
    NotConfigured,
    #[error("invalid recipient `{0}`")]
    Recipient(String),
    #[error("`{0}` was sent its limit of messages this hour")]
    RecipientLimit(String),
    #[error("building the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("sending through the relay: {0}")]
    Send(#[from] lettre::transport::smtp::Error),
}

impl Mailer {
    /// A mailer for `settings`; an empty `smtp_url` gives one that sends nothing.
    pub fn new(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("mail.from `{}` is not a mailbox", settings.from))?;
        let url = settings.smtp_url.expose();
        let transport = match url.is_empty() {
            true => None,
            false => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("mail.smtp_url is not an smtp:// or smtps:// URL")?
                    .timeout(Some(Duration::from_secs(settings.timeout_secs.max(1))))
                    .build(),
            ),
        };
        Ok(Mailer {
            transport,
            from,
            per_recipient: std::sync::Arc::new(RateLimit::new(
                settings.max_per_recipient.max(1),
                RECIPIENT_WINDOW,
            )),
        })
    }

    /// Whether a relay is configured.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends a plain-text message to the address `to` (a bare address: a display name or
    /// angle brackets are refused, so the mail goes exactly where the account says).
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let transport = self.transport.as_ref().ok_or(MailError::NotConfigured)?;
        let address: Address = to
            .parse()
            .map_err(|_| MailError::Recipient(to.to_owned()))?;
        if self.per_recipient.count_key(address.as_ref()).is_err() {
            return Err(MailError::RecipientLimit(to.to_owned()));
        }
        let to = Mailbox::new(None, address);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        transport.send(message).await?;
        Ok(())
    }
}
