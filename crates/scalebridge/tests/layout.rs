//! The module layout stays a hierarchy: no import circle between the top-level modules of the
//! library, nor between the modules inside each of them. Read from the sources.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file, e.g. `lattice/rg/mod.rs` → `[lattice, rg]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// `crate::a::b::…` paths used outside test modules, resolved from `use super::…` too.
fn imports(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        let path: Vec<String> = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or("")
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        out.push(path);
    }
    for (i, _) in code.match_indices("use super::") {
        let rest = &code[i + 11..];
        let first = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        let mut base = module.to_vec();
        base.pop();
        if !first.is_empty() {
            base.push(first.to_owned());
        }
        out.push(base);
    }
    out
}

fn has_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|x| x == m).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    // edges at two depths: top-level modules, and children within one top-level module
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut inner: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for f in &files {
        let module = module_of(&src, f);
        if module.is_empty() {
            continue; // lib.rs declares and re-exports
        }
        let text = std::fs::read_to_string(f).unwrap();
        for to in imports(&text, &module) {
            if to.is_empty() {
                continue;
            }
            if to[0] != module[0] {
                top.entry(module[0].clone())
                    .or_default()
                    .insert(to[0].clone());
            } else if module.len() >= 2 && to.len() >= 2 && to[1] != module[1] {
                inner
                    .entry(module[0].clone())
                    .or_default()
                    .entry(module[1].clone())
                    .or_default()
                    .insert(to[1].clone());
            }
        }
    }
    assert!(top.len() >= 8, "the scan found too few modules: {top:?}");
    if let Some(c) = has_cycle(&top) {
        panic!("import circle between top-level modules: {}", c.join(" → "));
    }
    for (parent, g) in &inner {
        if let Some(c) = has_cycle(g) {
            panic!("import circle inside `{parent}`: {}", c.join(" → "));
        }
    }
    // io sits below everything it serialises
    let io_deps = top.get("io").cloned().unwrap_or_default();
    assert!(
        io_deps.iter().all(|d| d == "error"),
        "io imports {io_deps:?}"
    );
}
