//! A real byte-level BPE tokenizer in the `tokenizers` JSON format, shaped like Llama 3's
//! (same pre-tokenizer split, byte-level alphabet, `<|begin_of_text|>` template and special
//! tokens after the regular vocabulary), with merges learned from a small built-in corpus.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

/// Regular tokens: the 256 byte symbols plus the learned merges.
pub const REGULAR_VOCAB: usize = 512;
/// Reserved special-token slots after the regular vocabulary (Llama 3 reserves 256).
pub const SPECIAL_SLOTS: usize = 16;
/// `vocab_size` in config.json: regular tokens plus the special slots.
pub const VOCAB_SIZE: usize = REGULAR_VOCAB + SPECIAL_SLOTS;
pub const BOS_ID: usize = REGULAR_VOCAB;
pub const EOS_ID: usize = REGULAR_VOCAB + 1;
pub const EOT_ID: usize = REGULAR_VOCAB + 9;
pub const PAD_ID: usize = REGULAR_VOCAB + 4;
/// `<|image|>`: the first id after the vocabulary, as in Llama 3.2 Vision (128256).
pub const IMAGE_TOKEN_ID: usize = VOCAB_SIZE;

/// The Llama 3 pre-tokenizer split pattern.
const SPLIT_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

const CORPUS: &str = include_str!("corpus.txt");

fn special_tokens(with_image: bool) -> Vec<(usize, String)> {
    let named = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>",
        "<|reserved_special_token_2|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eom_id|>",
        "<|eot_id|>",
        "<|python_tag|>",
    ];
    let mut tokens: Vec<(usize, String)> = named
        .iter()
        .enumerate()
        .map(|(i, t)| (REGULAR_VOCAB + i, (*t).to_string()))
        .collect();
    for slot in named.len()..SPECIAL_SLOTS {
        tokens.push((
            REGULAR_VOCAB + slot,
            format!("<|reserved_special_token_{}|>", slot - named.len() + 3),
        ));
    }
    if with_image {
        tokens.push((IMAGE_TOKEN_ID, "<|image|>".to_string()));
    }
    tokens
}

/// GPT-2's reversible byte-to-printable-character map used by byte-level BPE.
fn byte_to_char() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut next_extra = 256u32;
    for byte in 0..=255u8 {
        let printable = matches!(byte, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        let code = if printable {
            u32::from(byte)
        } else {
            next_extra += 1;
            next_extra - 1
        };
        table[usize::from(byte)] = char::from_u32(code).unwrap_or('?');
    }
    table
}

/// Learns merges from the corpus until the vocabulary holds `REGULAR_VOCAB` distinct
/// tokens; ties break on the pair's text, so the result is the same everywhere.
fn learn_merges(alphabet: &[char; 256]) -> Vec<(String, String)> {
    let mut known: std::collections::HashSet<String> =
        alphabet.iter().map(|c| c.to_string()).collect();
    let mut words: HashMap<Vec<String>, usize> = HashMap::new();
    for word in CORPUS.split_inclusive(' ') {
        let word = format!(" {}", word.trim());
        let symbols = word
            .bytes()
            .map(|b| alphabet[usize::from(b)].to_string())
            .collect();
        *words.entry(symbols).or_default() += 1;
    }
    let mut merges = Vec::new();
    while known.len() < REGULAR_VOCAB {
        let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (symbols, freq) in &words {
            for pair in symbols.windows(2) {
                *counts
                    .entry((pair[0].clone(), pair[1].clone()))
                    .or_default() += freq;
            }
        }
        let Some(best) = counts
            .into_iter()
            .max_by(|(pa, ca), (pb, cb)| ca.cmp(cb).then_with(|| pb.cmp(pa)))
            .map(|(pair, _)| pair)
        else {
            break;
        };
        words = words
            .into_iter()
            .map(|(symbols, freq)| (merge_pair(&symbols, &best), freq))
            .fold(HashMap::new(), |mut acc, (s, f)| {
                *acc.entry(s).or_default() += f;
                acc
            });
        known.insert(format!("{}{}", best.0, best.1));
        merges.push(best);
    }
    merges
}

fn merge_pair(symbols: &[String], pair: &(String, String)) -> Vec<String> {
    let mut out = Vec::with_capacity(symbols.len());
    let mut i = 0;
    while i < symbols.len() {
        if i + 1 < symbols.len() && symbols[i] == pair.0 && symbols[i + 1] == pair.1 {
            out.push(format!("{}{}", pair.0, pair.1));
            i += 2;
        } else {
            out.push(symbols[i].clone());
            i += 1;
        }
    }
    out
}

/// The complete `tokenizer.json`; `with_image` adds `<|image|>` for vision models.
pub fn tokenizer_json(with_image: bool) -> Value {
    let alphabet = byte_to_char();
    let merges = learn_merges(&alphabet);
    let mut vocab = serde_json::Map::new();
    for (id, ch) in alphabet.iter().enumerate() {
        vocab.insert(ch.to_string(), json!(id));
    }
    for (left, right) in &merges {
        let token = format!("{left}{right}");
        if !vocab.contains_key(&token) {
            let id = vocab.len();
            vocab.insert(token, json!(id));
        }
    }
    let added_tokens: Vec<Value> = special_tokens(with_image)
        .into_iter()
        .map(|(id, content)| {
            json!({ "id": id, "content": content, "single_word": false, "lstrip": false,
                    "rstrip": false, "normalized": false, "special": true })
        })
        .collect();
    let bos = "<|begin_of_text|>";
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": null,
        "pre_tokenizer": { "type": "Sequence", "pretokenizers": [
            { "type": "Split", "pattern": { "Regex": SPLIT_PATTERN }, "behavior": "Isolated", "invert": false },
            { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false }
        ]},
        "post_processor": { "type": "Sequence", "processors": [
            { "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true },
            { "type": "TemplateProcessing",
              "single": [ { "SpecialToken": { "id": bos, "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } } ],
              "pair": [ { "SpecialToken": { "id": bos, "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } },
                        { "SpecialToken": { "id": bos, "type_id": 1 } }, { "Sequence": { "id": "B", "type_id": 1 } } ],
              "special_tokens": { bos: { "id": bos, "ids": [BOS_ID], "tokens": [bos] } } }
        ]},
        "decoder": { "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true },
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": true,
            "vocab": vocab,
            "merges": merges.iter().map(|(l, r)| format!("{l} {r}")).collect::<Vec<_>>(),
        }
    })
}

/// `tokenizer_config.json`, as `transformers` writes it for a fast tokenizer.
pub fn tokenizer_config_json(with_image: bool) -> Value {
    let decoder: serde_json::Map<String, Value> = special_tokens(with_image)
        .into_iter()
        .map(|(id, content)| {
            (
                id.to_string(),
                json!({ "content": content, "lstrip": false, "normalized": false,
                                     "rstrip": false, "single_word": false, "special": true }),
            )
        })
        .collect();
    json!({
        "added_tokens_decoder": decoder,
        "bos_token": "<|begin_of_text|>",
        "clean_up_tokenization_spaces": true,
        "eos_token": "<|end_of_text|>",
        "model_input_names": ["input_ids", "attention_mask"],
        "model_max_length": 131072,
        "tokenizer_class": "PreTrainedTokenizerFast"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_alphabet_is_a_bijection() {
        let table = byte_to_char();
        let unique: std::collections::HashSet<char> = table.iter().copied().collect();
        assert_eq!(unique.len(), 256);
        assert_eq!(table[usize::from(b' ')], 'Ġ');
    }

    #[test]
    fn learns_the_full_vocabulary_deterministically() {
        let alphabet = byte_to_char();
        assert_eq!(learn_merges(&alphabet), learn_merges(&alphabet));
        let json = tokenizer_json(false);
        let vocab = json["model"]["vocab"].as_object().expect("vocab");
        assert_eq!(vocab.len(), REGULAR_VOCAB);
        let mut ids: Vec<u64> = vocab.values().filter_map(Value::as_u64).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            (0..REGULAR_VOCAB as u64).collect::<Vec<_>>(),
            "ids are contiguous"
        );
    }
}
