//! Inference inside the gateway: runs happen on blocking threads, never on the async
//! runtime, at most `max_concurrent` at once (a semaphore; a request waits
//! `queue_wait_secs` for a slot, and the wait is first come, first served) and at most one
//! per account (a second one is refused at once, so nobody holds every slot), each stopped
//! after `timeout_secs`. Uploaded images are decoded only inside a memory budget
//! (`image_decode_budget_bytes`, charged from the image header before any pixel is
//! decoded, held while the decoded image lives). Loaded models are kept in a cache bounded
//! by `cache_budget_bytes`, least recently used evicted first.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use candle_core::{DType, Device};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::checkpoint::{Checkpoint, CheckpointFiles};
use super::generate::{generate, GenerateParams, Generated};
use super::image;
use super::llama::compute_dtype;
use super::model::Model;
use super::vectors::{check, ValidationReport};
use super::InferenceError;
use crate::config::InferenceSettings;
use crate::domain::Sha256Digest;
use crate::store::blobs::BlobStore;
use crate::store::manifest::Manifest;

/// The precision a model is loaded in: validation computes in f32 everywhere, generation
/// in f32 on the CPU (so both share one cached model there) and as stored on a GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    F32,
    Stored,
}

struct CachedModel {
    revision: Sha256Digest,
    precision: Precision,
    checkpoint: Arc<Checkpoint>,
    model: Arc<Model>,
    /// What the loaded weights occupy.
    bytes: u64,
    last_used: u64,
}

#[derive(Default)]
struct ModelCache {
    entries: Vec<CachedModel>,
    clock: u64,
}

impl ModelCache {
    fn get(
        &mut self,
        revision: &Sha256Digest,
        precision: Precision,
    ) -> Option<(Arc<Checkpoint>, Arc<Model>)> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.revision == *revision && e.precision == precision)?;
        entry.last_used = clock;
        Some((Arc::clone(&entry.checkpoint), Arc::clone(&entry.model)))
    }

    fn held_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.bytes).sum()
    }

    /// Evicts least recently used models until `needed` more bytes fit in `budget`.
    fn make_room(&mut self, needed: u64, budget: u64) {
        while !self.entries.is_empty() && self.held_bytes() + needed > budget {
            let oldest = (0..self.entries.len())
                .min_by_key(|&i| self.entries[i].last_used)
                .unwrap_or(0);
            let evicted = self.entries.swap_remove(oldest);
            tracing::info!(revision = %evicted.revision, bytes = evicted.bytes, "inference cache evicted a model");
        }
    }
}

/// The decode budget's unit: one permit is a KiB.
const BUDGET_UNIT: u64 = 1024;

/// The decode budget in permits (at least one).
fn budget_units(settings: &InferenceSettings) -> u64 {
    (settings.image_decode_budget_bytes / BUDGET_UNIT).clamp(1, Semaphore::MAX_PERMITS as u64)
}

/// An uploaded image decoded inside the budget; the memory it holds stays charged until it
/// is dropped.
#[derive(Debug)]
pub struct DecodedImage {
    pub image: image::RgbImage,
    _held: OwnedSemaphorePermit,
}

/// What `generate` continues: text, and an image for a vision model.
#[derive(Debug)]
pub struct Prompt {
    pub text: String,
    pub image: Option<DecodedImage>,
}

/// The accounts with a run waiting or running; an account leaves when its guard drops.
#[derive(Debug, Default)]
struct AccountsInFlight(Mutex<HashSet<String>>);

/// An account's turn at inference: its place in `AccountsInFlight`, taken before anything
/// else of the request is done and held until its run really ends.
#[derive(Debug)]
pub struct Turn {
    accounts: Arc<AccountsInFlight>,
    account: String,
}

impl AccountsInFlight {
    fn enter(self: &Arc<Self>, account: &str) -> Result<Turn, InferenceError> {
        let mut accounts = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !accounts.insert(account.to_owned()) {
            return Err(InferenceError::AccountBusy);
        }
        Ok(Turn {
            accounts: Arc::clone(self),
            account: account.to_owned(),
        })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.accounts
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.account);
    }
}

/// The gateway's inference runner. Cheap to share (`Arc`).
pub struct InferenceService {
    settings: InferenceSettings,
    device: Device,
    slots: Arc<Semaphore>,
    accounts: Arc<AccountsInFlight>,
    /// KiB of image decoding that may happen (or be held decoded) at once.
    decode_budget: Arc<Semaphore>,
    cache: Mutex<ModelCache>,
}

impl std::fmt::Debug for InferenceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InferenceService")
            .field("device", &self.device)
            .field("max_concurrent", &self.settings.max_concurrent)
            .finish_non_exhaustive()
    }
}

impl InferenceService {
    pub fn new(settings: &InferenceSettings) -> Arc<Self> {
        Arc::new(InferenceService {
            settings: settings.clone(),
            device: super::default_device(),
            slots: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
            accounts: Arc::default(),
            decode_budget: Arc::new(Semaphore::new(
                usize::try_from(budget_units(settings))
                    .unwrap_or(usize::MAX)
                    .min(Semaphore::MAX_PERMITS),
            )),
            cache: Mutex::new(ModelCache::default()),
        })
    }

    pub fn settings(&self) -> &InferenceSettings {
        &self.settings
    }

    /// Rejects sampling parameters outside their meaning or above `max_new_tokens`, before
    /// anything runs (the API calls it before deciding, too).
    pub fn check_params(&self, params: &GenerateParams) -> Result<(), InferenceError> {
        params.check()?;
        let limit = self.settings.max_new_tokens;
        if params.max_new_tokens > limit {
            return Err(InferenceError::TooManyTokens {
                requested: params.max_new_tokens,
                limit,
            });
        }
        Ok(())
    }

    /// Bytes of models the cache holds now.
    pub fn cached_bytes(&self) -> u64 {
        self.cache().held_bytes()
    }

    /// `account`'s turn: refused with `AccountBusy` while it has another request waiting or
    /// running. Taken first, so a busy account's extra requests cost nothing.
    pub fn take_turn(&self, account: &str) -> Result<Turn, InferenceError> {
        if !self.settings.enabled {
            return Err(InferenceError::Disabled);
        }
        self.accounts.enter(account)
    }

    /// Decodes an uploaded PNG or JPEG inside the decode budget: the header is read first
    /// and the decode's peak cost (by pixel format; at most the whole budget, so a larger
    /// image decodes alone) charged before any pixel is decoded (waiting up to
    /// `queue_wait_secs` for room, then `Busy`); once decoded, only what the image holds
    /// stays charged, until it is dropped.
    pub async fn decode_image(&self, bytes: Vec<u8>) -> Result<DecodedImage, InferenceError> {
        if !self.settings.enabled {
            return Err(InferenceError::Disabled);
        }
        let header = image::header(&bytes)?;
        let units = |b: u64| b.div_ceil(BUDGET_UNIT);
        let cost = units(header.decode_cost_bytes());
        // An image that costs more than the whole budget decodes alone.
        let cost = cost.min(budget_units(&self.settings));
        let wait = Duration::from_secs(self.settings.queue_wait_secs);
        let permits = u32::try_from(cost).map_err(|_| InferenceError::Busy)?;
        let charged = tokio::time::timeout(
            wait,
            Arc::clone(&self.decode_budget).acquire_many_owned(permits),
        )
        .await
        .map_err(|_| InferenceError::Busy)?
        .map_err(|_| InferenceError::Busy)?;
        let held = usize::try_from(units(header.decoded_bytes())).unwrap_or(0);
        // INVARIANT: the whole charge lives with the decode, even if this future is dropped.
        let (image, charged) = tokio::task::spawn_blocking(move || {
            let mut charged = charged;
            let image = image::decode(&bytes);
            if let Some(released) = charged.split(charged.num_permits().saturating_sub(held)) {
                drop(released);
            }
            (image, charged)
        })
        .await
        .map_err(|e| InferenceError::Task(e.to_string()))?;
        let image = image?;
        Ok(DecodedImage {
            image,
            _held: charged,
        })
    }

    /// Once a slot is free, runs `prepare` (fetching shards) and then `work` on a blocking
    /// thread, in an account's `turn` (which only an enabled gateway hands out). Past the timeout the run is told to stop (it checks
    /// between tokens) and the caller gets `TimedOut` at once; the slot and the turn stay
    /// taken until the work really ends.
    async fn run<P: Send + 'static, T: Send + 'static>(
        &self,
        turn: Turn,
        prepare: impl std::future::Future<Output = Result<P, InferenceError>>,
        work: impl FnOnce(P, &dyn Fn() -> bool) -> Result<T, InferenceError> + Send + 'static,
    ) -> Result<T, InferenceError> {
        let wait = Duration::from_secs(self.settings.queue_wait_secs);
        let slot = tokio::time::timeout(wait, Arc::clone(&self.slots).acquire_owned())
            .await
            .map_err(|_| InferenceError::Busy)?
            .map_err(|_| InferenceError::Busy)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let secs = self.settings.timeout_secs;
        let whole_run = async move {
            let prepared = prepare.await?;
            tokio::task::spawn_blocking(move || {
                // INVARIANT: the slot (and the account's place) is held until the work
                // really ends, even after a timeout.
                let _slot = slot;
                let _turn = turn;
                work(prepared, &|| stop_flag.load(Ordering::Relaxed))
            })
            .await
            .map_err(|e| InferenceError::Task(e.to_string()))?
        };
        match tokio::time::timeout(Duration::from_secs(secs), whole_run).await {
            Ok(result) => result,
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                Err(InferenceError::TimedOut { secs })
            }
        }
    }

    /// Local files of the parts of `manifest` a checkpoint needs (config, tokenizer,
    /// index, shards; nothing in subdirectories).
    async fn checkpoint_files(
        store: BlobStore,
        manifest: Arc<Manifest>,
    ) -> Result<CheckpointFiles, InferenceError> {
        let mut files = Vec::new();
        for file in &manifest.files {
            let path = file.path.as_str();
            if path.contains('/') || !(path.ends_with(".json") || path.ends_with(".safetensors")) {
                continue;
            }
            files.push((path.to_owned(), store.local_file(&file.sha256).await?));
        }
        Ok(CheckpointFiles::from_paths(files))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, ModelCache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The model of `revision` loaded in `precision`, when the cache holds it (a revision's
    /// files never change, so a cached model needs no second look at them).
    fn cached(
        &self,
        revision: &Sha256Digest,
        precision: Precision,
    ) -> Option<(Arc<Checkpoint>, Arc<Model>)> {
        self.cache().get(revision, precision)
    }

    /// Loads `checkpoint` in `precision` and caches it (on a blocking thread; the cache is
    /// not locked while a model loads).
    fn load(
        &self,
        revision: Sha256Digest,
        checkpoint: Checkpoint,
        precision: Precision,
    ) -> Result<(Arc<Checkpoint>, Arc<Model>), InferenceError> {
        let dtype = match precision {
            Precision::F32 => DType::F32,
            Precision::Stored => compute_dtype(&self.device, &checkpoint),
        };
        let needed = checkpoint.parameter_count() * dtype.size_in_bytes() as u64;
        let budget = self.settings.cache_budget_bytes;
        if needed > budget {
            return Err(InferenceError::OverBudget { needed, budget });
        }
        let max_context = (self.settings.max_prompt_tokens + self.settings.max_new_tokens)
            .max(super::vectors::max_context());
        let model = Arc::new(Model::load(&checkpoint, &self.device, dtype, max_context)?);
        let checkpoint = Arc::new(checkpoint);
        let mut cache = self.cache();
        if let Some(found) = cache.get(&revision, precision) {
            return Ok(found); // loaded meanwhile by another run
        }
        cache.make_room(needed, budget);
        let clock = cache.clock;
        cache.entries.push(CachedModel {
            revision,
            precision,
            checkpoint: Arc::clone(&checkpoint),
            model: Arc::clone(&model),
            bytes: needed,
            last_used: clock,
        });
        tracing::info!(revision = %revision, bytes = needed, "inference cache loaded a model");
        Ok((checkpoint, model))
    }

    /// Runs the validation vectors of `manifest` on the stored shards. Shards that cannot
    /// be opened or loaded are a failed report, like any other failed check.
    pub async fn validate(
        self: &Arc<Self>,
        turn: Turn,
        store: &BlobStore,
        manifest: Arc<Manifest>,
    ) -> Result<ValidationReport, InferenceError> {
        let record = manifest
            .validation
            .clone()
            .ok_or(InferenceError::NoVectors)?;
        let revision = manifest.digest();
        let this = Arc::clone(self);
        let prepare = Self::checkpoint_files(store.clone(), manifest);
        self.run(turn, prepare, move |files, stop| {
            let started = std::time::Instant::now();
            let (checkpoint, model) = match this.cached(&revision, Precision::F32) {
                Some(found) => found,
                None => {
                    let checkpoint = match Checkpoint::open(files) {
                        Ok(checkpoint) => checkpoint,
                        Err(err) => {
                            return Ok(ValidationReport::failed_step("checkpoint", &err, started))
                        }
                    };
                    match this.load(revision, checkpoint, Precision::F32) {
                        Ok(loaded) => loaded,
                        Err(err @ (InferenceError::Checkpoint(_) | InferenceError::Candle(_))) => {
                            return Ok(ValidationReport::failed_step("load", &err, started))
                        }
                        Err(err) => return Err(err),
                    }
                }
            };
            check(&checkpoint, &model, &record, stop)
        })
        .await
    }

    /// Generates after `prompt.text` on the stored shards, about `prompt.image` (the text
    /// gets a leading `<|image|>` when it places none), in an account's `turn`; `on_text`
    /// gets text as it is decoded and returns false once nobody listens (which ends the run).
    pub async fn generate(
        self: &Arc<Self>,
        turn: Turn,
        store: &BlobStore,
        manifest: Arc<Manifest>,
        prompt: Prompt,
        params: GenerateParams,
        mut on_text: impl FnMut(&str) -> bool + Send + 'static,
    ) -> Result<Generated, InferenceError> {
        let Prompt {
            text: prompt,
            image,
        } = prompt;
        self.check_params(&params)?;
        let revision = manifest.digest();
        let this = Arc::clone(self);
        let prepare = Self::checkpoint_files(store.clone(), manifest);
        self.run(turn, prepare, move |files, stop| {
            let precision = match this.device.is_cpu() {
                true => Precision::F32,
                false => Precision::Stored,
            };
            let (_, model) = match this.cached(&revision, precision) {
                Some(found) => found,
                None => this.load(revision, Checkpoint::open(files)?, precision)?,
            };
            let tiled = match &image {
                Some(decoded) => Some(model.prepare_image(&decoded.image)?),
                None => None,
            };
            let prompt = match tiled.is_some() && !prompt.contains(image::IMAGE_PLACEHOLDER) {
                true => format!("{}{prompt}", image::IMAGE_PLACEHOLDER),
                false => prompt,
            };
            let tokens = model.encode(&prompt)?;
            if tiled.is_some() && !model.image_token().is_some_and(|t| tokens.contains(&t)) {
                return Err(InferenceError::InvalidParameter(
                    "the tokenizer does not turn `<|image|>` into the model's image token".into(),
                ));
            }
            let limit = this.settings.max_prompt_tokens;
            if tokens.len() > limit {
                return Err(InferenceError::PromptTooLong {
                    tokens: tokens.len(),
                    limit,
                });
            }
            generate(&model, &tokens, tiled.as_ref(), &params, stop, &mut on_text)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_account_has_one_run_at_a_time_and_waits_in_line_behind_others() {
        let inference = service(|s| {
            s.max_concurrent = 1;
            s.queue_wait_secs = 5;
        });
        let first = tokio::spawn({
            let inference = Arc::clone(&inference);
            async move {
                inference
                    .run(
                        inference.take_turn("alice").unwrap(),
                        async { Ok(()) },
                        sleep_then(1),
                    )
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            matches!(
                inference.take_turn("alice"),
                Err(InferenceError::AccountBusy)
            ),
            "a second run of the same account is refused at once"
        );
        let bob = tokio::spawn({
            let inference = Arc::clone(&inference);
            async move {
                inference
                    .run(
                        inference.take_turn("bob").unwrap(),
                        async { Ok(()) },
                        sleep_then(3),
                    )
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let alice_again = tokio::spawn({
            let inference = Arc::clone(&inference);
            async move {
                // Once Alice's first run ends she may queue again, behind Bob.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let asked = std::time::Instant::now();
                let result = inference
                    .run(
                        inference.take_turn("alice").unwrap(),
                        async { Ok(()) },
                        sleep_then(4),
                    )
                    .await;
                (result.ok(), asked.elapsed())
            }
        });
        assert_eq!(first.await.ok().and_then(Result::ok), Some(1));
        assert_eq!(bob.await.ok().and_then(Result::ok), Some(3));
        let (again, waited) = alice_again.await.unwrap();
        assert_eq!(again, Some(4));
        assert!(
            waited >= Duration::from_millis(1000),
            "Alice waited for Bob's run: {waited:?}"
        );
    }

    #[tokio::test]
    async fn images_decode_inside_the_budget_and_stay_charged_while_held() {
        let inference = service(|s| {
            s.image_decode_budget_bytes = 1 << 20;
            s.queue_wait_secs = 0;
        });
        let png = |side: u32| {
            let mut bytes = Vec::new();
            ::image::RgbImage::new(side, side)
                .write_to(
                    &mut std::io::Cursor::new(&mut bytes),
                    ::image::ImageFormat::Png,
                )
                .unwrap();
            bytes
        };
        // 8-bit RGB decodes in place: 3 bytes a pixel. 600 x 600 needs 1055 KiB, more than
        // the whole budget: it decodes alone.
        let alone = inference.decode_image(png(600)).await.unwrap();
        assert!(
            matches!(
                inference.decode_image(png(10)).await,
                Err(InferenceError::Busy)
            ),
            "nothing else decodes meanwhile"
        );
        drop(alone);
        // 350 x 350 costs 359 KiB to decode, and holds as much.
        let held = inference.decode_image(png(350)).await.unwrap();
        assert_eq!((held.image.width, held.image.height), (350, 350));
        assert_eq!(inference.decode_budget.available_permits(), 1024 - 359);
        let second = inference.decode_image(png(350)).await.unwrap();
        assert!(
            matches!(
                inference.decode_image(png(350)).await,
                Err(InferenceError::Busy)
            ),
            "no room for a third decode while two images are held"
        );
        drop(second);
        drop(held);
        assert_eq!(inference.decode_budget.available_permits(), 1024);
        assert!(inference.decode_image(png(350)).await.is_ok());
    }

    fn service(configure: impl FnOnce(&mut InferenceSettings)) -> Arc<InferenceService> {
        let mut settings = InferenceSettings::default();
        configure(&mut settings);
        InferenceService::new(&settings)
    }

    fn sleep_then(value: u32) -> impl FnOnce((), &dyn Fn() -> bool) -> Result<u32, InferenceError> {
        move |(), _| {
            std::thread::sleep(Duration::from_millis(600));
            Ok(value)
        }
    }

    // One runtime thread: a run on it would keep the other task from making progress.
    #[tokio::test(flavor = "current_thread")]
    async fn runs_leave_the_runtime_free_and_a_full_house_answers_busy() {
        let inference = service(|s| {
            s.max_concurrent = 1;
            s.queue_wait_secs = 0;
        });
        let running = tokio::spawn({
            let inference = Arc::clone(&inference);
            async move {
                inference
                    .run(
                        inference.take_turn("a").unwrap(),
                        async { Ok(()) },
                        sleep_then(1),
                    )
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let ticks = tokio::time::timeout(Duration::from_millis(300), async {
            let mut ticks = 0;
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                ticks += 1;
                if ticks == 10 {
                    return ticks;
                }
            }
        })
        .await;
        assert_eq!(ticks.ok(), Some(10), "the runtime kept running other tasks");
        assert!(matches!(
            inference
                .run(
                    inference.take_turn("b").unwrap(),
                    async { Ok(()) },
                    sleep_then(2)
                )
                .await,
            Err(InferenceError::Busy)
        ));
        assert_eq!(running.await.ok().and_then(Result::ok), Some(1));
        assert_eq!(
            inference
                .run(
                    inference.take_turn("a").unwrap(),
                    async { Ok(()) },
                    sleep_then(3)
                )
                .await
                .ok(),
            Some(3),
            "the slot is free again"
        );
    }

    #[tokio::test]
    async fn a_run_past_the_timeout_is_told_to_stop() {
        let inference = service(|s| s.timeout_secs = 0);
        let stopped = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&stopped);
        let result = inference
            .run(
                inference.take_turn("a").unwrap(),
                async { Ok(()) },
                move |(), stop| {
                    for _ in 0..200 {
                        if stop() {
                            seen.store(true, Ordering::Relaxed);
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Ok(())
                },
            )
            .await;
        assert!(matches!(result, Err(InferenceError::TimedOut { secs: 0 })));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(stopped.load(Ordering::Relaxed), "the run saw the stop");
    }

    #[tokio::test]
    async fn a_disabled_gateway_runs_nothing() {
        let inference = service(|s| s.enabled = false);
        assert!(matches!(
            inference.take_turn("a"),
            Err(InferenceError::Disabled)
        ));
    }
}
