//! The time sign-ins are judged by. The server runs on the system's clock; tests of
//! lock-outs and throttling move a manual one forward instead of sleeping, so "the real
//! user signs in once it has been quiet for a quarter of an hour" takes no time to test.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use governor::nanos::Nanos;

/// The system's clock, or a manual one shared by its clones.
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that stands at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock {
            manual: Some(Arc::new(Mutex::new(start))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        }
    }

    /// Moves a manual clock forward; the system's clock moves by itself.
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.manual {
            *at.lock().unwrap_or_else(|p| p.into_inner()) += by;
        }
    }
}

/// The rate limiters (`governor`) read the same clock, so a test moves both at once.
impl governor::clock::Clock for Clock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let nanos = Clock::now(self).timestamp_nanos_opt().unwrap_or(0);
        Nanos::from(u64::try_from(nanos).unwrap_or(0))
    }
}
