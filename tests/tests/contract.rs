//! The served schema keeps every name and type of the public contract
//! (`../shared/CONTRACT.graphql`): front ends are written against it.

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use std::collections::BTreeMap;

/// Contract items not built yet, each with the number of the open issue that builds it.
/// Remove a line when its item is served; an item listed here that is already served
/// fails too. A name covers its fields, arguments and values (`Type`, `Type.field`).
const NOT_YET_BUILT: &[(&str, u32)] = &[];

/// The open issues that may still have items in `NOT_YET_BUILT`.
const OPEN_ISSUES: &[u32] = &[];

/// Every checkable item of an SDL: `Type` → kind, `Type.field` → type,
/// `Type.field(arg)` → type, `Enum.VALUE` → "value".
fn items(sdl: &str) -> BTreeMap<String, String> {
    let doc = parse_schema(sdl).expect("valid SDL");
    let mut out = BTreeMap::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = t.node;
        let name = t.name.node.to_string();
        match t.kind {
            TypeKind::Scalar => {
                out.insert(name, "scalar".into());
            }
            TypeKind::Object(o) => {
                out.insert(name.clone(), "type".into());
                for f in o.fields {
                    let f = f.node;
                    let fname = format!("{name}.{}", f.name.node);
                    for a in f.arguments {
                        out.insert(
                            format!("{fname}({})", a.node.name.node),
                            a.node.ty.node.to_string(),
                        );
                    }
                    out.insert(fname, f.ty.node.to_string());
                }
            }
            TypeKind::InputObject(o) => {
                out.insert(name.clone(), "input".into());
                for f in o.fields {
                    out.insert(
                        format!("{name}.{}", f.node.name.node),
                        f.node.ty.node.to_string(),
                    );
                }
            }
            TypeKind::Enum(e) => {
                out.insert(name.clone(), "enum".into());
                for v in e.values {
                    out.insert(format!("{name}.{}", v.node.value.node), "value".into());
                }
            }
            _ => {}
        }
    }
    out
}

fn pending(item: &str) -> bool {
    NOT_YET_BUILT.iter().any(|(p, _)| {
        item == *p || item.starts_with(&format!("{p}.")) || item.starts_with(&format!("{p}("))
    })
}

#[test]
fn every_item_not_yet_built_belongs_to_an_open_issue() {
    for (item, issue) in NOT_YET_BUILT {
        assert!(
            OPEN_ISSUES.contains(issue),
            "{item} is listed for issue {issue}, which is not open: build it"
        );
    }
}

#[test]
fn the_schema_has_every_contract_name_with_the_contracts_type() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/CONTRACT.graphql");
    let contract = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let contract = items(&contract);
    let served = items(&gateway::graphql::sdl());
    let mut problems = Vec::new();
    for (item, ty) in &contract {
        match (served.get(item), pending(item)) {
            (Some(_), true) => problems.push(format!(
                "{item} is served now: remove it from NOT_YET_BUILT"
            )),
            (None, true) => {}
            (None, false) => problems.push(format!("{item} ({ty}) is missing")),
            (Some(ours), false) if ours != ty => {
                problems.push(format!("{item} is {ours}, the contract says {ty}"))
            }
            _ => {}
        }
    }
    // Arguments we add beyond the contract must be optional, or old front ends break.
    for (item, ty) in &served {
        if item.contains('(') && !contract.contains_key(item) && ty.ends_with('!') {
            let field = item.split('(').next().unwrap();
            if contract.contains_key(field) {
                problems.push(format!(
                    "{item} is a required argument the contract does not have"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "schema and contract differ:\n{}",
        problems.join("\n")
    );
}
