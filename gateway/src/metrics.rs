//! Request metrics per GraphQL operation, and `/metrics`.
//!
//! An operation is labelled by its type and its first root field (`query` / `clients`).
//! Only field names the schema has become labels, so a caller cannot create unbounded
//! series; anything else is `invalid`.

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Root fields of Query and Mutation, read once from the schema.
fn root_fields() -> &'static HashSet<String> {
    static FIELDS: OnceLock<HashSet<String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let doc = async_graphql::parser::parse_schema(crate::graphql::sdl())
            .expect("the served schema parses");
        let mut out = HashSet::new();
        for def in doc.definitions {
            if let TypeSystemDefinition::Type(t) = def
                && matches!(t.node.name.node.as_str(), "Query" | "Mutation")
                && let TypeKind::Object(o) = &t.node.kind
            {
                out.extend(o.fields.iter().map(|f| f.node.name.node.to_string()));
            }
        }
        out
    })
}

/// The labels of one parsed GraphQL request: (`query`|`mutation`|`subscription`|`invalid`,
/// root field).
pub fn labels(
    operation_name: Option<&str>,
    doc: &async_graphql::parser::types::ExecutableDocument,
) -> (&'static str, String) {
    let Some(op) = selected_operation(doc, operation_name) else {
        return ("invalid", "-".into());
    };
    let ty = match op.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let first = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.as_str()),
            _ => None,
        });
    match first {
        Some("__schema" | "__type") => (ty, "introspection".into()),
        Some("__typename") => (ty, "__typename".into()),
        Some(name) if root_fields().contains(name) => (ty, name.to_owned()),
        _ => ("invalid", "-".into()),
    }
}

/// The operation async-graphql will run: the named one, or the only one of the document
/// (with or without a name); `None` when the name matches none or is missing among several.
pub fn selected_operation<'d>(
    doc: &'d async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Counts one answered operation and its latency.
pub fn record(labels: &(&'static str, String), ok: bool, seconds: f64) {
    let (ty, name) = labels;
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("graphql_requests_total", "type" => *ty, "operation" => name.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("graphql_request_duration_seconds", "type" => *ty, "operation" => name.clone())
        .record(seconds);
}

#[cfg(test)]
mod tests {
    use super::labels;

    fn of(query: &str, operation: Option<&str>) -> (&'static str, String) {
        labels(
            operation,
            &async_graphql::parser::parse_query(query).unwrap(),
        )
    }

    #[test]
    fn an_operation_is_named_by_its_type_and_first_root_field() {
        assert_eq!(
            of("{ clients { totalCount } }", None),
            ("query", "clients".into())
        );
        // One named operation runs without an operation name, so it is named too.
        assert_eq!(
            of("query Page { clients { totalCount } }", None),
            ("query", "clients".into())
        );
        let two = "query A { me { id } } mutation B { logOut }";
        assert_eq!(of(two, Some("B")), ("mutation", "logOut".into()));
        assert_eq!(of(two, None), ("invalid", "-".into()), "ambiguous");
        assert_eq!(of("{ notAField }", None), ("invalid", "-".into()));
        assert_eq!(
            of("{ __schema { types { name } } }", None),
            ("query", "introspection".into())
        );
    }
}
