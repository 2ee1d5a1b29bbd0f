//! Model cards: the `README.md` a publisher ships with a model, as the Hub reads it. YAML
//! front matter (`license`, `language`, `tags`…) between `---` lines, then Markdown. The
//! front matter is parsed with limits (no alias bombs) and must be a mapping; the Markdown
//! is rendered without any raw HTML and then sanitised, so a card can show text, links,
//! lists, tables and code, and never a script, a style or a form. Pure: no IO.

use pulldown_cmark::{Event, Options, Parser};
use serde_json::{Map, Value};

/// The path a model card has in a model.
pub const CARD_PATH: &str = "README.md";

/// The largest card read (a larger `README.md` is served as a file, not shown as a card).
pub const MAX_CARD_BYTES: u64 = 512 * 1024;

/// A parsed model card.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCard {
    /// The front matter as JSON (the Hub's `cardData`); empty without front matter.
    pub data: Map<String, Value>,
    /// The Markdown after the front matter.
    pub body: String,
}

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
}

impl ModelCard {
    /// Parses a card's bytes.
    pub fn parse(bytes: &[u8]) -> Result<ModelCard, CardError> {
        let text = std::str::from_utf8(bytes).map_err(|_| CardError::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let Some((front, body)) = split_front_matter(text)? else {
            return Ok(ModelCard {
                data: Map::new(),
                body: text.to_owned(),
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
            body: body.to_owned(),
        })
    }

    /// The languages the card names (`language:`, one code or a list).
    pub fn languages(&self) -> Vec<String> {
        strings(self.data.get("language"))
    }

    /// The card's tags (`tags:`).
    pub fn tags(&self) -> Vec<String> {
        strings(self.data.get("tags"))
    }

    /// The body as HTML: CommonMark with tables, strikethrough and task lists; raw HTML
    /// is dropped, and the result sanitised (links get `rel="noopener noreferrer
    /// nofollow"`, only http, https and mailto URLs survive).
    pub fn html(&self) -> String {
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        options.insert(Options::ENABLE_STRIKETHROUGH);
        options.insert(Options::ENABLE_TASKLISTS);
        let events = Parser::new_ext(&self.body, options)
            .filter(|event| !matches!(event, Event::Html(_) | Event::InlineHtml(_)));
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events);
        ammonia::Builder::default()
            .link_rel(Some("noopener noreferrer nofollow"))
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .clean(&html)
            .to_string()
    }
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
        assert_eq!(card.body, "# Demo\n\nA *small* model.\n");
        assert!(card.html().contains("<h1>Demo</h1>"));
        assert!(card.html().contains("<em>small</em>"));
    }

    #[test]
    fn a_card_without_front_matter_is_all_body() {
        let card = ModelCard::parse(b"# Just text\n").unwrap();
        assert!(card.data.is_empty());
        assert!(card.languages().is_empty());
        assert_eq!(card.body, "# Just text\n");
    }

    #[test]
    fn a_single_language_is_a_list_of_one() {
        let card = ModelCard::parse(b"---\nlanguage: fr\n---\n").unwrap();
        assert_eq!(card.languages(), ["fr"]);
    }

    #[test]
    fn raw_html_scripts_and_script_urls_never_reach_the_page() {
        let hostile = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
            [click](javascript:alert(3)) [data](data:text/html,hi) <b onclick=\"x()\">bold</b>\n\n\
            <iframe src=\"https://evil.example\"></iframe>\n\n[fine](https://example.org)\n";
        let html = ModelCard::parse(hostile.as_bytes()).unwrap().html();
        for banned in [
            "<script",
            "onerror",
            "javascript:",
            "data:text",
            "onclick",
            "<iframe",
            "<img",
        ] {
            assert!(!html.contains(banned), "{banned} survived in {html}");
        }
        assert!(html.contains(r#"href="https://example.org""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
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
