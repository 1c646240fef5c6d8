//! The entity store and the transactional executor of one request.
//!
//! A request runs as a stack of continuation frames (events.proto): an `Invoke` through a
//! reference pushes a frame for the callee entity (arguments deep-copied), a `Return` pops it
//! and resumes the caller's `resume_block` with the (copied) result in `result_slot`. This is
//! exactly the call/reply event protocol of the dataflow graph, executed without leaving the
//! worker, which keeps re-entrant chains (A → B → A) trivially correct: the inner frame sees A's
//! current state.
//!
//! Rollback: the first time a request touches an entity, its fields are snapshotted (an undo
//! log entry, like the oracle's `Transaction.touched`); an exception that leaves the top-level
//! call restores every snapshot and removes the entity a `create` made.

use std::collections::HashMap;
use std::rc::Rc;

use stent_ir::v1::{self as ir, invoke, terminator};

use crate::interp::{self, Frame, Host};
use crate::request::{Request, RequestKind, conform_args};
use crate::value::{EntityRef, Exc, Key, R, Value};

pub type State = Vec<Option<Value>>;

pub struct TypeInfo<'p> {
    pub name: Rc<str>,
    pub def: &'p ir::EntityType,
    pub fields: HashMap<&'p str, usize>,
    pub methods: HashMap<&'p str, &'p ir::Method>,
    pub key_field: usize,
}

/// The undo log of the running request.
#[derive(Default)]
struct Txn {
    /// (type, key) -> state before the request touched it; None: created by the request.
    undo: Vec<(usize, Key, Option<State>)>,
    touched: std::collections::HashSet<(usize, Key)>,
}

pub struct Engine<'p> {
    pub types: Vec<TypeInfo<'p>>,
    pub type_index: HashMap<&'p str, usize>,
    pub store: Vec<HashMap<Key, State>>,
    /// The state of the entity whose constructor is running.
    ctor_state: State,
    txn: Txn,
    pub exceptions: HashMap<&'p str, &'p str>,
}

fn exc_not_found(ty: &str, key: &Key) -> Exc {
    Exc::new(
        "EntityNotFound",
        format!("{ty} {} does not exist", key.display()),
    )
}

impl<'p> Engine<'p> {
    pub fn new(program: &'p ir::Program) -> Engine<'p> {
        let mut types = Vec::new();
        let mut type_index = HashMap::new();
        for (i, e) in program.entities.iter().enumerate() {
            let fields: HashMap<&str, usize> = e
                .fields
                .iter()
                .enumerate()
                .map(|(j, f)| (f.name.as_str(), j))
                .collect();
            let key_field = fields
                .get(e.key_field.as_str())
                .copied()
                .unwrap_or(usize::MAX);
            types.push(TypeInfo {
                name: Rc::from(e.name.as_str()),
                def: e,
                fields,
                methods: e.methods.iter().map(|m| (m.name.as_str(), m)).collect(),
                key_field,
            });
            type_index.insert(e.name.as_str(), i);
        }
        let store = types.iter().map(|_| HashMap::new()).collect();
        let exceptions = program
            .exceptions
            .iter()
            .map(|x| (x.name.as_str(), x.base.as_str()))
            .collect();
        Engine {
            types,
            type_index,
            store,
            ctor_state: Vec::new(),
            txn: Txn::default(),
            exceptions,
        }
    }

    pub fn entity_count(&self) -> usize {
        self.store.iter().map(HashMap::len).sum()
    }

    /// Runs one request as a transaction: commits on success, rolls back on an exception.
    pub fn execute(&mut self, req: &Request) -> R<Value> {
        self.txn.undo.clear();
        self.txn.touched.clear();
        let r = self.run(req);
        if r.is_err() {
            self.rollback();
        }
        r
    }

    fn rollback(&mut self) {
        for (ty, key, snap) in self.txn.undo.drain(..).rev() {
            match snap {
                Some(s) => {
                    self.store[ty].insert(key, s);
                }
                None => {
                    self.store[ty].remove(&key);
                }
            }
        }
    }

    fn touch(&mut self, ty: usize, key: &Key) {
        if self.txn.touched.insert((ty, key.clone())) {
            if let Some(st) = self.store[ty].get(key) {
                let snap = st
                    .iter()
                    .map(|v| v.as_ref().map(Value::deep_copy))
                    .collect();
                self.txn.undo.push((ty, key.clone(), Some(snap)));
            }
        }
    }

    fn run(&mut self, req: &Request) -> R<Value> {
        match &req.kind {
            RequestKind::Get { ty, key } => {
                let info = &self.types[*ty];
                let st = self.store[*ty]
                    .get(key)
                    .ok_or_else(|| exc_not_found(&info.name, key))?;
                let mut m = indexmap::IndexMap::new();
                for (f, v) in info.def.fields.iter().zip(st) {
                    if let Some(v) = v {
                        m.insert(Value::str(&f.name), v.deep_copy());
                    }
                }
                Ok(Value::dict(m))
            }
            RequestKind::Create { ty, args } => {
                let info = &self.types[*ty];
                let ctor = info
                    .def
                    .constructor
                    .as_ref()
                    .ok_or_else(|| Exc::new("TypeError", "no constructor"))?;
                let label = format!("{}.__init__()", info.name);
                let args = conform_args(&label, &ctor.params, args)?;
                let nfields = info.def.fields.len();
                let name = info.name.clone();
                let kf = info.key_field;
                self.ctor_state = vec![None; nfields];
                let frame = self.new_frame(*ty, None, ctor, args, 0, false);
                self.run_frames(frame)?;
                let state = std::mem::take(&mut self.ctor_state);
                let key = match state.get(kf).and_then(|v| v.as_ref()) {
                    Some(v) => v.as_key().ok_or_else(|| {
                        Exc::new(
                            "TypeError",
                            format!(
                                "{name}.__key__() must return str or int, got {}",
                                v.type_name()
                            ),
                        )
                    })?,
                    None => {
                        return Err(Exc::new(
                            "AttributeError",
                            format!("'{name}' object has no key field"),
                        ));
                    }
                };
                if self.store[*ty].contains_key(&key) {
                    return Err(Exc::new(
                        "EntityExists",
                        format!("{name} {} already exists", key.display()),
                    ));
                }
                self.store[*ty].insert(key.clone(), state);
                self.txn.undo.push((*ty, key.clone(), None));
                Ok(Value::Ref(Rc::new(EntityRef { entity: name, key })))
            }
            RequestKind::Call {
                ty,
                key,
                method,
                args,
            } => {
                let info = &self.types[*ty];
                if !self.store[*ty].contains_key(key) {
                    return Err(exc_not_found(&info.name, key));
                }
                let m = match info.methods.get(method.as_str()) {
                    Some(m) if !method.starts_with("__") => *m,
                    _ => {
                        return Err(Exc::new(
                            "AttributeError",
                            format!("{} has no method '{method}'", info.name),
                        ));
                    }
                };
                let label = format!("{}.{}()", info.name, method);
                let args = conform_args(&label, &m.params, args)?;
                self.touch(*ty, key);
                let frame = self.new_frame(*ty, Some(key.clone()), m, args, 0, true);
                self.run_frames(frame)
            }
        }
    }

    fn new_frame(
        &self,
        ty: usize,
        key: Option<Key>,
        m: &'p ir::Method,
        args: Vec<Value>,
        result_slot: u32,
        remote: bool,
    ) -> Frame<'p> {
        let n = m
            .body
            .as_ref()
            .map(|b| b.slots.len())
            .unwrap_or(0)
            .max(args.len());
        let mut slots: Vec<Option<Value>> = Vec::with_capacity(n);
        slots.extend(args.into_iter().map(Some));
        slots.resize(n, None);
        Frame {
            ty,
            key,
            method: m,
            block: 0,
            slots,
            result_slot,
            remote,
        }
    }

    /// The frame loop: runs blocks, follows terminators, pushes and pops frames.
    fn run_frames(&mut self, first: Frame<'p>) -> R<Value> {
        let mut stack: Vec<Frame<'p>> = vec![first];
        loop {
            let depth = stack.len();
            if depth > 2000 {
                return Err(Exc::new(
                    "RecursionError",
                    "maximum recursion depth exceeded",
                ));
            }
            let Some(f) = stack.last_mut() else {
                return Ok(Value::None);
            };
            let method: &'p ir::Method = f.method;
            let body = method
                .body
                .as_ref()
                .ok_or_else(|| Exc::new("NotImplementedError", "method without body"))?;
            let block = body
                .blocks
                .get(f.block as usize)
                .ok_or_else(|| Exc::new("NotImplementedError", "malformed IR: bad block id"))?;
            interp::exec_stmts(self, f, &block.stmts)?;
            let term = block.terminator.as_ref().and_then(|t| t.kind.as_ref());
            match term {
                Some(terminator::Kind::Goto(b)) => f.block = *b,
                Some(terminator::Kind::Branch(br)) => {
                    let c = match &br.cond {
                        Some(c) => interp::eval(self, f, c)?,
                        None => Value::None,
                    };
                    f.block = if c.truthy() {
                        br.then_block
                    } else {
                        br.else_block
                    };
                }
                Some(terminator::Kind::Return(r)) => {
                    let v = match &r.value {
                        Some(e) => interp::eval(self, f, e)?,
                        None => Value::None,
                    };
                    let Some(done) = stack.pop() else {
                        return Ok(v);
                    };
                    let v = if done.remote { v.deep_copy() } else { v };
                    match stack.last_mut() {
                        None => return Ok(v),
                        Some(caller) => {
                            if let Some(s) = caller.slots.get_mut(done.result_slot as usize) {
                                *s = Some(v);
                            }
                        }
                    }
                }
                Some(terminator::Kind::Raise(r)) => {
                    let msg = match &r.message {
                        Some(e) => {
                            let v = interp::eval(self, f, e)?;
                            if self.is_key_error(&r.exception) {
                                v.repr()
                            } else {
                                v.to_py_str()
                            }
                        }
                        None => String::new(),
                    };
                    return Err(Exc::new(&r.exception, msg));
                }
                Some(terminator::Kind::Invoke(inv)) => {
                    let args = interp::eval_all(self, f, &inv.args)?;
                    f.block = inv.resume_block;
                    let new = match &inv.callee {
                        Some(invoke::Callee::Target(t)) => {
                            let target = interp::eval(self, f, t)?;
                            let (ty, key) = self.resolve_ref(&target)?;
                            let args = args.iter().map(Value::deep_copy).collect();
                            let m = self.method_of(ty, &inv.method)?;
                            self.touch(ty, &key);
                            self.new_frame(ty, Some(key), m, args, inv.result_slot, true)
                        }
                        _ => {
                            let (ty, key) = (f.ty, f.key.clone());
                            let m = self.method_of(ty, &inv.method)?;
                            self.new_frame(ty, key, m, args, inv.result_slot, false)
                        }
                    };
                    stack.push(new);
                }
                Some(terminator::Kind::RemoteGet(g)) => {
                    let target = match &g.target {
                        Some(t) => interp::eval(self, f, t)?,
                        None => Value::None,
                    };
                    f.block = g.resume_block;
                    let (ty, key) = self.resolve_ref(&target)?;
                    let idx = self.field_index(ty, &g.field)?;
                    self.touch(ty, &key);
                    let v = self.store[ty]
                        .get(&key)
                        .and_then(|s| s.get(idx))
                        .and_then(|v| v.as_ref());
                    let v = match v {
                        Some(v) => v.deep_copy(),
                        None => {
                            return Err(Exc::new(
                                "AttributeError",
                                format!(
                                    "'{}' object has no attribute '{}'",
                                    self.types[ty].name, g.field
                                ),
                            ));
                        }
                    };
                    if let Some(s) = f.slots.get_mut(g.result_slot as usize) {
                        *s = Some(v);
                    }
                }
                None => {
                    return Err(Exc::new(
                        "NotImplementedError",
                        "unsupported construct: terminator",
                    ));
                }
            }
        }
    }

    fn is_key_error(&self, name: &str) -> bool {
        let mut n = name;
        for _ in 0..64 {
            if n == "KeyError" {
                return true;
            }
            match self.exceptions.get(n) {
                Some(b) => n = b,
                None => return false,
            }
        }
        false
    }

    fn method_of(&self, ty: usize, name: &str) -> R<&'p ir::Method> {
        self.types[ty].methods.get(name).copied().ok_or_else(|| {
            Exc::new(
                "AttributeError",
                format!("'{}' object has no attribute '{name}'", self.types[ty].name),
            )
        })
    }

    fn resolve_ref(&self, v: &Value) -> R<(usize, Key)> {
        match v {
            Value::Ref(r) => {
                let ty = *self
                    .type_index
                    .get(&*r.entity)
                    .ok_or_else(|| exc_not_found(&r.entity, &r.key))?;
                if !self.store[ty].contains_key(&r.key) {
                    return Err(exc_not_found(&r.entity, &r.key));
                }
                Ok((ty, r.key.clone()))
            }
            Value::None => Err(Exc::new(
                "AttributeError",
                "'NoneType' object has no attribute",
            )),
            other => Err(Exc::new(
                "AttributeError",
                format!("'{}' object is not an entity reference", other.type_name()),
            )),
        }
    }
}

impl<'p> Host for Engine<'p> {
    fn field_index(&self, ty: usize, name: &str) -> R<usize> {
        self.types[ty].fields.get(name).copied().ok_or_else(|| {
            Exc::new(
                "AttributeError",
                format!("'{}' object has no attribute '{name}'", self.types[ty].name),
            )
        })
    }
    fn state(&mut self, ty: usize, key: &Option<Key>) -> R<&mut State> {
        match key {
            None => Ok(&mut self.ctor_state),
            Some(k) => {
                let name = self.types[ty].name.clone();
                self.store[ty]
                    .get_mut(k)
                    .ok_or_else(|| exc_not_found(&name, k))
            }
        }
    }
    fn type_name(&self, ty: usize) -> Rc<str> {
        self.types[ty].name.clone()
    }
    fn key_field(&self, ty: usize) -> usize {
        self.types[ty].key_field
    }
}
