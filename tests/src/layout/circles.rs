//! Import circles between the modules of one crate, over `crate::`, `super::` and
//! `self::` paths, re-exports and globs.

use super::code::blank;
use super::tree::files;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One crate's modules as files: module path (`["graphql", "query"]`) → file.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    for f in files(src, ".rs", &[]) {
        let rel = f.strip_prefix(src).unwrap();
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        if parts == ["main"] || parts.first().is_some_and(|p| p == "bin") {
            continue;
        }
        out.insert(parts, f);
    }
    out
}

/// `code` without its `#[cfg(test)]` modules: test code is not part of the import graph.
fn without_test_modules(code: &str) -> String {
    let test_mod =
        regex::Regex::new(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{").unwrap();
    let mut out = code.to_owned();
    while let Some(m) = test_mod.find(&out) {
        let at = m.start();
        let open = m.end() - 1;
        let mut depth = 0;
        let mut end = out.len();
        for (k, ch) in out[open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

/// The paths a use-tree text names, each as segments (`super::{a, b::c}` →
/// `[super, a]`, `[super, b, c]`).
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    let renames = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").unwrap();
    let tree: String = renames
        .replace_all(tree, "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = Vec::new();
    expand(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let n = prefix.len();
        prefix.extend(head);
        for part in split_top(inner) {
            expand(&part, prefix, out);
        }
        prefix.truncate(n);
        return;
    }
    let mut path = prefix.clone();
    path.extend(
        tree.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    if !path.is_empty() {
        out.push(path);
    }
}

/// `a, b::{c, d}, e` split at its top-level commas.
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for ch in s.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What one module file says: the paths it uses, and what it re-exports.
struct ModuleText {
    /// Every `crate::`/`super::`/`self::` path, absolute (without `crate`).
    uses: Vec<Vec<String>>,
    /// Re-exported names → absolute path; `*` globs → absolute module paths.
    exports: HashMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    /// The names of the items the module defines itself.
    defines: BTreeSet<String>,
}

/// `path` as written in module `at`, made absolute: `crate::`, `super::` and `self::`
/// paths, and paths that start with one of `at`'s child modules (`children`).
fn absolute(path: &[String], at: &[String], children: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = at.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        Some(first) if children.iter().any(|c| c == first) => {}
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

fn read_module(file: &Path, at: &[String], children: &[String]) -> ModuleText {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let code = without_test_modules(&blank(&text, false));
    let use_re = regex::Regex::new(r"(?s)\b(pub(\([^)]*\))?\s+)?use\s+([^;]+);").unwrap();
    let heads: Vec<String> = ["crate", "super", "self"]
        .iter()
        .map(|h| h.to_string())
        .chain(children.iter().map(|c| regex::escape(c)))
        .collect();
    let inline = regex::Regex::new(&format!(
        r"(?:^|[^A-Za-z0-9_:])({})((::[A-Za-z_][A-Za-z0-9_]*)+)",
        heads.join("|")
    ))
    .unwrap();
    let item = regex::Regex::new(
        r"\b(?:fn|struct|enum|const|static|type|trait|union|macro_rules!)\s+([A-Za-z_][A-Za-z0-9_]*)",
    )
    .unwrap();
    let mut m = ModuleText {
        uses: Vec::new(),
        exports: HashMap::new(),
        globs: Vec::new(),
        defines: item.captures_iter(&code).map(|c| c[1].to_owned()).collect(),
    };
    for c in use_re.captures_iter(&code) {
        let public = c.get(1).is_some();
        for path in expand_use(&c[3]) {
            let Some(abs) = absolute(&path, at, children) else {
                continue;
            };
            if public {
                match path.last().map(String::as_str) {
                    Some("*") => m.globs.push(abs[..abs.len() - 1].to_vec()),
                    Some(name) => {
                        m.exports.insert(name.to_owned(), abs.clone());
                    }
                    None => {}
                }
            }
            m.uses.push(abs);
        }
    }
    let without_uses = use_re.replace_all(&code, "");
    for c in inline.captures_iter(&without_uses) {
        let path: Vec<String> = std::iter::once(c[1].to_owned())
            .chain(
                c[2].split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            )
            .collect();
        m.uses.extend(absolute(&path, at, children));
    }
    m
}

/// The module file that defines what `path` names: the longest module prefix, followed
/// through that module's re-exports.
fn resolve(
    path: &[String],
    mods: &BTreeMap<Vec<String>, PathBuf>,
    texts: &HashMap<Vec<String>, ModuleText>,
    depth: usize,
) -> Option<Vec<String>> {
    let n = (0..=path.len())
        .rev()
        .find(|&n| mods.contains_key(&path[..n]))?;
    let module = path[..n].to_vec();
    let Some(item) = path.get(n).filter(|_| depth < 16) else {
        return Some(module);
    };
    let text = texts.get(&module)?;
    if text.defines.contains(item) {
        return Some(module);
    }
    if let Some(target) = text.exports.get(item) {
        let mut full = target.clone();
        full.extend(path[n + 1..].iter().cloned());
        if full != path {
            return resolve(&full, mods, texts, depth + 1).or(Some(module));
        }
    }
    for glob in &text.globs {
        let mut full = glob.clone();
        full.extend(path[n..].iter().cloned());
        if let Some(found) = resolve(&full, mods, texts, depth + 1)
            && texts
                .get(&found)
                .is_some_and(|t| t.defines.contains(item) || found != *glob)
        {
            return Some(found);
        }
    }
    Some(module)
}

/// The import circles of the crate whose sources are in `src`: each a list of files
/// that import each other round, through the items they use.
pub fn circles(src: &Path) -> Vec<Vec<PathBuf>> {
    let mods = modules(src);
    let texts: HashMap<Vec<String>, ModuleText> = mods
        .iter()
        .map(|(at, f)| {
            let children: Vec<String> = mods
                .keys()
                .filter(|m| m.len() == at.len() + 1 && m.starts_with(at))
                .map(|m| m[at.len()].clone())
                .collect();
            (at.clone(), read_module(f, at, &children))
        })
        .collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (at, text) in &texts {
        let out = edges.entry(at.clone()).or_default();
        for path in &text.uses {
            if let Some(to) = resolve(path, &mods, &texts, 0)
                && to != *at
            {
                out.insert(to);
            }
        }
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.iter().map(|m| mods[m].clone()).collect())
        .collect()
}

/// Tarjan's strongly connected components.
fn strongly_connected(
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> Vec<Vec<Vec<String>>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: HashMap<&'a Vec<String>, usize>,
        low: HashMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        out: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a Vec<String>) {
        let i = w.index.len();
        w.index.insert(v, i);
        w.low.insert(v, i);
        w.stack.push(v);
        for to in w.edges.get(v).into_iter().flatten() {
            if !w.index.contains_key(to) {
                visit(w, to);
                let l = w.low[to].min(w.low[v]);
                w.low.insert(v, l);
            } else if w.stack.contains(&to) {
                let l = w.index[to].min(w.low[v]);
                w.low.insert(v, l);
            }
        }
        if w.low[v] == w.index[v] {
            let mut comp = Vec::new();
            while let Some(x) = w.stack.pop() {
                comp.push(x.clone());
                if x == v {
                    break;
                }
            }
            w.out.push(comp);
        }
    }
    let mut w = Walk {
        edges,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v) {
            visit(&mut w, v);
        }
    }
    w.out
}
