//! Pass `simplify`: CFG clean-up after lowering.
//!
//! Lowering is straightforward rather than tidy: every `return`/`raise`/`break` opens a fresh
//! (dead) block, loops and `if`s end in join blocks that only jump on, and each remote call
//! splits its block. This pass, per method body:
//!
//! 1. threads trivial blocks (no statements, `goto` terminator) — every jump to one goes
//!    straight to its final destination (chains are followed; cycles are left alone);
//! 2. drops blocks unreachable from the entry;
//! 3. merges a block into its predecessor when that predecessor ends in a `goto` to it and is
//!    its only predecessor;
//! 4. renumbers the surviving blocks densely, keeping their relative order (so block id ==
//!    index, the entry stays block 0, and the numbering is deterministic), and rewrites every
//!    `goto`, branch target and invoke/remote-read resume block.
//!
//! None of this changes behaviour: threaded and merged blocks do nothing but jump, and
//! unreachable blocks never run. Slots are left as they are.

use stent_ir::v1::{self as ir, Block, Body, terminator::Kind as TK};

/// Simplifies every method body of the program.
pub fn simplify_program(p: &mut ir::Program) {
    for e in &mut p.entities {
        for m in e.constructor.iter_mut().chain(e.methods.iter_mut()) {
            if let Some(body) = &mut m.body {
                simplify(body);
            }
        }
    }
}

/// Successor block ids of a terminator (none for return/raise or a missing terminator).
pub fn successors(t: Option<&ir::Terminator>) -> Vec<u32> {
    match t.and_then(|t| t.kind.as_ref()) {
        Some(TK::Goto(b)) => vec![*b],
        Some(TK::Branch(b)) => vec![b.then_block, b.else_block],
        Some(TK::Invoke(i)) => vec![i.resume_block],
        Some(TK::RemoteGet(g)) => vec![g.resume_block],
        _ => Vec::new(),
    }
}

/// Rewrites every block id a terminator names.
fn retarget(t: &mut ir::Terminator, f: &dyn Fn(u32) -> u32) {
    match &mut t.kind {
        Some(TK::Goto(b)) => *b = f(*b),
        Some(TK::Branch(b)) => {
            b.then_block = f(b.then_block);
            b.else_block = f(b.else_block);
        }
        Some(TK::Invoke(i)) => i.resume_block = f(i.resume_block),
        Some(TK::RemoteGet(g)) => g.resume_block = f(g.resume_block),
        _ => {}
    }
}

/// Which blocks the entry (block 0) reaches. Out-of-range ids are ignored.
pub fn reachable(blocks: &[Block]) -> Vec<bool> {
    let mut seen = vec![false; blocks.len()];
    let mut stack = vec![0u32];
    while let Some(b) = stack.pop() {
        let i = b as usize;
        if i >= blocks.len() || seen[i] {
            continue;
        }
        seen[i] = true;
        stack.extend(successors(blocks[i].terminator.as_ref()));
    }
    seen
}

fn trivial_goto(b: &Block) -> Option<u32> {
    match b.terminator.as_ref().and_then(|t| t.kind.as_ref()) {
        Some(TK::Goto(to)) if b.stmts.is_empty() => Some(*to),
        _ => None,
    }
}

/// Simplifies one body in place (see the module documentation).
pub fn simplify(body: &mut Body) {
    let n = body.blocks.len();
    if n == 0 {
        return;
    }
    // 1. Thread trivial gotos. The entry is never threaded away.
    let forward: Vec<Option<u32>> = body
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 0 { None } else { trivial_goto(b) })
        .collect();
    let dest: Vec<u32> = (0..n)
        .map(|start| {
            let mut cur = start;
            let mut steps = 0;
            while let Some(next) = forward[cur] {
                let next = next as usize;
                if next >= n || next == start || steps > n {
                    // A cycle of empty blocks (an empty infinite loop) or a dangling id: keep.
                    return start as u32;
                }
                cur = next;
                steps += 1;
            }
            cur as u32
        })
        .collect();
    let thread = |b: u32| dest.get(b as usize).copied().unwrap_or(b);
    for b in &mut body.blocks {
        if let Some(t) = &mut b.terminator {
            retarget(t, &thread);
        }
    }
    // 2. Unreachable blocks.
    let mut live = reachable(&body.blocks);
    // 3. Merge straight-line chains: `a: ...; goto b` where `a` is `b`'s only predecessor.
    let mut preds = vec![0usize; n];
    for (i, b) in body.blocks.iter().enumerate() {
        if live[i] {
            for s in successors(b.terminator.as_ref()) {
                if let Some(p) = preds.get_mut(s as usize) {
                    *p += 1;
                }
            }
        }
    }
    for a in 0..n {
        if !live[a] {
            continue;
        }
        while let Some(TK::Goto(to)) = body.blocks[a]
            .terminator
            .as_ref()
            .and_then(|t| t.kind.as_ref())
        {
            let next = *to as usize;
            if next == 0 || next == a || next >= n || preds[next] != 1 || !live[next] {
                break;
            }
            let taken = std::mem::take(&mut body.blocks[next]);
            live[next] = false;
            let head = &mut body.blocks[a];
            head.stmts.extend(taken.stmts);
            head.terminator = taken.terminator;
            if head.span.is_none() {
                head.span = taken.span;
            }
        }
    }
    // 4. Dense, order-preserving renumbering.
    let mut new_id = vec![u32::MAX; n];
    let mut next = 0u32;
    for i in 0..n {
        if live[i] {
            new_id[i] = next;
            next += 1;
        }
    }
    let old = std::mem::take(&mut body.blocks);
    let renumber = |b: u32| new_id.get(b as usize).copied().unwrap_or(b);
    body.blocks = old
        .into_iter()
        .enumerate()
        .filter(|(i, _)| live[*i])
        .map(|(i, mut b)| {
            b.id = new_id[i];
            if let Some(t) = &mut b.terminator {
                retarget(t, &renumber);
            }
            b
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goto(to: u32) -> Option<ir::Terminator> {
        Some(ir::Terminator {
            span: None,
            kind: Some(TK::Goto(to)),
        })
    }

    fn ret() -> Option<ir::Terminator> {
        Some(ir::Terminator {
            span: None,
            kind: Some(TK::Return(ir::Return { value: None })),
        })
    }

    fn block(id: u32, terminator: Option<ir::Terminator>) -> Block {
        Block {
            id,
            stmts: Vec::new(),
            terminator,
            span: None,
        }
    }

    #[test]
    fn drops_dead_blocks_and_renumbers() {
        // 0 -> 2 -> 3(return); 1 and 4 are dead.
        let mut body = Body {
            slots: Vec::new(),
            blocks: vec![
                block(0, goto(2)),
                block(1, ret()),
                block(2, goto(3)),
                block(3, ret()),
                block(4, goto(0)),
            ],
        };
        simplify(&mut body);
        assert_eq!(body.blocks.len(), 1);
        assert_eq!(body.blocks[0].id, 0);
        assert!(matches!(
            body.blocks[0]
                .terminator
                .as_ref()
                .and_then(|t| t.kind.as_ref()),
            Some(TK::Return(_))
        ));
    }

    #[test]
    fn empty_cycle_is_kept() {
        let mut body = Body {
            slots: Vec::new(),
            blocks: vec![block(0, goto(1)), block(1, goto(2)), block(2, goto(1))],
        };
        simplify(&mut body);
        assert!(!body.blocks.is_empty());
        for (i, b) in body.blocks.iter().enumerate() {
            assert_eq!(b.id as usize, i);
            for s in successors(b.terminator.as_ref()) {
                assert!((s as usize) < body.blocks.len());
            }
        }
    }
}
