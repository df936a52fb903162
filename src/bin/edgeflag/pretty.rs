//! A fixed pretty-printer over [`json::Value`], so that `edgeflag build` (and the JSON outputs of
//! `diff`, `lint`, `bucket`) write the same bytes for the same tree.
//!
//! The rules, all of them:
//! - members and elements keep their order; strings are escaped as by [`json::write_string`];
//!   numbers keep their text;
//! - the top-level value is always spread over several lines;
//! - any other object or array is written on one line, with `", "` between members and `": "` after
//!   keys, when that line (indentation, key and trailing comma included) fits in [`WIDTH`] columns;
//! - otherwise it is spread: one member per line, indented by two spaces more than its parent;
//! - empty containers are `{}` and `[]`; the text ends with a newline.

use edgeflag::json::{self, Value};

/// The column limit for one-line containers.
pub const WIDTH: usize = 100;

/// `v` pretty-printed (see the module's rules), ending with a newline.
pub fn pretty(v: &Value<'_>) -> String {
    let mut out = String::new();
    write(&mut out, v, 0, 0, true);
    out.push('\n');
    out
}

/// `v` on one line, with `", "` and `": "` separators.
pub fn one_line(v: &Value<'_>) -> String {
    let mut out = String::new();
    inline(&mut out, v);
    out
}

fn inline(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline(out, e);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, e)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json::write_string(out, k);
                out.push_str(": ");
                inline(out, e);
            }
            out.push('}');
        }
        scalar => json::write_value(out, scalar),
    }
}

/// Writes `v` whose first character lands at column `col` (after a key), inside a container
/// indented by `indent` levels.
fn write(out: &mut String, v: &Value<'_>, indent: usize, col: usize, top: bool) {
    let empty = match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    };
    if empty {
        inline(out, v);
        return;
    }
    if !top {
        let line = one_line(v);
        // +1 for a trailing comma.
        if col + line.chars().count() < WIDTH {
            out.push_str(&line);
            return;
        }
    }
    let pad = "  ".repeat(indent + 1);
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                out.push_str(if i > 0 { ",\n" } else { "\n" });
                out.push_str(&pad);
                write(out, e, indent + 1, pad.len(), false);
            }
            out.push('\n');
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, e)) in members.iter().enumerate() {
                out.push_str(if i > 0 { ",\n" } else { "\n" });
                out.push_str(&pad);
                let start = out.len();
                json::write_string(out, k);
                out.push_str(": ");
                let key_cols = out[start..].chars().count();
                write(out, e, indent + 1, pad.len() + key_cols, false);
            }
            out.push('\n');
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_containers_stay_on_one_line() {
        let v = json::parse(r#"{"a":{"b":[1,2,{"c":"d"}]},"e":[],"f":{}}"#).unwrap();
        assert_eq!(pretty(&v), "{\n  \"a\": {\"b\": [1, 2, {\"c\": \"d\"}]},\n  \"e\": [],\n  \"f\": {}\n}\n");
    }

    #[test]
    fn long_containers_are_spread() {
        let long: Vec<String> = (0..30).map(|i| format!("\"user-{i}\"")).collect();
        let text = format!(r#"{{"s":{{"include":[{}],"x":1}}}}"#, long.join(","));
        let v = json::parse(&text).unwrap();
        let p = pretty(&v);
        assert!(p.starts_with("{\n  \"s\": {\n    \"include\": [\n      \"user-0\",\n"), "{p}");
        assert!(p.contains("\n    ],\n    \"x\": 1\n  }\n}\n"), "{p}");
        // Every line fits or is a single scalar.
        for line in p.lines() {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
        // Round trip: same tree.
        assert_eq!(json::parse(&p).unwrap(), v);
    }

    #[test]
    fn numbers_keep_their_text_and_strings_are_escaped() {
        let v = json::parse(r#"{"p":12.50,"s":"a\"b\n\u0001é"}"#).unwrap();
        assert_eq!(pretty(&v), "{\n  \"p\": 12.50,\n  \"s\": \"a\\\"b\\n\\u0001é\"\n}\n");
    }
}
