//! `schema.graphql` at the top level is the SDL the gateway serves.

#[test]
fn schema_graphql_is_the_served_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    let served = gateway::graphql::sdl();
    assert!(
        on_disk == served,
        "schema.graphql is out of date: run `scripts/schema` (cargo run -p gateway -- print-schema > schema.graphql)"
    );
}

/// Every type, field, argument, input field and enum value the schema serves has a
/// description (docs explorers, codegen comments and GraphiQL hovers show them), and
/// every mutation says which error codes it answers with.
#[test]
fn every_item_of_the_schema_is_described_and_mutations_name_their_error_codes() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let doc = async_graphql::parser::parse_schema(gateway::graphql::sdl()).expect("valid SDL");
    let described = |d: &Option<async_graphql::Positioned<String>>| {
        d.as_ref().is_some_and(|d| !d.node.trim().is_empty())
    };
    let mut missing = Vec::new();
    let mut mutations_without_codes = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = &t.node;
        let name = t.name.node.as_str();
        if !described(&t.description) {
            missing.push(name.to_owned());
        }
        match &t.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    let f = &f.node;
                    let path = format!("{name}.{}", f.name.node);
                    if !described(&f.description) {
                        missing.push(path.clone());
                    }
                    for a in &f.arguments {
                        if !described(&a.node.description) {
                            missing.push(format!("{path}({})", a.node.name.node));
                        }
                    }
                    if name == "Mutation" {
                        let text = f
                            .description
                            .as_ref()
                            .map(|d| d.node.as_str())
                            .unwrap_or("");
                        if !text.contains("Errors:") {
                            mutations_without_codes.push(path);
                        }
                    }
                }
            }
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    if !described(&f.node.description) {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if !described(&v.node.description) {
                        missing.push(format!("{name}.{}", v.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        missing.is_empty(),
        "{} schema items have no description: {missing:?}",
        missing.len()
    );
    assert!(
        mutations_without_codes.is_empty(),
        "mutations whose description lists no error codes (\"Errors: …\"): {mutations_without_codes:?}"
    );
}
