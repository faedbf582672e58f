//! The ad-hoc maintenance windows in force (docs/api.md, "Maintenance"): declared over
//! the admin API and stored (`store::maintenance`), kept here in memory so that every
//! result and every periodic alert sees them exactly as it sees the config's windows
//! (`maintenance::active_any`). Loaded from the store at start; changed by the API
//! after each commit. Swapped whole: readers never wait on a writer for long.

use std::sync::{Arc, RwLock};

use crate::store::maintenance::{Change, Window};

#[derive(Debug, Default)]
pub struct Adhoc {
    windows: RwLock<Arc<Vec<Window>>>,
}

impl Adhoc {
    /// The windows now (ended ones may still be listed until the next `set`).
    pub fn current(&self) -> Arc<Vec<Window>> {
        self.windows
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the windows (as read from the store).
    pub fn set(&self, windows: Vec<Window>) {
        *self.windows.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(windows);
    }

    /// Applies a committed change.
    pub fn apply(&self, change: &Change) {
        let mut guard = self.windows.write().unwrap_or_else(|p| p.into_inner());
        let mut next: Vec<Window> = guard.as_ref().clone();
        match change {
            Change::Declare(w) => next.push(w.clone()),
            Change::End { id, at, by } => {
                if let Some(w) = next
                    .iter_mut()
                    .find(|w| w.id == *id && w.ended_at.is_none())
                {
                    w.ended_at = Some(*at);
                    w.ended_by = Some(by.clone());
                }
            }
        }
        next.sort_by_key(|w| w.starts_at);
        *guard = Arc::new(next);
    }
}
