//! The one-file tar layers of a modelcar image: a stored file framed as a tar archive that
//! places it under `models/`. The frame (the headers before the file's bytes, the padding
//! and end-of-archive blocks after them) depends only on the file's path and size, so a
//! layer is served as `prefix ++ stored file ++ suffix` without a second copy of the file,
//! and the same file at the same path always makes the same layer, byte for byte: every
//! header has fixed metadata (mode 0644 for the file, 0755 for directories, owner 0:0,
//! modification time 0, no user or group names).

use crate::domain::ModelPath;

/// Where a modelcar places the model's files, as runtimes that mount it expect.
pub const MODELS_DIR: &str = "models";

const BLOCK: u64 = 512;
/// Two zero blocks end a tar archive.
const END_OF_ARCHIVE: usize = 1024;

/// The bytes around a stored file that make it a one-file tar layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarFrame {
    /// The directory entries and the file's header (and a long-name entry where needed).
    pub prefix: Vec<u8>,
    /// The padding of the file's last block and the end-of-archive blocks.
    pub suffix: Vec<u8>,
}

impl TarFrame {
    /// The frame for a file of `size` bytes at `path` inside the model.
    pub fn for_file(path: &ModelPath, size: u64) -> std::io::Result<TarFrame> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut dir = String::from(MODELS_DIR);
        append_directory(&mut builder, &dir)?;
        let parts: Vec<&str> = path.as_str().split('/').collect();
        for part in &parts[..parts.len() - 1] {
            dir = format!("{dir}/{part}");
            append_directory(&mut builder, &dir)?;
        }
        let mut header = fixed_header(tar::EntryType::Regular, 0o644);
        header.set_size(size);
        // The header alone: the file's bytes follow it when the layer is served.
        builder.append_data(
            &mut header,
            format!("{MODELS_DIR}/{}", path.as_str()),
            std::io::empty(),
        )?;
        let mut prefix = builder.into_inner()?;
        // `into_inner` ended the archive; the end belongs after the file.
        prefix.truncate(prefix.len() - END_OF_ARCHIVE);
        let padding = usize::try_from((BLOCK - size % BLOCK) % BLOCK).unwrap_or(0);
        Ok(TarFrame {
            prefix,
            suffix: vec![0; padding + END_OF_ARCHIVE],
        })
    }

    /// The size of the layer around a file of `file_size` bytes.
    pub fn layer_size(&self, file_size: u64) -> u64 {
        self.prefix.len() as u64 + file_size + self.suffix.len() as u64
    }
}

fn fixed_header(kind: tar::EntryType, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(0);
    header
}

fn append_directory(builder: &mut tar::Builder<Vec<u8>>, dir: &str) -> std::io::Result<()> {
    let mut header = fixed_header(tar::EntryType::Directory, 0o755);
    builder.append_data(&mut header, format!("{dir}/"), std::io::empty())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn layer(path: &str, content: &[u8]) -> Vec<u8> {
        let frame =
            TarFrame::for_file(&path.parse().expect("path"), content.len() as u64).expect("frame");
        let mut bytes = frame.prefix.clone();
        bytes.extend_from_slice(content);
        bytes.extend_from_slice(&frame.suffix);
        assert_eq!(
            bytes.len() as u64,
            frame.layer_size(content.len() as u64),
            "layer size"
        );
        assert_eq!(bytes.len() % 512, 0, "whole blocks");
        bytes
    }

    #[test]
    fn a_layer_unpacks_to_the_file_under_models_with_fixed_metadata() {
        let content = b"{\"architectures\": [\"LlamaForCausalLM\"]}".repeat(20);
        let bytes = layer("tokenizer/nested/config.json", &content);
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let header = entry.header().clone();
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            assert_eq!(header.mtime().expect("mtime"), 0, "{path}");
            assert_eq!(header.uid().expect("uid"), 0, "{path}");
            assert_eq!(header.gid().expect("gid"), 0, "{path}");
            if header.entry_type().is_dir() {
                assert_eq!(header.mode().expect("mode"), 0o755, "{path}");
            } else {
                assert_eq!(header.mode().expect("mode"), 0o644, "{path}");
                let mut read = Vec::new();
                entry.read_to_end(&mut read).expect("read");
                assert_eq!(read, content);
            }
            seen.push(path);
        }
        assert_eq!(
            seen,
            [
                "models/",
                "models/tokenizer/",
                "models/tokenizer/nested/",
                "models/tokenizer/nested/config.json"
            ]
        );
    }

    #[test]
    fn long_paths_and_block_sized_files_frame_correctly() {
        let long = format!("{}/weights.safetensors", "d".repeat(150));
        let content = vec![7u8; 1024];
        let bytes = layer(&long, &content);
        let mut archive = tar::Archive::new(bytes.as_slice());
        let last = archive
            .entries()
            .expect("entries")
            .map(|e| e.expect("entry").path().expect("path").into_owned())
            .last()
            .expect("an entry");
        assert_eq!(last.to_string_lossy(), format!("models/{long}"));
    }

    #[test]
    fn the_same_file_at_the_same_path_makes_the_same_layer() {
        assert_eq!(layer("a/b.bin", b"xyz"), layer("a/b.bin", b"xyz"));
        assert_ne!(layer("a/b.bin", b"xyz"), layer("a/c.bin", b"xyz"));
    }
}
