//! Constructors, display and joins for `stent_ir::v1::Type`.

use stent_ir::v1::{DictType, ListType, OptionalType, Primitive, TupleType, Type, r#type::Kind};

pub fn prim(p: Primitive) -> Type {
    Type {
        kind: Some(Kind::Primitive(p as i32)),
    }
}
pub fn int() -> Type {
    prim(Primitive::Int)
}
pub fn float() -> Type {
    prim(Primitive::Float)
}
pub fn boolean() -> Type {
    prim(Primitive::Bool)
}
pub fn str_() -> Type {
    prim(Primitive::Str)
}
pub fn none() -> Type {
    prim(Primitive::None)
}
pub fn any() -> Type {
    prim(Primitive::Any)
}
pub fn list(t: Type) -> Type {
    Type {
        kind: Some(Kind::List(Box::new(ListType {
            element: Some(Box::new(t)),
        }))),
    }
}
pub fn dict(k: Type, v: Type) -> Type {
    Type {
        kind: Some(Kind::Dict(Box::new(DictType {
            key: Some(Box::new(k)),
            value: Some(Box::new(v)),
        }))),
    }
}
pub fn tuple(elements: Vec<Type>) -> Type {
    Type {
        kind: Some(Kind::Tuple(TupleType { elements })),
    }
}
pub fn optional(t: Type) -> Type {
    if is_optional(&t) || is_prim(&t, Primitive::None) || is_any(&t) {
        return t;
    }
    Type {
        kind: Some(Kind::Optional(Box::new(OptionalType {
            inner: Some(Box::new(t)),
        }))),
    }
}
pub fn entity(name: &str) -> Type {
    Type {
        kind: Some(Kind::Entity(name.to_string())),
    }
}

pub fn is_prim(t: &Type, p: Primitive) -> bool {
    matches!(t.kind, Some(Kind::Primitive(x)) if x == p as i32)
}
pub fn is_any(t: &Type) -> bool {
    t.kind.is_none() || is_prim(t, Primitive::Any)
}
pub fn is_optional(t: &Type) -> bool {
    matches!(t.kind, Some(Kind::Optional(_)))
}
pub fn is_numeric(t: &Type) -> bool {
    is_prim(t, Primitive::Int) || is_prim(t, Primitive::Float) || is_prim(t, Primitive::Bool)
}

/// The entity named by `t` or `Optional[t]`.
pub fn entity_name(t: &Type) -> Option<&str> {
    match &t.kind {
        Some(Kind::Entity(n)) => Some(n),
        Some(Kind::Optional(o)) => o.inner.as_deref().and_then(entity_name),
        _ => None,
    }
}

/// `T` for `list[T]`.
pub fn list_elem(t: &Type) -> Option<Type> {
    match &t.kind {
        Some(Kind::List(l)) => Some(l.element.as_deref().cloned().unwrap_or_else(any)),
        _ => None,
    }
}

pub fn dict_kv(t: &Type) -> Option<(Type, Type)> {
    match &t.kind {
        Some(Kind::Dict(d)) => Some((
            d.key.as_deref().cloned().unwrap_or_else(any),
            d.value.as_deref().cloned().unwrap_or_else(any),
        )),
        _ => None,
    }
}

pub fn tuple_elems(t: &Type) -> Option<&[Type]> {
    match &t.kind {
        Some(Kind::Tuple(tt)) => Some(&tt.elements),
        _ => None,
    }
}

/// Strips one `Optional`.
pub fn unwrap_optional(t: &Type) -> Type {
    match &t.kind {
        Some(Kind::Optional(o)) => o.inner.as_deref().cloned().unwrap_or_else(any),
        _ => t.clone(),
    }
}

/// The least type describing both (ANY when they are unrelated).
pub fn join(a: &Type, b: &Type) -> Type {
    if a == b {
        return a.clone();
    }
    if is_any(a) || is_any(b) {
        return any();
    }
    if is_prim(a, Primitive::None) {
        return optional(b.clone());
    }
    if is_prim(b, Primitive::None) {
        return optional(a.clone());
    }
    if is_optional(a) && unwrap_optional(a) == *b {
        return a.clone();
    }
    if is_optional(b) && unwrap_optional(b) == *a {
        return b.clone();
    }
    // Empty displays infer `list[ANY]`; a later typed value does not make it more precise.
    match (&a.kind, &b.kind) {
        (Some(Kind::List(_)), Some(Kind::List(_))) => list(any()),
        (Some(Kind::Dict(_)), Some(Kind::Dict(_))) => dict(any(), any()),
        _ => any(),
    }
}

pub fn display(t: &Type) -> String {
    match &t.kind {
        None => "Any".into(),
        Some(Kind::Primitive(p)) => match Primitive::try_from(*p).unwrap_or(Primitive::Any) {
            Primitive::Int => "int".into(),
            Primitive::Float => "float".into(),
            Primitive::Bool => "bool".into(),
            Primitive::Str => "str".into(),
            Primitive::None => "None".into(),
            _ => "Any".into(),
        },
        Some(Kind::List(l)) => format!(
            "list[{}]",
            l.element
                .as_deref()
                .map(display)
                .unwrap_or_else(|| "Any".into())
        ),
        Some(Kind::Dict(d)) => format!(
            "dict[{}, {}]",
            d.key
                .as_deref()
                .map(display)
                .unwrap_or_else(|| "Any".into()),
            d.value
                .as_deref()
                .map(display)
                .unwrap_or_else(|| "Any".into())
        ),
        Some(Kind::Tuple(tt)) => {
            format!(
                "tuple[{}]",
                tt.elements
                    .iter()
                    .map(display)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Some(Kind::Optional(o)) => {
            format!(
                "Optional[{}]",
                o.inner
                    .as_deref()
                    .map(display)
                    .unwrap_or_else(|| "Any".into())
            )
        }
        Some(Kind::Entity(n)) => n.clone(),
    }
}
