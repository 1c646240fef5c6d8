//! A small JSON reader and the value encoder of semantics.md section 6.
//!
//! Why not serde_json for reading: requests must tell an integer literal outside int64 (a
//! `BadRequest`) from a float, which serde_json (without `arbitrary_precision`, a feature that
//! would change the whole workspace) cannot. Encoding writes CPython's float repr directly.

use std::fmt::Write as _;

use crate::value::{Value, float_repr};

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer literal outside int64.
    BigInt(String),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Members in order; a repeated name keeps the last value (as Python's json does).
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("extra data at column {}", p.i + 1));
    }
    Ok(v)
}

/// Parses one value starting at byte `at` of `text` (no leading whitespace skipped); the value
/// and the offset just after it; `depth` is the nesting depth of that value in its document
/// (the same depth limit applies). For the request fast path (`fastreq.rs`).
pub fn parse_at(text: &str, at: usize, depth: usize) -> Result<(Json, usize), String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: at,
    };
    let v = p.value(depth)?;
    Ok((v, p.i))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at column {}", self.i + 1))
    }
    fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("expecting value")
        }
    }
    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 512 {
            return self.err("nesting too deep");
        }
        match self.s.get(self.i) {
            None => self.err("expecting value"),
            Some(b'n') => self.lit("null", Json::Null),
            Some(b't') => self.lit("true", Json::Bool(true)),
            Some(b'f') => self.lit("false", Json::Bool(false)),
            Some(b'N') => self.lit("NaN", Json::Float(f64::NAN)),
            Some(b'I') => self.lit("Infinity", Json::Float(f64::INFINITY)),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(items));
                        }
                        _ => return self.err("expecting ',' delimiter"),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return self.err("expecting property name enclosed in double quotes");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return self.err("expecting ':' delimiter");
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    members.push((k, v));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(members));
                        }
                        _ => return self.err("expecting ',' delimiter"),
                    }
                }
            }
            Some(b'-') if self.s[self.i..].starts_with(b"-Infinity") => {
                self.i += 9;
                Ok(Json::Float(f64::NEG_INFINITY))
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(),
            _ => self.err("expecting value"),
        }
    }
    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        let digits = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i == digits || (self.s[digits] == b'0' && self.i - digits > 1) {
            return self.err("invalid number");
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') {
            float = true;
            self.i += 1;
            let f = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            if f == self.i {
                return self.err("invalid number");
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            float = true;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let f = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            if f == self.i {
                return self.err("invalid number");
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        if float {
            return text
                .parse()
                .map(Json::Float)
                .or_else(|_| self.err("invalid number"));
        }
        Ok(match text.parse::<i64>() {
            Ok(i) => Json::Int(i),
            Err(_) => Json::BigInt(text.to_string()),
        })
    }
    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|h| std::str::from_utf8(h).ok());
        match h.and_then(|h| u32::from_str_radix(h, 16).ok()) {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => self.err("invalid \\uXXXX escape"),
        }
    }
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len()
                && !matches!(self.s[self.i], b'"' | b'\\')
                && self.s[self.i] >= 0x20
            {
                self.i += 1;
            }
            match std::str::from_utf8(&self.s[start..self.i]) {
                Ok(t) => out.push_str(t),
                Err(_) => return self.err("invalid UTF-8"),
            }
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.s.get(self.i).copied();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    out.push('\u{FFFD}');
                                    cp = lo;
                                }
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return self.err("invalid escape"),
                    }
                }
                None => return self.err("unterminated string"),
                Some(_) => return self.err("invalid control character"),
            }
        }
    }
}

/// Writes a JSON string literal (non-ASCII kept as is, like `ensure_ascii=False`).
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Encodes a value as semantics.md section 6 says (the oracle's `json.dumps(encode(v))`).
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str("{\"$float\": \"NaN\"}")
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 {
                    "{\"$float\": \"Infinity\"}"
                } else {
                    "{\"$float\": \"-Infinity\"}"
                })
            } else {
                out.push_str(&float_repr(*f))
            }
        }
        Value::Str(s) => write_str(out, s),
        Value::List(l) => write_seq(out, &l.borrow()),
        Value::Tuple(t) => write_seq(out, t),
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, x)) in d.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let ks = match k {
                    Value::Str(s) => s.to_string(),
                    Value::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                    Value::None => "null".to_string(),
                    other => other.repr(),
                };
                write_str(out, &ks);
                out.push_str(": ");
                write_value(out, x);
            }
            out.push('}');
        }
        Value::Ref(r) => {
            out.push_str("{\"$entity\": ");
            write_str(out, &r.entity);
            out.push_str(", \"key\": ");
            write_value(out, &r.key.to_value());
            out.push('}');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value]) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(out, x);
    }
    out.push(']');
}

pub fn to_json(v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_big_ints_apart() {
        assert_eq!(
            parse("9223372036854775808").unwrap(),
            Json::BigInt("9223372036854775808".into())
        );
        assert_eq!(parse("1.0").unwrap(), Json::Float(1.0));
        assert!(parse("{\"a\": }").is_err());
        assert_eq!(parse("\"\\u00e9\"").unwrap(), Json::Str("é".into()));
    }
}
