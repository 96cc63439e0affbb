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
