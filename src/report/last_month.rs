//! The scorecard of the last complete month, for the status page: computed on the first
//! request and kept until the month, the config or the month's indicator pushes change
//! (a past month's measured figures do not change, but an agency may push that month's
//! indicators late), so the page reads no month of rollups per request, only a count
//! of pushes. In the first hour of a month the mandate's last changes of the month
//! before may still be on their way to the store, so the card is computed afresh until
//! then.

use std::sync::Arc;

use tokio::sync::Mutex;

use super::cli::period;
use super::scorecard::{scorecard, Scorecard};
use crate::config::Config;
use crate::sla::time;
use crate::store::{Store, StoreError};

/// The kept scorecard, by (month, config digest, pushes of the month's indicators).
#[derive(Default)]
pub struct LastMonth(Mutex<Option<Kept>>);

/// (month, config digest, pushes of the month's indicators, the scorecard).
type Kept = (String, String, i64, Arc<Scorecard>);

impl LastMonth {
    /// The scorecard of the month before the one containing `now`, and that month.
    pub async fn get(
        &self,
        store: &Store,
        config: &Config,
        now: i64,
    ) -> Result<(String, Arc<Scorecard>), StoreError> {
        let tz = config.sla.timezone;
        let this = time::date_text(tz, now)[..7].to_owned();
        let (start, _) = time::month(tz, &this).expect("a month of date_text");
        let month = time::date_text(tz, start - 1)[..7].to_owned();
        let pushes = store.indicator_count(&month).await?;
        let mut kept = self.0.lock().await;
        if let Some((m, digest, n, card)) = kept.as_ref() {
            if *m == month && *digest == config.digest && *n == pushes {
                return Ok((month, card.clone()));
            }
        }
        let p = period(tz, Some(&month), None, None, now).expect("a month of date_text");
        let card = Arc::new(scorecard(store, config, p, None, now).await?);
        if now >= start + 3600 {
            *kept = Some((month.clone(), config.digest.clone(), pushes, card.clone()));
        }
        Ok((month, card))
    }
}
