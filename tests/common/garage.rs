//! A real Garage server (S3-compatible, `cargo install garage`) on loopback, single-node,
//! with one bucket and one access key, for the object-store tests. The binary is looked up
//! as `$MODELGATE_GARAGE`, then `~/.cache/modelgate-tools/bin/garage` (where `.ci/run`
//! caches it), then `garage` on `PATH`. The tests that need it are `#[ignore]`d, and fail
//! without it when asked for.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use modelgate::config::{BlobBackend, Secret, Settings};
use tempfile::TempDir;

use super::KillOnDrop;

pub struct Garage {
    pub endpoint: String,
    pub port: u16,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    pub dir: TempDir,
    _process: KillOnDrop,
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MODELGATE_GARAGE") {
        return Some(PathBuf::from(path));
    }
    let cached = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/modelgate-tools/bin/garage"))
        .filter(|path| path.is_file());
    cached.or_else(|| {
        let found = Command::new("garage")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        found.then(|| PathBuf::from("garage"))
    })
}

impl Garage {
    /// Starts a fresh server; fails the test when Garage is not installed (tests that call
    /// it are `#[ignore]`d with the reason).
    pub fn start() -> Garage {
        let binary = binary().expect(
            "this test needs Garage: MODELGATE_GARAGE, or `garage` on PATH (.ci/run builds it)",
        );
        let dir = tempfile::tempdir().unwrap();
        let (s3_port, rpc_port) = (super::free_port(), super::free_port());
        let config = dir.path().join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{root}/meta\"\ndata_dir = \"{root}/data\"\n\
                 db_engine = \"sqlite\"\nreplication_factor = 1\n\
                 rpc_bind_addr = \"127.0.0.1:{rpc_port}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc_port}\"\n\
                 rpc_secret = \"{secret}\"\n\
                 [s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{s3_port}\"\n",
                root = dir.path().display(),
                secret = modelgate::random::random_hex(32),
            ),
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let access_key = format!("GK{}", modelgate::random::random_hex(12));
        let secret_key = modelgate::random::random_hex(32);
        let log = std::fs::File::create(dir.path().join("garage.log")).unwrap();
        let process = KillOnDrop::spawn(
            Command::new(binary)
                .arg("-c")
                .arg(&config)
                .args(["server", "--single-node", "--default-bucket"])
                .env("GARAGE_DEFAULT_ACCESS_KEY", &access_key)
                .env("GARAGE_DEFAULT_SECRET_KEY", &secret_key)
                .env("GARAGE_DEFAULT_BUCKET", "modelgate")
                .env("RUST_LOG", "garage=warn")
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log),
        );
        let garage = Garage {
            endpoint: format!("http://127.0.0.1:{s3_port}"),
            port: s3_port,
            bucket: "modelgate".into(),
            access_key,
            secret_key,
            dir,
            _process: process,
        };
        garage.wait_until_listening();
        garage.wait_until_the_key_works();
        garage
    }

    /// Waits until the default key may use the bucket: Garage creates both in the
    /// background once its port is open, and a request before that is refused with `403`
    /// (seen once under CI load, from a publish right after the start).
    fn wait_until_the_key_works(&self) {
        use object_store::aws::AmazonS3Builder;
        use object_store::ObjectStore;
        let store = AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_region("garage")
            .with_bucket_name(&self.bucket)
            .with_access_key_id(&self.access_key)
            .with_secret_access_key(&self.secret_key)
            .with_allow_http(true)
            .build()
            .unwrap();
        let probe = object_store::path::Path::from("readiness-probe");
        // Its own runtime on its own thread: tests call `start` from inside theirs.
        let log = self.dir.path().join("garage.log");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let started = Instant::now();
                // Ready once the key has worked for half a second in a row: a `403` was
                // seen once after the first answer that worked (CI, two replicas).
                let mut worked_since: Option<Instant> = None;
                loop {
                    match store.head(&probe).await {
                        Err(object_store::Error::NotFound { .. }) | Ok(_) => {
                            let since = *worked_since.get_or_insert_with(Instant::now);
                            if since.elapsed() >= Duration::from_millis(500) {
                                return;
                            }
                        }
                        Err(err) => {
                            worked_since = None;
                            assert!(
                                started.elapsed() < Duration::from_secs(30),
                                "garage's default key never worked ({err}); its log:\n{}",
                                std::fs::read_to_string(&log).unwrap_or_default()
                            );
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        })
        .join()
        .unwrap();
    }

    fn wait_until_listening(&self) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "garage did not start; its log:\n{}",
                std::fs::read_to_string(self.dir.path().join("garage.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Points `settings` at this server's bucket (through `endpoint`, which may be a relay).
    pub fn configure(&self, settings: &mut Settings, endpoint: &str) {
        let s3 = &mut settings.storage.s3;
        settings.storage.backend = BlobBackend::S3;
        s3.endpoint = endpoint.to_owned();
        s3.region = "garage".into();
        s3.bucket = self.bucket.clone();
        s3.access_key_id = Secret::new(&self.access_key);
        s3.secret_access_key = Secret::new(&self.secret_key);
        s3.part_size_bytes = 5 << 20;
        s3.connect_timeout_secs = 1;
        s3.max_retries = 1;
        s3.retry_timeout_secs = 2;
    }

    /// The same settings as environment variables, for a `modelgate` process; the secret
    /// key goes through a `_FILE`, as a mounted secret would.
    pub fn env(&self) -> Vec<(String, String)> {
        let secret_file = self.dir.path().join("secret-access-key");
        std::fs::write(&secret_file, format!("{}\n", self.secret_key)).unwrap();
        [
            ("STORAGE__BACKEND", "s3".to_owned()),
            ("STORAGE__S3__ENDPOINT", self.endpoint.clone()),
            ("STORAGE__S3__REGION", "garage".to_owned()),
            ("STORAGE__S3__BUCKET", self.bucket.clone()),
            ("STORAGE__S3__ACCESS_KEY_ID", self.access_key.clone()),
            (
                "STORAGE__S3__SECRET_ACCESS_KEY_FILE",
                secret_file.display().to_string(),
            ),
            ("STORAGE__S3__PART_SIZE_BYTES", (5 << 20).to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (format!("MODELGATE__{key}"), value))
        .collect()
    }
}
