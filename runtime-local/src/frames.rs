//! The frame loop of one request (split out of `engine.rs`): runs the lowered blocks of the
//! frame on top of the stack ([`crate::interp`]), follows their terminators, and pushes and pops
//! continuation frames for calls and returns.

use std::marker::PhantomData;

use crate::engine::Ctx;
use crate::interp::{self, Frame};
use crate::lower::{Callee, LMethod, LTerm};
use crate::value::{Exc, Key, R, Value};

impl<'p> Ctx<'_, 'p> {
    /// Runs `first` and every frame it pushes; the value `first` returns.
    pub(crate) fn run_frames(&mut self, first: Frame<'p>) -> R<Value> {
        let mut stack = std::mem::take(&mut self.s.stack);
        stack.push(first);
        let r = self.frames_loop(&mut stack);
        for f in stack.drain(..) {
            self.s.recycle_slots(f.slots);
        }
        self.s.stack = stack;
        r
    }

    fn frames_loop(&mut self, stack: &mut Vec<Frame<'p>>) -> R<Value> {
        let t = self.t;
        loop {
            if stack.len() > 2000 {
                return Err(Exc::new(
                    "RecursionError",
                    "maximum recursion depth exceeded",
                ));
            }
            let Some(f) = stack.last_mut() else {
                return Ok(Value::None);
            };
            let code = &t.types[f.ty].code[f.m];
            let blocks = code
                .blocks
                .as_ref()
                .ok_or_else(|| Exc::new("NotImplementedError", "method without body"))?;
            let block = blocks
                .get(f.block as usize)
                .ok_or_else(|| Exc::new("NotImplementedError", "malformed IR: bad block id"))?;
            interp::exec_stmts(self, f, &block.stmts)?;
            match &block.term {
                LTerm::Goto(b) => f.block = *b,
                LTerm::Branch(cond, then_block, else_block) => {
                    let c = match cond {
                        Some(c) => interp::truth(self, f, c)?,
                        None => false,
                    };
                    f.block = if c { *then_block } else { *else_block };
                }
                LTerm::Return(value) => {
                    let v = match value {
                        Some(e) => interp::operand(self, f, e)?,
                        None => Value::None,
                    };
                    let Some(done) = stack.pop() else {
                        return Ok(v);
                    };
                    let v = if done.remote { v.deep_copy() } else { v };
                    let (slot, slots) = (done.result_slot, done.slots);
                    self.s.recycle_slots(slots);
                    match stack.last_mut() {
                        None => return Ok(v),
                        Some(caller) => {
                            if let Some(s) = caller.slots.get_mut(slot as usize) {
                                *s = Some(v);
                            }
                        }
                    }
                }
                LTerm::Raise {
                    exception,
                    key_error,
                    message,
                } => {
                    let msg = match message {
                        Some(e) => {
                            let v = interp::eval(self, f, e)?;
                            if *key_error { v.repr() } else { v.to_py_str() }
                        }
                        None => String::new(),
                    };
                    return Err(Exc::new(exception, msg));
                }
                LTerm::Invoke {
                    callee,
                    method,
                    args: arg_exprs,
                    resume,
                    result_slot,
                } => {
                    let mut args = self.s.slots();
                    if let Err(e) = interp::eval_into(self, f, arg_exprs, &mut args) {
                        self.s.recycle_slots(args);
                        return Err(e);
                    }
                    f.block = *resume;
                    let new = match callee {
                        Callee::Target(tg, by_type) => {
                            let callee = (|| {
                                let target = interp::operand(self, f, tg)?;
                                let (ty, key) = self.resolve_touch(&target)?;
                                let m = by_type[ty].ok_or_else(|| no_method(t, ty, method))?;
                                Ok((ty, key, m))
                            })();
                            let (ty, (key, ent), m) = match callee {
                                Ok(c) => c,
                                Err(e) => {
                                    self.s.recycle_slots(args);
                                    return Err(e);
                                }
                            };
                            // arguments cross the entity boundary by copy
                            for a in args.iter_mut().flatten() {
                                if !a.is_scalar() {
                                    *a = a.deep_copy();
                                }
                            }
                            let code = &t.types[ty].code[m];
                            new_frame(ty, Some(key), ent, m, code, args, *result_slot, true)
                        }
                        Callee::Own(m) => {
                            let (ty, key, ent) = (f.ty, f.key.clone(), f.ent);
                            let m = match m {
                                Ok(m) => *m,
                                Err(e) => {
                                    self.s.recycle_slots(args);
                                    return Err((**e).clone());
                                }
                            };
                            let code = &t.types[ty].code[m];
                            new_frame(ty, key, ent, m, code, args, *result_slot, false)
                        }
                    };
                    stack.push(new);
                }
                LTerm::RemoteGet {
                    target,
                    field,
                    index,
                    resume,
                    result_slot,
                } => {
                    let target = match target {
                        Some(tg) => interp::eval(self, f, tg)?,
                        None => Value::None,
                    };
                    f.block = *resume;
                    let v = self.remote_get(&target, index, field)?;
                    if let Some(s) = f.slots.get_mut(*result_slot as usize) {
                        *s = Some(v);
                    }
                }
                LTerm::Fail(x) => return Err((**x).clone()),
            }
        }
    }
}

fn no_attr(t: &crate::engine::Tables, ty: usize, name: &str) -> Exc {
    Exc::no_attribute(&t.types[ty].name, name)
}

#[cold]
fn no_method(t: &crate::engine::Tables, ty: usize, name: &str) -> Exc {
    no_attr(t, ty, name)
}

/// A frame of method `m` (`code`) over `slots`, which holds the arguments (a pooled vector).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn new_frame<'p>(
    ty: usize,
    key: Option<Key>,
    ent: usize,
    m: usize,
    code: &LMethod,
    mut slots: Vec<Option<Value>>,
    result_slot: u32,
    remote: bool,
) -> Frame<'p> {
    let n = code.nslots.max(slots.len());
    slots.resize(n, None);
    Frame {
        ty,
        key,
        ent,
        m,
        block: 0,
        slots,
        result_slot,
        remote,
        _p: PhantomData,
    }
}
