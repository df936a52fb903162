//! `edgeflag build SOURCES... -o OUT [--env E] [--audience browser|server] [--version N]
//! [--hash-segments] [--published-at T]`: compose a snapshot from authored JSON/YAML files.
//!
//! Steps, in order: read every source (a partial snapshot each); merge them (flags and segments
//! maps in source order; the same key in two files is an error naming both); apply the overrides of
//! the chosen environment (`environments: {E: {...partial flag or segment...}}`, removed from the
//! output); set `schema`, `version`, `environment` and `publishedAt`; validate the whole result with
//! the engine (every problem, attributed to the source file that defined the flag or segment);
//! project it for the audience (browser: server-only flags, and the segments only they use, left
//! out); hash segment lists on request; validate again and write it pretty-printed. The same input
//! gives the same bytes: nothing depends on the clock or on hash-map order.

use crate::common;
use crate::model::{self, items, str_field, V};
use crate::{pretty, yaml};
use edgeflag::json::{self, Value};
use edgeflag::{Engine, LoadOptions, Severity};
use std::borrow::Cow;

/// Who the snapshot is for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everything (servers, edge workers you control).
    Server,
    /// Browsers: flags with `serverOnly: true`, and the segments only they use, are left out.
    Browser,
}

/// Arguments of `build`.
#[derive(clap::Args, Debug)]
#[command(disable_version_flag = true, after_help = "\
Sources are partial snapshots in JSON (.json) or YAML (.yaml, .yml) holding any of schema, version,
environment, publishedAt, metadata, segments, flags, and `environments` (a list of the environment
names the sources may override, to catch typos). A flag or segment may carry per-environment
overrides, applied when building for that environment and removed from the output:

  flags:
    new-checkout:
      variants: {on: true, off: false}
      default: off
      rules: [{id: rollout, serve: {variant: on, percent: 10}}]
      environments:
        staging: {rules: [{serve: on}]}      # replaces the field
        production: {expires: null}          # null removes the field

The environment is --env, else the sources' `environment`. The version is --version, else the
largest `version` in the sources. publishedAt is --published-at, else the sources' (never the clock,
so the same input gives the same bytes).

Exit status: 0 written, 1 a problem in the sources (every problem is printed, with its file and
JSON path), 2 usage error (including no version anywhere).

Examples:
  edgeflag build flags/*.yaml segments.yaml --env production --version 42 -o dist/production.json
  edgeflag build flags/*.yaml --env production --version 42 --audience browser --hash-segments \\
      -o dist/production.browser.json")]
pub struct Args {
    /// Source files (.json, .yaml or .yml), merged in this order.
    #[arg(required = true, value_name = "SOURCES")]
    pub sources: Vec<String>,
    /// Where to write the snapshot (`-` for standard output).
    #[arg(long, short, value_name = "OUT")]
    pub output: String,
    /// Build for this environment: apply its overrides and set `environment`.
    #[arg(long, value_name = "E")]
    pub env: Option<String>,
    /// Who the snapshot is for.
    #[arg(long, value_enum, default_value = "server")]
    pub audience: Audience,
    /// The snapshot's version (default: the largest `version` in the sources).
    #[arg(long, value_name = "N")]
    pub version: Option<u64>,
    /// Replace segments' include/exclude lists by includeHashed/excludeHashed.
    #[arg(long)]
    pub hash_segments: bool,
    /// Set publishedAt (RFC 3339).
    #[arg(long, value_name = "T")]
    pub published_at: Option<String>,
}

/// A problem in the sources, already attributed to a file.
struct Problem {
    file: String,
    path: String,
    message: String,
}

type Members = Vec<(Cow<'static, str>, V)>;

/// The merge of all sources, before environment overrides.
#[derive(Default)]
struct Merged {
    /// (field, value, file) for schema/version/environment/publishedAt.
    scalars: Vec<(&'static str, V, String)>,
    versions: Vec<(u64, String)>,
    metadata: Members,
    metadata_from: Vec<String>,
    segments: Members,
    segments_from: Vec<String>,
    flags: Members,
    flags_from: Vec<String>,
    declared_envs: Vec<String>,
}

enum Kind {
    Json,
    Yaml,
}

fn kind_of(path: &str) -> Option<Kind> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Some(Kind::Json)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(Kind::Yaml)
    } else {
        None
    }
}

/// Runs `build`.
pub fn run(a: Args) -> u8 {
    // Usage first.
    for s in &a.sources {
        if kind_of(s).is_none() {
            return common::usage(format!("{s}: unknown source type: name sources *.json, *.yaml or *.yml"));
        }
    }
    if let Some(e) = &a.env {
        if e.is_empty() {
            return common::usage("--env: the environment name is empty");
        }
    }
    if let Some(t) = &a.published_at {
        if edgeflag::time::parse_rfc3339_ms(t).is_none() {
            return common::usage(format!("--published-at: \"{t}\" is not an RFC 3339 date-time"));
        }
    }
    if a.version.is_some_and(|v| v > (1 << 53) - 1) {
        return common::usage("--version: keep it at most 2^53 - 1 (9007199254740991): JavaScript compares versions as numbers");
    }
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    for s in &a.sources {
        match read_source(s) {
            Ok(v) => docs.push((s.clone(), v)),
            Err(p) => problems.push(p),
        }
    }
    let mut m = Merged::default();
    for (file, doc) in docs {
        merge(&file, doc, &mut m, &mut problems);
    }
    if !problems.is_empty() {
        return report(&problems);
    }
    match compose(&a, m) {
        Ok((text, summary)) => {
            if a.output == "-" {
                common::print(text.trim_end_matches('\n'));
            } else if let Err(e) = std::fs::write(&a.output, text.as_bytes()) {
                eprintln!("edgeflag: cannot write {}: {e}", a.output);
                return common::PROBLEM;
            }
            eprintln!("edgeflag: wrote {}: {summary}", if a.output == "-" { "standard output" } else { &a.output });
            0
        }
        Err(code) => code,
    }
}

fn report(problems: &[Problem]) -> u8 {
    for p in problems {
        eprintln!("{}: error: {}: {}", p.file, p.path, p.message);
    }
    let n = problems.len();
    eprintln!("edgeflag: build failed: {n} problem{}", if n == 1 { "" } else { "s" });
    common::PROBLEM
}

fn problem(file: &str, path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { file: file.to_string(), path: path.into(), message: message.into() }
}

fn read_source(path: &str) -> Result<V, Problem> {
    let text = common::read(path).map_err(|m| problem(path, "(root)", m))?;
    match kind_of(path) {
        Some(Kind::Yaml) => yaml::to_json(&text).map_err(|e| problem(path, e.path, format!("{} (line {}, column {})", e.message, e.line, e.column))),
        _ => json::parse(&text)
            .map(Value::into_owned)
            .map_err(|e| problem(path, if matches!(e.kind, json::ParseErrorKind::DuplicateKey(_)) { e.path.clone() } else { "(root)".into() }, e.to_string())),
    }
}

fn merge(file: &str, doc: V, m: &mut Merged, problems: &mut Vec<Problem>) {
    let Value::Object(fields) = doc else {
        problems.push(problem(file, "(root)", format!("a source must be an object (a partial snapshot), not {}", doc.type_name())));
        return;
    };
    for (k, v) in fields {
        match &*k {
            "schema" | "environment" | "publishedAt" => {
                let field: &'static str = match &*k {
                    "schema" => "schema",
                    "environment" => "environment",
                    _ => "publishedAt",
                };
                match m.scalars.iter().find(|(f, _, _)| *f == field) {
                    Some((_, other, from)) if !model::same(other, &v) => problems.push(problem(
                        file,
                        field,
                        format!("{} here, but {} in {from}", pretty::one_line(&v), pretty::one_line(other)),
                    )),
                    Some(_) => {}
                    None => m.scalars.push((field, v, file.to_string())),
                }
            }
            "version" => match v.as_number().and_then(|n| n.as_u64()) {
                Some(n) => m.versions.push((n, file.to_string())),
                None => problems.push(problem(file, "version", format!("expected an integer ≥ 0, found {}", pretty::one_line(&v)))),
            },
            "environments" => match &v {
                Value::Array(list) if list.iter().all(|e| matches!(e, Value::String(s) if !s.is_empty())) => {
                    for e in list.iter().filter_map(Value::as_str) {
                        if !m.declared_envs.iter().any(|x| x == e) {
                            m.declared_envs.push(e.to_string());
                        }
                    }
                }
                _ => problems.push(problem(file, "environments", "expected a list of environment names (non-empty strings)")),
            },
            "metadata" | "segments" | "flags" => {
                let Value::Object(entries) = v else {
                    problems.push(problem(file, &*k, format!("expected an object, found {}", v.type_name())));
                    continue;
                };
                let (into, from, what) = match &*k {
                    "metadata" => (&mut m.metadata, &mut m.metadata_from, "metadata key"),
                    "segments" => (&mut m.segments, &mut m.segments_from, "segment"),
                    _ => (&mut m.flags, &mut m.flags_from, "flag"),
                };
                for (key, val) in entries {
                    if let Some(i) = into.iter().position(|(x, _)| *x == key) {
                        problems.push(problem(file, format!("{k}.{key}"), format!("{what} \"{key}\" is also defined in {}", from[i])));
                        continue;
                    }
                    into.push((key, val));
                    from.push(file.to_string());
                }
            }
            _ => problems.push(problem(
                file,
                &*k,
                "unknown field (a source holds schema, version, environment, publishedAt, metadata, segments, flags, environments)",
            )),
        }
    }
}

/// Applies the overrides of `env` to each entry of a map (flags or segments), removing every
/// `environments` field. Returns the keys that got an override.
fn apply_overrides(
    what: &str,
    map: &mut Members,
    from: &[String],
    env: Option<&str>,
    declared: &[String],
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    let mut applied = Vec::new();
    for (i, (key, entry)) in map.iter_mut().enumerate() {
        let Value::Object(fields) = entry else { continue };
        let Some(pos) = fields.iter().position(|(k, _)| k == "environments") else { continue };
        let (_, overrides) = fields.remove(pos);
        let path = format!("{what}.{key}.environments");
        let Value::Object(overrides) = overrides else {
            problems.push(problem(&from[i], path, "expected an object: environment name → fields that replace the base ones"));
            continue;
        };
        for (name, o) in overrides {
            if !declared.is_empty() && !declared.iter().any(|d| *d == name) {
                problems.push(problem(&from[i], format!("{path}.{name}"), format!("unknown environment \"{name}\" (declared: {})", declared.join(", "))));
                continue;
            }
            let Value::Object(changes) = o else {
                problems.push(problem(&from[i], format!("{path}.{name}"), format!("expected an object of fields, found {}", o.type_name())));
                continue;
            };
            if Some(&*name) != env {
                continue;
            }
            for (field, value) in changes {
                if field == "environments" {
                    problems.push(problem(&from[i], format!("{path}.{name}.environments"), "overrides cannot be nested"));
                    continue;
                }
                let at = fields.iter().position(|(k, _)| *k == field);
                match (at, value) {
                    (Some(p), Value::Null) => {
                        fields.remove(p);
                    }
                    (None, Value::Null) => {}
                    (Some(p), v) => fields[p].1 = v,
                    (None, v) => fields.push((field, v)),
                }
            }
            applied.push(key.to_string());
        }
    }
    applied
}

fn compose(a: &Args, mut m: Merged) -> Result<(String, String), u8> {
    let mut problems = Vec::new();
    let scalar = |m: &Merged, f: &str| m.scalars.iter().find(|(x, _, _)| *x == f).map(|(_, v, file)| (v.clone(), file.clone()));
    let source_env = scalar(&m, "environment");
    let env: Option<String> = match (&a.env, &source_env) {
        (Some(e), Some((Value::String(s), file))) if **s != **e => {
            problems.push(problem(file, "environment", format!("\"{s}\" here, but --env {e}")));
            Some(e.clone())
        }
        (Some(e), _) => Some(e.clone()),
        (None, Some((Value::String(s), _))) => Some(s.to_string()),
        _ => None,
    };
    if let Some(e) = &env {
        if !m.declared_envs.is_empty() && !m.declared_envs.iter().any(|d| d == e) {
            let msg = format!("\"{e}\" is not among the environments the sources declare ({})", m.declared_envs.join(", "));
            match &a.env {
                Some(_) => return Err(common::usage(format!("--env {msg}"))),
                None => problems.push(problem(source_env.as_ref().map(|x| x.1.as_str()).unwrap_or("(build)"), "environment", msg)),
            }
        }
    }
    let declared = m.declared_envs.clone();
    let flag_overrides = apply_overrides("flags", &mut m.flags, &m.flags_from, env.as_deref(), &declared, &mut problems);
    let seg_overrides = apply_overrides("segments", &mut m.segments, &m.segments_from, env.as_deref(), &declared, &mut problems);
    if !problems.is_empty() {
        return Err(report(&problems));
    }
    let version = match (a.version, m.versions.iter().map(|(v, _)| *v).max()) {
        (Some(v), _) => v,
        (None, Some(v)) => v,
        (None, None) => return Err(common::usage("no version: pass --version N, or set `version` in a source")),
    };
    // The document, in a fixed field order.
    let mut doc: Members = vec![("schema".into(), scalar(&m, "schema").map(|x| x.0).unwrap_or_else(|| model::n(1))), ("version".into(), Value::Number(json::Number::from_u64(version)))];
    if let Some(e) = &env {
        doc.push(("environment".into(), model::s(e)));
    }
    match (&a.published_at, scalar(&m, "publishedAt")) {
        (Some(t), _) => doc.push(("publishedAt".into(), model::s(t))),
        (None, Some((v, _))) => doc.push(("publishedAt".into(), v)),
        _ => {}
    }
    if !m.metadata.is_empty() {
        doc.push(("metadata".into(), Value::Object(m.metadata.clone())));
    }
    if !m.segments.is_empty() {
        doc.push(("segments".into(), Value::Object(m.segments.clone())));
    }
    doc.push(("flags".into(), Value::Object(m.flags.clone())));
    let mut doc = Value::Object(doc);
    let attribute = |path: &str| -> (String, String) {
        let origin = |what: &str, map: &Members, from: &[String], applied: &[String]| -> Option<(String, String)> {
            let mut best: Option<(usize, usize)> = None;
            for (i, (k, _)) in map.iter().enumerate() {
                let p = format!("{what}.{k}");
                let hit = path == p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}["));
                if hit && best.is_none_or(|(_, l)| p.len() > l) {
                    best = Some((i, p.len()));
                }
            }
            best.map(|(i, _)| {
                let k = &map[i].0;
                let note = if applied.iter().any(|x| x == k) { format!(" (after the {} override)", env.as_deref().unwrap_or("?")) } else { String::new() };
                (from[i].clone(), note)
            })
        };
        origin("flags", &m.flags, &m.flags_from, &flag_overrides)
            .or_else(|| origin("segments", &m.segments, &m.segments_from, &seg_overrides))
            .or_else(|| origin("metadata", &m.metadata, &m.metadata_from, &[]))
            .unwrap_or_else(|| {
                let field = path.split(['.', '[']).next().unwrap_or("");
                let file = match field {
                    "version" => m.versions.first().map(|(_, f)| f.clone()),
                    f => m.scalars.iter().find(|(x, _, _)| *x == f).map(|(_, _, file)| file.clone()),
                };
                (file.unwrap_or_else(|| "(build)".into()), String::new())
            })
    };
    // Validate everything that was authored, before any projection.
    validate(&doc, &attribute)?;
    let mut left_out = (0usize, 0usize);
    if a.audience == Audience::Browser {
        match browser(&mut doc) {
            Ok(n) => left_out = n,
            Err(ps) => {
                let ps: Vec<Problem> = ps
                    .into_iter()
                    .map(|(path, msg)| {
                        let (file, note) = attribute(&path);
                        problem(&file, path, format!("{msg}{note}"))
                    })
                    .collect();
                return Err(report(&ps));
            }
        }
    }
    let hashed = if a.hash_segments { hash_segments(&mut doc) } else { 0 };
    validate(&doc, &attribute)?;
    let nflags = model::flags(&doc).len();
    let nsegs = model::segments(&doc).len();
    let mut summary = format!(
        "{}version {version}, {} flag{}",
        env.as_deref().map(|e| format!("{e} ")).unwrap_or_default(),
        nflags,
        if nflags == 1 { "" } else { "s" }
    );
    if a.audience == Audience::Browser {
        summary.push_str(&format!(" ({} server-only left out)", left_out.0));
    }
    summary.push_str(&format!(", {nsegs} segment{}", if nsegs == 1 { "" } else { "s" }));
    if a.audience == Audience::Browser && left_out.1 > 0 {
        summary.push_str(&format!(" ({} used only by server-only flags left out)", left_out.1));
    }
    if a.hash_segments {
        summary.push_str(&format!(", {hashed} list entr{} hashed", if hashed == 1 { "y" } else { "ies" }));
    }
    Ok((pretty::pretty(&doc), summary))
}

fn validate(doc: &V, attribute: &dyn Fn(&str) -> (String, String)) -> Result<(), u8> {
    let text = doc.to_string();
    match Engine::from_json_with(&text, &LoadOptions::default()) {
        Ok(_) => Ok(()),
        Err(e) => {
            let ps: Vec<Problem> = e
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| {
                    let (file, note) = attribute(&p.path);
                    problem(&file, p.path.clone(), format!("{}{note}", p.message))
                })
                .collect();
            Err(report(&ps))
        }
    }
}

/// Leaves out server-only flags and the segments only they use. Refuses when a kept flag requires
/// a server-only one. Returns (flags left out, segments left out).
fn browser(doc: &mut V) -> Result<(usize, usize), Vec<(String, String)>> {
    let server_only = |f: &V| f.get("serverOnly").and_then(Value::as_bool) == Some(true);
    let flags = model::flags(doc);
    let stripped: Vec<&str> = flags.iter().filter(|(_, f)| server_only(f)).map(|(k, _)| &**k).collect();
    let mut errors = Vec::new();
    for (k, f) in flags.iter().filter(|(_, f)| !server_only(f)) {
        for (i, r) in items(f.get("requires")).iter().enumerate() {
            if let Some(p) = str_field(r, "flag").filter(|p| stripped.contains(p)) {
                errors.push((
                    format!("flags.{k}.requires[{i}].flag"),
                    format!(
                        "\"{k}\" requires the server-only flag \"{p}\", which a browser snapshot leaves out: mark \"{k}\" serverOnly too, or drop the prerequisite"
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut kept_segs: Vec<String> = Vec::new();
    let mut stripped_segs: Vec<String> = Vec::new();
    for (_, f) in flags {
        let target = if server_only(f) { &mut stripped_segs } else { &mut kept_segs };
        target.extend(model::flag_segments(doc, f));
    }
    let drop_segs: Vec<String> = stripped_segs.into_iter().filter(|s| !kept_segs.contains(s)).collect();
    let stripped: Vec<String> = stripped.iter().map(|s| s.to_string()).collect();
    let Value::Object(fields) = doc else { return Ok((0, 0)) };
    let mut dropped_segs = 0;
    for (k, v) in fields.iter_mut() {
        match (&**k, v) {
            ("flags", Value::Object(fl)) => fl.retain(|(key, _)| !stripped.iter().any(|s| s == key)),
            ("segments", Value::Object(sg)) => {
                let before = sg.len();
                sg.retain(|(key, _)| !drop_segs.iter().any(|s| s == key));
                dropped_segs = before - sg.len();
            }
            _ => {}
        }
    }
    // An emptied segments map is left out.
    fields.retain(|(k, v)| !(k == "segments" && matches!(v, Value::Object(o) if o.is_empty())));
    Ok((stripped.len(), dropped_segs))
}

/// Replaces `include`/`exclude` by `includeHashed`/`excludeHashed` (merged with hashed entries
/// already there, duplicates dropped), in place. Returns the number of entries hashed.
fn hash_segments(doc: &mut V) -> usize {
    let mut count = 0;
    let Value::Object(fields) = doc else { return 0 };
    for (k, v) in fields.iter_mut() {
        if k != "segments" {
            continue;
        }
        let Value::Object(segs) = v else { continue };
        for (key, seg) in segs.iter_mut() {
            let Value::Object(sf) = seg else { continue };
            let salt = sf.iter().find(|(f, _)| f == "hashSalt").and_then(|(_, v)| v.as_str()).unwrap_or(key).to_string();
            let mut out: Members = Vec::new();
            let take = |sf: &Members, name: &str| -> Vec<String> {
                sf.iter().find(|(f, _)| f == name).map(|(_, v)| items(Some(v)).iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default()
            };
            let hashed_list = |plain: &[String], existing: Vec<String>, count: &mut usize| -> V {
                let mut all = existing;
                for p in plain {
                    *count += 1;
                    let h = edgeflag::bucket::segment_key_hash_hex(&salt, p);
                    if !all.contains(&h) {
                        all.push(h);
                    }
                }
                Value::Array(all.into_iter().map(|h| model::s(&h)).collect())
            };
            let (inc, exc) = (take(sf, "include"), take(sf, "exclude"));
            let (inc_h, exc_h) = (take(sf, "includeHashed"), take(sf, "excludeHashed"));
            let has = |name: &str| sf.iter().any(|(f, _)| f == name);
            let (any_inc, any_exc) = (has("include") || has("includeHashed"), has("exclude") || has("excludeHashed"));
            let (mut done_inc, mut done_exc) = (false, false);
            for (f, v) in sf.drain(..) {
                match &*f {
                    "include" | "includeHashed" if any_inc => {
                        if !done_inc {
                            done_inc = true;
                            out.push(("includeHashed".into(), hashed_list(&inc, inc_h.clone(), &mut count)));
                        }
                    }
                    "exclude" | "excludeHashed" if any_exc => {
                        if !done_exc {
                            done_exc = true;
                            out.push(("excludeHashed".into(), hashed_list(&exc, exc_h.clone(), &mut count)));
                        }
                    }
                    _ => out.push((f, v)),
                }
            }
            *sf = out;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(t: &str) -> V {
        json::parse(t).unwrap().into_owned()
    }

    #[test]
    fn hashing_replaces_lists_in_place() {
        let mut doc = v(r#"{"segments":{"vip-customers":{"description":"d","include":["user-chen","user-chen"],"exclude":["42"],"excludeHashed":["0000000000000001"]}}}"#);
        assert_eq!(hash_segments(&mut doc), 3);
        assert_eq!(
            doc.to_string(),
            r#"{"segments":{"vip-customers":{"description":"d","includeHashed":["e30ac2b352c71a61"],"excludeHashed":["0000000000000001","c17f09ca84e5a2e6"]}}}"#
        );
        let mut salted = v(r#"{"segments":{"s":{"hashSalt":"vip-customers","include":["user-chen"]}}}"#);
        hash_segments(&mut salted);
        assert_eq!(salted.to_string(), r#"{"segments":{"s":{"hashSalt":"vip-customers","includeHashed":["e30ac2b352c71a61"]}}}"#);
    }

    #[test]
    fn browser_projection_drops_server_only_flags_and_their_segments() {
        let mut doc = v(r#"{"schema":1,"version":1,
            "segments":{"shared":{},"server":{"when":{"segment":"deep"}},"deep":{},"unused":{}},
            "flags":{"a":{"variants":{"x":1},"default":"x","rules":[{"when":{"segment":"shared"},"serve":"x"}]},
                     "b":{"serverOnly":true,"variants":{"x":1},"default":"x","rules":[{"when":{"all":[{"segment":"server"},{"segment":"shared"}]},"serve":"x"}]}}}"#);
        assert_eq!(browser(&mut doc), Ok((1, 2)));
        assert_eq!(model::flags(&doc).len(), 1);
        let segs: Vec<&str> = model::segments(&doc).iter().map(|(k, _)| &**k).collect();
        assert_eq!(segs, ["shared", "unused"]);
    }

    #[test]
    fn browser_projection_refuses_a_kept_flag_that_requires_a_server_only_one() {
        let mut doc = v(r#"{"flags":{"a":{"requires":[{"flag":"b","variants":["x"]}]},"b":{"serverOnly":true}}}"#);
        let e = browser(&mut doc).unwrap_err();
        assert_eq!(e[0].0, "flags.a.requires[0].flag");
        assert!(e[0].1.contains("\"a\" requires the server-only flag \"b\""));
    }

    #[test]
    fn overrides_replace_add_and_remove_fields() {
        let mut map: Members = vec![(
            "f".into(),
            v(r#"{"default":"off","expires":"2027-01-01","environments":{"prod":{"default":"on","expires":null,"owner":"x"},"dev":{"default":"dev"}}}"#),
        )];
        let mut ps = Vec::new();
        let applied = apply_overrides("flags", &mut map, &["a.yaml".into()], Some("prod"), &[], &mut ps);
        assert!(ps.is_empty());
        assert_eq!(applied, ["f"]);
        assert_eq!(map[0].1.to_string(), r#"{"default":"on","owner":"x"}"#);
        // Declared environments catch typos.
        let mut map: Members = vec![("f".into(), v(r#"{"environments":{"prodution":{}}}"#))];
        apply_overrides("flags", &mut map, &["a.yaml".into()], Some("production"), &["production".into()], &mut ps);
        assert_eq!(ps[0].path, "flags.f.environments.prodution");
    }
}
