//! Parsed documents kept by their text.

use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;

/// Parsed documents by their text, so a front end's handful of fixed queries is parsed
/// once rather than on every request (parsing was about 5% of the gateway's CPU on the
/// client list page). Bounded: documents longer than `MAX_CACHED_QUERY` are not kept,
/// and the cache starts again empty once it holds `capacity` of them, so a caller
/// sending ever-new queries costs a bounded amount of memory and one parse each, as
/// without the cache. Only documents that parsed are kept; errors are reported by
/// async-graphql as before.
pub struct DocumentCache {
    capacity: usize,
    docs: std::sync::Mutex<HashMap<Box<str>, ExecutableDocument>>,
}

/// The longest query text the cache keeps, in bytes.
pub const MAX_CACHED_QUERY: usize = 16 * 1024;

impl DocumentCache {
    pub fn new(capacity: usize) -> Self {
        DocumentCache {
            capacity,
            docs: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Gives `req` its parsed document from the cache, or parses it and keeps it.
    pub fn prepare(&self, req: &mut async_graphql::Request) {
        if self.capacity == 0 || req.query.len() > MAX_CACHED_QUERY {
            return;
        }
        let hit = self.lock().get(req.query.as_str()).cloned();
        if let Some(doc) = hit {
            req.set_parsed_query(doc);
            return;
        }
        let Ok(doc) = req.parsed_query() else {
            return;
        };
        let doc = doc.clone();
        let mut docs = self.lock();
        if docs.len() >= self.capacity {
            docs.clear();
        }
        docs.insert(req.query.as_str().into(), doc);
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, ExecutableDocument>> {
        // A panic while holding the lock cannot leave the map half-changed in a way that
        // matters: every entry is a complete document.
        self.docs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    fn request(q: &str) -> async_graphql::Request {
        async_graphql::Request::new(q)
    }

    #[test]
    fn a_cached_document_is_the_one_its_text_parses_to() {
        let cache = DocumentCache::new(4);
        let q = "query Page { clients(first: 50) { totalCount } }";
        let mut first = request(q);
        cache.prepare(&mut first);
        assert_eq!(cache.len(), 1);
        let mut second = request(q);
        cache.prepare(&mut second);
        assert_eq!(cache.len(), 1, "the same text is kept once");
        let parsed = format!("{:?}", doc(q));
        assert_eq!(format!("{:?}", second.parsed_query().unwrap()), parsed);
        let mut other = request("{ me { id } }");
        cache.prepare(&mut other);
        assert_eq!(
            format!("{:?}", other.parsed_query().unwrap()),
            format!("{:?}", doc("{ me { id } }"))
        );
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn the_cache_keeps_neither_errors_nor_huge_texts_and_stays_bounded() {
        let cache = DocumentCache::new(3);
        let mut bad = request("{ me { id }");
        cache.prepare(&mut bad);
        assert!(
            bad.parsed_query().is_err(),
            "the syntax error is still reported"
        );
        assert!(cache.is_empty());
        let huge = format!("{{ me {{ id }} }}{}", " ".repeat(MAX_CACHED_QUERY));
        cache.prepare(&mut request(&huge));
        assert!(cache.is_empty());
        for i in 0..10 {
            cache.prepare(&mut request(&format!("{{ a{i}: me {{ id }} }}")));
            assert!(cache.len() <= 3);
        }
        assert!(!cache.is_empty());
    }
}
