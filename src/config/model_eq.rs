//! Equality of the model types that hold compiled values (a `Regex` has none): what
//! `Fleet::rebuild` compares to tell a changed check from an unchanged one.

use regex::Regex;

use super::model_probe::Expect;

/// Field by field; a regex by its pattern (a compiled `Regex` has no equality).
impl PartialEq for Expect {
    fn eq(&self, o: &Self) -> bool {
        let pattern = |r: &Regex| r.as_str().to_owned();
        self.status == o.status
            && self.body_contains == o.body_contains
            && self.body_not_contains == o.body_not_contains
            && self.body_regex.as_ref().map(pattern) == o.body_regex.as_ref().map(pattern)
            && self.headers.len() == o.headers.len()
            && self
                .headers
                .iter()
                .zip(&o.headers)
                .all(|((n, r), (on, or))| n == on && r.as_str() == or.as_str())
            && self.json == o.json
            && self.max_response_time == o.max_response_time
    }
}
