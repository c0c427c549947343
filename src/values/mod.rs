//! The user's values: `-f` files and `--set` merged as Helm merges them, every value with the place
//! it came from.
//!
//! PLACEHOLDER IMPLEMENTATION (to be replaced by the values issue): files are merged without
//! locations and `--set` is not supported yet. The public API below is what later stages use.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::report::Origin;

/// The merged values.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// The merged user values (no chart defaults): maps deep-merged, later files win. As in
    /// Helm, a `null` is kept here: it deletes the chart's default when coalesced with the chart.
    pub root: Value,
    /// Where each value came from, keyed by JSON pointer (`/persistence/data/d1/store`).
    pub origins: BTreeMap<String, Origin>,
}

impl Values {
    /// Values from an in-memory JSON object (tests, KRM functionConfig).
    pub fn from_json(root: Value) -> Values {
        Values {
            root,
            origins: BTreeMap::new(),
        }
    }

    /// The value at a JSON pointer (`""` is the root).
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.root.pointer(pointer)
    }

    /// Where the value at `pointer` (or its nearest recorded ancestor) came from.
    pub fn origin(&self, pointer: &str) -> Origin {
        let mut p = pointer;
        loop {
            if let Some(origin) = self.origins.get(p) {
                return origin.clone();
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Origin::None,
            }
        }
    }

    /// Load and merge values files in order.
    pub fn load_files(files: &[impl AsRef<Path>]) -> Result<Values> {
        let mut root = Value::Object(Default::default());
        for file in files {
            let file = file.as_ref();
            let text = std::fs::read_to_string(file).map_err(|e| {
                Error::input(format!("{}: cannot read values file: {e}", file.display()))
            })?;
            let value: Value = serde_saphyr::from_str(&text).map_err(|e| {
                Error::input(format!("{}: malformed YAML: {e}", file.display()))
            })?;
            merge(&mut root, value);
        }
        Ok(Values::from_json(root))
    }
}

/// Helm's merge of user values files: maps deep-merged, anything else (including `null`) replaced.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                if let Some(existing) = base.get_mut(&key) {
                    merge(existing, value);
                } else {
                    base.insert(key, value);
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}
