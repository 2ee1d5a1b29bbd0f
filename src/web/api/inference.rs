//! `POST /v1/models/{org}/{name}/validate` and `…/generate`: the reference inference on
//! the stored shards, under the same policy as downloads (actions `validate` and
//! `generate`). The decision is recorded like any access request; each run's result, or
//! the error that ended it, is audited as `inference.validated` or `inference.generated`.
//! `generate` streams server-sent events when asked (`"stream": true` or
//! `Accept: text/event-stream`); for a vision model it takes an image as base64 PNG or JPEG
//! in `"image"`.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use utoipa::ToSchema;

use crate::access::{request_access, AccessAnswer};
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::audit;
use crate::domain::Modality;
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::inference::generate::{FinishReason, GenerateParams, Generated};
use crate::inference::service::{DecodedImage, Prompt};
use crate::inference::vectors::Check;
use crate::ledger::event::{EventKind, Outcome as EventOutcome};
use crate::policy::{Action, Outcome};
use crate::state::AppState;
use crate::store::manifest::Manifest;
use crate::web::api::access::{denied, AccessResponse};
use crate::web::api::{body_up_to, optional_json_body};
use crate::web::extract::ModelInPath;
use crate::web::urls::base_url;

/// Longest prompt accepted, in bytes, before it is even tokenized.
const MAX_PROMPT_BYTES: usize = 64 * 1024;
/// New tokens when the request does not say (capped by `inference.max_new_tokens`).
const DEFAULT_MAX_TOKENS: usize = 64;

/// The optional body of a validation request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// `sha256:…`: the revision to validate (default: the latest).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    revision: Option<Sha256Digest>,
}

/// A generation request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// At most 64 KiB.
    prompt: String,
    /// New tokens at most (default 64, capped by `inference.max_new_tokens`).
    #[serde(default)]
    max_tokens: Option<usize>,
    /// 0 (the default) is greedy decoding.
    #[serde(default)]
    temperature: Option<f64>,
    /// Nucleus sampling: the smallest set of tokens whose probability reaches this.
    #[serde(default)]
    top_p: Option<f64>,
    /// The sampling seed (default 0).
    #[serde(default)]
    seed: Option<u64>,
    /// Answer with server-sent events (as does `Accept: text/event-stream`).
    #[serde(default)]
    stream: Option<bool>,
    /// `sha256:…`: the revision to run (default: the latest).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    revision: Option<Sha256Digest>,
    /// A PNG or JPEG file, base64-encoded, for a vision model.
    #[serde(default)]
    image: Option<String>,
}

/// The answer of `POST /v1/models/{org}/{name}/validate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationResponse {
    /// The model, `org/name`.
    pub model: String,
    /// `sha256:<hex>`: the revision validated.
    pub revision: String,
    /// Every check passed.
    pub passed: bool,
    /// The names of the checks that failed.
    pub failed: Vec<String>,
    pub checks: Vec<Check>,
    pub elapsed_ms: f64,
    /// The id of the decision's audit event.
    pub decision_id: String,
}

/// The answer of `POST /v1/models/{org}/{name}/generate`, and the data of its `done` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerationResponse {
    pub text: String,
    /// The generated token ids.
    pub tokens: Vec<u32>,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub finish_reason: FinishReason,
    pub prefill_ms: f64,
    pub decode_ms: f64,
    pub decode_tokens_per_second: f64,
}

impl From<&Generated> for GenerationResponse {
    fn from(generated: &Generated) -> Self {
        let decode_tps = generated.tokens.len() as f64 / (generated.decode_ms / 1e3).max(1e-9);
        GenerationResponse {
            text: generated.text.clone(),
            tokens: generated.tokens.clone(),
            prompt_tokens: generated.prompt_tokens,
            completion_tokens: generated.tokens.len(),
            finish_reason: generated.finish_reason,
            prefill_ms: generated.prefill_ms,
            decode_ms: generated.decode_ms,
            decode_tokens_per_second: decode_tps,
        }
    }
}

/// The data of a streamed `token` event: the newly decoded text.
#[derive(Debug, Serialize)]
struct TokenEvent<'a> {
    text: &'a str,
}

/// The largest generate body: the prompt, the image in base64, and room for the rest.
fn max_generate_body(max_image_bytes: usize) -> usize {
    (max_image_bytes.div_ceil(3).saturating_mul(4)).saturating_add(MAX_PROMPT_BYTES + 4096)
}

/// The length `encoded` (padded standard base64) decodes to, without decoding it.
fn base64_decoded_len(encoded: &str) -> usize {
    let encoded = encoded.trim();
    let padding = encoded.bytes().rev().take_while(|&b| b == b'=').count();
    (encoded.len() / 4 * 3).saturating_sub(padding)
}

/// The uploaded image's bytes: valid base64, at most `limit` bytes once decoded.
fn image_upload(encoded: &str, limit: usize) -> Result<Vec<u8>, ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| ApiError::InvalidImage(format!("`image` is not base64: {e}")))?;
    if bytes.len() > limit {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(bytes)
}

/// Decodes an upload (base64, then PNG or JPEG inside the decode budget) for
/// `manifest`'s model, after the decision and before anything is loaded: a text model
/// takes no image, and a broken one is refused before a stream begins.
async fn decode_upload(
    state: &AppState,
    encoded: &str,
    manifest: &Manifest,
) -> Result<DecodedImage, ApiError> {
    if manifest.modality != Modality::Multimodal {
        return Err(ApiError::BadRequest(
            "this model takes no images (it is a text model)".into(),
        ));
    }
    let bytes = image_upload(encoded, state.inference.settings().max_image_bytes)?;
    Ok(state.inference.decode_image(bytes).await?)
}

/// What a decision lets a run go on with, or the response that ends the request.
enum Decided {
    Allowed(Box<AccessAnswer>, Arc<Manifest>),
    Answered(HttpResponse),
}

/// Decides `action` for the caller and records the decision; an allow yields the manifest
/// of the decided revision, a review the same 202 answer `…/access` gives, a deny its 403.
async fn decide_run(
    req: &HttpRequest,
    state: &AppState,
    who: &Principal,
    model: &ModelId,
    revision: Option<&Sha256Digest>,
    action: Action,
) -> Result<Decided, ApiError> {
    who.authorize(ANY_ROLE, Scope::Download)?;
    let client_ip = crate::web::extract::client_ip(req);
    let answer = request_access(state, &who.user_id, model, revision, action, client_ip).await?;
    let base = base_url(state, req);
    let lang = crate::web::language::current();
    match answer.decision.outcome {
        Outcome::Allow => {
            let manifest: Manifest = serde_json::from_str(&answer.inputs.revision.manifest)
                .map_err(ApiError::internal)?;
            Ok(Decided::Allowed(Box::new(answer), Arc::new(manifest)))
        }
        Outcome::Review => Ok(Decided::Answered(
            HttpResponse::Accepted().json(AccessResponse::new(&answer, &base, lang)?),
        )),
        Outcome::Deny => Err(denied(&answer, &AccessResponse::new(&answer, &base, lang)?)),
    }
}

/// Appends the audit event of a finished run (`outcome`: the result, or the error code).
async fn audit_run(
    state: &AppState,
    answer: &AccessAnswer,
    kind: EventKind,
    outcome: EventOutcome,
    mut data: Value,
) -> Result<(), ApiError> {
    data["decision_event"] = json!(answer.decision_event_id);
    data["revision"] = json!(format!("sha256:{}", answer.inputs.revision.digest));
    let mut tx = state.db.begin_write().await?;
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind,
            actor: Some(answer.inputs.user.id.clone()),
            subject: Some(answer.inputs.model.id.clone()),
            outcome: Some(outcome),
            data,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whole milliseconds, as audit data holds no fractions.
fn whole_ms(ms: f64) -> u64 {
    ms.round() as u64
}

/// `POST /v1/models/{org}/{name}/validate` with an optional `{"revision": "sha256:…"}`:
/// runs the revision's validation vectors on the stored shards. 200 with `passed`,
/// `failed` and every check (expected, observed, elapsed) whether or not they pass.
#[utoipa::path(
    post,
    path = "/v1/models/{org}/{name}/validate",
    tag = "inference",
    params(
        super::openapi::ModelPathParams,
    ),
    request_body = Option<ValidateRequest>,
    responses(
        (status = 200, description = "The validation ran: every check, passed or not", body = ValidationResponse),
        (status = 202, description = "Sent to compliance review: the open case", body = AccessResponse),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn validate_model(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    ModelInPath(model): ModelInPath,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ValidateRequest = optional_json_body(&body)?;
    // The account's one turn first: a second request of a busy account costs nothing.
    let turn = state.inference.take_turn(&who.user_id)?;
    let (answer, manifest) = match decide_run(
        &req,
        &state,
        &who,
        &model,
        body.revision.as_ref(),
        Action::Validate,
    )
    .await?
    {
        Decided::Allowed(answer, manifest) => (answer, manifest),
        Decided::Answered(response) => return Ok(response),
    };
    let kind = EventKind::InferenceValidated;
    let report = match state.inference.validate(turn, &state.blobs, manifest).await {
        Ok(report) => report,
        Err(err) => {
            let err = ApiError::from(err);
            audit_run(
                &state,
                &answer,
                kind,
                EventOutcome::Refusal(err.code()),
                json!({}),
            )
            .await?;
            return Err(err);
        }
    };
    let failed: Vec<String> = report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.clone())
        .collect();
    let outcome = if report.passed {
        EventOutcome::Passed
    } else {
        EventOutcome::Failed
    };
    let data = json!({
        "checks": report.checks.len(), "failed": failed, "elapsed_ms": whole_ms(report.elapsed_ms),
    });
    audit_run(&state, &answer, kind, outcome, data).await?;
    tracing::info!(model.id = %answer.inputs.model.id, %outcome, "validated");
    Ok(HttpResponse::Ok().json(ValidationResponse {
        model: answer.inputs.model.id.clone(),
        revision: format!("sha256:{}", answer.inputs.revision.digest),
        passed: report.passed,
        failed,
        checks: report.checks,
        elapsed_ms: report.elapsed_ms,
        decision_id: answer.decision_event_id.clone(),
    }))
}

/// One server-sent event; `data` is compact JSON, so it never spans lines.
fn sse_event(event: &str, data: &impl Serialize) -> Bytes {
    let data = serde_json::to_string(data)
        .unwrap_or_else(|e| unreachable!("an event's data serializes: {e}"));
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// The audited outcome of a generation and its data.
fn generation_audit(
    result: &Result<Generated, ApiError>,
    params: &GenerateParams,
    image_bytes: Option<usize>,
) -> (EventOutcome, Value) {
    let mut data = json!({ "max_tokens": params.max_new_tokens, "sampled": params.temperature > 0.0, "seed": params.seed });
    if let Some(bytes) = image_bytes {
        data["image_bytes"] = json!(bytes);
    }
    match result {
        Ok(generated) => {
            data["prompt_tokens"] = json!(generated.prompt_tokens);
            data["completion_tokens"] = json!(generated.tokens.len());
            data["finish_reason"] = json!(generated.finish_reason);
            (EventOutcome::Completed, data)
        }
        Err(err) => (EventOutcome::Refusal(err.code()), data),
    }
}

/// `POST /v1/models/{org}/{name}/generate` with `{"prompt": "…", "max_tokens": 64,
/// "temperature": 0, "top_p": 0.9, "seed": 1, "stream": false, "image": "<base64>"}`: text
/// out, greedy unless a temperature is given. Streamed as `token` events then one `done`
/// (or `error`) event when asked; errors found before the stream starts are plain error
/// responses.
#[utoipa::path(
    post,
    path = "/v1/models/{org}/{name}/generate",
    tag = "inference",
    params(
        super::openapi::ModelPathParams,
    ),
    request_body = GenerateRequest,
    responses(
        (
            status = 200,
            description = "The generated text; streamed when asked, as `token` events \
                (`{\"text\": \"…\"}`) then one `done` event (a `GenerationResponse`) or \
                `error` event (an `ErrorEnvelope`)",
            content(
                (GenerationResponse = "application/json"),
                (String = "text/event-stream"),
            ),
        ),
        (status = 202, description = "Sent to compliance review: the open case", body = AccessResponse),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn generate_text(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    ModelInPath(model): ModelInPath,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let max_image_bytes = state.inference.settings().max_image_bytes;
    let body = body_up_to(payload, max_generate_body(max_image_bytes)).await?;
    let mut body: GenerateRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    if body.prompt.len() > MAX_PROMPT_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let limit = state.inference.settings().max_new_tokens;
    let params = GenerateParams {
        max_new_tokens: body.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS.min(limit)),
        temperature: body.temperature.unwrap_or(0.0),
        top_p: body.top_p,
        seed: body.seed.unwrap_or(0),
    };
    state.inference.check_params(&params)?;
    // The account's one turn first: a second request of a busy account costs nothing.
    let turn = state.inference.take_turn(&who.user_id)?;
    let stream = body.stream.unwrap_or(false)
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/event-stream"));
    let (answer, manifest) = match decide_run(
        &req,
        &state,
        &who,
        &model,
        body.revision.as_ref(),
        Action::Generate,
    )
    .await?
    {
        Decided::Allowed(answer, manifest) => (answer, manifest),
        Decided::Answered(response) => return Ok(response),
    };
    let kind = EventKind::InferenceGenerated;
    // Nothing of the image is decoded before the decision: base64 and pixels come after.
    let encoded = body.image.take();
    let image_bytes = encoded.as_deref().map(base64_decoded_len);
    let image = match &encoded {
        Some(encoded) => match decode_upload(&state, encoded, &manifest).await {
            Ok(image) => Some(image),
            Err(err) => {
                let failed: Result<Generated, ApiError> = Err(err);
                let (outcome, data) = generation_audit(&failed, &params, image_bytes);
                audit_run(&state, &answer, kind, outcome, data).await?;
                return failed.map(|generated| {
                    HttpResponse::Ok().json(GenerationResponse::from(&generated))
                });
            }
        },
        None => None,
    };
    drop(encoded);
    let prompt = Prompt {
        text: body.prompt,
        image,
    };
    if !stream {
        let result = state
            .inference
            .generate(turn, &state.blobs, manifest, prompt, params, |_| true)
            .await
            .map_err(ApiError::from);
        let (outcome, data) = generation_audit(&result, &params, image_bytes);
        audit_run(&state, &answer, kind, outcome, data).await?;
        return Ok(HttpResponse::Ok().json(GenerationResponse::from(&result?)));
    }
    let (events, receiver) = mpsc::unbounded_channel::<Bytes>();
    let pieces = events.clone();
    let state = state.into_inner();
    // The spawned run is outside the request's scope: its error event takes the language now.
    let lang = crate::web::language::current();
    actix_web::rt::spawn(async move {
        let result = state
            .inference
            .generate(turn, &state.blobs, manifest, prompt, params, move |text| {
                // A closed channel: the client went away, so the run stops.
                pieces
                    .send(sse_event("token", &TokenEvent { text }))
                    .is_ok()
            })
            .await
            .map_err(ApiError::from);
        let (outcome, data) = generation_audit(&result, &params, image_bytes);
        let audited = audit_run(&state, &answer, kind, outcome, data).await;
        let last = match (result, audited) {
            (Ok(generated), Ok(())) => sse_event("done", &GenerationResponse::from(&generated)),
            (Err(err), _) | (Ok(_), Err(err)) => sse_event("error", &err.envelope(lang)),
        };
        let _ = events.send(last);
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|bytes| (Ok::<_, actix_web::Error>(bytes), receiver))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}
