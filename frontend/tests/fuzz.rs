//! Mutation fuzzing: `compile` never panics on mangled programs or arbitrary text.

use std::path::Path;
use std::time::{Duration, Instant};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ":",
    "\n",
    "    ",
    "self.",
    "x.f(",
    "and ",
    " or ",
    "not ",
    "if ",
    "while ",
    "for x in ",
    "return ",
    "raise ",
    "try:",
    "lambda: ",
    "f\"{",
    "}\"",
    "'",
    "\"",
    "**",
    "//",
    "=",
    "+=",
    "del ",
    "async ",
    "yield ",
    "[x for x in y]",
    "999999999999999999999999",
    "\t",
    "\\",
    "#",
    "@entity\n",
    "class X:\n",
    "def g(self):\n",
    "None",
    "é",
    "\u{0}",
];

fn sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["examples", "tests/conformance"] {
        for d in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                if f.path().extension().is_some_and(|e| e == "py")
                    && let Ok(s) = std::fs::read_to_string(f.path())
                {
                    out.push(s);
                }
            }
        }
    }
    out.sort();
    out
}

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(6) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let j = rng.below(lines.len());
                let l = lines[j].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 | 4 => {
                let line = &mut lines[i];
                let chars: Vec<char> = line.chars().collect();
                let at = rng.below(chars.len() + 1);
                let snip = SNIPPETS[rng.below(SNIPPETS.len())];
                let mut s: String = chars[..at].iter().collect();
                s.push_str(snip);
                s.extend(chars[at..].iter());
                *line = s;
            }
            _ => {
                let line = &mut lines[i];
                let chars: Vec<char> = line.chars().collect();
                if !chars.is_empty() {
                    let a = rng.below(chars.len());
                    let b = (a + 1 + rng.below(5)).min(chars.len());
                    *line = chars[..a].iter().chain(chars[b..].iter()).collect();
                }
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutations_never_panic() {
    let srcs = sources();
    assert!(!srcs.is_empty());
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut n = 0;
    while Instant::now() < deadline {
        let base = &srcs[rng.below(srcs.len())];
        let m = mutate(&mut rng, base);
        let _ = stent_frontend::compile("fuzz.py", &m);
        n += 1;
    }
    assert!(n > 10);
}

#[test]
fn arbitrary_text_never_panics() {
    let mut rng = Rng(42);
    for _ in 0..300 {
        let len = rng.below(200);
        let s: String = (0..len)
            .map(|_| {
                if rng.below(3) == 0 {
                    SNIPPETS[rng.below(SNIPPETS.len())].to_string()
                } else {
                    char::from_u32(rng.below(0x250) as u32)
                        .unwrap_or('x')
                        .to_string()
                }
            })
            .collect();
        let _ = stent_frontend::compile("rand.py", &s);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep_expr = format!(
        "from stent import entity\n\n@entity\nclass A:\n    def __init__(self, n: str):\n        self.n: str = n\n\n    def __key__(self):\n        return self.n\n\n    def f(self) -> int:\n        return {}1{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(stent_frontend::compile("deep.py", &deep_expr).is_err());
    let mut deep_if = String::from(
        "from stent import entity\n\n@entity\nclass A:\n    def __init__(self, n: str):\n        self.n: str = n\n\n    def __key__(self):\n        return self.n\n\n    def f(self, x: int) -> int:\n",
    );
    for i in 0..300 {
        deep_if.push_str(&" ".repeat(8 + 4 * i));
        deep_if.push_str("if x:\n");
    }
    deep_if.push_str(&" ".repeat(8 + 4 * 300));
    deep_if.push_str("return 1\n");
    assert!(stent_frontend::compile("deep.py", &deep_if).is_err());
    let chain = format!(
        "from stent import entity\n\n@entity\nclass A:\n    def __init__(self, n: str):\n        self.n: str = n\n\n    def __key__(self):\n        return self.n\n\n    def f(self, x: int) -> int:\n        return {}\n",
        vec!["x"; 3000].join(" + ")
    );
    let _ = stent_frontend::compile("chain.py", &chain);
}
