//! polyaxon-pr: a Helm post-renderer for the Polyaxon chart.
//!
//! The pipeline, one module per stage: [`stream`] (split and write the manifest stream) →
//! [`values`] (the user's values with their locations) → [`validate`] (rules from the parameter
//! tables in [`params`]) → [`plan`] (one JSON Patch per document) → [`apply`] → [`checks`] →
//! [`report`]. [`cli`] wires the stages to the command line; nothing below it prints.

pub mod apply;
pub mod checks;
pub mod cli;
pub mod driver;
pub mod error;
pub mod export;
pub mod krm;
pub mod memory;
pub mod overlay;
pub mod params;
pub mod plan;
pub mod podspec;
pub mod profile;
pub mod report;
pub mod stream;
pub mod validate;
pub mod values;
