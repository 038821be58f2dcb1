//! The headers every answer carries, so that a browser running the web app refuses what an
//! attacker would need: scripts or styles from anywhere but the server itself (no inline
//! script at all), the page inside someone else's frame, a guessed content type, and the
//! app's addresses leaking to other sites. HSTS is added only when serving HTTPS
//! (`tls::serve`): over plain HTTP it would mean nothing.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The Content-Security-Policy. `wasm-unsafe-eval` lets the page compile its own wasm (and
/// nothing else: no `eval`); `data:` images are the photos the app shows from its own
/// store; `style-src 'self'` holds because the page's styles are a file (scripts/build-web)
/// and the app sets element styles only through the CSSOM.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

pub async fn headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        // For browsers older than `frame-ancestors`.
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
