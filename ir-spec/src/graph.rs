//! The dataflow graph and entity call graph as Graphviz DOT or Mermaid (`stent graph`).

use crate::v1::{EdgeKind, NodeKind, Program};
use std::fmt::Write;

/// Output formats of [`render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

fn node_label(program: &Program, id: &str) -> String {
    let graph = program.dataflow.as_ref();
    let Some(node) = graph.and_then(|g| g.nodes.iter().find(|n| n.id == id)) else {
        return id.to_string();
    };
    match NodeKind::try_from(node.kind) {
        Ok(NodeKind::EntityOperator) => {
            format!("{} [keyed]\\n{}", node.entity, node.methods.join(", "))
        }
        Ok(NodeKind::Ingress) => "ingress".into(),
        Ok(NodeKind::Router) => "router".into(),
        Ok(NodeKind::Egress) => "egress".into(),
        _ => id.to_string(),
    }
}

fn edge_label(kind: i32, feedback: bool) -> &'static str {
    match (EdgeKind::try_from(kind), feedback) {
        (_, true) => "calls and replies (feedback)",
        (Ok(EdgeKind::Request), _) => "requests",
        (Ok(EdgeKind::Event), _) => "events",
        (Ok(EdgeKind::Result), _) => "results",
        _ => "",
    }
}

/// Renders the dataflow graph, with the entity call graph as a second cluster.
pub fn render(program: &Program, format: GraphFormat) -> String {
    let mut out = String::new();
    let empty = Default::default();
    let graph = program.dataflow.as_ref().unwrap_or(&empty);
    let calls = program.call_graph.clone().unwrap_or_default();
    let sanitize = |s: &str| s.replace(['.', '-', ' ', ':'], "_");
    match format {
        GraphFormat::Dot => {
            let _ = writeln!(
                out,
                "digraph stent {{\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];"
            );
            for n in &graph.nodes {
                let _ = writeln!(
                    out,
                    "  \"{}\" [label=\"{}\"];",
                    n.id,
                    node_label(program, &n.id)
                );
            }
            for e in &graph.edges {
                let style = if e.feedback {
                    ", style=dashed, constraint=false"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
                    e.from,
                    e.to,
                    edge_label(e.kind, e.feedback)
                );
            }
            if !calls.edges.is_empty() {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_calls {{\n    label=\"entity call graph\";"
                );
                for e in &calls.edges {
                    let (Some(a), Some(b)) = (&e.caller, &e.callee) else {
                        continue;
                    };
                    let style = if e.remote { "" } else { " [style=dotted]" };
                    let _ = writeln!(
                        out,
                        "    \"{}.{}\" -> \"{}.{}\"{style};",
                        a.entity, a.method, b.entity, b.method
                    );
                }
                let _ = writeln!(out, "  }}");
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for n in &graph.nodes {
                let label = node_label(program, &n.id).replace("\\n", "<br/>");
                let _ = writeln!(out, "  {}[\"{label}\"]", sanitize(&n.id));
            }
            for e in &graph.edges {
                let arrow = if e.feedback { "-.->" } else { "-->" };
                let _ = writeln!(
                    out,
                    "  {} {arrow}|{}| {}",
                    sanitize(&e.from),
                    edge_label(e.kind, e.feedback),
                    sanitize(&e.to)
                );
            }
            if !calls.edges.is_empty() {
                out.push_str("  subgraph calls[entity call graph]\n");
                for e in &calls.edges {
                    let (Some(a), Some(b)) = (&e.caller, &e.callee) else {
                        continue;
                    };
                    let from = sanitize(&format!("m_{}.{}", a.entity, a.method));
                    let to = sanitize(&format!("m_{}.{}", b.entity, b.method));
                    let arrow = if e.remote { "-->" } else { "-.->" };
                    let _ = writeln!(
                        out,
                        "    {from}[\"{}.{}\"] {arrow} {to}[\"{}.{}\"]",
                        a.entity, a.method, b.entity, b.method
                    );
                }
                out.push_str("  end\n");
            }
        }
    }
    out
}
