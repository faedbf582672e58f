//! The set of senders of the node that delivers (the leader; a single node always):
//! started with the outbox's pending notifications, topped up by a reload with senders
//! for new receivers, and stopped when the node stops leading, so two nodes never
//! deliver the same notification (docs/cluster.md).

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::sender::{self, Ctx, Dispatcher};
use super::Event;
use crate::store::alerts::Notification;

pub struct Senders {
    pub ctx: Ctx,
    pub dispatcher: Arc<Dispatcher>,
    /// Every sender task, awaited at shutdown.
    pub tasks: TaskTracker,
    shutdown: CancellationToken,
    /// Cancels the running senders; `None` while this node does not deliver.
    running: Mutex<Option<CancellationToken>>,
}

impl Senders {
    pub fn new(ctx: Ctx, dispatcher: Arc<Dispatcher>, shutdown: CancellationToken) -> Senders {
        Senders {
            ctx,
            dispatcher,
            tasks: TaskTracker::new(),
            shutdown,
            running: Mutex::new(None),
        }
    }

    /// Starts one sender per receiver, seeded with the pending notifications and, for
    /// Alertmanager receivers, the alerts they were told are firing.
    pub fn start(&self, pending: Vec<Notification>, firing: Vec<(String, Event)>) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = running.take() {
            old.cancel();
        }
        self.dispatcher.clear();
        let token = self.shutdown.child_token();
        sender::start(
            &self.ctx,
            &self.dispatcher,
            pending,
            firing,
            &self.tasks,
            &token,
        );
        *running = Some(token);
    }

    /// A reload: senders for receivers that have none, if this node delivers.
    pub fn top_up(&self) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = running.as_ref() {
            sender::start(
                &self.ctx,
                &self.dispatcher,
                Vec::new(),
                Vec::new(),
                &self.tasks,
                token,
            );
        }
    }

    /// Stops delivering (the node no longer leads); pending notifications stay in the
    /// outbox for the next leader.
    pub fn stop(&self) {
        if let Some(token) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            token.cancel();
        }
        self.dispatcher.clear();
    }
}
