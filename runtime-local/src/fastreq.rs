//! The request fast path: a single pass over the bytes of a well-formed request line of the
//! usual shape (`{"id": .., "call": "T", "key": .., "method": "m", "args": [..]}`, any member
//! order, `create`/`get` too) that builds the [`Request`] without materialising the envelope as
//! a JSON tree (no allocation per member name).
//!
//! It only ever *accepts* lines on which the general parser ([`crate::request::parse_line`])
//! would produce the very same request; on anything else (escapes in names or strings, unknown
//! or repeated members, big or non-integer ids, unknown types, malformed JSON, argument shape
//! errors, ...) it returns `None` and the general parser decides, so error results and their
//! messages are unchanged by construction.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::json;
use crate::request::{Arg, ReqId, Request, RequestKind, check_json};
use crate::value::Key;

struct Scan<'a> {
    s: &'a [u8],
    t: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }
    /// A string literal without escapes or control characters: its contents.
    fn simple_str(&mut self) -> Option<&'a str> {
        self.ws();
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut j = start;
        loop {
            match *self.s.get(j)? {
                b'"' => break,
                b'\\' => return None,
                c if c < 0x20 => return None,
                _ => j += 1,
            }
        }
        self.i = j + 1;
        // the quotes are ASCII, so both ends are char boundaries of the &str
        self.t.get(start..j)
    }
    /// An integer literal that the general parser reads as `Json::Int` (no fraction,
    /// exponent, leading zero or int64 overflow).
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let start = self.i;
        let mut j = start;
        if self.s.get(j) == Some(&b'-') {
            j += 1;
        }
        let digits = j;
        while self.s.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == digits || (self.s[digits] == b'0' && j - digits > 1) {
            return None;
        }
        if matches!(self.s.get(j), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let v = self.t.get(start..j)?.parse::<i64>().ok()?;
        self.i = j;
        Some(v)
    }
    fn key(&mut self) -> Option<Key> {
        self.ws();
        if self.s.get(self.i) == Some(&b'"') {
            self.simple_str().map(|k| Key::Str(Arc::from(k)))
        } else {
            self.int().map(Key::Int)
        }
    }
}

impl Scan<'_> {
    /// `{"$entity": "T", "key": K}` (either order, nothing else) of a known type.
    fn entity_ref(&mut self, types: &FxHashMap<&str, usize>) -> Option<Arg> {
        self.eat(b'{')?;
        let (mut ty, mut key) = (None, None);
        for last in [false, true] {
            match self.simple_str()? {
                "$entity" if ty.is_none() => {
                    self.eat(b':')?;
                    ty = Some(*types.get(self.simple_str()?)?);
                }
                "key" if key.is_none() => {
                    self.eat(b':')?;
                    key = Some(self.key()?);
                }
                _ => return None,
            }
            self.eat(if last { b'}' } else { b',' })?;
        }
        Some(Arg::Ref(ty?, key?))
    }

    /// One argument: an int, a plain string or an entity reference read in place; anything
    /// else through the JSON parser (then shape-checked as the general parser does).
    fn arg(&mut self, types: &FxHashMap<&str, usize>) -> Option<Arg> {
        self.ws();
        let start = self.i;
        let fast = match self.s.get(start)? {
            b'"' => self.simple_str().map(|s| Arg::Str(Arc::from(s))),
            b'-' | b'0'..=b'9' => self.int().map(Arg::Int),
            b'{' => self.entity_ref(types),
            _ => None,
        };
        if fast.is_some() {
            return fast;
        }
        self.i = start;
        let (v, end) = json::parse_at(self.t, start, 2).ok()?;
        check_json(&v, types).ok()?;
        self.i = end;
        Some(Arg::Json(v))
    }

    /// The `args` array.
    fn args(&mut self, types: &FxHashMap<&str, usize>) -> Option<Vec<Arg>> {
        self.eat(b'[')?;
        let mut out = Vec::with_capacity(4);
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(out);
        }
        loop {
            out.push(self.arg(types)?);
            self.ws();
            match self.s.get(self.i)? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Create,
    Call,
    Get,
}

/// The request of `line`, when it has the common shape (see the module docs); `None` defers
/// to the general parser.
pub fn parse_fast(line: &str, types: &FxHashMap<&str, usize>) -> Option<Request> {
    let mut p = Scan {
        s: line.as_bytes(),
        t: line,
        i: 0,
    };
    p.eat(b'{')?;
    let mut id: Option<ReqId> = None;
    let mut kind: Option<(Kind, usize)> = None;
    let mut key: Option<Key> = None;
    let mut method: Option<&str> = None;
    let mut args: Option<Vec<Arg>> = None;
    loop {
        let name = p.simple_str()?;
        p.eat(b':')?;
        p.ws();
        match name {
            "id" if id.is_none() => {
                id = Some(if p.s.get(p.i) == Some(&b'"') {
                    let s = p.simple_str()?;
                    let mut o = String::with_capacity(s.len() + 2);
                    o.push('"');
                    o.push_str(s);
                    o.push('"');
                    ReqId::Text(o)
                } else {
                    ReqId::Int(p.int()?)
                });
            }
            "call" | "create" | "get" if kind.is_none() => {
                let k = match name {
                    "call" => Kind::Call,
                    "create" => Kind::Create,
                    _ => Kind::Get,
                };
                let ty = *types.get(p.simple_str()?)?;
                kind = Some((k, ty));
            }
            "key" if key.is_none() => key = Some(p.key()?),
            "method" if method.is_none() => method = Some(p.simple_str()?),
            "args" if args.is_none() => args = Some(p.args(types)?),
            _ => return None,
        }
        p.ws();
        match p.s.get(p.i)? {
            b',' => p.i += 1,
            b'}' => {
                p.i += 1;
                break;
            }
            _ => return None,
        }
    }
    p.ws();
    if p.i != p.s.len() {
        return None;
    }
    let id = id?;
    let (k, ty) = kind?;
    let kind = match k {
        Kind::Get if method.is_none() && args.is_none() => RequestKind::Get { ty, key: key? },
        Kind::Create if key.is_none() && method.is_none() => RequestKind::Create {
            ty,
            args: args.unwrap_or_default(),
        },
        Kind::Call => RequestKind::Call {
            ty,
            key: key?,
            method: method?.to_string(),
            args: args.unwrap_or_default(),
        },
        _ => return None,
    };
    Some(Request { id, kind })
}
