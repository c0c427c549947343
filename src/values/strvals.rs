//! Helm's `--set` / `--set-string` syntax (`a.b=c`, `list[0]=x`, `a=1,b=2`, `a={x,y}`, `\`
//! escapes), applied into the values the way Helm's `strvals.ParseInto` does, with the same type
//! inference (`true`/`false`/`null` in any case, integers not starting with `0`, else text).

use serde_json::{Map, Value};

/// The largest list index Helm accepts.
const MAX_INDEX: usize = 65_536;
/// The deepest dotted name Helm accepts.
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Why the reading stopped: at the end of the argument, or on an error.
#[derive(Debug, PartialEq)]
enum Stop {
    End,
    Error(String),
}

type Step<T> = std::result::Result<T, Stop>;

fn fail<T>(message: impl Into<String>) -> Step<T> {
    Err(Stop::Error(message.into()))
}

/// Apply one `--set` argument (`string_values` for `--set-string`) into `dest`, a JSON object.
pub fn parse_into(arg: &str, dest: &mut Value, string_values: bool) -> Result<(), String> {
    let Value::Object(map) = dest else {
        return Err("the values are not a map".to_string());
    };
    let mut parser = StrParser {
        chars: arg.chars().collect(),
        pos: 0,
        string_values,
    };
    loop {
        match parser.key(map, 0) {
            Ok(()) => {}
            Err(Stop::End) => return Ok(()),
            Err(Stop::Error(message)) => return Err(message),
        }
    }
}

struct StrParser {
    chars: Vec<char>,
    pos: usize,
    string_values: bool,
}

impl StrParser {
    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos -= 1;
    }

    /// Characters up to (not including) one of `stop`, with `\x` giving `x`. `None` as the stop
    /// character means the end of the argument.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut text = String::new();
        loop {
            match self.read() {
                None => return (text, None),
                Some(c) if stop.contains(&c) => return (text, Some(c)),
                Some('\\') => match self.read() {
                    None => return (text, None),
                    Some(next) => text.push(next),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn key(&mut self, data: &mut Map<String, Value>, level: usize) -> Step<()> {
        let (key, last) = self.until(&['=', '[', ',', '.']);
        match last {
            None if key.is_empty() => Err(Stop::End),
            None => fail(format!("key \"{key}\" has no value")),
            Some('[') => self.key_index(data, key, level),
            Some('=') => self.key_value(data, key),
            Some(',') => {
                set(data, &key, Value::String(String::new()));
                fail(format!("key \"{key}\" has no value (cannot end with ,)"))
            }
            _ => self.key_map(data, key, level),
        }
    }

    fn key_index(&mut self, data: &mut Map<String, Value>, key: String, level: usize) -> Step<()> {
        let index = self.index()?;
        let mut list = match data.get(&key) {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return fail(format!("key \"{key}\" is not a list")),
        };
        let result = self.list_item(&mut list, index, level);
        set(data, &key, Value::Array(list));
        result
    }

    fn key_value(&mut self, data: &mut Map<String, Value>, key: String) -> Step<()> {
        match self.value_list()? {
            Some(list) => {
                set(data, &key, Value::Array(list));
                Ok(())
            }
            None if self.pos >= self.chars.len() => {
                set(data, &key, Value::String(String::new()));
                Err(Stop::End)
            }
            None => {
                let (text, _) = self.until(&[',']);
                set(data, &key, self.typed(text));
                Ok(())
            }
        }
    }

    fn key_map(&mut self, data: &mut Map<String, Value>, key: String, level: usize) -> Step<()> {
        let level = level + 1;
        if level > MAX_NESTED_NAME_LEVEL {
            return fail(format!(
                "value name nested level is greater than maximum supported nested level of \
                 {MAX_NESTED_NAME_LEVEL}"
            ));
        }
        let mut inner = match data.get(&key) {
            None => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(_) => return fail(format!("key \"{key}\" is not a map")),
        };
        let result = self.key(&mut inner, level);
        if result.is_ok() && inner.is_empty() {
            return fail(format!("key map \"{key}\" has no value"));
        }
        if !inner.is_empty() {
            set(data, &key, Value::Object(inner));
        }
        result
    }

    fn index(&mut self) -> Step<i64> {
        let (text, last) = self.until(&[']']);
        if last.is_none() {
            return fail("error parsing index: missing ']'");
        }
        text.parse::<i64>()
            .or_else(|_| fail(format!("error parsing index: invalid index \"{text}\"")))
    }

    fn list_item(&mut self, list: &mut Vec<Value>, index: i64, level: usize) -> Step<()> {
        let Ok(i) = usize::try_from(index) else {
            return fail(format!("negative {index} index not allowed"));
        };
        let (extra, last) = self.until(&['[', '.', '=']);
        if !extra.is_empty() {
            return fail(format!(
                "unexpected data at end of array index: \"{extra}\""
            ));
        }
        match last {
            None => Err(Stop::End),
            Some('=') => {
                let value = match self.value_list()? {
                    Some(items) => Value::Array(items),
                    None if self.pos >= self.chars.len() => Value::String(String::new()),
                    None => {
                        let (text, _) = self.until(&[',']);
                        self.typed(text)
                    }
                };
                set_index(list, i, value)
            }
            Some('[') => {
                let next = self.index()?;
                let mut inner = match list.get(i) {
                    Some(Value::Array(items)) => items.clone(),
                    Some(Value::Null) | None => Vec::new(),
                    Some(_) => return fail(format!("index {i} is not a list")),
                };
                self.list_item(&mut inner, next, level)?;
                set_index(list, i, Value::Array(inner))
            }
            _ => {
                let mut inner = match list.get(i) {
                    Some(Value::Object(map)) => map.clone(),
                    _ => Map::new(),
                };
                self.key(&mut inner, level)?;
                set_index(list, i, Value::Object(inner))
            }
        }
    }

    /// `{a,b}` as a list; `None` when the value is not a list (nothing consumed).
    fn value_list(&mut self) -> Step<Option<Vec<Value>>> {
        match self.read() {
            None => return Ok(None),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Ok(None);
            }
        }
        let mut list = Vec::new();
        loop {
            let (text, last) = self.until(&[',', '}']);
            match last {
                None => return fail("list must terminate with '}'"),
                Some('}') => {
                    if let Some(c) = self.read()
                        && c != ','
                    {
                        self.unread();
                    }
                    list.push(self.typed(text));
                    return Ok(Some(list));
                }
                _ => list.push(self.typed(text)),
            }
        }
    }

    fn typed(&self, text: String) -> Value {
        if self.string_values {
            Value::String(text)
        } else {
            typed_value(text)
        }
    }
}

/// Helm's `typedVal`.
fn typed_value(text: String) -> Value {
    if text.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if text.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if text == "0" {
        return Value::Number(0.into());
    }
    if !text.is_empty()
        && !text.starts_with('0')
        && let Ok(n) = text.parse::<i64>()
    {
        return Value::Number(n.into());
    }
    Value::String(text)
}

fn set(data: &mut Map<String, Value>, key: &str, value: Value) {
    if !key.is_empty() {
        data.insert(key.to_string(), value);
    }
}

fn set_index(list: &mut Vec<Value>, index: usize, value: Value) -> Step<()> {
    if index > MAX_INDEX {
        return fail(format!(
            "index of {index} is greater than maximum supported index of {MAX_INDEX}"
        ));
    }
    if list.len() <= index {
        list.resize(index + 1, Value::Null);
    }
    list[index] = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(arg: &str) -> Result<Value, String> {
        let mut v = json!({});
        parse_into(arg, &mut v, false).map(|()| v)
    }

    fn parse_string(arg: &str) -> Value {
        let mut v = json!({});
        parse_into(arg, &mut v, true).unwrap();
        v
    }

    // Cases from Helm's pkg/strvals/parser_test.go (TestParseSet / TestParseInto).
    #[test]
    fn helm_parse_set_cases() {
        let cases = [
            ("name1=value1", json!({"name1": "value1"})),
            (
                "name1=value1,name2=value2",
                json!({"name1": "value1", "name2": "value2"}),
            ),
            (
                "name1=value1,name2=value2,",
                json!({"name1": "value1", "name2": "value2"}),
            ),
            (
                "name1=,name2=value2",
                json!({"name1": "", "name2": "value2"}),
            ),
            ("leading_zeros=00009", json!({"leading_zeros": "00009"})),
            ("zero_int=0", json!({"zero_int": 0})),
            ("long_int=1234567890", json!({"long_int": 1_234_567_890})),
            ("boolean=true", json!({"boolean": true})),
            ("is_null=null", json!({"is_null": null})),
            (
                "name1=one\\,two,name2=three\\,four",
                json!({"name1": "one,two", "name2": "three,four"}),
            ),
            ("name1=one\\=two", json!({"name1": "one=two"})),
            ("name1=one two three", json!({"name1": "one two three"})),
            ("outer.inner=value", json!({"outer": {"inner": "value"}})),
            (
                "outer.middle.inner=value",
                json!({"outer": {"middle": {"inner": "value"}}}),
            ),
            (
                "outer.inner1=value,outer.inner2=value2",
                json!({"outer": {"inner1": "value", "inner2": "value2"}}),
            ),
            ("name1.name2=", json!({"name1": {"name2": ""}})),
            (
                "name1.name2=1,name1.name2=2",
                json!({"name1": {"name2": 2}}),
            ),
            (
                "name1={value1,value2}",
                json!({"name1": ["value1", "value2"]}),
            ),
            (
                "name1={value1,value2},name2={value1,value2}",
                json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]}),
            ),
            ("list[0]=foo", json!({"list": ["foo"]})),
            ("list[0].foo=bar", json!({"list": [{"foo": "bar"}]})),
            (
                "list[0].foo=bar,list[0].hello=world",
                json!({"list": [{"foo": "bar", "hello": "world"}]}),
            ),
            ("list[0]=foo,list[1]=bar", json!({"list": ["foo", "bar"]})),
            ("list[0]=foo,list[1]=bar,", json!({"list": ["foo", "bar"]})),
            (
                "list[0]=foo,list[3]=bar",
                json!({"list": ["foo", null, null, "bar"]}),
            ),
            ("nested[0][0]=1", json!({"nested": [[1]]})),
            ("nested[1][1]=1", json!({"nested": [null, [null, 1]]})),
            (
                "name1.name2[0].foo=bar",
                json!({"name1": {"name2": [{"foo": "bar"}]}}),
            ),
            ("key[0]=value,key=value", json!({"key": "value"})),
        ];
        for (arg, expected) in cases {
            assert_eq!(parse(arg), Ok(expected), "{arg}");
        }
    }

    #[test]
    fn helm_parse_set_errors() {
        for arg in [
            "name1=value1,,,,name2=value2,",
            "name1.=name2",
            "name1,name2=",
            "list[0=x",
            "name1",
            "name1.name2",
            "name1={value1,value2",
            "list[-30].hello=world",
            "list[65537]=foo",
            "list[a]=x",
            "list[0]a=x",
            "a=1,a.b=2",
        ] {
            assert!(parse(arg).is_err(), "{arg} should fail");
        }
    }

    #[test]
    fn set_string_keeps_text() {
        assert_eq!(
            parse_string("a=true,b=1,c=null"),
            json!({"a": "true", "b": "1", "c": "null"})
        );
    }

    #[test]
    fn parse_into_keeps_existing_values() {
        let mut v = json!({"outer": {"keep": 1}, "list": ["a", "b"]});
        parse_into("outer.new=2,list[1]=c", &mut v, false).unwrap();
        assert_eq!(
            v,
            json!({"outer": {"keep": 1, "new": 2}, "list": ["a", "c"]})
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(arg in "[a-z0-9.,=\\\\\\[\\]{}-]{0,40}") {
            let mut v = json!({"a": {"b": 1}, "l": [1, {"x": 2}]});
            let _ = parse_into(&arg, &mut v, false);
        }
    }

    #[test]
    fn too_deep_names_fail() {
        let arg = format!("{}=1", vec!["a"; 40].join("."));
        assert!(parse(&arg).is_err());
    }
}
