//! `modelgate publish DIR --model ORG/NAME --license ID --modality text|multimodal`, or
//! `--from-hf-cache ORG/NAME [--revision R]` instead of `DIR` for a model in the local
//! Hugging Face cache.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::catalog::oci_views::store_base_layer;
use crate::catalog::publish::{publish_dir, PublishRequest};
use crate::config::Settings;
use crate::domain::{Modality, ModelId};
use crate::startup::open_state;
use crate::store::hf_cache;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The model directory (Hugging Face layout; a Hugging Face cache snapshot works too).
    #[arg(
        required_unless_present = "from_hf_cache",
        conflicts_with = "from_hf_cache"
    )]
    dir: Option<PathBuf>,
    /// Publish this model's snapshot from the local Hugging Face cache (`HF_HUB_CACHE`,
    /// `HF_HOME`, or `~/.cache/huggingface/hub`), as `hf download` left it.
    #[arg(long, value_name = "ORG/NAME")]
    from_hf_cache: Option<ModelId>,
    /// With `--from-hf-cache`: the branch, tag or commit (default `main`).
    #[arg(long, requires = "from_hf_cache")]
    revision: Option<String>,
    /// Model id, `org/name`.
    #[arg(long)]
    model: ModelId,
    /// License id, e.g. `llama-3.2`.
    #[arg(long)]
    license: String,
    /// `text` or `multimodal`; multimodal models carry the EU restriction.
    #[arg(long)]
    modality: Modality,
}

pub async fn run(settings: Settings, args: PublishArgs) -> anyhow::Result<ExitCode> {
    let dir = match (&args.dir, &args.from_hf_cache) {
        (Some(dir), _) => dir.clone(),
        (None, Some(cached)) => {
            let cache = hf_cache::cache_dir()?;
            let snapshot = hf_cache::snapshot_dir(&cache, cached, args.revision.as_deref())?;
            eprintln!("publishing the cached snapshot `{}`", snapshot.display());
            snapshot
        }
        (None, None) => anyhow::bail!("give a model directory or --from-hf-cache ORG/NAME"),
    };
    let (state, key) = open_state(&settings).await?;
    let modelcar_base =
        store_base_layer(&state.blobs, &settings.catalog.modelcar_base_layer).await?;
    let request = PublishRequest {
        model: args.model,
        license: args.license,
        modality: args.modality,
        modelcar_base,
    };
    let published = publish_dir(
        &state.db,
        &state.blobs,
        &key,
        &dir,
        request,
        super::progress_bar("publishing"),
    )
    .await?;
    let m = &published.manifest;
    println!("published {} revision {}", m.model, published.revision);
    println!(
        "  {} files, {} bytes ({} new blobs, {} already stored)",
        m.files.len(),
        m.total_size(),
        published.new_blobs,
        published.reused_blobs
    );
    match &m.validation {
        Some(v) => println!(
            "  validation vectors: {} prompts, a {}-token continuation, {} tensors",
            v.sequences.len(),
            v.continuation.tokens.len(),
            v.tensors.len()
        ),
        None => println!("  validation vectors: none (not a model this gateway can run)"),
    }
    println!("  signed by {}", key.public().fingerprint());
    Ok(ExitCode::SUCCESS)
}
