//! Pass `analyze`: possibly-unbound locals (warnings), per-method effects, the entity-level
//! call graph with its cycles (Tarjan SCC), and the dataflow graph.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use stent_ir::v1::{
    self as ir, SlotKind, assign_target::Kind as AT, expr::Kind as EK, stmt::Kind as SK,
    terminator::Kind as TK,
};

use crate::diag::{Diagnostic, Span};
use crate::lower::call::MUTATING_METHODS;
use crate::types as t;

/// Calls `f` on every expression in `e` (pre-order), iteratively.
pub fn walk_expr<'e>(e: &'e ir::Expr, f: &mut dyn FnMut(&'e ir::Expr)) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        f(e);
        let mut kids: Vec<&ir::Expr> = Vec::new();
        match &e.kind {
            Some(EK::Binary(b)) => {
                kids.extend(b.left.as_deref().into_iter().chain(b.right.as_deref()))
            }
            Some(EK::Unary(u)) => kids.extend(u.operand.as_deref()),
            Some(EK::Compare(c)) => kids.extend(c.operands.iter()),
            Some(EK::BoolOp(b)) => kids.extend(b.values.iter()),
            Some(EK::Cond(c)) => kids.extend(
                c.cond
                    .as_deref()
                    .into_iter()
                    .chain(c.then_value.as_deref())
                    .chain(c.else_value.as_deref()),
            ),
            Some(EK::Builtin(b)) => kids.extend(b.args.iter()),
            Some(EK::Method(m)) => {
                kids.extend(m.receiver.as_deref().into_iter().chain(m.args.iter()))
            }
            Some(EK::Index(i)) => {
                kids.extend(i.value.as_deref().into_iter().chain(i.index.as_deref()))
            }
            Some(EK::Slice(s)) => kids.extend(
                s.value
                    .as_deref()
                    .into_iter()
                    .chain(s.lower.as_deref())
                    .chain(s.upper.as_deref())
                    .chain(s.step.as_deref()),
            ),
            Some(EK::List(l)) => kids.extend(l.items.iter()),
            Some(EK::Tuple(l)) => kids.extend(l.items.iter()),
            Some(EK::Dict(d)) => kids.extend(
                d.items
                    .iter()
                    .flat_map(|i| i.key.iter().chain(i.value.iter())),
            ),
            Some(EK::Fstring(fs)) => fstring_exprs(fs, &mut kids),
            _ => {}
        }
        for k in kids.into_iter().rev() {
            stack.push(k);
        }
    }
}

fn fstring_exprs<'e>(fs: &'e ir::FormatString, out: &mut Vec<&'e ir::Expr>) {
    for p in &fs.parts {
        if let Some(ir::format_part::Kind::Value(v)) = &p.kind {
            out.extend(v.value.iter());
            if let Some(spec) = &v.spec {
                fstring_exprs(spec, out);
            }
        }
    }
}

/// Expressions of a target that are evaluated (subscript container/index).
fn target_exprs<'e>(tgt: &'e ir::AssignTarget, out: &mut Vec<&'e ir::Expr>) {
    match &tgt.kind {
        Some(AT::Subscript(s)) => out.extend(s.container.iter().chain(s.index.iter())),
        Some(AT::Unpack(l)) => l.targets.iter().for_each(|t| target_exprs(t, out)),
        _ => {}
    }
}

fn target_slots(tgt: &ir::AssignTarget, out: &mut Vec<u32>) {
    match &tgt.kind {
        Some(AT::Slot(s)) => out.push(*s),
        Some(AT::Unpack(l)) => l.targets.iter().for_each(|t| target_slots(t, out)),
        _ => {}
    }
}

/// Top-level expressions of a statement, in evaluation order.
fn stmt_exprs(s: &ir::Stmt) -> Vec<&ir::Expr> {
    let mut out = Vec::new();
    match &s.kind {
        Some(SK::Assign(a)) => {
            out.extend(a.value.iter());
            a.target.iter().for_each(|t| target_exprs(t, &mut out));
        }
        Some(SK::AugAssign(a)) => {
            a.target.iter().for_each(|t| target_exprs(t, &mut out));
            out.extend(a.value.iter());
        }
        Some(SK::Expr(e)) => out.push(e),
        Some(SK::DelItem(d)) => out.extend(d.container.iter().chain(d.index.iter())),
        Some(SK::Print(p)) => out.extend(p.args.iter()),
        None => {}
    }
    out
}

fn term_exprs(t: &ir::Terminator) -> Vec<&ir::Expr> {
    match &t.kind {
        Some(TK::Branch(b)) => b.cond.iter().collect(),
        Some(TK::Return(r)) => r.value.iter().collect(),
        Some(TK::Raise(r)) => r.message.iter().collect(),
        Some(TK::Invoke(i)) => {
            let mut v: Vec<&ir::Expr> = Vec::new();
            if let Some(ir::invoke::Callee::Target(e)) = &i.callee {
                v.push(e);
            }
            v.extend(i.args.iter());
            v
        }
        Some(TK::RemoteGet(g)) => g.target.iter().collect(),
        _ => Vec::new(),
    }
}

fn successors(t: &ir::Terminator) -> Vec<u32> {
    match &t.kind {
        Some(TK::Goto(b)) => vec![*b],
        Some(TK::Branch(b)) => vec![b.then_block, b.else_block],
        Some(TK::Invoke(i)) => vec![i.resume_block],
        Some(TK::RemoteGet(g)) => vec![g.resume_block],
        _ => Vec::new(),
    }
}

/// Warns about reads of locals that some path reaches without an assignment.
pub fn unbound_locals(p: &ir::Program, diags: &mut Vec<Diagnostic>) {
    for e in &p.entities {
        for m in e.constructor.iter().chain(e.methods.iter()) {
            if let Some(body) = &m.body {
                method_unbound(body, diags);
            }
        }
    }
}

fn method_unbound(body: &ir::Body, diags: &mut Vec<Diagnostic>) {
    let n = body.slots.len();
    let nb = body.blocks.len();
    let is_local: Vec<bool> = body
        .slots
        .iter()
        .map(|s| s.kind == SlotKind::Local as i32)
        .collect();
    // Reachability from the entry.
    let mut reachable = vec![false; nb];
    let mut stack = vec![0usize];
    while let Some(b) = stack.pop() {
        if b >= nb || reachable[b] {
            continue;
        }
        reachable[b] = true;
        if let Some(t) = &body.blocks[b].terminator {
            stack.extend(successors(t).into_iter().map(|x| x as usize));
        }
    }
    // Definitely-assigned sets at block entry (intersection over predecessors).
    let full = vec![true; n];
    let mut entry: Vec<Vec<bool>> = vec![full.clone(); nb];
    if nb > 0 {
        entry[0] = vec![false; n];
    }
    let transfer = |b: &ir::Block, mut set: Vec<bool>| {
        for s in &b.stmts {
            if let Some(SK::Assign(a)) = &s.kind {
                let mut slots = Vec::new();
                a.target.iter().for_each(|t| target_slots(t, &mut slots));
                for s in slots {
                    if let Some(x) = set.get_mut(s as usize) {
                        *x = true;
                    }
                }
            }
        }
        if let Some(t) = &b.terminator {
            let rs = match &t.kind {
                Some(TK::Invoke(i)) => Some(i.result_slot),
                Some(TK::RemoteGet(g)) => Some(g.result_slot),
                _ => None,
            };
            if let Some(x) = rs.and_then(|r| set.get_mut(r as usize)) {
                *x = true;
            }
        }
        set
    };
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds < 1000 {
        changed = false;
        rounds += 1;
        for (bi, b) in body.blocks.iter().enumerate() {
            if !reachable[bi] {
                continue;
            }
            let out = transfer(b, entry[bi].clone());
            if let Some(t) = &b.terminator {
                for s in successors(t) {
                    let s = s as usize;
                    if s >= nb || s == 0 {
                        continue;
                    }
                    for i in 0..n {
                        if entry[s][i] && !out[i] {
                            entry[s][i] = false;
                            changed = true;
                        }
                    }
                }
            }
        }
    }
    let mut warned = vec![false; n];
    for (bi, b) in body.blocks.iter().enumerate() {
        if !reachable[bi] {
            continue;
        }
        let mut set = entry[bi].clone();
        let check =
            |e: &ir::Expr, set: &Vec<bool>, warned: &mut Vec<bool>, diags: &mut Vec<Diagnostic>| {
                walk_expr(e, &mut |x| {
                    if let Some(EK::Slot(s)) = x.kind {
                        let span: Span = x.span.map(Into::into).unwrap_or_default();
                        warn_slot(body, &is_local, s as usize, set, warned, span, diags);
                    }
                });
            };
        for s in &b.stmts {
            for e in stmt_exprs(s) {
                check(e, &set, &mut warned, diags);
            }
            if let Some(SK::Assign(a)) = &s.kind {
                let mut slots = Vec::new();
                a.target.iter().for_each(|t| target_slots(t, &mut slots));
                for x in slots {
                    if let Some(v) = set.get_mut(x as usize) {
                        *v = true;
                    }
                }
            }
            if let Some(SK::AugAssign(a)) = &s.kind
                && let Some(ir::AssignTarget {
                    kind: Some(AT::Slot(x)),
                }) = &a.target
            {
                let span: Span = s.span.map(Into::into).unwrap_or_default();
                warn_slot(body, &is_local, *x as usize, &set, &mut warned, span, diags);
            }
        }
        if let Some(t) = &b.terminator {
            for e in term_exprs(t) {
                check(e, &set, &mut warned, diags);
            }
        }
    }
}

fn warn_slot(
    body: &ir::Body,
    is_local: &[bool],
    s: usize,
    set: &[bool],
    warned: &mut [bool],
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    if is_local.get(s) == Some(&true) && set.get(s) == Some(&false) && !warned[s] {
        warned[s] = true;
        let name = &body.slots[s].name;
        diags.push(
            Diagnostic::warning("W002", format!("local variable `{name}` may be unbound here"), span, "not assigned on every path to this use")
                .with_hint(format!("assign `{name}` before the branch or loop; at run time an unassigned read raises UnboundLocalError")),
        );
    }
}

#[derive(Default)]
struct MethodFacts {
    reads: BTreeSet<String>,
    writes: BTreeSet<String>,
    /// (entity, method, remote)
    calls: BTreeSet<(String, String, bool)>,
    remote_reads: BTreeSet<(String, String)>,
}

/// The field an expression designates directly or through indexing/slicing (`self.d[k]`).
fn root_field(e: &ir::Expr) -> Option<&str> {
    match &e.kind {
        Some(EK::Field(f)) => Some(f),
        Some(EK::Index(i)) => i.value.as_deref().and_then(root_field),
        Some(EK::Slice(s)) => s.value.as_deref().and_then(root_field),
        Some(EK::Method(m)) if m.method == "setdefault" || m.method == "get" => {
            m.receiver.as_deref().and_then(root_field)
        }
        _ => None,
    }
}

fn mutable_type(ty: Option<&ir::Type>) -> bool {
    match ty {
        None => true,
        Some(t) => {
            t::is_any(t)
                || t::list_elem(t).is_some()
                || t::dict_kv(t).is_some()
                || t::tuple_elems(t).is_some()
                || t::is_optional(t)
        }
    }
}

fn method_facts(body: &ir::Body) -> MethodFacts {
    let mut f = MethodFacts::default();
    // Slots that may alias a (mutable) field: writes through them count as field writes.
    let mut alias: HashMap<u32, String> = HashMap::new();
    for _ in 0..2 {
        for b in &body.blocks {
            for s in &b.stmts {
                if let Some(SK::Assign(a)) = &s.kind
                    && let (
                        Some(ir::AssignTarget {
                            kind: Some(AT::Slot(x)),
                        }),
                        Some(v),
                    ) = (&a.target, &a.value)
                {
                    let src = root_field(v).map(str::to_string).or_else(|| match &v.kind {
                        Some(EK::Slot(y)) => alias.get(y).cloned(),
                        _ => None,
                    });
                    if let Some(fld) = src
                        && mutable_type(v.r#type.as_ref())
                    {
                        alias.insert(*x, fld);
                    }
                }
            }
        }
    }
    let root_of = |e: &ir::Expr| -> Option<String> {
        root_field(e).map(str::to_string).or_else(|| match &e.kind {
            Some(EK::Slot(y)) => alias.get(y).cloned(),
            Some(EK::Index(i)) => match i.value.as_deref().map(|v| &v.kind) {
                Some(Some(EK::Slot(y))) => alias.get(y).cloned(),
                _ => None,
            },
            _ => None,
        })
    };
    let visit = |e: &ir::Expr, f: &mut MethodFacts| {
        walk_expr(e, &mut |x| match &x.kind {
            Some(EK::Field(name)) => {
                f.reads.insert(name.clone());
            }
            Some(EK::Method(m))
                if MUTATING_METHODS.contains(&m.method.as_str()) || (m.method == "pop") =>
            {
                if let Some(fld) = m.receiver.as_deref().and_then(&root_of) {
                    f.writes.insert(fld);
                }
            }
            _ => {}
        });
    };
    let write_target = |tgt: &ir::AssignTarget, f: &mut MethodFacts| {
        let mut stack = vec![tgt];
        while let Some(t) = stack.pop() {
            match &t.kind {
                Some(AT::Field(name)) => {
                    f.writes.insert(name.clone());
                }
                Some(AT::Subscript(s)) => {
                    if let Some(fld) = s.container.as_ref().and_then(&root_of) {
                        f.writes.insert(fld);
                    }
                }
                Some(AT::Unpack(l)) => stack.extend(l.targets.iter()),
                _ => {}
            }
        }
    };
    for b in &body.blocks {
        for s in &b.stmts {
            for e in stmt_exprs(s) {
                visit(e, &mut f);
            }
            match &s.kind {
                Some(SK::Assign(a)) => a.target.iter().for_each(|t| write_target(t, &mut f)),
                Some(SK::AugAssign(a)) => {
                    if let Some(ir::AssignTarget {
                        kind: Some(AT::Field(name)),
                    }) = &a.target
                    {
                        f.reads.insert(name.clone());
                    }
                    if let Some(ir::AssignTarget {
                        kind: Some(AT::Slot(x)),
                    }) = &a.target
                        && let Some(fld) = alias.get(x)
                    {
                        f.writes.insert(fld.clone());
                    }
                    a.target.iter().for_each(|t| write_target(t, &mut f))
                }
                Some(SK::DelItem(d)) => {
                    if let Some(fld) = d.container.as_ref().and_then(&root_of) {
                        f.writes.insert(fld);
                    }
                }
                _ => {}
            }
        }
        if let Some(t) = &b.terminator {
            for e in term_exprs(t) {
                visit(e, &mut f);
            }
            match &t.kind {
                Some(TK::Invoke(i)) => {
                    let remote = matches!(i.callee, Some(ir::invoke::Callee::Target(_)));
                    f.calls.insert((i.entity.clone(), i.method.clone(), remote));
                    if !remote {
                        // Self calls share arguments: a mutable field passed along may change.
                        for a in &i.args {
                            if let Some(fld) = root_of(a)
                                && mutable_type(a.r#type.as_ref())
                            {
                                f.writes.insert(fld);
                            }
                        }
                    }
                }
                Some(TK::RemoteGet(g)) => {
                    f.remote_reads.insert((g.entity.clone(), g.field.clone()));
                }
                _ => {}
            }
        }
    }
    f
}

type MKey = (String, String);

/// Tarjan's strongly connected components over method nodes (iterative).
fn tarjan(nodes: &[MKey], succ: &BTreeMap<MKey, BTreeSet<MKey>>) -> Vec<Vec<MKey>> {
    let idx: HashMap<&MKey, usize> = nodes.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|k| {
            succ.get(k)
                .map(|s| s.iter().filter_map(|x| idx.get(x).copied()).collect())
                .unwrap_or_default()
        })
        .collect();
    let n = nodes.len();
    let (mut index, mut low, mut on) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let mut stack = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on[v] = true;
            }
            if let Some(&w) = adj[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(p, _)) = work.last() {
                low[p] = low[p].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on[w] = false;
                    comp.push(nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                comp.sort();
                out.push(comp);
            }
        }
    }
    out
}

/// Fills `Method.effects`, `Program.call_graph` and `Program.dataflow`.
pub fn analyze(p: &mut ir::Program) {
    let mut facts: BTreeMap<MKey, MethodFacts> = BTreeMap::new();
    let mut nodes = Vec::new();
    for e in &p.entities {
        for m in e.constructor.iter().chain(e.methods.iter()) {
            let key = (e.name.clone(), m.name.clone());
            nodes.push(key.clone());
            facts.insert(key, m.body.as_ref().map(method_facts).unwrap_or_default());
        }
    }
    let mut succ: BTreeMap<MKey, BTreeSet<MKey>> = BTreeMap::new();
    let mut edges = Vec::new();
    for (k, f) in &facts {
        for (ent, meth, remote) in &f.calls {
            let callee = (ent.clone(), meth.clone());
            succ.entry(k.clone()).or_default().insert(callee.clone());
            edges.push(ir::CallEdge {
                caller: Some(ir::MethodRef {
                    entity: k.0.clone(),
                    method: k.1.clone(),
                }),
                callee: Some(ir::MethodRef {
                    entity: callee.0,
                    method: callee.1,
                }),
                remote: *remote,
            });
        }
    }
    let mut cycles = Vec::new();
    let mut recursive: BTreeSet<MKey> = BTreeSet::new();
    for comp in tarjan(&nodes, &succ) {
        let is_cycle = comp.len() > 1
            || comp
                .first()
                .is_some_and(|k| succ.get(k).is_some_and(|s| s.contains(k)));
        if is_cycle {
            recursive.extend(comp.iter().cloned());
            cycles.push(ir::Cycle {
                methods: comp
                    .into_iter()
                    .map(|(entity, method)| ir::MethodRef { entity, method })
                    .collect(),
            });
        }
    }
    cycles.sort_by(|a, b| {
        let key = |c: &ir::Cycle| {
            c.methods
                .first()
                .map(|m| (m.entity.clone(), m.method.clone()))
        };
        key(a).cmp(&key(b))
    });
    // Transitive properties over the call graph.
    let reach = |start: &MKey| -> BTreeSet<MKey> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.clone()];
        while let Some(k) = stack.pop() {
            if seen.insert(k.clone())
                && let Some(s) = succ.get(&k)
            {
                stack.extend(s.iter().cloned());
            }
        }
        seen
    };
    let mut effects: BTreeMap<MKey, ir::Effects> = BTreeMap::new();
    for k in &nodes {
        let f = &facts[k];
        let all = reach(k);
        let read_only = all
            .iter()
            .all(|x| facts.get(x).is_none_or(|f| f.writes.is_empty()));
        let single_entity = all.iter().all(|x| {
            facts
                .get(x)
                .is_none_or(|f| f.remote_reads.is_empty() && f.calls.iter().all(|c| !c.2))
        });
        effects.insert(
            k.clone(),
            ir::Effects {
                reads: f.reads.iter().cloned().collect(),
                writes: f.writes.iter().cloned().collect(),
                calls: f
                    .calls
                    .iter()
                    .map(|(e, m, _)| (e.clone(), m.clone()))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(|(entity, method)| ir::MethodRef { entity, method })
                    .collect(),
                remote_reads: f
                    .remote_reads
                    .iter()
                    .map(|(entity, field)| ir::FieldRef {
                        entity: entity.clone(),
                        field: field.clone(),
                    })
                    .collect(),
                read_only,
                single_entity,
                recursive: recursive.contains(k),
            },
        );
    }
    for e in &mut p.entities {
        let name = e.name.clone();
        for m in e.constructor.iter_mut().chain(e.methods.iter_mut()) {
            m.effects = effects.remove(&(name.clone(), m.name.clone()));
        }
    }
    p.call_graph = Some(ir::CallGraph { edges, cycles });
    p.dataflow = Some(dataflow(p));
}

fn dataflow(p: &ir::Program) -> ir::DataflowGraph {
    use ir::{EdgeKind, NodeKind};
    let mut nodes = vec![ir::Node {
        id: "ingress".into(),
        kind: NodeKind::Ingress as i32,
        entity: String::new(),
        methods: vec![],
    }];
    nodes.push(ir::Node {
        id: "router".into(),
        kind: NodeKind::Router as i32,
        entity: String::new(),
        methods: vec![],
    });
    let edge = |from: &str, to: &str, kind: EdgeKind, feedback: bool, partition: &str| ir::Edge {
        from: from.into(),
        to: to.into(),
        kind: kind as i32,
        feedback,
        partition: partition.into(),
    };
    let mut edges = vec![edge("ingress", "router", EdgeKind::Request, false, "")];
    let mut ents: Vec<&ir::EntityType> = p.entities.iter().collect();
    ents.sort_by(|a, b| a.name.cmp(&b.name));
    for e in &ents {
        let id = format!("entity:{}", e.name);
        let mut methods: Vec<String> = e.methods.iter().map(|m| m.name.clone()).collect();
        methods.sort();
        nodes.push(ir::Node {
            id: id.clone(),
            kind: NodeKind::EntityOperator as i32,
            entity: e.name.clone(),
            methods,
        });
        edges.push(edge("router", &id, EdgeKind::Event, false, "key"));
        edges.push(edge(&id, "router", EdgeKind::Event, true, ""));
        edges.push(edge(&id, "egress", EdgeKind::Result, false, ""));
    }
    nodes.push(ir::Node {
        id: "egress".into(),
        kind: NodeKind::Egress as i32,
        entity: String::new(),
        methods: vec![],
    });
    ir::DataflowGraph { nodes, edges }
}
