//! What describes the service rather than serves data: its OpenAPI document and health.

use axum::Json;

/// The OpenAPI document, generated (`openapi.rs`); tests check it lists exactly the
/// router's routes.
pub async fn openapi() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

/// For load balancers and scripts: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// What a server built or started without the web app answers outside the API: a page that
/// says how to get the app, rather than an empty "not found" that looks like a broken
/// server. Unknown API paths stay a plain 404.
pub async fn no_web_app(uri: axum::http::Uri) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::{Html, IntoResponse};
    if uri.path().starts_with(zakupka_core::wire::API_PREFIX) {
        return StatusCode::NOT_FOUND.into_response();
    }
    (StatusCode::NOT_FOUND, Html(NO_WEB_APP)).into_response()
}

const NO_WEB_APP: &str = r#"<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Zakupka: нет веб-приложения</title></head>
<body>
<h1>Сервер Zakupka работает, но веб-приложение не собрано</h1>
<p>API отвечает по адресу <code>/api/v1</code>. Чтобы открыть приложение в браузере, соберите его
командой <code>scripts/build-web</code> и перезапустите сервер (сборка <code>--release</code>
встраивает его в сам сервер; иначе укажите папку: <code>serve --web dist</code>).</p>
<h1 lang="en">The Zakupka server runs, but the web app is not built</h1>
<p lang="en">The API answers under <code>/api/v1</code>. To use the app in a browser, build it with
<code>scripts/build-web</code> and restart the server (a <code>--release</code> build embeds it
in the server itself; otherwise point to it: <code>serve --web dist</code>).</p>
</body></html>
"#;
