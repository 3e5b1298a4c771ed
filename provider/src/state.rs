//! What the handlers share: the configuration, the OAuth store, the fault plan, the request
//! counts and the daily quota's ledger.
//!
//! Handlers import this module; the router (`app`) is built on top of both, and nothing here
//! points back up.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::catalog::json::Base;
use crate::config::Config;
use crate::daily_quota::{DailyQuota, Ledger};
use crate::faults::{Effective, Faults};
use crate::stats::Stats;
use crate::store::Store;

/// Everything the handlers share.
pub struct AppState {
    pub config: Config,
    /// The provider's own address, for absolute URLs in JSON.
    pub base: Base,
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    stats: Mutex<Stats>,
    ledger: Mutex<Ledger>,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub fn new(config: Config, base: String) -> AppState {
        AppState {
            config,
            base: Base(base),
            store: Mutex::new(Store::default()),
            faults: Mutex::new(Faults::default()),
            stats: Mutex::new(Stats::default()),
            ledger: Mutex::new(Ledger::default()),
        }
    }

    /// The OAuth state. A handler that panicked while holding it cannot leave it half-changed in
    /// a way that matters here, so a poisoned lock is taken over.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The requests counted so far (`/admin/stats`).
    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Each client's Web API calls within the daily quota's window.
    pub fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The daily quota in force for a client: the fault plan's, or the configuration's.
    pub fn daily_quota(&self, client_id: &str) -> DailyQuota {
        self.faults().daily_quota(&self.config, client_id)
    }

    /// The settings in force: the configuration, overridden by the fault plan.
    pub fn effective(&self) -> Effective {
        self.faults().effective(&self.config)
    }
}
