//! The raw layer: serde structs that mirror the YAML files one to one, with
//! `deny_unknown_fields`. Their doc comments are the user documentation of each key.
//!
//! Every scalar is kept as text with its position ([`Text`]) and parsed in `validate`,
//! after `${VAR}` substitution: so every bad value is reported (not only the first), and
//! `${VAR}` works in any value. Nothing outside `config` sees these types.

mod agency_file;
mod browser;
mod main_file;
mod metrics;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
pub use serde_saphyr::Spanned;

pub use agency_file::*;
pub use browser::*;
pub use main_file::*;
pub use metrics::*;

/// A scalar as written (before `${VAR}` substitution), with its position.
pub type Text = Spanned<String>;

/// A YAML mapping kept in file order, e.g. `headers: {Accept: text/html}`.
#[derive(Debug, Default)]
pub struct Pairs<K, V>(pub Vec<(K, V)>);

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Pairs<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<K, V> {
            type Value = Pairs<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }
        }

        deserializer.deserialize_map(PairsVisitor(PhantomData))
    }
}

/// `headers: {Name: value}`: header names and values, in file order.
pub type Headers = Pairs<Text, Text>;
