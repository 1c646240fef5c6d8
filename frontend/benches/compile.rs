//! Compiles a generated ~10,000-line program with 200 entities.
use std::time::Instant;

fn program(entities: usize) -> String {
    let mut s = String::from(
        "from typing import Dict, List, Optional\n\nfrom stent import entity\n\n\nclass Oops(Exception):\n    pass\n\n",
    );
    for i in 0..entities {
        let next = (i + 1) % entities;
        s.push_str(&format!(
            r#"
@entity
class E{i}:
    def __init__(self, name: str, limit: int):
        self.name: str = name
        self.limit: int = limit
        self.count: int = 0
        self.items: List[int] = []
        self.tags: Dict[str, int] = {{}}
        self.peer: Optional["E{next}"] = None

    def __key__(self):
        return self.name

    def link(self, p: "E{next}") -> bool:
        self.peer = p
        return True

    def add(self, v: int) -> int:
        if v < 0:
            raise Oops(f"negative {{v}}")
        self.items.append(v)
        self.count += 1
        return self.count

    def total(self) -> int:
        t = 0
        for x in self.items:
            if x % 2 == 0:
                continue
            t += x
        for i in range(len(self.items)):
            t += i
        return t

    def tag(self, k: str) -> int:
        self.tags[k] = self.tags.get(k, 0) + 1
        return self.tags[k]

    def forward(self, v: int) -> int:
        if self.peer is None:
            return 0
        return self.count + self.peer.add(v) * 2

    def describe(self) -> str:
        keys = []
        for k, n in self.tags.items():
            keys.append(f"{{k}}:{{n}}")
        return f"{{self.name}} {{self.count}} " + ",".join(sorted(keys))
"#
        ));
    }
    s
}

fn main() {
    let src = program(200);
    let lines = src.lines().count();
    // Warm up once, then time a few runs.
    let c = stent_frontend::compile("bench.py", &src).expect("bench program compiles");
    assert_eq!(c.program.entities.len(), 200);
    let runs = 5;
    let start = Instant::now();
    for _ in 0..runs {
        let _ = stent_frontend::compile("bench.py", &src);
    }
    let per = start.elapsed() / runs;
    println!("compile: {lines} lines, 200 entities: {per:?} per compile (mean of {runs})");
}
