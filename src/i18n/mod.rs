//! The languages the portal and the API's messages speak: the eight Llama 3.2 officially
//! supports. Messages are Fluent (`locales/<code>/modelgate.ftl`, one file per language),
//! compiled into the binary; a language is chosen from the visitor's saved choice or their
//! `Accept-Language`. Rule ids, error codes and license texts stay the same in every
//! language.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/i18n/locales",
        fallback_language: "en",
        // Messages go into HTML and JSON: no Unicode isolation marks around arguments.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language of the portal and of API messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    It,
    Pt,
    Hi,
    Es,
    Th,
}

/// A value a message is filled with: text, or a number (numbers choose plural forms).
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(f64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Arg {
        Arg::Text(text.clone())
    }
}

macro_rules! numeric_args {
    ($($number:ty),*) => {
        $(impl From<$number> for Arg {
            #[allow(clippy::cast_precision_loss)]
            fn from(number: $number) -> Arg {
                Arg::Number(number as f64)
            }
        }
        impl From<&$number> for Arg {
            fn from(number: &$number) -> Arg {
                Arg::from(*number)
            }
        })*
    };
}

numeric_args!(u16, u32, u64, i64, usize);

impl Lang {
    /// Every language, English first (the order of the language switcher).
    pub const ALL: [Lang; 8] = [
        Lang::En,
        Lang::De,
        Lang::Fr,
        Lang::It,
        Lang::Pt,
        Lang::Hi,
        Lang::Es,
        Lang::Th,
    ];

    /// The BCP 47 code (`<html lang>`, the cookie, the message folder).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::It => "it",
            Lang::Pt => "pt",
            Lang::Hi => "hi",
            Lang::Es => "es",
            Lang::Th => "th",
        }
    }

    /// The language's name in itself (what the switcher shows).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::It => "Italiano",
            Lang::Pt => "Português",
            Lang::Hi => "हिन्दी",
            Lang::Es => "Español",
            Lang::Th => "ไทย",
        }
    }

    /// The language a code names (`de`, `de-AT`, `PT-br`), if it is one of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.trim();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The best of our languages for an `Accept-Language` header (English when none fits).
    /// Ranges are taken by quality (`q`), highest first; `q=0` means "not this one". Only
    /// the first `MAX_RANGES` well-formed ranges count: a range whose weight is not a
    /// number from 0 to 1 is dropped before the header reaches the parser (whose sort
    /// needs real numbers).
    pub fn negotiate(accept_language: &str) -> Lang {
        let sane: Vec<&str> = accept_language
            .split(',')
            .filter(|range| !range.trim().is_empty() && well_weighted(range))
            .take(MAX_RANGES)
            .collect();
        accept_language::parse_with_quality(&sane.join(","))
            .into_iter()
            .filter(|(_, quality)| *quality > 0.0)
            .find_map(|(range, _)| Lang::from_code(&range))
            .unwrap_or_default()
    }

    fn id(self) -> &'static LanguageIdentifier {
        static IDS: LazyLock<Vec<LanguageIdentifier>> = LazyLock::new(|| {
            Lang::ALL
                .iter()
                .map(|lang| lang.code().parse().expect("our language codes are valid"))
                .collect()
        });
        &IDS[Lang::ALL.iter().position(|l| *l == self).unwrap_or(0)]
    }

    /// The message `id` in this language (English where this language lacks it; the id
    /// itself where no language has it, which a test rules out for every id we use).
    pub fn text(self, id: &str) -> String {
        self.try_text(id, &[]).unwrap_or_else(|| id.to_owned())
    }

    /// The message `id` filled with `args`.
    pub fn text_with(self, id: &str, args: &[(&'static str, Arg)]) -> String {
        self.try_text(id, args).unwrap_or_else(|| id.to_owned())
    }

    /// A policy rule's reason in this language. `own` is the rule's `@reason` as the bundle
    /// in force (or the record) states it; it is shown as it is in English, for a rule we
    /// carry no message for (an operator's own), and whenever it differs from the English
    /// our translations were made from (an operator reworded a shipped rule).
    pub fn rule_reason(self, rule_id: &str, own: &str) -> String {
        self.own_or_translated(&rule_message_id("reason", rule_id), own)
    }

    /// A cited license clause's title in this language (message `id`); `own` (the title
    /// the license pack gives) as for `rule_reason`.
    pub fn clause_title(self, id: &str, own: &str) -> String {
        self.own_or_translated(id, own)
    }

    /// The translation of message `id` when the English message is `own` word for word,
    /// else `own` (an operator's rewording is never replaced by a translation of the old).
    fn own_or_translated(self, id: &str, own: &str) -> String {
        if self == Lang::En || Lang::En.try_text(id, &[]).as_deref() != Some(own) {
            return own.to_owned();
        }
        self.try_text(id, &[]).unwrap_or_else(|| own.to_owned())
    }

    /// The message `id`, or `None` when no language has it.
    pub fn try_text(self, id: &str, args: &[(&'static str, Arg)]) -> Option<String> {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(text) => FluentValue::from(text.as_str()),
                    Arg::Number(number) => FluentValue::from(*number),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        let args = (!args.is_empty()).then_some(&args);
        LOCALES.try_lookup_complete(self.id(), id, args)
    }
}

/// The most `Accept-Language` ranges looked at.
const MAX_RANGES: usize = 16;

/// Whether a range's weight, if it has one, is `q=` a number from 0 to 1.
fn well_weighted(range: &str) -> bool {
    let mut params = range.split(';').skip(1);
    match (params.next(), params.next()) {
        (None, _) => true,
        (Some(weight), None) => {
            let weight = weight.trim();
            weight
                .get(..2)
                .is_some_and(|name| name.eq_ignore_ascii_case("q="))
                && weight[2..]
                    .parse::<f32>()
                    .is_ok_and(|q| (0.0..=1.0).contains(&q))
        }
        _ => false,
    }
}

/// The message id of a rule's `part` (`reason`, `clause`): Fluent ids have no dots, so
/// `eu.multimodal-withheld` becomes `rule-reason-eu-multimodal-withheld`.
pub fn rule_message_id(part: &str, rule_id: &str) -> String {
    format!("rule-{part}-{}", rule_id.replace('.', "-"))
}

#[cfg(test)]
mod tests;
