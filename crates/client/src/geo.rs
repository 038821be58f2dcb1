//! Where the device is, for presence evidence: the browser's geolocation (GPS, Wi-Fi or
//! cell towers; GPS needs no network, so this works offline). Elsewhere (desktop) there is
//! no position service: nothing is recorded, which is not an error (the server flags such
//! a visit `no_position` for the supervisor).

use zakupka_core::presence::Location;

/// How long to wait for a fix before going on without one: an auditor at the desk must not
/// wait for a phone that cannot see the sky.
pub const FIX_TIMEOUT_MS: u32 = 10_000;
/// No cached fix: the evidence is where the device is at that moment, not where it was a
/// minute ago (on the way, in a car).
pub const FIX_MAX_AGE_MS: u32 = 0;

/// Whether this platform can tell where it is at all (to offer the question).
pub fn available() -> bool {
    imp::available()
}

/// The device's position now, or `None`: no permission, no fix in time, no service.
pub async fn current() -> Option<Location> {
    let (lat, lon, accuracy_m, at_ms) = imp::current().await?;
    let at = chrono::DateTime::from_timestamp_millis(at_ms as i64)?;
    let fix = Location {
        lat,
        lon,
        accuracy_m,
        at,
    };
    fix.is_valid().then_some(fix)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
export function geo_available() {
  return !!(globalThis.navigator && navigator.geolocation);
}
// [lat, lon, accuracy in metres, time in ms since 1970], or null without a fix.
export function geo_current(timeout, maxAge) {
  if (!(globalThis.navigator && navigator.geolocation)) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve([p.coords.latitude, p.coords.longitude, p.coords.accuracy, p.timestamp]),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge: maxAge },
    );
  });
}
"#)]
    extern "C" {
        fn geo_available() -> bool;
        async fn geo_current(timeout: u32, max_age: u32) -> JsValue;
    }

    pub fn available() -> bool {
        geo_available()
    }

    pub async fn current() -> Option<(f64, f64, f64, f64)> {
        let value = geo_current(super::FIX_TIMEOUT_MS, super::FIX_MAX_AGE_MS).await;
        let parts: Vec<f64> = js_sys::Array::from(&value)
            .iter()
            .filter_map(|v| v.as_f64())
            .collect();
        match parts[..] {
            [lat, lon, accuracy, at] => Some((lat, lon, accuracy, at)),
            _ => None,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn available() -> bool {
        false
    }

    pub async fn current() -> Option<(f64, f64, f64, f64)> {
        None
    }
}
