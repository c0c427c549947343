//! The layout of `chart-overlays/polyaxon/parameters.yaml`, as serde reads it. `build.rs` reads
//! the file with these types and writes it out as the static Rust data of [`super::SECTIONS`];
//! the crate's tests read it again at run time and compare, so the two cannot drift apart.

use serde::Deserialize;

use super::{Format, Kind};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableFile {
    pub sections: Vec<SectionFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFile {
    pub title: String,
    pub params: Vec<ParamFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamFile {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub format: Option<Format>,
    #[serde(default, rename = "enum")]
    pub allowed: Vec<String>,
    #[serde(default)]
    pub noun: Option<String>,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub chart: bool,
    #[serde(default)]
    pub default: Option<String>,
    pub description: String,
}
