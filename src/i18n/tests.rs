//! Every language has every message, translated, with the same arguments; every message
//! id the code asks for exists. (That every shipped rule has its reason is `policy`'s test.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast::{self, Entry, Expression, InlineExpression, PatternElement};

use super::Lang;

/// The comment that marks a message as the same as English on purpose ("Version").
const SAME_ON_PURPOSE: &str = "identical to English on purpose";

struct Message {
    text: String,
    variables: BTreeSet<String>,
    same_on_purpose: bool,
}

fn locale_file(lang: Lang) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/i18n/locales")
        .join(lang.code())
        .join("modelgate.ftl");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn messages(lang: Lang) -> BTreeMap<String, Message> {
    let source = locale_file(lang);
    let resource = fluent_syntax::parser::parse(source.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", lang.code()));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        let Entry::Message(message) = entry else {
            continue;
        };
        let pattern = message
            .value
            .unwrap_or_else(|| panic!("{}: `{}` has no value", lang.code(), message.id.name));
        let mut variables = BTreeSet::new();
        let mut text = String::new();
        collect(&pattern, &mut text, &mut variables);
        let same_on_purpose = message
            .comment
            .is_some_and(|c| c.content.iter().any(|line| line.trim() == SAME_ON_PURPOSE));
        let previous = messages.insert(
            message.id.name.to_owned(),
            Message {
                text,
                variables,
                same_on_purpose,
            },
        );
        assert!(
            previous.is_none(),
            "{}: `{}` twice",
            lang.code(),
            message.id.name
        );
    }
    messages
}

fn collect(pattern: &ast::Pattern<&str>, text: &mut String, variables: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => text.push_str(value),
            PatternElement::Placeable { expression } => match expression {
                Expression::Inline(inline) => inline_expression(inline, text, variables),
                Expression::Select { selector, variants } => {
                    inline_expression(selector, text, variables);
                    for variant in variants {
                        collect(&variant.value, text, variables);
                    }
                }
            },
        }
    }
}

fn inline_expression(
    inline: &InlineExpression<&str>,
    text: &mut String,
    variables: &mut BTreeSet<String>,
) {
    match inline {
        InlineExpression::VariableReference { id } => {
            variables.insert(id.name.to_owned());
        }
        InlineExpression::StringLiteral { value } => text.push_str(value),
        InlineExpression::Placeable { expression } => {
            if let Expression::Inline(inner) = expression.as_ref() {
                inline_expression(inner, text, variables);
            }
        }
        _ => {}
    }
}

#[test]
fn every_language_has_every_message_translated_with_the_same_arguments() {
    let english = messages(Lang::En);
    assert!(english.len() > 200, "the English messages did not parse");
    let mut problems = Vec::new();
    for lang in Lang::ALL.into_iter().filter(|l| *l != Lang::En) {
        let translated = messages(lang);
        let code = lang.code();
        for (id, source) in &english {
            let Some(message) = translated.get(id) else {
                problems.push(format!("{code}: `{id}` is missing"));
                continue;
            };
            if message.text.trim().is_empty() && message.variables.is_empty() {
                problems.push(format!("{code}: `{id}` is empty"));
            }
            if message.text == source.text && message.variables == source.variables {
                if !message.same_on_purpose {
                    problems.push(format!("{code}: `{id}` is not translated"));
                }
            } else if message.same_on_purpose {
                problems.push(format!("{code}: `{id}` is marked identical but differs"));
            }
            if !source.variables.is_subset(&message.variables) {
                problems.push(format!(
                    "{code}: `{id}` drops {:?}",
                    source
                        .variables
                        .difference(&message.variables)
                        .collect::<Vec<_>>()
                ));
            }
        }
        for id in translated.keys().filter(|id| !english.contains_key(*id)) {
            problems.push(format!("{code}: `{id}` is not an English message"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The message ids written literally in templates and code: `t("id"`, `t1("id"`,
/// `t2("id"`, `text("id"`, `text_with("id"`, `try_text("id"`.
fn ids_used_in(source: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for call in [
        "t(\"",
        "t1(\"",
        "t2(\"",
        "text(\"",
        "text_with(\"",
        "try_text(\"",
    ] {
        let mut rest = source;
        while let Some(at) = rest.find(call) {
            let preceded_by_word = rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[at + call.len()..];
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if !preceded_by_word && rest[id.len()..].starts_with('"') && !id.is_empty() {
                ids.push(id);
            }
        }
    }
    ids
}

fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
            found.push(path);
        }
    }
}

#[test]
fn every_message_the_code_asks_for_exists_in_english() {
    let english = messages(Lang::En);
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    // This file names the calls it looks for.
    files.retain(|f| !f.ends_with("i18n/tests.rs"));
    let mut used = 0;
    let mut missing = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for id in ids_used_in(&source) {
            used += 1;
            if !english.contains_key(&id) {
                missing.push(format!("{}: `{id}`", file.display()));
            }
        }
    }
    assert!(
        used > 150,
        "only {used} message uses found: the scan is broken"
    );
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_error_code_and_review_state_has_a_message() {
    let english = messages(Lang::En);
    let source = include_str!("../error.rs");
    let codes: Vec<&str> = source
        .lines()
        .filter(|line| line.trim_start().starts_with("ApiError::") && line.contains("=> \""))
        .filter_map(|line| line.split('"').nth(1))
        .collect();
    assert!(codes.len() > 40, "found only {} error codes", codes.len());
    for code in codes {
        assert!(
            english.contains_key(&format!("error-{code}")),
            "no message for `{code}`"
        );
    }
    for state in [
        "open",
        "approved",
        "denied",
        "superseded",
        "allow",
        "review",
        "deny",
    ] {
        assert!(
            english.contains_key(&format!("state-{state}")),
            "no message for `{state}`"
        );
    }
}

#[test]
fn rule_messages_fall_back_to_the_rules_own_words() {
    let shipped = Lang::En.text("rule-reason-eu-multimodal-withheld");
    assert_eq!(
        Lang::De.rule_reason("eu.multimodal-withheld", &shipped),
        Lang::De.text("rule-reason-eu-multimodal-withheld")
    );
    // An operator who rewords a shipped rule sees their words, not our stale translation.
    assert_eq!(
        Lang::De.rule_reason("eu.multimodal-withheld", "reworded"),
        "reworded"
    );
    assert_eq!(
        Lang::En.rule_reason("eu.multimodal-withheld", "as shipped"),
        "as shipped"
    );
    assert_eq!(
        Lang::Th.rule_reason("operator.own-rule", "own words"),
        "own words"
    );
}

#[test]
fn accept_language_picks_the_best_supported_language() {
    assert_eq!(Lang::negotiate("de-DE,de;q=0.9,en;q=0.8"), Lang::De);
    assert_eq!(Lang::negotiate("ja,th;q=0.5"), Lang::Th);
    assert_eq!(Lang::negotiate("en;q=0.1,hi;q=0.9"), Lang::Hi);
    assert_eq!(Lang::negotiate("de;q=0, es"), Lang::Es);
    assert_eq!(Lang::negotiate("de;q=0"), Lang::En);
    // Weights that are not numbers from 0 to 1 drop their range, and never panic the sort.
    let hostile = vec!["fr;q=NaN"; 40].join(",") + ",th;q=0.5,de;q=inf,es;q=2";
    assert_eq!(Lang::negotiate(&hostile), Lang::Th);
    assert_eq!(Lang::negotiate(&"xx;q=0.5,".repeat(5000)), Lang::En);
    // Empty ranges do not count; the weight's name is case-insensitive.
    assert_eq!(Lang::negotiate(&(",".repeat(40) + "de")), Lang::De);
    assert_eq!(Lang::negotiate("en;Q=0.1, it;Q=0.8"), Lang::It);
    assert_eq!(Lang::negotiate("pt-BR"), Lang::Pt);
    assert_eq!(Lang::negotiate("ja, zh"), Lang::En);
    assert_eq!(Lang::negotiate(""), Lang::En);
    assert_eq!(Lang::negotiate("*"), Lang::En);
    assert_eq!(Lang::from_code("FR-ca"), Some(Lang::Fr));
    assert_eq!(Lang::from_code("xx"), None);
}

#[test]
fn messages_are_filled_and_plurals_follow_each_language() {
    let one = Lang::En.text_with(
        "model-files-size",
        &[("files", 1u64.into()), ("size", "2 kB".into())],
    );
    assert_eq!(one, "1 file, 2 kB");
    let many = Lang::En.text_with(
        "model-files-size",
        &[("files", 3u64.into()), ("size", "2 kB".into())],
    );
    assert_eq!(many, "3 files, 2 kB");
    let german = Lang::De.text_with("error-model-not-found", &[("model", "acme/x".into())]);
    assert!(
        german.contains("acme/x")
            && german != Lang::En.text_with("error-model-not-found", &[("model", "acme/x".into())])
    );
    // No Unicode isolation marks around arguments (they would end up in HTML and JSON).
    assert!(!german.contains('\u{2068}'));
    let thai = Lang::Th.text("nav-models");
    assert!(
        thai.chars().any(|c| ('\u{0e00}'..='\u{0e7f}').contains(&c)),
        "{thai}"
    );
    let hindi = Lang::Hi.text("nav-models");
    assert!(
        hindi
            .chars()
            .any(|c| ('\u{0900}'..='\u{097f}').contains(&c)),
        "{hindi}"
    );
}
