//! Which operation of a document runs, and how the metrics name it: its type and its
//! first root field, only among the schema's root fields (so a caller cannot create
//! series), `invalid` otherwise.

use async_graphql::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use std::collections::HashSet;

/// The labels of one parsed GraphQL request: (`query`|`mutation`|`subscription`|`invalid`,
/// root field).
pub fn labels(
    operation_name: Option<&str>,
    doc: &ExecutableDocument,
    root_fields: &HashSet<String>,
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
        Some(name) if root_fields.contains(name) => (ty, name.to_owned()),
        _ => ("invalid", "-".into()),
    }
}

/// The operation async-graphql will run: the named one, or the only one of the document
/// (with or without a name); `None` when the name matches none or is missing among several.
pub fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(query: &str, operation: Option<&str>) -> (&'static str, String) {
        let roots: HashSet<String> = ["clients", "me", "logOut"].map(String::from).into();
        labels(
            operation,
            &async_graphql::parser::parse_query(query).unwrap(),
            &roots,
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
