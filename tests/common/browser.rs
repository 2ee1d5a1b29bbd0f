//! The portal as people reach it: a headless Chromium session through chromedriver (open,
//! fill, click and wait, read the page, take screenshots at desktop and phone widths), and
//! a cookie-keeping HTTP client for the checks that need no browser.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use super::{KillOnDrop, TestApp};

/// The password of the accounts the browser tests sign up.
pub const PASSWORD: &str = "a long portal password";

/// A client that keeps cookies, like a browser, and does not follow redirects.
pub fn browser_like() -> reqwest::Client {
    browser_like_in("")
}

/// `browser_like`, asking for `accept_language` (none when empty).
pub fn browser_like_in(accept_language: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if !accept_language.is_empty() {
        headers.insert("accept-language", accept_language.parse().unwrap());
    }
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(1))
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The hidden CSRF field of the first form on `html`.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The page at `path`, which must answer 200.
pub async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

/// A headless Chromium session through a chromedriver of our own.
pub struct Browser {
    pub client: Client,
    base: String,
    shots: PathBuf,
    _driver: KillOnDrop,
}

pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

impl Browser {
    /// Starts chromedriver and Chromium; fails the test where they are not installed.
    pub async fn start(base: &str) -> Browser {
        Browser::start_in(base, "en-US,en").await
    }

    /// `start` with a browser whose `Accept-Language` is `accept_language`.
    pub async fn start_in(base: &str, accept_language: &str) -> Browser {
        let driver = ["chromedriver", "/usr/bin/chromedriver"]
            .into_iter()
            .find(|d| {
                std::process::Command::new(d)
                    .arg("--version")
                    .output()
                    .is_ok()
            })
            .expect("this test needs Chromium: apt-get install chromium chromium-driver");
        let port = super::free_port();
        let process = KillOnDrop::spawn(
            std::process::Command::new(driver)
                .arg(format!("--port={port}"))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
        );
        super::wait_for_port(port, "chromedriver");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900"],
                "prefs": { "intl.accept_languages": accept_language }
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portal-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            client,
            base: base.to_owned(),
            shots,
            _driver: process,
        }
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks without leaving the page (a checkbox).
    pub async fn tick(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Clicks a link or submit button and waits until the next page has loaded: the old
    /// document is gone and the new one is complete.
    pub async fn click(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        self.tick(css).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while old.tag_name().await.is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "no page loaded after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        while self
            .client
            .execute("return document.readyState", Vec::new())
            .await
            .ok()
            .and_then(|state| state.as_str().map(str::to_owned))
            .as_deref()
            != Some("complete")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the page after {css} did not load"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The page's HTML, including what collapsed `<details>` hide from `text`.
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Screenshots of the current page at desktop and phone widths.
    pub async fn shoot(&self, name: &str) {
        for (label, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.client.set_window_size(width, height).await.unwrap();
            let png = self.client.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
            std::fs::write(self.shots.join(format!("{name}-{label}.png")), png).unwrap();
        }
        self.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
    }

    pub async fn sign_up(&self, email: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.open("/signup").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("main button[type=submit]").await;
        assert!(self.text().await.contains("if the address is new"));
        // The answer is the sign-in form, the address filled in.
        self.fill("#password", PASSWORD).await;
        self.click("main button[type=submit]").await;
        assert_eq!(self.path().await, "/models");
    }

    pub async fn sign_in(&self, email: &str, password: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.open("/signin").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("main button[type=submit]").await;
        assert_eq!(self.path().await, "/models");
    }

    /// Declares a domicile on the profile page as an individual.
    pub async fn attest(&self, name: &str, country: &str) {
        self.declare(name, country).await;
        assert!(self.text().await.contains("Your declaration was recorded"));
    }

    /// Fills and sends the profile's declaration as an individual domiciled in `country`
    /// with up to a million monthly active users, in whatever language the page is.
    pub async fn declare(&self, name: &str, country: &str) {
        self.open("/profile").await;
        self.fill("#legal_name", name).await;
        self.choose("#domicile_country", country).await;
        self.choose("#monthly_active_users", "up_to_1m").await;
        self.click("form[action='/profile'] button[type=submit]")
            .await;
    }

    /// Selects the option `value` of the `<select>` at `selector`.
    pub async fn choose(&self, selector: &str, value: &str) {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    pub async fn accept_license(&self, model: &str) {
        self.open(&format!("/models/{model}")).await;
        let shown = self.text().await;
        assert!(
            shown.contains("You are accepting the documents with this digest: sha256:"),
            "{shown}"
        );
        self.tick("input[name=agree]").await;
        self.click("form.accept button[type=submit]").await;
        assert!(self.text().await.contains("You accepted the license."));
    }

    /// The value of the session cookie, for fetching what the browser would download.
    pub async fn session_cookie(&self) -> String {
        let cookie = self.client.get_named_cookie("mg_session").await.unwrap();
        format!("mg_session={}", cookie.value())
    }
}
