//! The program tables, and the transactional executor of one request.
//!
//! A request runs as a stack of continuation frames (events.proto): an `Invoke` through a
//! reference pushes a frame for the callee entity (arguments deep-copied), a `Return` pops it
//! and resumes the caller's `resume_block` with the (copied) result in `result_slot`. This is
//! exactly the call/reply event protocol of the dataflow graph, executed without leaving the
//! worker, which keeps re-entrant chains (A → B → A) trivially correct: the inner frame sees A's
//! current state.
//!
//! Transactions: a request never writes the committed [`Store`]. The first touch of an entity
//! thaws it into the request's private *overlay* (copy-on-first-touch, see `store.rs`); every
//! frame on that entity works on the overlay entry. On success the entries that were (possibly)
//! written are frozen into [`Effects::writes`] and the caller commits them; on an exception the
//! overlay is simply dropped (full rollback across entities, nothing to undo). Every entity the
//! request looked at, including existence checks of missing ones, is recorded in
//! [`Effects::reads`]: that read set is what the parallel batch executor validates.
//!
//! Name resolution happens once, in [`Tables::new`]: entity types, fields and methods become
//! indices / direct references, and each frame caches its entity's overlay index, so a field
//! access is a vector index and no request allocates a label or a map.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use stent_ir::v1 as ir;

use crate::frames::new_frame;
use crate::interp::{Frame, Host};
use crate::lower::{self, LMethod};
use crate::request::{Request, RequestKind, conform_args};
use crate::store::{
    FrozenState, State, Store, freeze_into, freeze_scalar, freeze_state, same_state, thaw_copy,
    thaw_fields, thaw_state_lazy,
};
use crate::value::{EntityRef, Exc, Key, R, Value};

/// The overlay index of a constructor's frame (the entity has no key yet).
pub const CTOR: usize = usize::MAX;

pub struct TypeInfo<'p> {
    pub name: Arc<str>,
    pub def: &'p ir::EntityType,
    pub fields: HashMap<&'p str, usize>,
    /// Method name → index in `def.methods` (and in `code`).
    pub methods: HashMap<&'p str, usize>,
    pub key_field: usize,
    /// The lowered methods ([`crate::lower`]), in `def.methods` order, then the constructor
    /// (at index `def.methods.len()`, if any).
    pub code: Vec<LMethod<'p>>,
}

/// Everything resolved from the program once, at load time. Read-only and shared by workers.
pub struct Tables<'p> {
    pub types: Vec<TypeInfo<'p>>,
    /// The type names by index (shared with every reference the engine builds).
    pub names: Vec<Arc<str>>,
    pub type_index: HashMap<&'p str, usize>,
    pub exceptions: HashMap<&'p str, &'p str>,
}

impl<'p> Tables<'p> {
    pub fn new(program: &'p ir::Program) -> Tables<'p> {
        let mut types = Vec::new();
        let mut type_index = HashMap::default();
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
                name: Arc::from(e.name.as_str()),
                def: e,
                fields,
                methods: e
                    .methods
                    .iter()
                    .enumerate()
                    .map(|(j, m)| (m.name.as_str(), j))
                    .collect(),
                key_field,
                code: Vec::new(),
            });
            type_index.insert(e.name.as_str(), i);
        }
        let exceptions = program
            .exceptions
            .iter()
            .map(|x| (x.name.as_str(), x.base.as_str()))
            .collect();
        let mut t = Tables {
            names: types.iter().map(|t| t.name.clone()).collect(),
            types,
            type_index,
            exceptions,
        };
        let code: Vec<Vec<LMethod>> = (0..t.types.len())
            .map(|ty| {
                let env = lower::Env { t: &t, ty };
                let def = t.types[ty].def;
                let m = def.methods.iter().chain(&def.constructor);
                m.map(|m| lower::lower_method(&env, m)).collect()
            })
            .collect();
        for (ti, c) in t.types.iter_mut().zip(code) {
            ti.code = c;
        }
        t
    }

    /// The index of field `name` of type `ty`.
    pub fn field_of(&self, ty: usize, name: &str) -> Option<usize> {
        let info = &self.types[ty];
        // few fields: a scan that mostly compares lengths beats hashing the name
        if info.def.fields.len() <= 8 {
            info.def.fields.iter().position(|f| f.name == name)
        } else {
            info.fields.get(name).copied()
        }
    }

    /// The type index of a reference's type name (pointer compare first: names are shared).
    fn type_of(&self, name: &Arc<str>) -> Option<usize> {
        if let Some(i) = self.types.iter().position(|t| Arc::ptr_eq(&t.name, name)) {
            return Some(i);
        }
        self.type_index.get(&**name).copied()
    }

    pub fn is_key_error(&self, name: &str) -> bool {
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
}

/// An entity touched by the running request.
struct Entry {
    ty: usize,
    key: Key,
    state: State,
    /// The fields assigned, by bit (bit 63 stands for fields 63 and up; all bits for an
    /// entity the request created). Zero: nothing assigned.
    dirty: u64,
    /// The fields still frozen, by bit (`None` in `state` until thawed: see
    /// [`thaw_state_lazy`]); the committed state they are thawed from is the one this
    /// request touched, which nothing changes while the request runs.
    lazy: u64,
    /// Handed out a container that may have been mutated through an alias.
    aliased: bool,
}

impl Entry {
    /// Thaws the fields the touch left frozen, from `committed(ty, key)`: the state this
    /// request touched (looked up only if some field is still frozen).
    fn thaw_rest<'s>(&mut self, committed: impl FnOnce(usize, &Key) -> Option<&'s FrozenState>) {
        if self.lazy != 0 {
            let Some(old) = committed(self.ty, &self.key) else {
                unreachable!("a touched entity is committed")
            };
            thaw_fields(&mut self.state, old, self.lazy);
            self.lazy = 0;
        }
    }
}

/// Per-thread buffers of the executor, reused across requests so that a request allocates
/// no frame stack, slot vector or overlay state of its own (pools of cleared vectors).
#[derive(Default)]
pub struct Scratch<'p> {
    overlay: Vec<Entry>,
    reads: Vec<(usize, Key)>,
    ctor_state: State,
    logs: Vec<String>,
    pub(crate) stack: Vec<Frame<'p>>,
    slot_pool: Vec<Vec<Option<Value>>>,
    state_pool: Vec<State>,
    /// (type, key) → overlay index, for requests that touch many entities (a linear scan is
    /// faster for the usual few); covers `overlay[..indexed]`.
    index: HashMap<(usize, Key), usize>,
    indexed: usize,
}

/// Overlays up to this size are searched linearly.
const LINEAR: usize = 16;

impl Scratch<'_> {
    pub(crate) fn slots(&mut self) -> Vec<Option<Value>> {
        self.slot_pool.pop().unwrap_or_default()
    }
    pub(crate) fn recycle_slots(&mut self, mut v: Vec<Option<Value>>) {
        v.clear();
        self.slot_pool.push(v);
    }
    fn recycle_state(&mut self, mut v: State) {
        v.clear();
        self.state_pool.push(v);
    }
}

/// What a finished request did: the entities to commit (empty after an exception), every
/// entity it observed, and its `print` output.
#[derive(Debug, Default)]
pub struct Effects {
    pub writes: Vec<(usize, Key, FrozenState)>,
    pub reads: Vec<(usize, Key)>,
    pub logs: Vec<String>,
}

impl Effects {
    /// Applies the writes to the store (the commit) and prints the request's log lines.
    pub fn commit(self, store: &mut Store) {
        for (ty, key, st) in self.writes {
            store.insert(ty, key, st);
        }
        for l in self.logs {
            crate::log_line(&l);
        }
    }
}

/// (ty, key) in `local` over `store`.
fn view_get<'a>(
    store: &'a Store,
    local: Option<&'a Store>,
    ty: usize,
    key: &Key,
) -> Option<&'a FrozenState> {
    if let Some(st) = local.and_then(|l| l.get(ty, key)) {
        return Some(st);
    }
    store.get(ty, key)
}

fn exc_not_found(ty: &str, key: &Key) -> Exc {
    Exc::new(
        "EntityNotFound",
        format!("{ty} {} does not exist", key.display()),
    )
}

/// Executes one request against a read-only committed store.
pub struct Ctx<'a, 'p> {
    pub t: &'a Tables<'p>,
    pub store: &'a Store,
    /// Writes of the earlier requests of this worker's chunk, seen over `store` (parallel
    /// speculation only, see `parallel.rs`).
    local: Option<&'a Store>,
    pub(crate) s: &'a mut Scratch<'p>,
}

impl<'a, 'p> Ctx<'a, 'p> {
    pub fn new(t: &'a Tables<'p>, store: &'a Store, s: &'a mut Scratch<'p>) -> Self {
        s.overlay.clear();
        s.reads.clear();
        s.logs.clear();
        s.index.clear();
        s.indexed = 0;
        Ctx {
            t,
            store,
            local: None,
            s,
        }
    }

    /// A context whose view of committed state is `local` over `store`.
    pub fn with_local(
        t: &'a Tables<'p>,
        store: &'a Store,
        local: &'a Store,
        s: &'a mut Scratch<'p>,
    ) -> Self {
        let mut c = Ctx::new(t, store, s);
        c.local = Some(local);
        c
    }

    /// The committed state of (ty, key) as this request sees it.
    fn committed(&self, ty: usize, key: &Key) -> Option<&'a FrozenState> {
        view_get(self.store, self.local, ty, key)
    }

    /// Runs `req`; the result and the effects to commit (none after an exception).
    pub fn execute(mut self, req: &Request) -> (R<Value>, Effects) {
        let r = self.run(req);
        let mut fx = Effects {
            writes: Vec::new(),
            reads: std::mem::take(&mut self.s.reads),
            logs: std::mem::take(&mut self.s.logs),
        };
        let (store, local) = (self.store, self.local);
        let mut overlay = std::mem::take(&mut self.s.overlay);
        for mut e in overlay.drain(..) {
            if r.is_ok() && (e.dirty != 0 || e.aliased) {
                // the touched state, looked up once, when a frozen field or the check below
                // needs it
                let old = (e.lazy != 0 || e.dirty == 0)
                    .then(|| view_get(store, local, e.ty, &e.key))
                    .flatten();
                e.thaw_rest(|_, _| old);
                let st = freeze_state(&e.state);
                // a container was read but maybe not changed: then it is not a write (this
                // keeps read-only methods over list/dict fields conflict-free in a batch)
                let unchanged = e.dirty == 0 && old.is_some_and(|old| same_state(old, &st));
                if !unchanged {
                    fx.writes.push((e.ty, e.key.clone(), st));
                }
            }
            fx.reads.push((e.ty, e.key));
            self.s.recycle_state(e.state);
        }
        self.s.overlay = overlay;
        (r, fx)
    }

    fn find(&mut self, ty: usize, key: &Key) -> Option<usize> {
        let s = &mut *self.s;
        if s.overlay.len() <= LINEAR {
            return s.overlay.iter().position(|e| e.ty == ty && e.key == *key);
        }
        // entries are only appended during a request, so indices stay valid
        for (i, e) in s.overlay.iter().enumerate().skip(s.indexed) {
            s.index.insert((e.ty, e.key.clone()), i);
        }
        s.indexed = s.overlay.len();
        s.index.get(&(ty, key.clone())).copied()
    }

    fn exists(&mut self, ty: usize, key: &Key) -> bool {
        if self.find(ty, key).is_some() {
            return true;
        }
        self.s.reads.push((ty, key.clone()));
        self.committed(ty, key).is_some()
    }

    /// The overlay index of (ty, key), thawing it on first touch.
    fn touch(&mut self, ty: usize, key: &Key) -> R<usize> {
        if let Some(i) = self.find(ty, key) {
            return Ok(i);
        }
        let found = match self.local.and_then(|l| l.maps[ty].get_key_value(key)) {
            Some(kv) => Some(kv),
            None => self.store.maps[ty].get_key_value(key),
        };
        match found {
            Some((stored_key, st)) => {
                let (state, lazy) =
                    thaw_state_lazy(st, self.s.state_pool.pop().unwrap_or_default());
                self.s.overlay.push(Entry {
                    ty,
                    // the store's own key: a long (shared) key then compares by pointer
                    key: stored_key.clone(),
                    state,
                    dirty: 0,
                    lazy,
                    aliased: false,
                });
                Ok(self.s.overlay.len() - 1)
            }
            None => {
                self.s.reads.push((ty, key.clone()));
                Err(exc_not_found(&self.t.types[ty].name, key))
            }
        }
    }

    fn run(&mut self, req: &Request) -> R<Value> {
        let t = self.t;
        match &req.kind {
            RequestKind::Get { ty, key } => {
                let info = &t.types[*ty];
                let mut m = indexmap::IndexMap::new();
                if let Some(i) = self.find(*ty, key) {
                    self.thaw_lazy(i, u64::MAX);
                    for (f, v) in info.def.fields.iter().zip(&self.s.overlay[i].state) {
                        if let Some(v) = v {
                            m.insert(Value::str(&f.name), v.deep_copy());
                        }
                    }
                    return Ok(Value::dict(m));
                }
                self.s.reads.push((*ty, key.clone()));
                let st = self
                    .committed(*ty, key)
                    .ok_or_else(|| exc_not_found(&info.name, key))?;
                for (f, v) in info.def.fields.iter().zip(st.iter()) {
                    if let Some(v) = v {
                        m.insert(Value::str(&f.name), thaw_copy(v));
                    }
                }
                Ok(Value::dict(m))
            }
            RequestKind::Create { ty, args } => {
                let info = &t.types[*ty];
                let ctor = info
                    .def
                    .constructor
                    .as_ref()
                    .ok_or_else(|| Exc::new("TypeError", "no constructor"))?;
                let mut slots = self.s.slots();
                if let Err(e) = conform_args(
                    &info.name,
                    "__init__",
                    &ctor.params,
                    args,
                    &t.names,
                    &mut slots,
                ) {
                    self.s.recycle_slots(slots);
                    return Err(e);
                }
                let name = info.name.clone();
                let kf = info.key_field;
                self.s.ctor_state.clear();
                self.s.ctor_state.resize(info.def.fields.len(), None);
                let m = info.def.methods.len();
                let frame = new_frame(*ty, None, CTOR, m, &info.code[m], slots, 0, false);
                self.run_frames(frame)?;
                let state = std::mem::take(&mut self.s.ctor_state);
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
                if self.exists(*ty, &key) {
                    return Err(Exc::new(
                        "EntityExists",
                        format!("{name} {} already exists", key.display()),
                    ));
                }
                self.s.overlay.push(Entry {
                    ty: *ty,
                    key: key.clone(),
                    state,
                    dirty: u64::MAX,
                    lazy: 0,
                    aliased: false,
                });
                Ok(Value::Ref(Arc::new(EntityRef { entity: name, key })))
            }
            RequestKind::Call {
                ty,
                key,
                method,
                args,
            } => {
                let (info, method) = (&t.types[*ty], method.as_str());
                // thaws the entity, or records the missing key and raises EntityNotFound
                let ent = self.touch(*ty, key)?;
                let mi = match info.methods.get(method) {
                    Some(m) if !method.starts_with("__") => *m,
                    _ => {
                        return Err(Exc::new(
                            "AttributeError",
                            format!("{} has no method '{method}'", info.name),
                        ));
                    }
                };
                let m = &info.def.methods[mi];
                let mut slots = self.s.slots();
                if let Err(e) =
                    conform_args(&info.name, method, &m.params, args, &t.names, &mut slots)
                {
                    self.s.recycle_slots(slots);
                    return Err(e);
                }
                let code = &info.code[mi];
                let frame = new_frame(*ty, Some(key.clone()), ent, mi, code, slots, 0, true);
                self.run_frames(frame)
            }
        }
    }

    /// A remote field read: field `index[ty]` of the entity `target` refers to, copied (it
    /// crosses the entity boundary). The checks, errors and read set of [`Self::resolve_ref`]
    /// followed by the read, with one overlay search and at most one store lookup.
    pub(crate) fn remote_get(
        &mut self,
        target: &Value,
        index: &[Option<usize>],
        field: &str,
    ) -> R<Value> {
        let Value::Ref(r) = target else {
            return Err(self.resolve_ref(target).expect_err("not a reference"));
        };
        let t = self.t;
        let ty = t
            .type_of(&r.entity)
            .ok_or_else(|| exc_not_found(&r.entity, &r.key))?;
        let no_attr = || Exc::no_attribute(&t.types[ty].name, field);
        let v = match self.find(ty, &r.key) {
            Some(i) => {
                let idx = index[ty].ok_or_else(no_attr)?;
                self.entry_field(i, idx).map(Value::deep_copy)
            }
            None => {
                self.s.reads.push((ty, r.key.clone()));
                let st = self
                    .committed(ty, &r.key)
                    .ok_or_else(|| exc_not_found(&r.entity, &r.key))?;
                let idx = index[ty].ok_or_else(no_attr)?;
                st[idx].as_ref().map(thaw_copy)
            }
        };
        v.ok_or_else(no_attr)
    }

    /// A reference's (type, key), checking (and recording) that the entity exists.
    pub(crate) fn resolve_ref(&mut self, v: &Value) -> R<(usize, Key)> {
        match v {
            Value::Ref(r) => {
                let ty = self
                    .t
                    .type_of(&r.entity)
                    .ok_or_else(|| exc_not_found(&r.entity, &r.key))?;
                if !self.exists(ty, &r.key) {
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

    /// A reference's (type, (key, overlay index)): like [`Self::resolve_ref`] followed by
    /// [`Self::touch`], with one store lookup.
    pub(crate) fn resolve_touch(&mut self, v: &Value) -> R<(usize, (Key, usize))> {
        match v {
            Value::Ref(r) => {
                let ty = self
                    .t
                    .type_of(&r.entity)
                    .ok_or_else(|| exc_not_found(&r.entity, &r.key))?;
                let ent = self.touch(ty, &r.key)?;
                Ok((ty, (r.key.clone(), ent)))
            }
            _ => self.resolve_ref(v).map(|(ty, key)| (ty, (key, usize::MAX))),
        }
    }

    /// Thaws the fields of overlay entry `ent` in `mask` that are still frozen.
    #[inline]
    fn thaw_lazy(&mut self, ent: usize, mask: u64) {
        let e = &self.s.overlay[ent];
        let todo = e.lazy & mask;
        if todo != 0 {
            self.thaw_lazy_slow(ent, todo);
        }
    }

    /// Field `idx` of overlay entry `ent` (`None`: never assigned), thawed first if the touch
    /// left it frozen. Every read of one overlay field goes through here (a read of the whole
    /// state thaws it all first: `thaw_lazy(ent, u64::MAX)`).
    fn entry_field(&mut self, ent: usize, idx: usize) -> Option<&Value> {
        self.thaw_lazy(ent, bit(idx));
        self.s.overlay[ent].state.get(idx)?.as_ref()
    }

    #[cold]
    fn thaw_lazy_slow(&mut self, ent: usize, todo: u64) {
        let (ty, key) = (self.s.overlay[ent].ty, self.s.overlay[ent].key.clone());
        let Some(st) = self.committed(ty, &key) else {
            unreachable!("a touched entity is committed")
        };
        let e = &mut self.s.overlay[ent];
        thaw_fields(&mut e.state, st, todo);
        e.lazy &= !todo;
    }

    fn state_mut(&mut self, ent: usize) -> &mut State {
        if ent == CTOR {
            &mut self.s.ctor_state
        } else {
            &mut self.s.overlay[ent].state
        }
    }
}

impl Ctx<'_, '_> {
    /// Field `idx` of the frame's entity, or of the state a constructor is building.
    #[inline]
    fn frame_field(&mut self, f: &Frame, idx: usize) -> Option<&Value> {
        if f.ent == CTOR {
            self.s.ctor_state.get(idx)?.as_ref()
        } else {
            self.entry_field(f.ent, idx)
        }
    }
}

impl Host for Ctx<'_, '_> {
    fn get_field(&mut self, f: &Frame, idx: usize) -> Option<Value> {
        let v = self.frame_field(f, idx)?.clone();
        if f.ent != CTOR && !v.is_scalar() {
            // the container (or one inside a tuple) may be mutated through this alias
            self.s.overlay[f.ent].aliased = true;
        }
        Some(v)
    }
    #[inline]
    fn field_int(&mut self, f: &Frame, idx: usize) -> Option<i64> {
        match self.frame_field(f, idx) {
            Some(Value::Int(x)) => Some(*x),
            _ => None,
        }
    }
    fn set_field(&mut self, f: &Frame, idx: usize, v: Value) {
        if f.ent != CTOR {
            let e = &mut self.s.overlay[f.ent];
            e.dirty |= bit(idx);
            // overwritten, so never thawed (bit 63 is never lazy: see `thaw_state_lazy`)
            e.lazy &= !bit(idx);
        }
        if let Some(s) = self.state_mut(f.ent).get_mut(idx) {
            *s = Some(v);
        }
    }
    fn type_name(&self, ty: usize) -> Arc<str> {
        self.t.types[ty].name.clone()
    }
    fn key_field(&self, ty: usize) -> usize {
        self.t.types[ty].key_field
    }
    fn log(&mut self, line: String) {
        self.s.logs.push(line);
    }
    fn slot_name(&self, f: &Frame, i: u32) -> &str {
        let code = &self.t.types[f.ty].code[f.m];
        code.slot_names.get(i as usize).copied().unwrap_or("?")
    }
}

/// The serial engine: tables, committed store, and one executor's buffers.
pub struct Engine<'p> {
    pub tables: Tables<'p>,
    pub store: Store,
    scratch: Scratch<'p>,
    /// The parallel executor's choice and buffers (`parallel.rs`).
    pub(crate) par: crate::parallel::Parallel<'p>,
}

impl<'p> Engine<'p> {
    pub fn new(program: &'p ir::Program) -> Engine<'p> {
        let tables = Tables::new(program);
        let store = Store::new(tables.types.len());
        Engine {
            tables,
            store,
            scratch: Scratch::default(),
            par: Default::default(),
        }
    }

    pub fn entity_count(&self) -> usize {
        self.store.len()
    }

    /// Runs every batch on `e` (`None`: keep the default choice, see `adaptive.rs`).
    pub fn pin_executor(&mut self, e: Option<crate::adaptive::Executor>) {
        if e.is_some() {
            self.par.adapt.pinned = e;
        }
    }

    /// The tables (shareable with helper threads) apart from the executor's mutable parts.
    pub fn parts(&mut self) -> (&Tables<'p>, &mut Store, &mut Scratch<'p>) {
        (&self.tables, &mut self.store, &mut self.scratch)
    }
}

/// Runs `req` and commits it straight into `store` (the serial executor: no [`Effects`] are
/// built). A written entity's committed state is overwritten in place when the store holds the
/// only reference to it, which saves an allocation per write.
pub fn execute_serial<'p>(
    t: &Tables<'p>,
    store: &mut Store,
    s: &mut Scratch<'p>,
    req: &Request,
) -> R<Value> {
    let r = Ctx::new(t, store, s).run(req);
    let mut overlay = std::mem::take(&mut s.overlay);
    for mut e in overlay.drain(..) {
        if r.is_ok() && (e.dirty != 0 || e.aliased) {
            let partial = only_scalars_assigned(&e);
            match store.maps[e.ty].get_mut(&e.key) {
                Some(cur) if partial => freeze_assigned(cur, &e.state, e.dirty),
                Some(cur) => {
                    // a full freeze: it needs every field, the frozen ones from `cur`
                    e.thaw_rest(|_, _| Some(&*cur));
                    match Arc::get_mut(cur) {
                        Some(dst) if dst.len() == e.state.len() => freeze_into(dst, &e.state),
                        _ => *cur = freeze_state(&e.state),
                    }
                }
                // created by this request: nothing was left frozen
                None => store.insert(e.ty, e.key, freeze_state(&e.state)),
            }
        }
        s.recycle_state(e.state);
    }
    s.overlay = overlay;
    for l in s.logs.drain(..) {
        crate::log_line(&l);
    }
    r
}

/// Field `idx`'s bit in the per-field masks of an overlay entry (63: every field from 63 on).
#[inline]
fn bit(idx: usize) -> u64 {
    1 << idx.min(63)
}

/// Whether re-freezing only the assigned fields gives the state a full freeze would: no
/// container was handed out (so none changed through an alias) and every assigned value is a
/// scalar (so no aliasing between fields has to be preserved).
fn only_scalars_assigned(e: &Entry) -> bool {
    !e.aliased
        && e.dirty != u64::MAX
        && e.state.len() < 64
        && e.state
            .iter()
            .enumerate()
            .all(|(i, v)| e.dirty & (1 << i) == 0 || v.as_ref().is_none_or(Value::is_scalar))
}

/// Overwrites the fields of `cur` marked in `dirty` with their frozen live values (in place
/// when the store holds the only reference to the state). The other fields were not touched
/// (see [`only_scalars_assigned`]), so a string key field is not re-counted per write.
fn freeze_assigned(cur: &mut FrozenState, st: &State, dirty: u64) {
    let one = |i: usize| st[i].as_ref().map(freeze_scalar);
    match Arc::get_mut(cur) {
        Some(dst) if dst.len() == st.len() => {
            for (i, d) in dst.iter_mut().enumerate() {
                if dirty & (1 << i) != 0 {
                    *d = one(i);
                }
            }
        }
        _ => {
            *cur = (0..st.len())
                .map(|i| {
                    if dirty & (1 << i) != 0 {
                        one(i)
                    } else {
                        cur.get(i).cloned().flatten()
                    }
                })
                .collect();
        }
    }
}
