//! The writing half of `metrics::page`: sample lines with label sets and values
//! formatted as prometheus-client formats them.

use super::Sample;

/// A sample value, formatted as prometheus-client formats it.
#[derive(Clone, Copy)]
pub(super) enum Value {
    Int(i64),
    Float(f64),
}

/// Writes sample lines into the page.
pub(super) struct Page<'a> {
    pub(super) out: &'a mut String,
    pub(super) labels: &'a str,
    /// Takes the page written so far once it reaches `CHUNK` bytes (streaming);
    /// `None` keeps the whole page in `out`.
    pub(super) flush: Option<&'a mut dyn FnMut(&mut String)>,
}

impl Page<'_> {
    /// Hands the page written so far to `flush` once it has reached `CHUNK` bytes;
    /// called at lines' ends.
    pub(super) fn maybe_flush(&mut self) {
        if self.out.len() >= crate::metrics::CHUNK {
            if let Some(f) = self.flush.as_mut() {
                f(self.out);
            }
        }
    }

    pub(super) fn descriptor(&mut self, name: &str, help: &str, kind: &str) {
        for line in ["# HELP ", "# TYPE "] {
            self.out.push_str(line);
            self.out.push_str(name);
            self.out.push(' ');
            self.out
                .push_str(if line == "# HELP " { help } else { kind });
            self.out.push('\n');
        }
    }

    /// `name{agency="..",system="..",check=".."<close>value`, where `close` ends the
    /// label set: `} `, or one more label of emcd's own (see [`closing`]).
    pub(super) fn sample(&mut self, name: &str, s: &Sample, close: &str, v: Value) {
        let out = &mut *self.out;
        out.push_str(name);
        out.push('{');
        out.push_str(s.labels(self.labels));
        out.push_str(close);
        value(out, v);
        self.maybe_flush();
    }

    /// `name{k="v",..} value`: a line with a label set of its own (the values escaped),
    /// as the per-agency families write them.
    pub(super) fn line(&mut self, name: &str, labels: &[(&str, &str)], v: Value) {
        let out = &mut *self.out;
        out.push_str(name);
        for (i, (key, val)) in labels.iter().enumerate() {
            out.push(if i == 0 { '{' } else { ',' });
            out.push_str(key);
            out.push_str("=\"");
            escaped(out, val);
            out.push('"');
        }
        out.push_str("} ");
        value(out, v);
        self.maybe_flush();
    }

    /// One gauge family: a line for each check that has a value.
    pub(super) fn gauge(
        &mut self,
        samples: &[Sample],
        family: (&str, &str),
        value: impl Fn(&Sample) -> Option<Value>,
    ) {
        self.probe_gauge(samples, family, "} ", value);
    }

    /// One gauge family whose lines end with `close` (a probe family's vantage).
    pub(super) fn probe_gauge(
        &mut self,
        samples: &[Sample],
        (name, help): (&str, &str),
        close: &str,
        value: impl Fn(&Sample) -> Option<Value>,
    ) {
        self.descriptor(name, help, "gauge");
        for s in samples {
            if let Some(v) = value(s) {
                self.sample(name, s, close, v);
            }
        }
    }
}

/// The value and the line's end.
fn value(out: &mut String, v: Value) {
    match v {
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(i)),
        Value::Float(f) => out.push_str(dtoa::Buffer::new().format(f)),
    }
    out.push('\n');
}

/// A label value with `\`, `"` and newlines escaped (ids never have them; names might).
pub(super) fn escaped(out: &mut String, s: &str) {
    if !s.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(s);
        return;
    }
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
}

/// The end of a label set that adds `key="value"` (emcd's own values: no escaping).
pub(super) fn closing(key: &str, value: &str) -> String {
    format!(",{key}=\"{value}\"}} ")
}

pub(super) fn int(b: bool) -> Option<Value> {
    Some(Value::Int(i64::from(b)))
}
