//! `POST /v1/models/{org}/{name}/validate` and `…/generate`: the reference inference on
//! the stored shards, under the same policy as downloads (actions `validate` and
//! `generate`). The decision is recorded like any access request; each run's result is
//! audited as `inference.validated` or `inference.generated`. `generate` streams
//! server-sent events when asked (`"stream": true` or `Accept: text/event-stream`).

use actix_web::http::header;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::access::{request_access, AccessAnswer};
use crate::auth::{Principal, Scope, ANY_ROLE};
use crate::db::audit;
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::inference::generate::{GenerateParams, Generated};
use crate::policy::{Action, Outcome};
use crate::routes::access::answer_json;
use crate::state::AppState;
use crate::store::manifest::Manifest;

/// Longest prompt accepted, in bytes, before it is even tokenized.
const MAX_PROMPT_BYTES: usize = 64 * 1024;
/// New tokens when the request does not say.
const DEFAULT_MAX_TOKENS: usize = 64;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateBody {
    /// `sha256:…`: the revision to validate (default: the latest).
    #[serde(default)]
    revision: Option<Sha256Digest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateBody {
    prompt: String,
    #[serde(default)]
    max_tokens: Option<usize>,
    /// 0 (the default) is greedy decoding.
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(default)]
    top_p: Option<f64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    revision: Option<Sha256Digest>,
}

fn parse_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// Decides `action` for the caller and records the decision; an allow yields the manifest
/// of the decided revision, a deny or review the same answer `…/access` gives.
async fn decide_run(
    req: &HttpRequest,
    state: &AppState,
    who: &Principal,
    path: &(String, String),
    revision: Option<&Sha256Digest>,
    action: Action,
) -> Result<(AccessAnswer, Manifest), Result<HttpResponse, ApiError>> {
    let decided = async {
        who.authorize(ANY_ROLE, Scope::Download)?;
        let model = ModelId::new(&path.0, &path.1)?;
        let client_ip = state.proxies.client_ip_of(req);
        request_access(state, &who.user_id, &model, revision, action, client_ip).await
    }
    .await;
    let answer = decided.map_err(Err)?;
    let base = crate::routes::access::base_url(state, req);
    match answer.decision.outcome {
        Outcome::Allow => {
            let manifest = serde_json::from_str(&answer.inputs.revision.manifest)
                .map_err(|e| Err(ApiError::internal(e)))?;
            Ok((answer, manifest))
        }
        Outcome::Review => {
            Err(answer_json(&answer, &base).map(|json| HttpResponse::Accepted().json(json)))
        }
        Outcome::Deny => Err(Err(ApiError::AccessDenied {
            message: answer
                .decision
                .reasons
                .first()
                .map(|r| r.message.clone())
                .unwrap_or_default(),
            answer: answer_json(&answer, &base).unwrap_or_default(),
        })),
    }
}

/// Appends the audit event of a finished run.
async fn audit_run(
    state: &AppState,
    answer: &AccessAnswer,
    kind: &'static str,
    outcome: &str,
    data: Value,
) -> Result<(), ApiError> {
    let mut data = data;
    data["decision_event"] = json!(answer.decision_event_id);
    data["revision"] = json!(format!("sha256:{}", answer.inputs.revision.digest));
    let mut tx = state.db.begin_write().await?;
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind,
            actor: Some(answer.inputs.user.id.clone()),
            subject: Some(answer.inputs.model.id.clone()),
            outcome: Some(outcome.to_owned()),
            data,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /v1/models/{org}/{name}/validate` with an optional `{"revision": "sha256:…"}`:
/// runs the revision's validation vectors on the stored shards. 200 with `passed` and
/// every check (expected, observed, elapsed) whether or not the checks pass.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn validate_model(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    path: Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ValidateBody = parse_body(&body)?;
    let (answer, manifest) = match decide_run(
        &req,
        &state,
        &who,
        &path,
        body.revision.as_ref(),
        Action::Validate,
    )
    .await
    {
        Ok(allowed) => allowed,
        Err(response) => return response,
    };
    let report = state.inference.validate(&state.blobs, &manifest).await?;
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.as_str())
        .collect();
    let outcome = if report.passed { "passed" } else { "failed" };
    audit_run(
        &state,
        &answer,
        "inference.validated",
        outcome,
        json!({
            "checks": report.checks.len(), "failed": failed, "elapsed_ms": report.elapsed_ms,
        }),
    )
    .await?;
    tracing::info!(model.id = %manifest.model, outcome, "validated");
    Ok(HttpResponse::Ok().json(json!({
        "model": manifest.model,
        "revision": format!("sha256:{}", answer.inputs.revision.digest),
        "passed": report.passed,
        "failed": failed,
        "checks": report.checks,
        "elapsed_ms": report.elapsed_ms,
        "decision_id": answer.decision_event_id,
    })))
}

fn generated_json(generated: &Generated) -> Value {
    let decode_tps = generated.tokens.len() as f64 / (generated.decode_ms / 1e3).max(1e-9);
    json!({
        "text": generated.text,
        "tokens": generated.tokens,
        "prompt_tokens": generated.prompt_tokens,
        "completion_tokens": generated.tokens.len(),
        "finish_reason": generated.finish_reason,
        "prefill_ms": generated.prefill_ms,
        "decode_ms": generated.decode_ms,
        "decode_tokens_per_second": decode_tps,
    })
}

fn sse_event(event: &str, data: &Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// `POST /v1/models/{org}/{name}/generate` with `{"prompt": "…", "max_tokens": 64,
/// "temperature": 0, "top_p": 0.9, "seed": 1, "stream": false}`: text out, greedy unless
/// a temperature is given. Streamed as `token` events then one `done` (or `error`) event
/// when asked.
#[tracing::instrument(skip_all, fields(user.id = %who.user_id))]
pub async fn generate_text(
    req: HttpRequest,
    state: Data<AppState>,
    who: Principal,
    path: Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: GenerateBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    if body.prompt.len() > MAX_PROMPT_BYTES {
        return Err(ApiError::PromptTooLong {
            tokens: body.prompt.len(),
            limit: state.inference.settings().max_prompt_tokens,
        });
    }
    let params = GenerateParams {
        max_new_tokens: body
            .max_tokens
            .unwrap_or(DEFAULT_MAX_TOKENS.min(state.inference.settings().max_new_tokens)),
        temperature: body.temperature.unwrap_or(0.0),
        top_p: body.top_p,
        seed: body.seed.unwrap_or(0),
    };
    params.check()?;
    let limit = state.inference.settings().max_new_tokens;
    if params.max_new_tokens > limit {
        return Err(ApiError::TooManyTokens {
            requested: params.max_new_tokens,
            limit,
        });
    }
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
        &path,
        body.revision.as_ref(),
        Action::Generate,
    )
    .await
    {
        Ok(allowed) => allowed,
        Err(response) => return response,
    };
    let audit_data = move |generated: &Generated| {
        json!({
            "prompt_tokens": generated.prompt_tokens, "completion_tokens": generated.tokens.len(),
            "finish_reason": generated.finish_reason, "temperature": params.temperature,
            "seed": params.seed,
        })
    };
    if !stream {
        let generated = state
            .inference
            .generate(&state.blobs, &manifest, body.prompt, params, |_| {})
            .await?;
        audit_run(
            &state,
            &answer,
            "inference.generated",
            "completed",
            audit_data(&generated),
        )
        .await?;
        return Ok(HttpResponse::Ok().json(generated_json(&generated)));
    }
    let (events, receiver) = mpsc::unbounded_channel::<Bytes>();
    let pieces = events.clone();
    let state = state.into_inner();
    actix_web::rt::spawn(async move {
        let result = state
            .inference
            .generate(&state.blobs, &manifest, body.prompt, params, move |text| {
                let _ = pieces.send(sse_event("token", &json!({ "text": text })));
            })
            .await;
        let last = match result {
            Ok(generated) => match audit_run(
                &state,
                &answer,
                "inference.generated",
                "completed",
                audit_data(&generated),
            )
            .await
            {
                Ok(()) => sse_event("done", &generated_json(&generated)),
                Err(err) => sse_event("error", &err.envelope()),
            },
            Err(err) => sse_event("error", &ApiError::from(err).envelope()),
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
