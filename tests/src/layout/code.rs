//! Source text with comments and literals blanked, and the functions in it with their
//! lengths (Rust and JavaScript).

/// `src` with comments and the insides of string and character literals replaced by
/// spaces (line breaks kept, so line numbers stay). `js`: JavaScript's quotes and
/// template literals instead of Rust's raw strings and character literals.
pub fn blank(src: &str, js: bool) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 || js {
                        break;
                    }
                } else {
                    out.push(keep(b[i]));
                    i += 1;
                }
            }
        } else if let Some(end) = literal_end(&b, i, js) {
            out.push('"');
            for &ch in &b[i + 1..end.saturating_sub(1)] {
                out.push(keep(ch));
            }
            out.push('"');
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Where the literal starting at `i` ends (one past it), if one starts there.
fn literal_end(b: &[char], i: usize, js: bool) -> Option<usize> {
    let c = b[i];
    let prev_ident = i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_');
    if js {
        return matches!(c, '"' | '\'' | '`').then(|| quoted_end(b, i + 1, c));
    }
    if c == '"' {
        return Some(quoted_end(b, i + 1, '"'));
    }
    if (c == 'r' || (c == 'b' && b.get(i + 1) == Some(&'r'))) && !prev_ident {
        let start = if c == 'b' { i + 2 } else { i + 1 };
        let hashes = b[start..].iter().take_while(|&&h| h == '#').count();
        if b.get(start + hashes) == Some(&'"') {
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let mut j = start + hashes + 1;
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            return Some((j + close.len()).min(b.len()));
        }
    }
    if c == 'b' && b.get(i + 1) == Some(&'"') && !prev_ident {
        return Some(quoted_end(b, i + 2, '"'));
    }
    if c == '\'' {
        // A character literal ('a', '\n', '\u{1F600}'); otherwise a lifetime.
        if b.get(i + 1) == Some(&'\\') {
            return Some(quoted_end(b, i + 2, '\''));
        }
        if b.get(i + 2) == Some(&'\'') {
            return Some(i + 3);
        }
    }
    None
}

fn quoted_end(b: &[char], mut j: usize, quote: char) -> usize {
    while j < b.len() && b[j] != quote {
        j += if b[j] == '\\' { 2 } else { 1 };
    }
    (j + 1).min(b.len())
}

/// The functions of `code` (blanked), each with its first line, name and length in lines.
pub fn functions(code: &str, js: bool) -> Vec<(usize, String, usize)> {
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let starts = if js {
        js_function_starts(code)
    } else {
        rust_function_starts(code)
    };
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for (at, name) in starts {
        let Some(open) = body_start(code, at, js) else {
            continue;
        };
        let mut depth = 0usize;
        let mut end = open;
        for (k, &ch) in bytes.iter().enumerate().skip(open) {
            match ch {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((line_of(at), name, line_of(end) - line_of(at) + 1));
    }
    out
}

/// The `{` opening the body of the function declared at `at`: the first brace at
/// bracket depth 0, unless a `;` (a declaration without a body) comes first.
fn body_start(code: &str, at: usize, js: bool) -> Option<usize> {
    let mut depth = 0i32;
    for (k, ch) in code[at..].char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '{' if depth == 0 => return Some(at + k),
            ';' if depth == 0 && !js => return None,
            _ => {}
        }
    }
    None
}

fn rust_function_starts(code: &str) -> Vec<(usize, String)> {
    let re = regex::Regex::new(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    re.captures_iter(code)
        .map(|c| (c.get(0).unwrap().start(), c[1].to_owned()))
        .collect()
}

fn js_function_starts(code: &str) -> Vec<(usize, String)> {
    let declared = regex::Regex::new(r"\bfunction\b\s*\*?\s*([A-Za-z_$][\w$]*)?").unwrap();
    let arrow = regex::Regex::new(
        r"([A-Za-z_$][\w$]*)?\s*=?\s*(async\s*)?(\([^()]*\)|[A-Za-z_$][\w$]*)\s*=>\s*\{",
    )
    .unwrap();
    let method =
        regex::Regex::new(r"(?m)^\s*(async\s+)?([A-Za-z_$][\w$]*)\s*\([^()]*\)\s*\{").unwrap();
    let mut out: Vec<(usize, String)> = declared
        .captures_iter(code)
        .map(|c| {
            let name = c.get(1).map_or("(anonymous)", |m| m.as_str());
            (c.get(0).unwrap().start(), name.to_owned())
        })
        .collect();
    out.extend(arrow.captures_iter(code).map(|c| {
        let name = c.get(1).map_or("(arrow)", |m| m.as_str());
        (c.get(0).unwrap().start(), name.to_owned())
    }));
    const NOT_METHODS: &[&str] = &["if", "for", "while", "switch", "catch", "function"];
    out.extend(
        method
            .captures_iter(code)
            .filter(|c| !NOT_METHODS.contains(&&c[2]))
            .map(|c| (c.get(2).unwrap().start(), c[2].to_owned())),
    );
    out
}
