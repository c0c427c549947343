//! The checking context of an overlay file: where each value is, the findings so far, and the type
//! checks every part of the format uses (a map, a list, a string, a regex...). Each check records a
//! located finding and returns `None` rather than failing, so one run reports them all.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

use super::template;
use crate::podspec::join;
use crate::report::{Finding, Origin, Severity};
use crate::validate::suggest;
use crate::values::yaml::{kind_name, pointer_to_path};

pub(super) struct Ctx<'a> {
    pub(super) origins: &'a BTreeMap<String, Origin>,
    /// The file's lines, to locate keys.
    pub(super) lines: Vec<&'a str>,
    pub(super) findings: Vec<Finding>,
}

impl Ctx<'_> {
    /// Where the value at `pointer` (or its nearest located ancestor) is.
    pub(super) fn origin(&self, pointer: &str) -> Origin {
        crate::values::origin_at(self.origins, pointer)
    }

    pub(super) fn error(
        &mut self,
        pointer: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let finding = Finding::error(pointer_to_path(pointer), self.origin(pointer), message);
        self.findings.push(finding.with_hint(hint));
    }

    pub(super) fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub(super) fn type_error(&mut self, pointer: &str, expected: &str, found: &Value) {
        let message = format!("expected {expected}, found {}", kind_name(found));
        let hint = match found {
            Value::Number(_) | Value::Bool(_) if expected.contains("string") => {
                "quote it: YAML reads it as a number or a boolean"
            }
            _ => "",
        };
        self.error(pointer, message, hint);
    }

    /// Unknown keys, each with the nearest allowed one.
    pub(super) fn keys(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
        allowed: &[&str],
        what: &str,
    ) {
        for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
            let hint = one_of(key, allowed, &format!("{what} has"));
            let at = join(pointer, key);
            let message = format!("unknown key \"{key}\" in {what}");
            let finding = Finding::error(pointer_to_path(&at), self.key_origin(&at, key), message);
            self.findings.push(finding.with_hint(hint));
        }
    }

    /// Where a key is. The reader locates a scalar by its value (`key: value`), so move the
    /// column back to the key when it is on the same line.
    pub(super) fn key_origin(&self, pointer: &str, key: &str) -> Origin {
        let origin = self.origin(pointer);
        let Origin::File { file, line, column } = &origin else {
            return origin;
        };
        let Some(text) = self.lines.get(line.saturating_sub(1)) else {
            return origin;
        };
        let before: String = text.chars().take(column.saturating_sub(1)).collect();
        match before.rfind(key) {
            Some(byte) => Origin::File {
                file: file.clone(),
                line: *line,
                column: before[..byte].chars().count() + 1,
            },
            None => origin,
        }
    }

    /// Resolve `{{ .Values.x }}` references in every string below `pointer`.
    pub(super) fn resolve(&mut self, value: &mut Value, pointer: &str, values: &Value) {
        match value {
            Value::String(text) => match template::resolve(text, values) {
                Ok(Some(resolved)) => *value = resolved,
                Ok(None) => {}
                Err(why) => self.error(pointer, why, "set it with -f or --set, or write the value"),
            },
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.resolve(item, &format!("{pointer}/{i}"), values);
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    self.resolve(item, &join(pointer, key), values);
                }
            }
            _ => {}
        }
    }

    pub(super) fn map<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
    ) -> Option<&'v Map<String, Value>> {
        let map = value.as_object();
        if map.is_none() {
            self.type_error(pointer, "a map", value);
        }
        map
    }

    pub(super) fn list<'v>(&mut self, value: &'v Value, pointer: &str) -> Option<&'v Vec<Value>> {
        let list = value.as_array();
        if list.is_none() {
            self.type_error(pointer, "a list", value);
        }
        list
    }

    pub(super) fn string(&mut self, value: &Value, pointer: &str) -> Option<String> {
        let text = value.as_str().map(str::to_string);
        if text.is_none() {
            self.type_error(pointer, "a string", value);
        }
        text
    }

    pub(super) fn opt_string(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Option<String> {
        map.get(key)
            .and_then(|v| self.string(v, &join(parent, key)))
    }

    pub(super) fn required_string(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Option<String> {
        if !map.contains_key(key) {
            self.error(parent, format!("`{key}` is required here"), "");
            return None;
        }
        self.opt_string(map, parent, key)
    }

    pub(super) fn strings(&mut self, value: Option<&Value>, pointer: &str) -> Vec<String> {
        self.items(value, pointer, Self::string)
    }

    /// The entries of the list at `pointer`, each through `each` with its own pointer (those it
    /// rejects left out); none when there is no list.
    pub(super) fn items<T>(
        &mut self,
        value: Option<&Value>,
        pointer: &str,
        mut each: impl FnMut(&mut Self, &Value, &str) -> Option<T>,
    ) -> Vec<T> {
        let Some(items) = value.and_then(|v| self.list(v, pointer)) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| each(self, item, &format!("{pointer}/{i}")))
            .collect()
    }

    pub(super) fn string_map(
        &mut self,
        value: Option<&Value>,
        pointer: &str,
    ) -> BTreeMap<String, String> {
        let Some(map) = value.and_then(|v| self.map(v, pointer)) else {
            return BTreeMap::new();
        };
        map.iter()
            .filter_map(|(k, v)| Some((k.clone(), self.string(v, &join(pointer, k))?)))
            .collect()
    }

    pub(super) fn boolean(&mut self, value: Option<&Value>, parent: &str) -> bool {
        match value {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.type_error(&join(parent, "initContainers"), "true or false", other);
                false
            }
        }
    }

    pub(super) fn regex(&mut self, value: Option<&Value>, pointer: &str) -> Option<Regex> {
        let text = self.string(value?, pointer)?;
        match Regex::new(&text) {
            Ok(re) => Some(re),
            Err(e) => {
                let why = e.to_string();
                let why = why
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("error: ");
                self.error(
                    pointer,
                    format!("invalid regular expression /{text}/: {why}"),
                    "",
                );
                None
            }
        }
    }
}

pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        other => kind_name(other).to_string(),
    }
}

/// `did you mean "x"? (one of: x, y)`, or the list alone when no name is near `text`; `what`
/// introduces the list.
pub(super) fn one_of(text: &str, allowed: &[&str], what: &str) -> String {
    let list = format!("{what}: {}", allowed.join(", "));
    match suggest(text, allowed.iter().copied()) {
        Some(near) => format!("did you mean \"{near}\"? ({list})"),
        None => list,
    }
}
