//! The rules over the user's values, all run at once: the structural walk over the parameter
//! table ([`walk`]: unknown keys, types, formats, Kubernetes shapes), then the rules that relate
//! several values ([`persistence`], [`rules`]). Every finding carries the parameter path, the
//! place the value came from and a hint; findings are sorted by location.

pub mod formats;
pub mod persistence;
pub mod rules;
pub mod walk;

use std::cmp::Reverse;

use serde_json::Value;

use crate::report::{Finding, Severity};
use crate::values::Values;
use crate::values::yaml::pointer_to_path;

pub fn validate(values: &Values) -> Vec<Finding> {
    let mut ctx = Ctx {
        values,
        findings: Vec::new(),
    };
    walk::walk(&mut ctx);
    persistence::check(&mut ctx);
    rules::check(&mut ctx);
    sorted(ctx.findings)
}

/// Sort findings by location (then path, errors first, message) and drop exact repeats.
pub fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        let key = |f: &Finding| (f.origin.clone(), f.path.clone(), Reverse(f.severity));
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
    findings.dedup();
    findings
}

/// The GPU library keys of `dirs.nvidia` and `mountPaths.nvidia` (chart 0.4.2 mounts all or none).
pub const NVIDIA: [&str; 3] = ["lib", "bin", "libcuda"];

/// The values being checked and the findings so far.
pub struct Ctx<'a> {
    pub values: &'a Values,
    pub findings: Vec<Finding>,
}

impl Ctx<'_> {
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.values.get(pointer)
    }

    /// A string at `pointer`, if it is one and not empty.
    pub fn text(&self, pointer: &str) -> Option<&str> {
        self.get(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn is_true(&self, pointer: &str) -> bool {
        self.get(pointer) == Some(&Value::Bool(true))
    }

    pub fn add(&mut self, severity: Severity, pointer: &str, message: String, hint: String) {
        let finding = Finding::new(
            severity,
            pointer_to_path(pointer),
            self.values.origin(pointer),
            message,
        );
        self.findings.push(finding.with_hint(hint));
    }

    pub fn error(&mut self, pointer: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.add(Severity::Error, pointer, message.into(), hint.into());
    }

    pub fn warning(&mut self, pointer: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.add(Severity::Warning, pointer, message.into(), hint.into());
    }

    /// An error for what a text rule ([`formats`]) found wrong, if anything.
    pub fn problem(&mut self, pointer: &str, checked: Result<(), formats::Problem>) {
        if let Err(p) = checked {
            self.error(pointer, p.message, p.hint);
        }
    }

    /// The GPU library keys ([`NVIDIA`]) whose `dirs.nvidia` host dir is set, in order.
    pub fn nvidia_dirs(&self) -> Vec<&'static str> {
        NVIDIA
            .into_iter()
            .filter(|k| self.text(&format!("/dirs/nvidia/{k}")).is_some())
            .collect()
    }
}

/// Show a value in a message: strings quoted (shortened), other scalars as written.
pub fn show(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() > 60 => {
            format!("\"{}...\"", s.chars().take(57).collect::<String>())
        }
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
        other => other.to_string(),
    }
}

/// The nearest of `candidates` to `key` (case-insensitive edit distance), for "did you mean".
pub fn suggest<'c>(key: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = key.to_ascii_lowercase();
    let limit = (key.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&c.to_ascii_lowercase(), &lower), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
/// Each finding for `values` as `severity path: message`, for the rule modules' tests.
pub(crate) fn finding_lines(values: Value) -> Vec<String> {
    validate(&Values::from_json(values))
        .into_iter()
        .map(|f| format!("{} {}: {}", f.severity.as_str(), f.path, f.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn suggestions() {
        let keys = ["persistence", "nodeSelector", "mountPath", "existingClaim"];
        assert_eq!(suggest("persistance", keys), Some("persistence"));
        assert_eq!(suggest("mountpath", keys), Some("mountPath"));
        assert_eq!(suggest("existingclaim", keys), Some("existingClaim"));
        assert_eq!(suggest("zzz", keys), None);
    }

    #[test]
    fn clean_values_give_no_findings() {
        let v = Values::from_json(json!({"timeZone": "UTC", "namespace": "polyaxon"}));
        assert_eq!(validate(&v), vec![]);
    }
}
