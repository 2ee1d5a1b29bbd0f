//! `modelgate publish DIR --model ORG/NAME --license ID --modality text|multimodal`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Settings;
use crate::domain::{Modality, ModelId};
use crate::startup::open_state;
use crate::store::publish::{publish_dir, PublishRequest};

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The model directory (Hugging Face layout).
    dir: PathBuf,
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
    let (state, key) = open_state(&settings).await?;
    let request = PublishRequest {
        model: args.model,
        license: args.license,
        modality: args.modality,
    };
    let published = publish_dir(
        &state.db,
        &state.blobs,
        &key,
        &args.dir,
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
