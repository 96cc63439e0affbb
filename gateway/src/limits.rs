//! Limits checked on the query text before async-graphql runs it (SPEC §8): tokens,
//! aliases of one field, and root fields. Depth and complexity are async-graphql's own.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use std::collections::HashMap;

/// The configured ceilings.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_tokens: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    /// Whether `__schema` and `__type` may be asked for.
    pub introspection: bool,
}

/// Why a query is refused: its `extensions.code` and a message.
pub type Refusal = (&'static str, String);

/// Counts the lexical tokens of a GraphQL document (commas, white space and comments are
/// not tokens), stopping once it passes `stop_after`. Cheap enough to run before parsing,
/// so a huge query is refused without building its syntax tree.
pub fn count_tokens(q: &str, stop_after: usize) -> usize {
    let b = q.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n <= stop_after {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if b[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' => {
                n += 1;
                if b[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                        i += if b[i..].starts_with(b"\\\"\"\"") {
                            4
                        } else {
                            1
                        };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if b[i..].starts_with(b"...") => {
                n += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                n += 1;
                i += 1;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
            }
            _ => {
                n += 1;
                i += 1;
            }
        }
    }
    n
}

/// Refuses a document over the token limit, before it is parsed.
pub fn check_text(query: &str, limits: &QueryLimits) -> Result<(), Refusal> {
    if count_tokens(query, limits.max_tokens) > limits.max_tokens {
        return Err((
            "QUERY_TOO_LARGE",
            format!("the query has more than {} tokens", limits.max_tokens),
        ));
    }
    Ok(())
}

fn count_aliases(set: &SelectionSet, counts: &mut HashMap<String, usize>, depth: usize) {
    if depth > 64 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                if f.node.alias.is_some() {
                    *counts.entry(f.node.name.node.to_string()).or_insert(0) += 1;
                }
                count_aliases(&f.node.selection_set.node, counts, depth + 1);
            }
            Selection::InlineFragment(fr) => {
                count_aliases(&fr.node.selection_set.node, counts, depth + 1)
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn root_fields(set: &SelectionSet, doc: &ExecutableDocument, depth: usize) -> usize {
    if depth > 16 {
        return usize::MAX / 4;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fr) => {
                root_fields(&fr.node.selection_set.node, doc, depth + 1)
            }
            Selection::FragmentSpread(s) => doc
                .fragments
                .get(&s.node.fragment_name.node)
                .map_or(0, |fr| {
                    root_fields(&fr.node.selection_set.node, doc, depth + 1)
                }),
        })
        .fold(0usize, usize::saturating_add)
}

/// Refuses a parsed document with too many aliases of one field (anywhere in it, fragments
/// included) or too many root fields in any of its operations.
pub fn check_document(doc: &ExecutableDocument, limits: &QueryLimits) -> Result<(), Refusal> {
    let mut counts = HashMap::new();
    let ops: Vec<&SelectionSet> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => {
            ops.values().map(|op| &op.node.selection_set.node).collect()
        }
    };
    for set in &ops {
        count_aliases(set, &mut counts, 0);
        let roots = root_fields(set, doc, 0);
        if roots > limits.max_root_fields {
            return Err((
                "TOO_MANY_ROOT_FIELDS",
                format!(
                    "an operation may select at most {} root fields",
                    limits.max_root_fields
                ),
            ));
        }
    }
    for fr in doc.fragments.values() {
        count_aliases(&fr.node.selection_set.node, &mut counts, 0);
    }
    if let Some((field, n)) = counts.into_iter().find(|(_, n)| *n > limits.max_aliases) {
        return Err((
            "TOO_MANY_ALIASES",
            format!(
                "the field {field} is aliased {n} times; at most {} aliases of one field are allowed",
                limits.max_aliases
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_the_graphql_lexer_does() {
        assert_eq!(count_tokens("{ me { id } }", 100), 6);
        assert_eq!(count_tokens("query Q($a: Int = 5) { x(a: $a) }", 100), 19);
        assert_eq!(count_tokens("# comment only\n, , ,", 100), 0);
        assert_eq!(count_tokens(r#"{ f(s: "a { b } c") }"#, 100), 8);
        assert_eq!(count_tokens(r#"{ f(s: """ multi "" line """) }"#, 100), 8);
        assert_eq!(count_tokens("{ ...F }", 100), 4);
        assert_eq!(
            count_tokens(&"{ a ".repeat(50_000), 20_000),
            20_001,
            "stops early"
        );
    }

    fn limits() -> QueryLimits {
        QueryLimits {
            max_tokens: 20_000,
            max_aliases: 20,
            max_root_fields: 30,
            introspection: true,
        }
    }

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn aliases_of_one_field_are_limited_even_behind_fragments() {
        let ok: String = (0..20).map(|i| format!("a{i}: me {{ id }} ")).collect();
        assert!(check_document(&doc(&format!("{{ {ok} }}")), &limits()).is_ok());
        let many: String = (0..21).map(|i| format!("a{i}: id ")).collect();
        let q = format!("query {{ me {{ ...F }} }} fragment F on User {{ {many} }}");
        assert_eq!(
            check_document(&doc(&q), &limits()).unwrap_err().0,
            "TOO_MANY_ALIASES"
        );
    }

    #[test]
    fn root_fields_are_limited_through_fragments() {
        let thirty: String = (0..15)
            .map(|i| format!("m{i}: me {{ id }} u{i}: users {{ id }} "))
            .collect();
        assert!(check_document(&doc(&format!("{{ {thirty} }}")), &limits()).is_ok());
        let q = format!(
            "{{ ...R ... on Query {{ x: me {{ id }} }} }} fragment R on Query {{ {thirty} }}"
        );
        assert_eq!(
            check_document(&doc(&q), &limits()).unwrap_err().0,
            "TOO_MANY_ROOT_FIELDS"
        );
    }
}
