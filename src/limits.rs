//! Load limits (spec §8): bounds on what a snapshot may cost, all configurable.

/// Limits applied while loading a snapshot. A snapshot over any limit is refused with a clear error.
///
/// ```
/// let opts = edgeflag::Limits { max_condition_depth: 8, ..edgeflag::Limits::default() };
/// assert_eq!(opts.max_bytes, 16 * 1024 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON text, in bytes (default 16 MiB).
    pub max_bytes: usize,
    /// Deepest condition nesting: the top condition is depth 1, each `all`/`any`/`not` adds 1 (default 32).
    pub max_condition_depth: usize,
    /// Longest prerequisite chain, counted in edges (default 16).
    pub max_prerequisite_depth: usize,
    /// Longest regular expression pattern, in bytes (default 1 KiB).
    pub max_regex_bytes: usize,
    /// Deepest JSON nesting accepted by the parser, for snapshots and contexts (default 128).
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_condition_depth: 32,
            max_prerequisite_depth: 16,
            max_regex_bytes: 1024,
            max_json_depth: 128,
        }
    }
}
