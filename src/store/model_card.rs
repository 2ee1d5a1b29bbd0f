//! Model cards: the `README.md` a publisher ships with a model, as the Hub reads it. YAML
//! front matter (`license`, `language`, `tags`…) between `---` lines, then Markdown. The
//! front matter is parsed with limits (no alias bombs) and must be a mapping; the Markdown
//! is rendered once, without any raw HTML, and then sanitised, so a card can show text,
//! links, lists, tables and code, and never a script, a style, a form or an image. What a
//! card says about its license never outranks the license the gateway enforces. Pure: no
//! IO.

use pulldown_cmark::{Event, Options, Parser};
use serde_json::{Map, Value};

/// The path a model card has in a model.
pub const CARD_PATH: &str = "README.md";

/// The largest card read (a larger `README.md` is served as a file, not shown as a card).
pub const MAX_CARD_BYTES: u64 = 512 * 1024;

/// The most Markdown events a card may render to. Small input can expand (a table header
/// with many columns pads every row), so the output is bounded, not only the input.
const MAX_EVENTS: usize = 250_000;

/// A parsed model card.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCard {
    /// The front matter as JSON (the Hub's `cardData`); empty without front matter.
    pub data: Map<String, Value>,
    /// The Markdown after the front matter, rendered and sanitised (see `render`).
    pub html: String,
}

/// Front-matter keys about the license and gating: the gateway's own answer replaces them.
const LICENSE_KEYS: [&str; 4] = ["license", "license_name", "license_link", "gated"];

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the model card is not UTF-8")]
    NotUtf8,
    #[error("the model card's front matter has no closing `---` line")]
    UnclosedFrontMatter,
    #[error("the model card's front matter is not valid YAML: {0}")]
    InvalidYaml(String),
    #[error("the model card's front matter is not a mapping of keys to values")]
    NotAMapping,
    #[error("the model card renders to more than {MAX_EVENTS} elements")]
    TooComplex,
}

impl ModelCard {
    /// Parses a card's bytes.
    pub fn parse(bytes: &[u8]) -> Result<ModelCard, CardError> {
        let text = std::str::from_utf8(bytes).map_err(|_| CardError::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let Some((front, body)) = split_front_matter(text)? else {
            return Ok(ModelCard {
                data: Map::new(),
                html: render(text)?,
            });
        };
        let data = match front.trim() {
            "" => Map::new(),
            yaml => match serde_saphyr::from_str::<Value>(yaml)
                .map_err(|err| CardError::InvalidYaml(err.to_string()))?
            {
                Value::Object(map) => map,
                Value::Null => Map::new(),
                _ => return Err(CardError::NotAMapping),
            },
        };
        Ok(ModelCard {
            data,
            html: render(body)?,
        })
    }

    /// The languages the card names (`language:`, one code or a list), those that look
    /// like language tags (`en`, `pt-BR`).
    pub fn languages(&self) -> Vec<String> {
        strings(self.data.get("language"))
            .into_iter()
            .filter(|tag| is_language_tag(tag))
            .collect()
    }

    /// The card's tags (`tags:`), except `license:…` ones: the license is the gateway's.
    pub fn tags(&self) -> Vec<String> {
        strings(self.data.get("tags"))
            .into_iter()
            .filter(|tag| !names_a_license(tag))
            .collect()
    }

    /// The front matter as the Hub serves it (`cardData`), its license keys replaced by
    /// the license the gateway enforces (`license: other`, the license id, its page) and
    /// its gating keys (`gated`, `extra_gated_…`) left out.
    pub fn hub_card_data(&self, license_id: &str, license_link: &str) -> Map<String, Value> {
        let mut data: Map<String, Value> = self
            .data
            .iter()
            .filter(|(key, _)| {
                !LICENSE_KEYS.contains(&key.as_str()) && !key.starts_with("extra_gated")
            })
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        data.insert("license".into(), "other".into());
        data.insert("license_name".into(), license_id.into());
        data.insert("license_link".into(), license_link.into());
        // Tags and languages as the gateway reads them (one or a list, no license claims).
        for (key, values) in [("tags", self.tags()), ("language", self.languages())] {
            if data.contains_key(key) {
                data.insert(key.into(), values.into());
            }
        }
        data
    }

    /// An estimate of the memory the card takes (for the cache's budget): the HTML and
    /// four times the front matter's JSON size (parsed values take more than their text).
    pub fn weight(&self) -> usize {
        let data = serde_json::to_string(&self.data).map_or(0, |json| json.len());
        self.html.len() + 4 * data
    }
}

/// Whether a tag claims a license (`license:mit`, in any case).
fn names_a_license(tag: &str) -> bool {
    tag.get(..8)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("license:"))
}

/// A BCP 47-shaped tag: 2 or 3 letters, then subtags of 1 to 8 letters or digits.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Markdown as HTML: CommonMark with tables, strikethrough and task lists; raw HTML is
/// dropped, and the result sanitised: no images (a card cannot make the browser fetch
/// anything), only absolute `http`, `https` and `mailto` links, each with `rel="noopener
/// noreferrer nofollow"`.
fn render(markdown: &str) -> Result<String, CardError> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options)
        .filter(|event| !matches!(event, Event::Html(_) | Event::InlineHtml(_)))
        .take(MAX_EVENTS + 1)
        .collect();
    if events.len() > MAX_EVENTS {
        return Err(CardError::TooComplex);
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(ammonia::Builder::default()
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .clean(&html)
        .to_string())
}

/// The front matter and the rest, when the text starts with a `---` line.
fn split_front_matter(text: &str) -> Result<Option<(&str, &str)>, CardError> {
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Ok(None);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if matches!(line.trim_end_matches(['\r', '\n']), "---" | "...") {
            return Ok(Some((&rest[..offset], &rest[offset + line.len()..])));
        }
        offset += line.len();
    }
    Err(CardError::UnclosedFrontMatter)
}

/// A string or a list of strings (other values are left out).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "---\nlicense: other\nlanguage:\n  - en\n  - de\n  - th\ntags:\n  - text-generation\n  - demo\n---\n# Demo\n\nA *small* model.\n";

    #[test]
    fn front_matter_becomes_card_data_and_the_rest_the_body() {
        let card = ModelCard::parse(CARD.as_bytes()).unwrap();
        assert_eq!(card.data["license"], "other");
        assert_eq!(card.languages(), ["en", "de", "th"]);
        assert_eq!(card.tags(), ["text-generation", "demo"]);
        assert!(card.html.contains("<h1>Demo</h1>"));
        assert!(card.html.contains("<em>small</em>"));
    }

    #[test]
    fn a_card_without_front_matter_is_all_body() {
        let card = ModelCard::parse(b"# Just text\n").unwrap();
        assert!(card.data.is_empty());
        assert!(card.languages().is_empty());
        assert_eq!(card.html, "<h1>Just text</h1>\n");
    }

    #[test]
    fn a_single_language_is_a_list_of_one() {
        let card = ModelCard::parse(b"---\nlanguage: fr\n---\n").unwrap();
        assert_eq!(card.languages(), ["fr"]);
    }

    #[test]
    fn raw_html_images_and_script_urls_never_reach_the_page() {
        let hostile = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
            [click](javascript:alert(3)) [data](data:text/html,hi) <b onclick=\"x()\">bold</b>\n\n\
            <iframe src=\"https://evil.example\"></iframe>\n\n\
            ![pixel](https://tracker.example/p.png) ![local](/admin) [here](/signout) \
            [there](//evil.example/x)\n\n[fine](https://example.org)\n";
        let html = ModelCard::parse(hostile.as_bytes()).unwrap().html;
        for banned in [
            "<script",
            "onerror",
            "javascript:",
            "data:text",
            "onclick",
            "<iframe",
            "<img",
            "tracker.example",
            "href=\"/",
            "//evil",
        ] {
            assert!(!html.contains(banned), "{banned} survived in {html}");
        }
        assert!(html.contains(r#"href="https://example.org""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn the_card_cannot_claim_another_license_or_gating() {
        let card = ModelCard::parse(
            b"---\nlicense: mit\nlicense_link: https://x.example\ngated: false\n\
              extra_gated_prompt: none\ntags: [license:mit, demo]\nlanguage: en\n---\n",
        )
        .unwrap();
        assert_eq!(card.tags(), ["demo"]);
        let hub = card.hub_card_data("llama-3.2", "https://gw.example/models/a/b");
        assert_eq!(hub["license"], "other");
        assert_eq!(hub["license_name"], "llama-3.2");
        assert_eq!(hub["license_link"], "https://gw.example/models/a/b");
        assert!(hub.get("gated").is_none() && hub.get("extra_gated_prompt").is_none());
        assert_eq!(hub["tags"], serde_json::json!(["demo"]));
        assert_eq!(hub["language"], serde_json::json!(["en"]));
    }

    #[test]
    fn a_card_that_expands_past_its_budget_is_refused() {
        // A 3 KB table whose 512-column header pads every short row: 262k cells.
        let mut bomb = format!("|{}\n|{}\n", "h|".repeat(512), "-|".repeat(512));
        bomb.push_str(&"|x\n".repeat(512));
        assert!(bomb.len() < 4096);
        assert!(matches!(
            ModelCard::parse(bomb.as_bytes()),
            Err(CardError::TooComplex)
        ));
    }

    #[test]
    fn languages_are_language_tags_and_license_claims_go_in_any_case() {
        let card = ModelCard::parse(
            b"---\nlanguage: [en, pt-BR, license:mit, '<b>', x]\ntags: License:MIT\n---\n",
        )
        .unwrap();
        assert_eq!(card.languages(), ["en", "pt-BR"]);
        assert!(card.tags().is_empty());
        let hub = card.hub_card_data("llama-3.2", "https://gw.example/models/a/b");
        assert_eq!(hub["tags"], serde_json::json!([]));
        assert_eq!(hub["language"], serde_json::json!(["en", "pt-BR"]));
    }

    #[test]
    fn broken_front_matter_is_refused_with_its_reason() {
        assert!(matches!(
            ModelCard::parse(b"---\nlicense: x\n# never closed\n"),
            Err(CardError::UnclosedFrontMatter)
        ));
        assert!(matches!(
            ModelCard::parse(b"---\n- a\n- b\n---\n"),
            Err(CardError::NotAMapping)
        ));
        assert!(matches!(
            ModelCard::parse(b"---\nkey: [unclosed\n---\n"),
            Err(CardError::InvalidYaml(_))
        ));
        assert!(matches!(
            ModelCard::parse(&[0xff, 0xfe]),
            Err(CardError::NotUtf8)
        ));
    }

    #[test]
    fn an_alias_bomb_is_refused_not_expanded() {
        let mut bomb = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let prev = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        bomb.push_str("---\n");
        assert!(matches!(
            ModelCard::parse(bomb.as_bytes()),
            Err(CardError::InvalidYaml(_))
        ));
    }
}
