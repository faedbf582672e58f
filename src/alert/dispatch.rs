//! The dispatcher: hands each committed notification to its receiver's sender task
//! (the writer calls it after each commit that created notifications).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc;

use crate::store::alerts::Notification;

/// Hands committed notifications to their receiver's task.
#[derive(Default)]
pub struct Dispatcher {
    pub(super) queues: Mutex<HashMap<String, mpsc::UnboundedSender<Notification>>>,
}

impl Dispatcher {
    /// Forgets every receiver's queue (the senders were stopped).
    pub fn clear(&self) {
        self.queues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn dispatch(&self, notifications: Vec<Notification>) {
        let queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        for n in notifications {
            match queues.get(&n.receiver) {
                Some(q) => {
                    let _ = q.send(n);
                }
                None => {
                    tracing::warn!(receiver = %n.receiver, delivery_id = %n.delivery_id, "no sender for receiver; notification stays pending")
                }
            }
        }
    }
}
