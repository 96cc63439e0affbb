//! Limits checked on the query text before async-graphql runs it (SPEC §8): tokens
//! (`tokens`), the depth of data fields, aliases of one field, and root fields (here);
//! the parsed-document cache (`cache`); which operation runs and its metric labels
//! (`operation`). Complexity and the introspection depth are async-graphql's own.

mod cache;
pub mod operation;
mod tokens;

pub use cache::{DocumentCache, MAX_CACHED_QUERY};
pub use tokens::count_tokens;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use std::collections::HashMap;

/// The configured ceilings.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Nesting of data fields (introspection selections not counted).
    pub max_depth: usize,
    pub max_tokens: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    /// Whether `__schema` and `__type` may be asked for.
    pub introspection: bool,
}

/// Why a query is refused: its `extensions.code` and a message.
pub type Refusal = (&'static str, String);

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

/// How deep the data fields of `set` nest. A `__schema` or `__type` selection counts 0:
/// introspection has its own, more generous bound (`MAX_INTROSPECTION_DEPTH`, which
/// async-graphql enforces over the whole document). Fragments are followed, each
/// measured once (`memo`); a fragment cycle or absurd nesting counts as too deep.
fn data_depth<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    nesting: usize,
    memo: &mut HashMap<&'a str, usize>,
    visiting: &mut Vec<&'a str>,
) -> usize {
    const TOO_DEEP: usize = usize::MAX / 4;
    if nesting > 256 {
        return TOO_DEEP;
    }
    let mut deepest = 0;
    for item in &set.items {
        let d = match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    0
                } else {
                    1 + data_depth(&f.node.selection_set.node, doc, nesting + 1, memo, visiting)
                }
            }
            Selection::InlineFragment(fr) => data_depth(
                &fr.node.selection_set.node,
                doc,
                nesting + 1,
                memo,
                visiting,
            ),
            Selection::FragmentSpread(sp) => {
                let name = sp.node.fragment_name.node.as_str();
                if let Some(d) = memo.get(name) {
                    *d
                } else if visiting.contains(&name) {
                    TOO_DEEP
                } else if let Some(fr) = doc.fragments.get(&sp.node.fragment_name.node) {
                    visiting.push(name);
                    let d = data_depth(
                        &fr.node.selection_set.node,
                        doc,
                        nesting + 1,
                        memo,
                        visiting,
                    );
                    visiting.pop();
                    memo.insert(name, d);
                    d
                } else {
                    0
                }
            }
        };
        deepest = deepest.max(d);
    }
    deepest
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
        if data_depth(set, doc, 0, &mut HashMap::new(), &mut Vec::new()) > limits.max_depth {
            return Err((
                "QUERY_TOO_DEEP",
                format!(
                    "the query nests its fields more than {} levels deep",
                    limits.max_depth
                ),
            ));
        }
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

/// The configured limits and the parsed-document cache: what every operation passes
/// through before it runs, over HTTP (`crate::http`) and over WebSocket (`crate::live`).
pub struct Gate {
    pub limits: QueryLimits,
    pub documents: DocumentCache,
    /// The schema's Query and Mutation fields: the names metrics may use.
    pub root_fields: std::collections::HashSet<String>,
}

impl Gate {
    pub fn new(
        limits: QueryLimits,
        cached: usize,
        root_fields: std::collections::HashSet<String>,
    ) -> Self {
        Gate {
            limits,
            documents: DocumentCache::new(cached),
            root_fields,
        }
    }

    /// [`inspect`] with these limits, this cache and these root fields.
    pub fn inspect(
        &self,
        req: &mut async_graphql::Request,
    ) -> Result<(&'static str, String), Refusal> {
        inspect(req, &self.limits, &self.documents, &self.root_fields)
    }
}

/// Checks one operation's text against the limits and names it for the metrics.
/// The request keeps the parsed document, so async-graphql does not parse it again.
pub fn inspect(
    req: &mut async_graphql::Request,
    limits: &QueryLimits,
    documents: &DocumentCache,
    root_fields: &std::collections::HashSet<String>,
) -> Result<(&'static str, String), Refusal> {
    check_text(&req.query, limits)?;
    documents.prepare(req);
    let operation = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        // async-graphql reports the syntax error itself.
        return Ok(("invalid", "-".into()));
    };
    check_document(doc, limits)?;
    let labels = operation::labels(operation.as_deref(), doc, root_fields);
    if !limits.introspection && labels.1 == "introspection" {
        return Err((
            "INTROSPECTION_DISABLED",
            "introspection is turned off here".into(),
        ));
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> QueryLimits {
        QueryLimits {
            max_depth: 12,
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

    #[test]
    fn data_depth_leaves_introspection_out_and_follows_fragments() {
        let limits = QueryLimits {
            max_depth: 3,
            ..limits()
        };
        assert!(check_document(&doc("{ me { account { id } } }"), &limits).is_ok());
        let four = "{ me { account { users { id } } } }";
        assert_eq!(
            check_document(&doc(four), &limits).unwrap_err().0,
            "QUERY_TOO_DEEP"
        );
        let through_fragment = "{ me { ...A } } fragment A on User { account { users { id } } }";
        assert_eq!(
            check_document(&doc(through_fragment), &limits)
                .unwrap_err()
                .0,
            "QUERY_TOO_DEEP"
        );
        let introspection =
            "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }";
        assert!(check_document(&doc(introspection), &limits).is_ok());
        let cycle = "{ ...A } fragment A on Query { ...A ...A }";
        assert!(
            check_document(&doc(cycle), &limits).is_err(),
            "a cycle is refused, not followed forever"
        );
        // Fragments spread many times are measured once each.
        let wide: String = (0..30)
            .map(|i| format!("fragment F{i} on Query {{ ...F{} ...F{} }} ", i + 1, i + 1))
            .collect();
        let q = format!("{{ ...F0 }} {wide} fragment F30 on Query {{ me {{ id }} }}");
        let d = doc(&q);
        let DocumentOperations::Single(op) = &d.operations else {
            panic!("one operation")
        };
        let depth = data_depth(
            &op.node.selection_set.node,
            &d,
            0,
            &mut HashMap::new(),
            &mut Vec::new(),
        );
        assert_eq!(depth, 2);
    }
}
