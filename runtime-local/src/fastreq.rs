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
use crate::request::{Arg, Args, ReqId, Request, RequestKind, check_json};
use crate::value::{Key, KeyStr};

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
        let j = start + stop(&self.s[start..])?;
        if self.s[j] != b'"' {
            return None;
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
    /// A member name among `names` (quotes included, e.g. `"id"`), compared in place: member
    /// names are most of a line's strings, and finding their end byte by byte cost more than
    /// the compare. A name written with escapes matches none of them, and the line then goes
    /// to the general parser as before.
    fn name<T: Copy>(&mut self, names: &[(&[u8], T)]) -> Option<T> {
        self.ws();
        let rest = &self.s[self.i..];
        let &(lit, n) = names.iter().find(|(lit, _)| rest.starts_with(lit))?;
        self.i += lit.len();
        Some(n)
    }
    fn key(&mut self) -> Option<Key> {
        self.ws();
        if self.s.get(self.i) == Some(&b'"') {
            self.simple_str().map(Key::str)
        } else {
            self.int().map(Key::Int)
        }
    }
}

/// The offset of the first `"`, `\` or control character of `s`, eight bytes at a time
/// (the lowest flagged byte of each test is exact: a false positive only follows a true one).
fn stop(s: &[u8]) -> Option<usize> {
    const L: u64 = 0x0101_0101_0101_0101;
    const H: u64 = 0x8080_8080_8080_8080;
    let mut j = 0;
    while let Some(c) = s.get(j..j + 8) {
        let v = u64::from_le_bytes(c.try_into().ok()?);
        let q = v ^ (L * b'"' as u64);
        let b = v ^ (L * b'\\' as u64);
        let m =
            ((q.wrapping_sub(L) & !q) | (b.wrapping_sub(L) & !b) | (v.wrapping_sub(L * 0x20) & !v))
                & H;
        if m != 0 {
            return Some(j + (m.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    s[j..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| j + p)
}

impl Scan<'_> {
    /// `{"$entity": "T", "key": K}` (either order, nothing else) of a known type.
    fn entity_ref(&mut self, types: &FxHashMap<&str, usize>) -> Option<Arg> {
        self.eat(b'{')?;
        let (mut ty, mut key) = (None, None);
        for last in [false, true] {
            match self.name(&[(b"\"$entity\"", true), (b"\"key\"", false)])? {
                true if ty.is_none() => {
                    self.eat(b':')?;
                    ty = Some(*types.get(self.simple_str()?)?);
                }
                false if key.is_none() => {
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
    fn args(&mut self, types: &FxHashMap<&str, usize>) -> Option<Args> {
        self.eat(b'[')?;
        let mut out = Args::new();
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
enum Member {
    Id,
    Call,
    Key,
    Method,
    Args,
    Create,
    Get,
}

/// The envelope's member names, quoted, in the order they usually come.
const MEMBERS: &[(&[u8], Member)] = &[
    (b"\"id\"", Member::Id),
    (b"\"call\"", Member::Call),
    (b"\"key\"", Member::Key),
    (b"\"method\"", Member::Method),
    (b"\"args\"", Member::Args),
    (b"\"create\"", Member::Create),
    (b"\"get\"", Member::Get),
];

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
    let mut args: Option<Args> = None;
    loop {
        let name = p.name(MEMBERS)?;
        p.eat(b':')?;
        p.ws();
        match name {
            Member::Id if id.is_none() => {
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
            Member::Call | Member::Create | Member::Get if kind.is_none() => {
                let k = match name {
                    Member::Call => Kind::Call,
                    Member::Create => Kind::Create,
                    _ => Kind::Get,
                };
                let ty = *types.get(p.simple_str()?)?;
                kind = Some((k, ty));
            }
            Member::Key if key.is_none() => key = Some(p.key()?),
            Member::Method if method.is_none() => method = Some(p.simple_str()?),
            Member::Args if args.is_none() => args = Some(p.args(types)?),
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
            method: KeyStr::new(method?),
            args: args.unwrap_or_default(),
        },
        _ => return None,
    };
    Some(Request { id, kind })
}

#[cfg(test)]
mod tests {
    #[test]
    fn int_reads_what_the_json_parser_reads_as_int64() {
        let read = |t: &str| {
            super::Scan {
                s: t.as_bytes(),
                t,
                i: 0,
            }
            .int()
        };
        for (t, want) in [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("42,", Some(42)),
            ("-17]", Some(-17)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("01", None),
            ("-", None),
            ("1.5", None),
            ("2e3", None),
            ("x", None),
        ] {
            assert_eq!(read(t), want, "{t}");
        }
    }

    #[test]
    fn stop_matches_the_byte_loop() {
        let alphabet: &[u8] = &[
            b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xff, 0x5b, 0x21, 0,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let mut y = x;
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    y = y.rotate_left(5).wrapping_mul(0x2545_f491_4f6c_dd1d);
                    // mostly plain bytes, sometimes a special one
                    if y.is_multiple_of(5) {
                        alphabet[(y >> 8) as usize % alphabet.len()]
                    } else {
                        b'a' + (y >> 16) as u8 % 26
                    }
                })
                .collect();
            let want = s.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(super::stop(&s), want, "{s:?}");
        }
    }
}
