//! Repository names, references and tags. A repository is a model's id in lowercase
//! (`demo/llama-3.2-tiny` for `demo/Llama-3.2-Tiny`; publishing refuses ids that differ in
//! case only, so the mapping is one to one). Each revision has two tags, one per view:
//! `<commit>` (the ModelPack artifact) and `<commit>-modelcar` (the modelcar image), where
//! the commit is the first 40 hex digits of the revision digest, as on the Hub API; `latest`
//! and `main` (and their `-modelcar` forms) name the latest revision.

use crate::domain::{ModelId, Sha256Digest};
use crate::store::oci::View;

use super::RegistryError;

/// Hex digits of a revision digest that make its tag (the Hub's commit id).
pub const COMMIT_HEX: usize = 40;
/// The suffix of a tag that names the modelcar view.
pub const MODELCAR_SUFFIX: &str = "-modelcar";
/// The moving names of the latest revision.
pub const LATEST_TAGS: [&str; 2] = ["latest", "main"];

/// Which revision a tag names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionTag {
    Latest,
    /// The first 40 hex digits of the revision digest.
    Commit(String),
}

/// A manifest reference: a tag (a revision and a view) or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Tag { revision: RevisionTag, view: View },
    Digest(Sha256Digest),
}

/// The repository name of `model`.
pub fn repository_of(model: &ModelId) -> String {
    model.to_string().to_ascii_lowercase()
}

/// Whether `name` matches the distribution spec's repository name grammar:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`.
pub fn valid_repository(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.split('/').all(valid_component)
}

fn valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Separators: `.`, `_`, `__` or one or more `-`, always between alphanumerics.
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if alnum(b) {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|c| !alnum(**c)).count();
        let separator = &component[i..i + run];
        let allowed = matches!(separator, "." | "_" | "__") || separator.bytes().all(|c| c == b'-');
        if !allowed {
            return false;
        }
        i += run;
    }
    true
}

/// Whether `tag` matches `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn valid_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    tag.len() <= 128
        && (first.is_ascii_alphanumeric() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Parses the `<reference>` of `/v2/<name>/manifests/<reference>`. A tag that names no
/// revision and view is unknown (404), as the spec wants for any tag it does not hold.
pub fn parse_reference(text: &str) -> Result<Reference, RegistryError> {
    if let Some((algorithm, _)) = text.split_once(':') {
        if algorithm != "sha256" {
            return Err(RegistryError::ManifestUnknown(shorten(text)));
        }
        return text
            .parse()
            .map(Reference::Digest)
            .map_err(|_| RegistryError::DigestInvalid(shorten(text)));
    }
    if !valid_tag(text) {
        return Err(RegistryError::ManifestUnknown(shorten(text)));
    }
    let (base, view) = match text.strip_suffix(MODELCAR_SUFFIX) {
        Some(base) => (base, View::Modelcar),
        None => (text, View::ModelPack),
    };
    let revision = if LATEST_TAGS.contains(&base) {
        RevisionTag::Latest
    } else if base.len() == COMMIT_HEX
        && base.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        RevisionTag::Commit(base.to_owned())
    } else {
        return Err(RegistryError::ManifestUnknown(shorten(text)));
    };
    Ok(Reference::Tag { revision, view })
}

/// Parses the `<digest>` of a blob or referrers route.
pub fn parse_digest(text: &str) -> Result<Sha256Digest, RegistryError> {
    match text.split_once(':') {
        Some(("sha256", _)) => text
            .parse()
            .map_err(|_| RegistryError::DigestInvalid(shorten(text))),
        _ => Err(RegistryError::DigestInvalid(shorten(text))),
    }
}

/// The tags of a revision with digest `revision_hex`.
pub fn tags_of(revision_hex: &str) -> [String; 2] {
    let commit = &revision_hex[..COMMIT_HEX.min(revision_hex.len())];
    [commit.to_owned(), format!("{commit}{MODELCAR_SUFFIX}")]
}

/// User input as quoted in an error: at most 140 characters.
fn shorten(text: &str) -> String {
    text.chars().take(140).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_follow_the_spec_grammar() {
        for good in [
            "demo/llama-3.2-tiny",
            "a/b",
            "a__b/c.d",
            "x/a---b",
            "org/m_1",
        ] {
            assert!(valid_repository(good), "{good}");
        }
        for bad in [
            "Demo/x", "a/-b", "a/b-", "a/b..c", "a/b___c", "a//b", "", "a/_b", "a/b.-c",
        ] {
            assert!(!valid_repository(bad), "{bad}");
        }
        let model: ModelId = "demo/Llama-3.2-Tiny".parse().expect("id");
        assert_eq!(repository_of(&model), "demo/llama-3.2-tiny");
    }

    #[test]
    fn references_name_a_revision_and_a_view_or_a_digest() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            parse_reference("latest").expect("tag"),
            Reference::Tag {
                revision: RevisionTag::Latest,
                view: View::ModelPack
            }
        );
        assert_eq!(
            parse_reference(&format!("{commit}-modelcar")).expect("tag"),
            Reference::Tag {
                revision: RevisionTag::Commit(commit.into()),
                view: View::Modelcar
            }
        );
        let digest = Sha256Digest::of(b"x");
        assert_eq!(
            parse_reference(&digest.reference()).expect("digest"),
            Reference::Digest(digest)
        );
        assert!(matches!(
            parse_reference(".INVALID_MANIFEST_NAME"),
            Err(RegistryError::ManifestUnknown(_))
        ));
        assert!(matches!(
            parse_reference("sha256:totallywrong"),
            Err(RegistryError::DigestInvalid(_))
        ));
        assert!(matches!(
            parse_reference("v1.0"),
            Err(RegistryError::ManifestUnknown(_))
        ));
        assert_eq!(
            tags_of(&digest.hex()),
            [
                digest.hex()[..40].to_owned(),
                format!("{}-modelcar", &digest.hex()[..40])
            ]
        );
    }
}
