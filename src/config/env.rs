//! `${VAR}` substitution, applied to each scalar value after YAML parsing (never to the
//! file text), so a value containing `: ` or `#` cannot change the YAML structure and
//! positions stay those of the file. `$${` is a literal `${`; any other `$` is literal.
//! This module never reads the process environment itself: the caller passes a lookup.

/// Looks a variable up; `load` passes the process environment, tests a map.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A scalar after substitution.
#[derive(Debug, PartialEq, Eq)]
pub struct Expanded {
    pub value: String,
    /// True when at least one `${VAR}` was replaced: the value may be a secret.
    pub substituted: bool,
}

/// A problem with one reference; `offset` is the char offset of its `$` in the scalar.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("environment variable {name} is not set")]
    Unset { name: String, offset: usize },
    #[error(
        "invalid variable reference `{reference}`: expected ${{NAME}} with NAME made of \
         letters, digits and _ (write $${{ for a literal ${{)"
    )]
    Malformed { reference: String, offset: usize },
}

impl EnvError {
    pub fn offset(&self) -> usize {
        match self {
            EnvError::Unset { offset, .. } | EnvError::Malformed { offset, .. } => *offset,
        }
    }
}

/// Replaces every `${NAME}` in `raw`, reporting every unset or malformed reference.
pub fn expand(raw: &str, env: Env<'_>) -> Result<Expanded, Vec<EnvError>> {
    if !raw.contains('$') {
        return Ok(Expanded {
            value: raw.to_owned(),
            substituted: false,
        });
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut errors = Vec::new();
    let mut substituted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' && chars.get(i + 1) == Some(&'$') && chars.get(i + 2) == Some(&'{') {
            out.push_str("${");
            i += 3;
        } else if c == '$' && chars.get(i + 1) == Some(&'{') {
            let close = chars[i + 2..].iter().position(|&c| c == '}');
            let Some(len) = close else {
                let reference: String = chars[i..].iter().collect();
                errors.push(EnvError::Malformed {
                    reference,
                    offset: i,
                });
                break;
            };
            let name: String = chars[i + 2..i + 2 + len].iter().collect();
            if is_var_name(&name) {
                match env(&name) {
                    Some(v) => {
                        out.push_str(&v);
                        substituted = true;
                    }
                    None => errors.push(EnvError::Unset { name, offset: i }),
                }
            } else {
                errors.push(EnvError::Malformed {
                    reference: format!("${{{name}}}"),
                    offset: i,
                });
            }
            i += len + 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    if errors.is_empty() {
        Ok(Expanded {
            value: out,
            substituted,
        })
    } else {
        Err(errors)
    }
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr#t: x".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn ok(raw: &str) -> String {
        expand(raw, &env).unwrap().value
    }

    #[test]
    fn substitutes_and_escapes() {
        assert_eq!(ok("plain"), "plain");
        assert_eq!(ok("${TOKEN}"), "s3cr#t: x");
        assert_eq!(ok("Bearer ${TOKEN}!"), "Bearer s3cr#t: x!");
        assert_eq!(ok("a${EMPTY}b"), "ab");
        assert_eq!(ok("$${TOKEN}"), "${TOKEN}");
        assert_eq!(ok("cost: $5 and $$ and $x"), "cost: $5 and $$ and $x");
        // Left to right: a lone `$`, then the escape `$${`.
        assert_eq!(ok("$$${TOKEN}"), "$${TOKEN}");
        assert!(expand("${TOKEN}", &env).unwrap().substituted);
        assert!(!expand("$${TOKEN}", &env).unwrap().substituted);
    }

    #[test]
    fn reports_every_problem_with_offsets() {
        let errs = expand("é${A} ${TOKEN} ${B}", &env).unwrap_err();
        assert_eq!(
            errs,
            vec![
                EnvError::Unset {
                    name: "A".into(),
                    offset: 1
                },
                EnvError::Unset {
                    name: "B".into(),
                    offset: 15
                },
            ]
        );
        assert_eq!(errs[0].to_string(), "environment variable A is not set");
    }

    #[test]
    fn malformed_references() {
        let errs = expand("x${a-b}", &env).unwrap_err();
        assert_eq!(
            errs,
            vec![EnvError::Malformed {
                reference: "${a-b}".into(),
                offset: 1
            }]
        );
        assert_eq!(
            errs[0].to_string(),
            "invalid variable reference `${a-b}`: expected ${NAME} with NAME made of letters, \
             digits and _ (write $${ for a literal ${)"
        );
        let errs = expand("${OPEN", &env).unwrap_err();
        assert_eq!(
            errs,
            vec![EnvError::Malformed {
                reference: "${OPEN".into(),
                offset: 0
            }]
        );
        assert!(expand("${}", &env).is_err());
    }
}
