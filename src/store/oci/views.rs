//! Builds a revision's OCI manifests and lists the blobs they name (see the module above).

use std::collections::HashMap;
use std::str::FromStr;

use oci_spec::image::{
    Arch, Descriptor, DescriptorBuilder, Digest, ImageConfigurationBuilder, ImageManifestBuilder,
    MediaType, Os, RootFsBuilder,
};
use serde::Serialize;

use super::weights::WeightTally;
use super::*;
use crate::domain::{Modality, ModelPath, Sha256Digest};
use crate::store::manifest::Manifest;

/// What the views of one revision are built from.
#[derive(Debug)]
pub struct ViewInputs<'a> {
    pub manifest: &'a Manifest,
    /// The revision's `model.sig`.
    pub signature: &'a str,
    /// The safetensors headers of its files, tallied.
    pub weights: &'a WeightTally,
    /// The digest and size of each file's modelcar layer, in the manifest's file order.
    pub tar_layers: &'a [(Sha256Digest, u64)],
    /// A stored tar (digest, size) every modelcar image starts with, if any.
    pub modelcar_base: Option<(Sha256Digest, u64)>,
}

/// The platform a modelcar image declares. Its layers hold data only, but runtimes pull an
/// image only for their own platform.
pub const MODELCAR_ARCHITECTURE: &str = "amd64";

/// A manifest of a view: the exact bytes served and what the registry indexes it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewManifest {
    pub view: View,
    pub digest: Sha256Digest,
    pub artifact_type: Option<String>,
    /// The manifest this one refers to (a signature's subject).
    pub subject: Option<Sha256Digest>,
    pub body: String,
}

/// Where the bytes of a blob a view names come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewBlobKind {
    /// A stored file, served as it is.
    File { source: Sha256Digest },
    /// A small document (a config, the signature), kept whole.
    Inline { body: String },
    /// A stored file of `source_size` bytes framed as a one-file tar layer at `path` under
    /// `/models/`.
    Tar {
        source: Sha256Digest,
        source_size: u64,
        path: ModelPath,
    },
}

/// One blob named by a revision's views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewBlob {
    pub digest: Sha256Digest,
    pub size: u64,
    pub kind: ViewBlobKind,
}

/// The OCI views of one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionViews {
    pub manifests: Vec<ViewManifest>,
    pub blobs: Vec<ViewBlob>,
}

impl RevisionViews {
    pub fn manifest(&self, view: View) -> Option<&ViewManifest> {
        self.manifests.iter().find(|m| m.view == view)
    }
}

/// The ModelPack config document (model-spec v1 `config.json`). Fields that depend on when
/// or where a revision was recorded (`createdAt`) are left out, so the document and the
/// manifests' digests follow from the signed manifest alone.
#[derive(Debug, Serialize)]
struct ModelPackConfig {
    descriptor: ModelDescriptor,
    config: ModelFacts,
    modelfs: ModelFs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelDescriptor {
    name: String,
    title: String,
    vendor: String,
    revision: String,
    licenses: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    architecture: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    param_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<String>,
    capabilities: Capabilities,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Capabilities {
    input_types: Vec<&'static str>,
    output_types: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelFs {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("building an OCI document failed: {0}")]
    Spec(#[from] oci_spec::OciSpecError),
    #[error("encoding an OCI document failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0} files but {1} modelcar layers")]
    LayerCount(usize, usize),
}

/// Canonical JSON bytes of `value`, as text (every document here is UTF-8 JSON).
fn canonical<T: Serialize>(value: &T) -> Result<String, ViewError> {
    let bytes = crate::canonical_json::to_bytes(&serde_json::to_value(value)?);
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn oci_digest(digest: &Sha256Digest) -> Result<Digest, ViewError> {
    Ok(Digest::from_str(&digest.reference())?)
}

fn descriptor(
    media_type: &str,
    digest: &Sha256Digest,
    size: u64,
    annotations: Option<HashMap<String, String>>,
) -> Result<Descriptor, ViewError> {
    let mut builder = DescriptorBuilder::default()
        .media_type(MediaType::from(media_type))
        .digest(oci_digest(digest)?)
        .size(size);
    if let Some(annotations) = annotations {
        builder = builder.annotations(annotations);
    }
    Ok(builder.build()?)
}

/// `LicenseRef-<id>`: the SPDX form of a license that is not on the SPDX list.
fn license_ref(license: &str) -> String {
    format!("LicenseRef-{license}")
}

/// Builds every view of a revision.
pub fn build_views(inputs: &ViewInputs<'_>) -> Result<RevisionViews, ViewError> {
    let manifest = inputs.manifest;
    if manifest.files.len() != inputs.tar_layers.len() {
        return Err(ViewError::LayerCount(
            manifest.files.len(),
            inputs.tar_layers.len(),
        ));
    }
    let revision = manifest.digest();
    let mut blobs = Vec::new();
    let mut manifests = Vec::new();
    let top_annotations = HashMap::from([
        (IMAGE_TITLE.to_owned(), manifest.model.to_string()),
        (
            "org.opencontainers.image.revision".to_owned(),
            revision.reference(),
        ),
        (
            "org.opencontainers.image.licenses".to_owned(),
            license_ref(&manifest.license),
        ),
    ]);

    // The ModelPack artifact: one raw layer per file, its digest the file's.
    let mut layers = Vec::with_capacity(manifest.files.len());
    for file in &manifest.files {
        let path = file.path.as_str().to_owned();
        layers.push(descriptor(
            modelpack_layer_type(&path),
            &file.sha256,
            file.size,
            Some(HashMap::from([
                (MODEL_FILEPATH.to_owned(), path.clone()),
                (IMAGE_TITLE.to_owned(), path),
            ])),
        )?);
        blobs.push(ViewBlob {
            digest: file.sha256,
            size: file.size,
            kind: ViewBlobKind::File {
                source: file.sha256,
            },
        });
    }
    let names = |path: &str| path.to_ascii_lowercase();
    let has = |ext: &str| {
        manifest
            .files
            .iter()
            .any(|f| names(f.path.as_str()).ends_with(ext))
    };
    let format = if has(".safetensors") {
        Some("safetensors")
    } else if has(".gguf") {
        Some("gguf")
    } else if has(".bin") || has(".pt") || has(".pth") {
        Some("pytorch")
    } else if has(".onnx") {
        Some("onnx")
    } else {
        None
    };
    let config = ModelPackConfig {
        descriptor: ModelDescriptor {
            name: manifest.model.name().to_owned(),
            title: manifest.model.to_string(),
            vendor: manifest.model.org().to_owned(),
            revision: revision.reference(),
            licenses: vec![license_ref(&manifest.license)],
        },
        config: ModelFacts {
            architecture: manifest.file("config.json").map(|_| "transformer"),
            format,
            param_size: inputs.weights.param_size(),
            precision: inputs.weights.precision(),
            capabilities: Capabilities {
                input_types: match manifest.modality {
                    Modality::Multimodal => vec!["text", "image"],
                    Modality::Text => vec!["text"],
                },
                output_types: vec!["text"],
            },
        },
        modelfs: ModelFs {
            kind: "layers",
            diff_ids: manifest
                .files
                .iter()
                .map(|f| f.sha256.reference())
                .collect(),
        },
    };
    let config_body = canonical(&config)?;
    let config_digest = Sha256Digest::of(config_body.as_bytes());
    let modelpack = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .artifact_type(MediaType::from(MODEL_ARTIFACT))
        .config(descriptor(
            MODEL_CONFIG,
            &config_digest,
            config_body.len() as u64,
            None,
        )?)
        .layers(layers)
        .annotations(top_annotations.clone())
        .build()?;
    blobs.push(ViewBlob {
        digest: config_digest,
        size: config_body.len() as u64,
        kind: ViewBlobKind::Inline { body: config_body },
    });
    let modelpack_body = canonical(&modelpack)?;
    let modelpack_digest = Sha256Digest::of(modelpack_body.as_bytes());
    manifests.push(ViewManifest {
        view: View::ModelPack,
        digest: modelpack_digest,
        artifact_type: Some(MODEL_ARTIFACT.to_owned()),
        subject: None,
        body: modelpack_body.clone(),
    });

    // The modelcar image: the operator's base layer, if any, then one uncompressed tar
    // layer per file, under /models/.
    let mut tar_layers = Vec::with_capacity(manifest.files.len() + 1);
    let mut diff_ids = Vec::with_capacity(manifest.files.len() + 1);
    if let Some((digest, size)) = inputs.modelcar_base {
        tar_layers.push(descriptor(OCI_LAYER_TAR, &digest, size, None)?);
        diff_ids.push(digest.reference());
        blobs.push(ViewBlob {
            digest,
            size,
            kind: ViewBlobKind::File { source: digest },
        });
    }
    for (file, (digest, size)) in manifest.files.iter().zip(inputs.tar_layers) {
        diff_ids.push(digest.reference());
        tar_layers.push(descriptor(OCI_LAYER_TAR, digest, *size, None)?);
        blobs.push(ViewBlob {
            digest: *digest,
            size: *size,
            kind: ViewBlobKind::Tar {
                source: file.sha256,
                source_size: file.size,
                path: file.path.clone(),
            },
        });
    }
    let image_config = ImageConfigurationBuilder::default()
        .architecture(Arch::from(MODELCAR_ARCHITECTURE))
        .os(Os::Linux)
        .rootfs(
            RootFsBuilder::default()
                .typ("layers")
                .diff_ids(diff_ids)
                .build()?,
        )
        .build()?;
    let image_config_body = canonical(&image_config)?;
    let image_config_digest = Sha256Digest::of(image_config_body.as_bytes());
    let modelcar = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor(
            OCI_IMAGE_CONFIG,
            &image_config_digest,
            image_config_body.len() as u64,
            None,
        )?)
        .layers(tar_layers)
        .annotations(top_annotations)
        .build()?;
    blobs.push(ViewBlob {
        digest: image_config_digest,
        size: image_config_body.len() as u64,
        kind: ViewBlobKind::Inline {
            body: image_config_body,
        },
    });
    let modelcar_body = canonical(&modelcar)?;
    let modelcar_digest = Sha256Digest::of(modelcar_body.as_bytes());
    manifests.push(ViewManifest {
        view: View::Modelcar,
        digest: modelcar_digest,
        artifact_type: Some(OCI_IMAGE_CONFIG.to_owned()),
        subject: None,
        body: modelcar_body.clone(),
    });

    // `model.sig`, as a referrer of each view (its bundle covers the files both hold).
    let signature_type = crate::store::signing::BUNDLE_MEDIA_TYPE;
    let signature_digest = Sha256Digest::of(inputs.signature.as_bytes());
    let empty_digest = Sha256Digest::of(OCI_EMPTY_CONTENT.as_bytes());
    blobs.push(ViewBlob {
        digest: signature_digest,
        size: inputs.signature.len() as u64,
        kind: ViewBlobKind::Inline {
            body: inputs.signature.to_owned(),
        },
    });
    blobs.push(ViewBlob {
        digest: empty_digest,
        size: OCI_EMPTY_CONTENT.len() as u64,
        kind: ViewBlobKind::Inline {
            body: OCI_EMPTY_CONTENT.to_owned(),
        },
    });
    for (view, subject_digest, subject_body, subject_type) in [
        (
            View::ModelPackSignature,
            modelpack_digest,
            &modelpack_body,
            MODEL_ARTIFACT,
        ),
        (
            View::ModelcarSignature,
            modelcar_digest,
            &modelcar_body,
            OCI_IMAGE_CONFIG,
        ),
    ] {
        let mut subject = descriptor(
            OCI_MANIFEST,
            &subject_digest,
            subject_body.len() as u64,
            None,
        )?;
        subject.set_artifact_type(Some(MediaType::from(subject_type)));
        let signature = ImageManifestBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageManifest)
            .artifact_type(MediaType::from(signature_type))
            .config(descriptor(
                OCI_EMPTY,
                &empty_digest,
                OCI_EMPTY_CONTENT.len() as u64,
                None,
            )?)
            .layers(vec![descriptor(
                signature_type,
                &signature_digest,
                inputs.signature.len() as u64,
                Some(HashMap::from([(
                    IMAGE_TITLE.to_owned(),
                    crate::store::signing::SIGNATURE_FILE.to_owned(),
                )])),
            )?])
            .subject(subject)
            .annotations(HashMap::from([(
                "org.opencontainers.image.revision".to_owned(),
                revision.reference(),
            )]))
            .build()?;
        let body = canonical(&signature)?;
        manifests.push(ViewManifest {
            view,
            digest: Sha256Digest::of(body.as_bytes()),
            artifact_type: Some(signature_type.to_owned()),
            subject: Some(subject_digest),
            body,
        });
    }
    Ok(RevisionViews { manifests, blobs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::manifest::ManifestFile;

    fn sample() -> (Manifest, Vec<(Sha256Digest, u64)>) {
        let files = vec![
            ManifestFile {
                path: "config.json".parse().expect("path"),
                size: 3,
                sha256: Sha256Digest::of(b"abc"),
            },
            ManifestFile {
                path: "model.safetensors".parse().expect("path"),
                size: 4,
                sha256: Sha256Digest::of(b"wxyz"),
            },
        ];
        let manifest = Manifest::new(
            "demo/Tiny".parse().expect("id"),
            "llama-3.2".into(),
            Modality::Text,
            files,
        );
        let tars = vec![
            (Sha256Digest::of(b"tar1"), 2048),
            (Sha256Digest::of(b"tar2"), 2048),
        ];
        (manifest, tars)
    }

    fn views() -> RevisionViews {
        let (manifest, tars) = sample();
        let mut weights = WeightTally::default();
        weights
            .add_header(br#"{"w":{"dtype":"BF16","shape":[2,3]}}"#)
            .expect("header");
        build_views(&ViewInputs {
            manifest: &manifest,
            signature: r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#,
            weights: &weights,
            tar_layers: &tars,
            modelcar_base: None,
        })
        .expect("views")
    }

    #[test]
    fn the_modelpack_manifest_names_the_files_by_their_sha256() {
        let views = views();
        let (manifest, _) = sample();
        let modelpack: serde_json::Value =
            serde_json::from_str(&views.manifest(View::ModelPack).expect("view").body)
                .expect("json");
        assert_eq!(modelpack["artifactType"], MODEL_ARTIFACT);
        assert_eq!(modelpack["mediaType"], OCI_MANIFEST);
        assert_eq!(modelpack["config"]["mediaType"], MODEL_CONFIG);
        let layers = modelpack["layers"].as_array().expect("layers");
        for (layer, file) in layers.iter().zip(&manifest.files) {
            assert_eq!(layer["digest"], file.sha256.reference());
            assert_eq!(layer["size"], file.size);
            assert_eq!(layer["annotations"][MODEL_FILEPATH], file.path.as_str());
            assert_eq!(layer["annotations"][IMAGE_TITLE], file.path.as_str());
        }
        assert_eq!(
            layers[0]["mediaType"],
            "application/vnd.cncf.model.weight.config.v1.raw"
        );
        let config_digest: Sha256Digest = modelpack["config"]["digest"]
            .as_str()
            .expect("digest")
            .parse()
            .expect("sha256");
        let config = views
            .blobs
            .iter()
            .find(|b| b.digest == config_digest)
            .expect("config blob");
        let ViewBlobKind::Inline { body } = &config.kind else {
            panic!("config is inline");
        };
        let config: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(config["descriptor"]["licenses"][0], "LicenseRef-llama-3.2");
        assert_eq!(config["config"]["paramSize"], "6");
        assert_eq!(config["config"]["precision"], "bfloat16");
        assert_eq!(config["config"]["format"], "safetensors");
        assert_eq!(config["modelfs"]["type"], "layers");
        assert_eq!(
            config["modelfs"]["diffIds"][1],
            manifest.files[1].sha256.reference()
        );
    }

    #[test]
    fn the_modelcar_image_lists_its_tar_layers_as_diff_ids() {
        let views = views();
        let modelcar: serde_json::Value =
            serde_json::from_str(&views.manifest(View::Modelcar).expect("view").body)
                .expect("json");
        assert_eq!(modelcar["config"]["mediaType"], OCI_IMAGE_CONFIG);
        let config_digest: Sha256Digest = modelcar["config"]["digest"]
            .as_str()
            .expect("digest")
            .parse()
            .expect("sha256");
        let ViewBlobKind::Inline { body } = &views
            .blobs
            .iter()
            .find(|b| b.digest == config_digest)
            .expect("config")
            .kind
        else {
            panic!("inline config");
        };
        let config: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(config["rootfs"]["type"], "layers");
        assert_eq!(config["os"], "linux");
        assert_eq!(config["architecture"], "amd64");
        for (layer, diff_id) in modelcar["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .zip(config["rootfs"]["diff_ids"].as_array().expect("diff ids"))
        {
            assert_eq!(layer["mediaType"], OCI_LAYER_TAR);
            assert_eq!(&layer["digest"], diff_id);
        }
    }

    #[test]
    fn a_base_layer_comes_first_in_the_modelcar_only() {
        let (manifest, tars) = sample();
        let base = (Sha256Digest::of(b"busybox layer"), 4096);
        let build = |modelcar_base| {
            build_views(&ViewInputs {
                manifest: &manifest,
                signature: "{}",
                weights: &WeightTally::default(),
                tar_layers: &tars,
                modelcar_base,
            })
            .expect("views")
        };
        let with_base = build(Some(base));
        let modelcar: serde_json::Value =
            serde_json::from_str(&with_base.manifest(View::Modelcar).expect("view").body)
                .expect("json");
        let layers = modelcar["layers"].as_array().expect("layers");
        assert_eq!(layers.len(), manifest.files.len() + 1);
        assert_eq!(layers[0]["digest"], base.0.reference());
        assert!(with_base
            .blobs
            .iter()
            .any(|b| b.digest == base.0 && b.kind == ViewBlobKind::File { source: base.0 }));
        let without = build(None);
        assert_eq!(
            with_base.manifest(View::ModelPack).map(|m| &m.body),
            without.manifest(View::ModelPack).map(|m| &m.body),
            "the ModelPack view does not change"
        );
    }

    #[test]
    fn signatures_refer_to_each_view_and_views_are_reproducible() {
        let views = views();
        for (signature, subject) in [
            (View::ModelPackSignature, View::ModelPack),
            (View::ModelcarSignature, View::Modelcar),
        ] {
            let signature = views.manifest(signature).expect("signature");
            let subject = views.manifest(subject).expect("subject");
            assert_eq!(signature.subject, Some(subject.digest));
            let body: serde_json::Value = serde_json::from_str(&signature.body).expect("json");
            assert_eq!(body["subject"]["digest"], subject.digest.reference());
            assert_eq!(body["layers"][0]["annotations"][IMAGE_TITLE], "model.sig");
            assert_eq!(body["config"]["mediaType"], OCI_EMPTY);
        }
        assert_eq!(views, self::views(), "the same inputs make the same bytes");
        for manifest in &views.manifests {
            assert_eq!(manifest.digest, Sha256Digest::of(manifest.body.as_bytes()));
        }
    }
}
