//! Helm's value flags' syntax (`a.b=c`, `list[0]=x`, `a=1,b=2`, `a={x,y}`, `\` escapes),
//! applied into the values the way Helm's `strvals` package does, in each flag's [`Mode`].

use serde_json::{Map, Value};

/// The largest list index Helm accepts.
const MAX_INDEX: usize = 65_536;
/// The deepest dotted name Helm accepts.
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// How a flag reads the value after `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--set`: typed scalars, `{a,b}` lists.
    Typed,
    /// `--set-string`: text, `{a,b}` lists of text.
    Text,
    /// `--set-json`: a JSON value (an empty value is `null`).
    Json,
    /// `--set-file`: the text of the file the value names.
    File,
    /// `--set-literal`: the rest of the argument, commas and backslashes included.
    Literal,
}

/// Why an argument cannot be read: the message names keys, never values, and `column` is the
/// 1-based position in the argument of the item that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

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

/// Reads the file a `--set-file` value names.
pub type FileReader<'r> = &'r dyn Fn(&str) -> Result<String, String>;

/// Apply one argument of a flag in `mode` into `dest`, a JSON object (`read_file` serves
/// [`Mode::File`]), calling `item` after each comma-separated item with the item's 1-based start
/// column and what that item alone sets (for the origins of the values it gives).
pub fn items(
    arg: &str,
    dest: &mut Value,
    mode: Mode,
    read_file: FileReader<'_>,
    mut item: impl FnMut(usize, Value),
) -> Result<(), ParseError> {
    let Value::Object(map) = dest else {
        return Err(ParseError {
            column: 1,
            message: "the values are not a map".to_string(),
        });
    };
    let mut parser = StrParser {
        chars: arg.chars().collect(),
        pos: 0,
        mode,
        read_file,
    };
    loop {
        let start = parser.pos;
        let step = parser.key(map, 0);
        if !matches!(step, Err(Stop::Error(_))) {
            let mut alone = StrParser {
                chars: parser.chars[start..parser.pos].to_vec(),
                pos: 0,
                ..parser
            };
            let mut only = Map::new();
            let _ = alone.key(&mut only, 0);
            if !only.is_empty() {
                item(start + 1, Value::Object(only));
            }
        }
        match step {
            Ok(()) => {}
            Err(Stop::End) => return Ok(()),
            Err(Stop::Error(message)) => {
                return Err(ParseError {
                    column: start + 1,
                    message,
                });
            }
        }
    }
}

struct StrParser<'r> {
    chars: Vec<char>,
    pos: usize,
    mode: Mode,
    read_file: FileReader<'r>,
}

impl StrParser<'_> {
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

    /// The text up to one of `stop` (`\x` gives `x`) and the stop met (`None`: the argument ended).
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut text = String::new();
        loop {
            match self.read() {
                None => return (text, None),
                Some(c) if stop.contains(&c) => return (text, Some(c)),
                Some('\\') if self.mode != Mode::Literal => match self.read() {
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
            Some('=') => {
                let (value, step) = self.value()?;
                set(data, &key, value);
                step
            }
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

    /// The value after `=`, and whether the argument goes on after it.
    fn value(&mut self) -> Step<(Value, Step<()>)> {
        match self.mode {
            Mode::Json => return self.json_value(),
            Mode::Literal => {
                let text: String = self.chars[self.pos..].iter().collect();
                self.pos = self.chars.len();
                return Ok((Value::String(text), Err(Stop::End)));
            }
            _ => {}
        }
        if let Some(list) = self.value_list()? {
            return Ok((Value::Array(list), Ok(())));
        }
        if self.pos >= self.chars.len() {
            return Ok((Value::String(String::new()), Err(Stop::End)));
        }
        let (text, _) = self.until(&[',']);
        let value = match self.mode {
            Mode::File => Value::String((self.read_file)(&text).or_else(fail)?),
            _ => self.typed(text),
        };
        Ok((value, Ok(())))
    }

    /// `--set-json`: blanks then `,` or the end is `null`, else a JSON value, blanks, optional `,`.
    fn json_value(&mut self) -> Step<(Value, Step<()>)> {
        if self.empty_value() {
            return Ok((Value::Null, self.after_value()));
        }
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut values = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
        let value = match values.next() {
            Some(Ok(value)) => value,
            Some(Err(e)) => return fail(format!("the value is not valid JSON: {e}")),
            None => Value::Null,
        };
        let used = rest[..values.byte_offset()].chars().count();
        self.pos += used;
        self.empty_value();
        Ok((value, self.after_value()))
    }

    /// Skip blanks; is the value empty (a `,` or the end follows)?
    fn empty_value(&mut self) -> bool {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
        matches!(self.chars.get(self.pos), None | Some(','))
    }

    /// After a JSON value: a `,` goes on to the next item, the end stops.
    fn after_value(&mut self) -> Step<()> {
        match self.read() {
            None => Err(Stop::End),
            Some(',') => Ok(()),
            Some(_) => fail("unexpected text after the JSON value (items are separated by ,)"),
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
                let (value, step) = self.value()?;
                set_index(list, i, value)?;
                step
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
        match self.mode {
            Mode::Typed => typed_value(text),
            _ => Value::String(text),
        }
    }
}

/// Helm's `typedVal`: `true`/`false`/`null` in any case, integers not starting with `0`, else text.
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

    /// [`items`] without the per-item calls.
    fn parse_into(
        arg: &str,
        dest: &mut Value,
        mode: Mode,
        read_file: FileReader<'_>,
    ) -> Result<(), ParseError> {
        items(arg, dest, mode, read_file, |_, _| {})
    }

    fn no_files(path: &str) -> Result<String, String> {
        Err(format!("no file {path}"))
    }

    fn parse_in(arg: &str, mode: Mode) -> Result<Value, ParseError> {
        let mut v = json!({});
        parse_into(arg, &mut v, mode, &no_files).map(|()| v)
    }

    fn parse(arg: &str) -> Result<Value, ParseError> {
        parse_in(arg, Mode::Typed)
    }

    fn parse_string(arg: &str) -> Value {
        parse_in(arg, Mode::Text).unwrap()
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
        parse_into("outer.new=2,list[1]=c", &mut v, Mode::Typed, &no_files).unwrap();
        assert_eq!(
            v,
            json!({"outer": {"keep": 1, "new": 2}, "list": ["a", "c"]})
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(arg in "[a-z0-9.,=\\\\\\[\\]{}-]{0,40}") {
            let mut v = json!({"a": {"b": 1}, "l": [1, {"x": 2}]});
            let _ = parse_into(&arg, &mut v, Mode::Typed, &no_files);
            let _ = parse_into(&arg, &mut v, Mode::Json, &no_files);
            let _ = parse_into(&arg, &mut v, Mode::Literal, &no_files);
        }
    }

    #[test]
    fn too_deep_names_fail() {
        let arg = format!("{}=1", vec!["a"; 40].join("."));
        assert!(parse(&arg).is_err());
    }

    // Cases from Helm's pkg/strvals/parser_test.go (TestParseJSON) and literal_parser_test.go.
    #[test]
    fn json_values() {
        let cases = [
            (
                "outer.inner1=\"1\",outer.inner3.inner4=4",
                json!({"outer": {"inner1": "1", "inner3": {"inner4": 4}}}),
            ),
            (
                "outer.inner1=[\"a\",1,{\"b\":null}]",
                json!({"outer": {"inner1": ["a", 1, {"b": null}]}}),
            ),
            ("a=null", json!({"a": null})),
            ("a=,b=true", json!({"a": null, "b": true})),
            (
                "list[1]={\"x\": \"y,z\"}",
                json!({"list": [null, {"x": "y,z"}]}),
            ),
            ("a= 1 ,b=2", json!({"a": 1, "b": 2})),
        ];
        for (arg, expected) in cases {
            assert_eq!(parse_in(arg, Mode::Json), Ok(expected), "{arg}");
        }
        let err = parse_in("a={\"password\": \"hunter2\"", Mode::Json).unwrap_err();
        assert!(!err.message.contains("hunter2"), "{err:?}");
    }

    #[test]
    fn literal_values() {
        let cases = [
            ("name=value", json!({"name": "value"})),
            ("name=a,b=c\\d", json!({"name": "a,b=c\\d"})),
            ("outer.inner=a{b}", json!({"outer": {"inner": "a{b}"}})),
            ("list[1]=x,y", json!({"list": [null, "x,y"]})),
            ("a=", json!({"a": ""})),
        ];
        for (arg, expected) in cases {
            assert_eq!(parse_in(arg, Mode::Literal), Ok(expected), "{arg}");
        }
    }

    #[test]
    fn file_values_are_the_file_text() {
        let read = |path: &str| match path {
            "ca.pem" => Ok("-----BEGIN\n".to_string()),
            other => Err(format!("cannot read {other}")),
        };
        let mut v = json!({});
        parse_into("a.cert=ca.pem,b[0]=ca.pem", &mut v, Mode::File, &read).unwrap();
        assert_eq!(
            v,
            json!({"a": {"cert": "-----BEGIN\n"}, "b": ["-----BEGIN\n"]})
        );
        let err = parse_into("a=missing", &mut json!({}), Mode::File, &read).unwrap_err();
        assert_eq!(err.message, "cannot read missing");
    }

    #[test]
    fn items_report_their_columns() {
        let mut v = json!({});
        let mut seen = Vec::new();
        items(
            "a.b=1,c[0]=x,d=2",
            &mut v,
            Mode::Typed,
            &no_files,
            |column, item| {
                seen.push((column, item));
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            [
                (1, json!({"a": {"b": 1}})),
                (7, json!({"c": ["x"]})),
                (14, json!({"d": 2}))
            ]
        );
        let err = parse("a=1,b.c").unwrap_err();
        assert_eq!(err.column, 5, "{err:?}");
    }
}
