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
    /// Longest regular expression pattern, in bytes (default 1 KiB). A pattern's compiled program may
    /// take at most 64 times this many bytes (counted repetitions such as `(a{100}){100}` multiply it).
    pub max_regex_bytes: usize,
    /// Total compiled size of all the regular expressions of a snapshot, in bytes (default 1 MiB). Each
    /// counts the smallest of 256 bytes × 2^k (up to 64 KiB) its program fits in: ordinary patterns count
    /// 256 bytes to 2 KiB, so about a thousand fit, or 16 of the costliest 1 KiB ones. Matching costs the
    /// program's size times the attribute's length, so this bounds the regex work of one evaluation of
    /// every flag. An extension of spec §8.
    pub max_regex_total_bytes: usize,
    /// Deepest JSON nesting accepted by the parser, for snapshots and contexts (default 128).
    pub max_json_depth: usize,
    /// Longest chain of segments whose `when` refers to another segment, counted in references between
    /// segments (default 16; at most 63 is enforced whatever the setting: the evaluator's nesting bound).
    /// An extension of spec §8, which does not bound these chains.
    pub max_segment_depth: usize,
    /// Most evaluation steps that evaluating every flag once may take (default 2,000,000): a rule, a
    /// condition node, a segment check or a prerequisite is 1 step, an operator 1 plus each operand it
    /// compares one by one plus its regexes' compiled size in bytes, and a shared segment or
    /// prerequisite counts each time it is reached. It stops snapshots whose evaluation cost multiplies
    /// through shared references (a segment referring to another twice, 30 levels deep, is 2^30 checks;
    /// a segment of costly tests used by every flag). An extension of spec §8.
    pub max_evaluation_steps: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_condition_depth: 32,
            max_prerequisite_depth: 16,
            max_regex_bytes: 1024,
            max_regex_total_bytes: 1024 * 1024,
            max_json_depth: 128,
            max_segment_depth: 16,
            max_evaluation_steps: 2_000_000,
        }
    }
}

impl Limits {
    /// Limits as a JavaScript host passes them (the wasm bindings, the diagnostics module): JSON text as
    /// [`Limits::from_json`] reads it, or `None` for the defaults.
    ///
    /// ```
    /// assert_eq!(edgeflag::Limits::from_host(None), Ok(edgeflag::Limits::default()));
    /// assert_eq!(edgeflag::Limits::from_host(Some(r#"{"maxBytes": 9}"#)).map(|l| l.max_bytes), Ok(9));
    /// ```
    pub fn from_host(text: Option<&str>) -> Result<Limits, String> {
        match text {
            Some(t) => Limits::from_json(t),
            None => Ok(Limits::default()),
        }
    }

    /// Reads limits from a JSON object with any of the keys `maxBytes`, `maxConditionDepth`,
    /// `maxPrerequisiteDepth`, `maxRegexBytes`, `maxRegexTotalBytes`, `maxJsonDepth`, `maxSegmentDepth`,
    /// `maxEvaluationSteps` (non-negative integers); the others keep their defaults. Used by native callers, the
    /// CLI and the diagnostics module (the runtime `.wasm` takes limits as numbers: [`Limits::set`]).
    ///
    /// ```
    /// let l = edgeflag::Limits::from_json(r#"{"maxConditionDepth": 8}"#).unwrap();
    /// assert_eq!(l.max_condition_depth, 8);
    /// assert!(edgeflag::Limits::from_json(r#"{"maxDepth": 8}"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Limits, String> {
        // The runtime `.wasm` (`message::LEAN`) leaves the JSON parser and its messages out: its limits are
        // `JSON.stringify`'s output (engine.js), which always parses; the reader takes the same texts.
        let v = if crate::message::LEAN {
            let mut r = crate::json::Reader::new(text, crate::json::ParseOptions::default().max_depth);
            let v = r.value();
            if !r.finish() {
                return Err(String::from("limits: not JSON"));
            }
            v
        } else {
            crate::json::parse(text).map_err(|e| crate::message::msg!("limits: ", &e.message()))?
        };
        let Some(fields) = v.as_object() else { return Err("limits must be a JSON object".into()) };
        let mut l = Limits::default();
        for (k, v) in fields {
            let n = v
                .as_number()
                .and_then(|n| n.as_u64())
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| crate::message::msg!("limits.", &**k, " must be a non-negative integer"))?;
            let Some(i) = Limits::NAMES.iter().position(|name| *name == &**k) else {
                return Err(crate::message::msg!("limits.", &**k, ": unknown limit"));
            };
            l.set(i, n);
        }
        Ok(l)
    }

    /// The limits' names in JSON ([`Limits::from_json`], engine.js), in the order of their indexes ([`Limits::set`]).
    pub const NAMES: [&'static str; 8] = [
        "maxBytes",
        "maxConditionDepth",
        "maxPrerequisiteDepth",
        "maxRegexBytes",
        "maxRegexTotalBytes",
        "maxJsonDepth",
        "maxSegmentDepth",
        "maxEvaluationSteps",
    ];

    /// Sets limit `i` (its index in [`Limits::NAMES`]) to `n`; another index changes nothing. The wasm
    /// loader's limits arrive so, as numbers (`edgeflag_loader_limit`: engine.js checks them first).
    ///
    /// ```
    /// let mut l = edgeflag::Limits::default();
    /// l.set(5, 9);
    /// assert_eq!(l.max_json_depth, 9);
    /// ```
    pub fn set(&mut self, i: usize, n: usize) {
        let slot = match i {
            0 => &mut self.max_bytes,
            1 => &mut self.max_condition_depth,
            2 => &mut self.max_prerequisite_depth,
            3 => &mut self.max_regex_bytes,
            4 => &mut self.max_regex_total_bytes,
            5 => &mut self.max_json_depth,
            6 => &mut self.max_segment_depth,
            7 => &mut self.max_evaluation_steps,
            _ => return,
        };
        *slot = n;
    }
}

#[cfg(test)]
mod tests {
    use super::Limits;

    #[test]
    fn set_takes_the_index_of_each_name_as_from_json_reads_it() {
        for (i, name) in Limits::NAMES.iter().enumerate() {
            let mut by_index = Limits::default();
            by_index.set(i, 7);
            let by_name = Limits::from_json(&format!("{{\"{name}\": 7}}"));
            assert_eq!(by_name, Ok(by_index), "{name}");
            assert_ne!(by_index, Limits::default(), "{name}");
        }
        let mut l = Limits::default();
        l.set(Limits::NAMES.len(), 7);
        assert_eq!(l, Limits::default());
    }
}
