//! Counting a query's lexical tokens before it is parsed: a huge query is refused
//! without building its syntax tree.

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
}
