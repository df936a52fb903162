//! Load-time problems: every problem found in a snapshot, each with its JSON path.

use crate::bytes::Push;
use core::fmt;

/// How serious a [`Problem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The snapshot is refused.
    Error,
    /// The snapshot loads; tooling should show it (e.g. an `expires` date in the past).
    Warning,
}

/// One problem in a snapshot: where (a JSON path such as `flags.a.rules[2].when.op`) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path; keys raw, joined with `.`, array positions as `[i]`; `(root)` for the whole document.
    pub path: String,
    /// What is wrong, for a person.
    pub message: String,
    /// Error (refused) or warning (loaded).
    pub severity: Severity,
}

impl Problem {
    /// An error at `path`. (The runtime `.wasm` drops `message` for a fixed text: `message::LEAN`; always
    /// inlined there, so that a literal `message` is not kept either.)
    #[cfg_attr(all(target_arch = "wasm32", not(feature = "messages")), inline(always))]
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Problem {
        let message = if crate::message::LEAN { String::from(crate::message::LEAN_MESSAGE) } else { message.into() };
        Problem { path: path.into(), message, severity: Severity::Error }
    }

    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { path: path.into(), message: message.into(), severity: Severity::Warning }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        f.write_str(": ")?;
        f.write_str(&self.message)
    }
}

/// A snapshot that could not be loaded. Holds every error found (never empty), in document order,
/// plus any warnings. Nothing was loaded: an engine is either complete or not built at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// Every problem found, errors and warnings.
    pub problems: Vec<Problem>,
}

impl LoadError {
    /// An error with one problem at `path`.
    #[inline]
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> LoadError {
        LoadError::single_of(path.into(), message.into())
    }

    /// [`LoadError::single`] of owned strings: one body for every argument type.
    fn single_of(path: String, message: String) -> LoadError {
        LoadError { problems: vec![Problem::error(path, message)] }
    }

    /// The problems of severity [`Severity::Error`].
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Error)
    }

    /// The text `Display` writes: `invalid snapshot (2 problems)`, then each error on a line of
    /// its own (`  path: message`). Built without `core::fmt` (the wasm build reports it).
    pub fn message(&self) -> String {
        let mut n = 0;
        for p in &self.problems {
            n += usize::from(p.severity == Severity::Error);
        }
        let mut out = crate::message::msg!("invalid snapshot (", n, if n == 1 { " problem)" } else { " problems)" });
        for p in self.errors() {
            out.push_str("\n  ");
            out.push_str(&p.path);
            out.push_str(": ");
            out.push_str(&p.message);
        }
        out
    }
}

impl LoadError {
    /// The refusal as JSON, as the WebAssembly runtime's `loadError()` and the diagnostics module give it:
    /// `{"message": <message()>, "problems": [{"path","message"}, …]}` (the errors only).
    pub fn to_json(&self) -> String {
        refusal_json(&self.message(), &self.problems)
    }
}

/// `{"message": message, "problems": [the errors of problems]}`: a refused load as JSON ([`LoadError::to_json`];
/// limits that are not valid give their message and no problems, `Engine::from_host`).
pub(crate) fn refusal_json(message: &str, problems: &[Problem]) -> String {
    let mut out = String::from("{\"message\":");
    crate::json::write_string(&mut out, message);
    out.push_str(",\"problems\":");
    write_problems(&mut out, problems, Some(Severity::Error));
    out.push_ascii(b'}');
    out
}

/// Appends the problems of `list` (of severity `only`, else all) as a JSON array of `{"path","message"}`
/// objects (a refused load's errors; the wasm `meta()`'s warnings).
pub(crate) fn write_problems(out: &mut String, list: &[Problem], only: Option<Severity>) {
    out.push_ascii(b'[');
    for p in list.iter().filter(|p| only.is_none_or(|s| p.severity == s)) {
        if !matches!(out.as_bytes().last(), Some(b'[')) {
            out.push_ascii(b',');
        }
        out.push_str("{\"path\":");
        crate::json::write_string(out, &p.path);
        out.push_str(",\"message\":");
        crate::json::write_string(out, &p.message);
        out.push_ascii(b'}');
    }
    out.push_ascii(b']');
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for LoadError {}

/// Collects problems while walking a document, tracking the current JSON path.
///
/// Invariant: `path` always describes the position being examined; `push_*`/`pop` are balanced.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) list: Vec<Problem>,
    /// The paths of `list`, so that `at` is not a scan (a snapshot with 100,000 problems stays linear).
    paths: crate::set::StrIndex,
}

impl Problems {
    /// An error at `path` (in the runtime `.wasm`, with a fixed text: [`Problem::error`]; always inlined there,
    /// so that a literal `message` is not kept).
    #[cfg_attr(all(target_arch = "wasm32", not(feature = "messages")), inline(always))]
    #[cfg_attr(not(all(target_arch = "wasm32", not(feature = "messages"))), inline)]
    pub(crate) fn error(&mut self, path: impl Where, message: impl Into<String>) {
        if crate::message::LEAN {
            path.push_lean(self);
        } else {
            self.push(Problem::error(path.into_text(), message));
        }
    }

    /// An error at `path` with the fixed text of the runtime `.wasm` (`message::LEAN`; out of line: one copy).
    #[cold]
    #[inline(never)]
    fn push_lean(&mut self, path: String) {
        self.push(Problem::error(path, ""));
    }

    /// An error whose message every build keeps, even the runtime `.wasm` (`message::LEAN`): one the
    /// diagnostics module cannot give (it has what the runtime lacked, e.g. the regular-expression module).
    #[inline]
    pub(crate) fn error_kept(&mut self, path: impl Where, message: &'static str) {
        self.push(Problem { path: path.into_text(), message: String::from(message), severity: Severity::Error });
    }

    #[inline]
    pub(crate) fn warning(&mut self, path: impl Where, message: impl Into<String>) {
        self.push(Problem::warning(path.into_text(), message));
    }

    /// The one non-generic body behind `error`/`warning` (one copy in the wasm build, not one per
    /// argument type).
    #[inline(never)]
    fn push(&mut self, problem: Problem) {
        self.paths.get_or_insert(&problem.path, 0);
        self.list.push(problem);
    }

    /// Drops the problems after the first `len` (those reported since `list` was that long).
    #[cold]
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.list.len() {
            self.list.truncate(len);
            let mut paths = crate::set::StrIndex::with_capacity(self.list.len());
            for q in &self.list {
                paths.get_or_insert(&q.path, 0);
            }
            self.paths = paths;
        }
    }

    /// Whether a problem was already reported at `path`.
    pub(crate) fn at(&self, path: &Path<'_>) -> bool {
        !self.list.is_empty() && self.paths.contains(&path.text())
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.list.iter().any(|p| p.severity == Severity::Error)
    }
}

/// A JSON path, built on the stack while walking a document and formatted only when a problem is
/// reported: loading a large valid snapshot formats no path at all.
///
/// Formats as spec §8 writes paths: keys raw joined with `.`, positions as `[i]`, `(root)` alone.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Path<'a> {
    /// The whole document.
    Root,
    /// A key below a parent.
    Key(&'a Path<'a>, &'a str),
    /// A position below a parent.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// `self.key`.
    pub(crate) fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path::Key(self, key)
    }

    /// `self[i]`.
    pub(crate) fn index(&self, i: usize) -> Path<'_> {
        Path::Index(self, i)
    }

    /// The path as text (what `Display` writes).
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the path as text: `(root)` alone, else keys joined with `.` and positions as `[i]`.
    pub(crate) fn write_to(&self, out: &mut String) {
        match self {
            Path::Root => out.push_str("(root)"),
            p => p.write_below_root(out),
        }
    }

    fn write_below_root(&self, out: &mut String) {
        match *self {
            Path::Root => {}
            Path::Key(Path::Root, k) => out.push_str(k),
            Path::Key(parent, k) => {
                parent.write_below_root(out);
                out.push_ascii(b'.');
                out.push_str(k);
            }
            Path::Index(parent, i) => {
                parent.write_below_root(out);
                out.push_ascii(b'[');
                crate::message::push_int(out, i as u64);
                out.push_ascii(b']');
            }
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Where a problem is, as [`Problems`] takes it: a [`Path`] built while walking, or a path already
/// written as text.
pub(crate) trait Where {
    /// The path as text.
    fn into_text(self) -> String;

    /// Adds an error here with the runtime `.wasm`'s fixed text ([`Problems::error`] when
    /// `message::LEAN`): cold and out of line, one copy per kind of path, so that each report in the
    /// load's readers is one call (not the path's formatting, then the push).
    #[cold]
    #[inline(never)]
    fn push_lean(self, p: &mut Problems)
    where
        Self: Sized,
    {
        p.push_lean(self.into_text());
    }
}

impl Where for &str {
    fn into_text(self) -> String {
        self.to_string()
    }
}

impl Where for &String {
    fn into_text(self) -> String {
        self.clone()
    }
}

impl Where for String {
    fn into_text(self) -> String {
        self
    }
}

impl Where for &Path<'_> {
    fn into_text(self) -> String {
        self.text()
    }
}

impl Where for Path<'_> {
    fn into_text(self) -> String {
        self.text()
    }
}

/// Builds JSON paths: `join(parent, key)` → `parent.key`, `index(parent, i)` → `parent[i]`.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() || parent == "(root)" {
        key.to_string()
    } else {
        let mut s = String::with_capacity(parent.len() + 1 + key.len());
        s.push_str(parent);
        s.push_ascii(b'.');
        s.push_str(key);
        s
    }
}

/// `parent[i]`.
pub(crate) fn index(parent: &str, i: usize) -> String {
    crate::message::msg!(parent, "[", i, "]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_paths() {
        let root = Path::Root;
        let flags = root.key("flags");
        let f = flags.key("new.checkout");
        let rules = f.key("rules");
        assert_eq!(rules.index(2).key("when").to_string(), "flags.new.checkout.rules[2].when");
        assert_eq!(root.to_string(), "(root)");
        assert_eq!(root.index(0).to_string(), "[0]");
    }

    #[test]
    fn paths() {
        assert_eq!(join("(root)", "flags"), "flags");
        assert_eq!(join("flags", "new.checkout"), "flags.new.checkout");
        assert_eq!(index("flags.a.rules", 2), "flags.a.rules[2]");
    }

    #[test]
    fn truncate_takes_problems_back_with_their_paths() {
        let root = Path::Root;
        let (a, b) = (root.key("a"), root.key("b"));
        let mut p = Problems::default();
        p.error(&a, "first");
        p.truncate(1);
        p.error(&b, "second");
        p.warning(&b.key("c"), "third");
        assert!(p.at(&b));
        p.truncate(1);
        assert_eq!(p.list.len(), 1);
        assert!(p.at(&a));
        assert!(!p.at(&b), "the path of a problem taken back is no longer reported");
        p.truncate(0);
        assert!(p.list.is_empty() && !p.at(&a));
    }

    #[test]
    fn display_lists_errors() {
        let e = LoadError {
            problems: vec![Problem::error("flags.a.default", "unknown variant \"x\""), Problem::warning("flags.b.expires", "expired")],
        };
        let s = e.to_string();
        assert!(s.contains("1 problem)"));
        assert!(s.contains("flags.a.default: unknown variant"));
        assert!(!s.contains("expired"));
    }
}
