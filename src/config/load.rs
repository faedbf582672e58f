//! Reading the files: the main file, then every file its `include` globs match, each
//! parsed and validated on its own so that one broken file does not hide the errors of
//! the others. The only module of `config` that touches the file system.

use std::fs;
use std::path::{Path, PathBuf};

use super::env::Env;
use super::error::{ConfigError, ConfigErrors};
use super::model::{Agency, Config};
use super::raw::{AgencyFile, AgencyIdOnly, MainFile, Text};
use super::validate::{self, Ctx, Include};
use super::yaml;

/// Loads and validates the configuration rooted at `path`, substituting `${VAR}` from
/// the process environment. Returns every error found, in file then position order.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    load_with_env(path, &|name| std::env::var(name).ok())
}

/// [`load`] with `${VAR}` looked up in `env` instead of the process environment.
pub fn load_with_env(path: &Path, env: Env<'_>) -> Result<Config, ConfigErrors> {
    let fail = |e: ConfigError| Err(ConfigErrors(vec![e]));
    let source = match fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            return fail(ConfigError::file_level(
                path,
                format!("cannot read file: {e}"),
            ))
        }
    };
    let raw: MainFile = if yaml::is_blank(&source) {
        MainFile::default()
    } else {
        match yaml::parse(path, &source) {
            Ok(raw) => raw,
            Err(e) => return fail(e),
        }
    };
    let mut ctx = Ctx::new(path, &source, env);
    let main = validate::main_file(&mut ctx, &raw);
    let mut main_errors = ctx.errors;
    let files = include_files(path, &main.include, &mut main_errors);
    let mut errors = sorted(main_errors);

    // The digest of what was read (docs/cluster.md: nodes compare it).
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    add_to_digest(&mut digest, &source);
    let mut agencies: Vec<Agency> = Vec::new();
    // Agency ids seen so far, as written, with where: ids are unique across files.
    let mut seen: Vec<(String, String)> = Vec::new();
    // Each file's errors, and each `successor` as written: checked once all files are read.
    let mut by_file: Vec<Vec<ConfigError>> = Vec::new();
    let mut successors: Vec<Successor> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let mut file_errors = Vec::new();
        let read = agency_file(file, env, &main, &mut seen, &mut file_errors);
        if let Some(s) = read.as_ref().and_then(|r| r.2.clone()) {
            successors.push(Successor { file: i, ..s });
        }
        if let Some((agency, source, _)) = read {
            add_to_digest(&mut digest, &source);
            agencies.push(agency);
        }
        by_file.push(file_errors);
    }
    for (i, e) in successor_errors(&seen, &successors) {
        by_file[i].push(e);
    }
    for file_errors in by_file {
        errors.extend(sorted(file_errors));
    }
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    let hex: String = digest
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Config {
        source: path.to_path_buf(),
        digest: format!("sha256:{hex}"),
        server: main.server,
        storage: main.storage,
        probing: main.probing,
        cluster: main.cluster,
        vantages: main.vantages,
        connection: main.connection,
        sla: main.sla,
        scoring: main.scoring,
        alerting: main.alerting,
        metrics: main.metrics,
        maintenance: main.maintenance,
        agencies,
        retired: Vec::new(),
    })
}

/// A file's text into the config's digest, length first so files cannot run together.
fn add_to_digest(d: &mut ring::digest::Context, source: &str) {
    d.update(&(source.len() as u64).to_be_bytes());
    d.update(source.as_bytes());
}

fn sorted(mut errors: Vec<ConfigError>) -> Vec<ConfigError> {
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}

/// The files matched by the `include` globs, relative to the main file's directory, each
/// glob's matches sorted, duplicates and the main file itself left out.
fn include_files(main: &Path, includes: &[Include], errors: &mut Vec<ConfigError>) -> Vec<PathBuf> {
    let dir = main.parent().unwrap_or(Path::new(""));
    let escaped_dir = PathBuf::from(glob::Pattern::escape(&dir.to_string_lossy()));
    let main_canonical = fs::canonicalize(main).ok();
    let mut files: Vec<PathBuf> = Vec::new();
    for inc in includes {
        let pattern = escaped_dir.join(&inc.pattern);
        let matches = match glob::glob(&pattern.to_string_lossy()) {
            Ok(paths) => paths,
            Err(e) => {
                let message = format!("invalid glob {:?}: {}", inc.pattern, e.msg);
                errors.push(ConfigError::at(main, inc.at, &inc.path, message));
                continue;
            }
        };
        let mut found: Vec<PathBuf> = matches
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        if found.is_empty() {
            let base = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let message = format!("no file matches {:?} (in {})", inc.pattern, base.display());
            errors.push(ConfigError::at(main, inc.at, &inc.path, message));
        }
        for f in found {
            let is_main = main_canonical.is_some() && fs::canonicalize(&f).ok() == main_canonical;
            if !is_main && !files.contains(&f) {
                files.push(f);
            }
        }
    }
    files
}

/// An agency's `successor` as written: the file (its index among the included files),
/// where, and the two ids.
#[derive(Clone, Debug)]
struct Successor {
    file: usize,
    path: PathBuf,
    at: serde_saphyr::Location,
    agency: String,
    successor: String,
}

/// A successor must be an agency of some file, and following successors must never
/// come back to where they started: (file index, error) for each that is not so.
fn successor_errors(
    seen: &[(String, String)],
    successors: &[Successor],
) -> Vec<(usize, ConfigError)> {
    let mut out = Vec::new();
    let next = |id: &str| {
        successors
            .iter()
            .find(|s| s.agency == id)
            .map(|s| s.successor.as_str())
    };
    for s in successors {
        let message = if !seen.iter().any(|(id, _)| *id == s.successor) {
            format!(
                "unknown successor {:?}: no agency file has this id",
                s.successor
            )
        } else {
            let mut chain = vec![s.agency.as_str()];
            let mut at = Some(s.successor.as_str());
            while let Some(id) = at.filter(|id| !chain.contains(id)) {
                chain.push(id);
                at = next(id);
            }
            match at {
                Some(id) if id == s.agency => {
                    chain.push(id);
                    format!("successors go round in a circle: {}", chain.join(" -> "))
                }
                _ => continue,
            }
        };
        out.push((
            s.file,
            ConfigError::at(&s.path, s.at, "agency.successor", message),
        ));
    }
    out
}

/// Reads, parses and validates one agency file; its errors go to `errors`. With the
/// agency: the file's text and its `successor` as written (file index left 0).
fn agency_file(
    file: &Path,
    env: Env<'_>,
    main: &validate::MainParts,
    seen: &mut Vec<(String, String)>,
    errors: &mut Vec<ConfigError>,
) -> Option<(Agency, String, Option<Successor>)> {
    let source = match fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) => {
            errors.push(ConfigError::file_level(
                file,
                format!("cannot read file: {e}"),
            ));
            return None;
        }
    };
    if yaml::is_blank(&source) {
        let message = "empty file: expected an agency file with `agency` and `systems`";
        errors.push(ConfigError::file_level(file, message));
        return None;
    }
    // A stray key is reported and left out, so that the file's other errors are found too.
    let (raw, parse_errors) = yaml::parse_repairing::<AgencyFile>(file, &source);
    let parsed = parse_errors.is_empty();
    errors.extend(parse_errors);
    let Some(raw) = raw else {
        // The file's own errors hide nothing else: its id, if the YAML gives one, is
        // still unique or a duplicate.
        let only = yaml::parse::<AgencyIdOnly>(file, &source).ok();
        if let Some(id) = only.and_then(|f| f.agency.id) {
            claim_id(file, &id, seen, errors);
        }
        return None;
    };
    let mut ctx = Ctx::new(file, &source, env);
    ctx.vantages = main.vantages.iter().map(|v| v.id.clone()).collect();
    ctx.timezone = main.sla.timezone;
    ctx.chromium = main.probing.browser.executable.is_some();
    let agency = validate::agency_file(&mut ctx, &raw, &main.defaults);
    if let Some(id) = &raw.agency.value.id {
        claim_id(file, id, seen, &mut ctx.errors);
    }
    let ok = parsed && ctx.errors.is_empty();
    // A key left out for its wrong-typed value is not "missing" as well.
    let left_out: Vec<String> = errors.iter().map(|e| e.path.clone()).collect();
    ctx.errors.retain(|e| {
        let key = e
            .message
            .strip_prefix("missing key `")
            .and_then(|m| m.strip_suffix('`'));
        !key.is_some_and(|k| left_out.contains(&format!("{}.{k}", e.path)))
    });
    errors.extend(ctx.errors);
    let agency = agency.filter(|_| ok)?;
    let successor = agency
        .lifecycle
        .successor
        .clone()
        .zip(raw.agency.value.successor.as_ref());
    let successor = successor.map(|(id, t)| Successor {
        file: 0,
        path: file.to_path_buf(),
        at: t.referenced,
        agency: agency.id.clone(),
        successor: id,
    });
    Some((agency, source, successor))
}

/// Records the agency id `id` of `file` in `seen`, or reports it as a duplicate of the
/// file that claimed it first.
fn claim_id(
    file: &Path,
    id: &Text,
    seen: &mut Vec<(String, String)>,
    errors: &mut Vec<ConfigError>,
) {
    if let Some((_, first)) = seen.iter().find(|(seen_id, _)| *seen_id == id.value) {
        let message = format!(
            "duplicate agency id {:?}, first defined in {first}",
            id.value
        );
        errors.push(ConfigError::at(file, id.referenced, "agency.id", message));
    } else {
        let at = id.referenced;
        let first = format!("{}:{}:{}", file.display(), at.line(), at.column());
        seen.push((id.value.clone(), first));
    }
}
