//! The server's REST API as the device calls it (protocol v1): sign-in, push and pull for
//! the sync engine, photos, and the supervisor's and rating screens' endpoints. Every
//! refusal becomes a [`SyncError`] carrying the server's machine-readable code.

use uuid::Uuid;
use zakupka_core::Visit;
use zakupka_core::wire::ExportFormat;
use zakupka_core::wire::{
    API_PREFIX, ErrorBody, ErrorCode, LoginRequest, LoginResponse, PROTOCOL_HEADER,
    PROTOCOL_VERSION, PublishPreview, PullResponse, PushRequest, PushResponse, QuarterInfo, Rating,
    Refusal, ReviewRequest, ReviewState, VisitUpdate,
};

use crate::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No answer from the server (offline, timeout, connection cut): try again later.
    #[error("no connection to the server: {0}")]
    Offline(String),
    #[error("log in again: {0}")]
    Unauthorized(String),
    #[error("update the app: {0}")]
    Outdated(String),
    #[error("the server answered {status}: {message}")]
    Server {
        status: u16,
        /// What exactly was refused, for the app to word; `message` is for logs.
        code: Refusal,
        message: String,
        field: Option<String>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Worth trying again by itself later; the others need a person.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Offline(_) => true,
            SyncError::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// The server's API, as the device calls it.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    /// `base` is the server's address, e.g. `http://192.168.1.10:8080`.
    pub fn new(base: &str, token: Option<String>) -> Api {
        #[cfg(not(target_arch = "wasm32"))]
        // No pooled connections: a sync is a few large requests, and a connection kept
        // from before may have been dropped silently by a mobile network.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        #[cfg(target_arch = "wasm32")]
        let http = reqwest::Client::new();
        Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.base)
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .request(method, self.url(path))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(token) = &self.token {
            r = r.bearer_auth(token);
        }
        r
    }

    /// Sends a request and returns the body of a successful answer; a refusal becomes
    /// the matching `SyncError`, with the server's message and field.
    pub(crate) async fn fetch(
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), SyncError> {
        let response = request
            .send()
            .await
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        if status.is_success() {
            return Ok((status, bytes.to_vec()));
        }
        let error: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let message = error.as_ref().map_or_else(
            || String::from_utf8_lossy(&bytes).into_owned(),
            |e| e.message.clone(),
        );
        Err(match error.as_ref().map(|e| (e.error, e.code)) {
            // A disabled account is not cured by signing in again: it keeps its code, which
            // the app words ("ask an administrator").
            Some((ErrorCode::Unauthorized, code)) if code != Refusal::AccountDisabled => {
                SyncError::Unauthorized(message)
            }
            Some((ErrorCode::ProtocolOutdated, _)) => SyncError::Outdated(message),
            _ => SyncError::Server {
                status: status.as_u16(),
                code: error.as_ref().map_or(Refusal::Other, |e| e.code),
                message,
                field: error.and_then(|e| e.field),
            },
        })
    }

    pub(crate) async fn send<T: serde::de::DeserializeOwned>(
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let (status, bytes) = Self::fetch(request).await?;
        let body = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(body).map_err(|e| SyncError::Server {
            status: status.as_u16(),
            code: Refusal::Other,
            message: format!("unreadable answer: {e}"),
            field: None,
        })
    }

    pub async fn login(
        &self,
        login: &str,
        password: &str,
        device_id: Uuid,
    ) -> Result<LoginResponse, SyncError> {
        let body = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
            device_id,
        };
        Self::send(self.request(reqwest::Method::POST, "/login").json(&body)).await
    }

    /// Revokes this API's token on the server (signing out).
    pub async fn logout(&self) -> Result<(), SyncError> {
        Self::fetch(self.request(reqwest::Method::POST, "/logout"))
            .await
            .map(|_| ())
    }

    pub async fn pull(&self, cursor: u64) -> Result<PullResponse, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/pull?cursor={cursor}"))).await
    }

    /// Tells the server that the user read these notifications (idempotent).
    pub async fn read_notifications(&self, ids: &[i64]) -> Result<(), SyncError> {
        let body = zakupka_core::wire::ReadRequest { ids: ids.to_vec() };
        Self::fetch(
            self.request(reqwest::Method::POST, "/notifications/read")
                .json(&body),
        )
        .await
        .map(|_| ())
    }

    pub async fn push(&self, visits: &[Visit]) -> Result<PushResponse, SyncError> {
        let body = PushRequest {
            visits: visits.to_vec(),
        };
        Self::send(self.request(reqwest::Method::POST, "/push").json(&body)).await
    }

    /// A push request's body around outbox payloads as they are stored: each is already a
    /// visit's JSON, so the request is put together without parsing them again.
    pub(crate) fn push_body<'a>(payloads: impl Iterator<Item = &'a str> + Clone) -> String {
        let mut body =
            String::with_capacity(payloads.clone().map(|p| p.len() + 1).sum::<usize>() + 16);
        body.push_str("{\"visits\":[");
        for (n, p) in payloads.enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(p);
        }
        body.push_str("]}");
        body
    }

    /// Pushes a body made by [`Api::push_body`].
    pub(crate) async fn push_body_raw(&self, body: String) -> Result<PushResponse, SyncError> {
        let request = self
            .request(reqwest::Method::POST, "/push")
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        Self::send(request.body(body)).await
    }

    /// A supervisor's decision on a visit.
    pub async fn review(
        &self,
        visit_id: Uuid,
        request: &ReviewRequest,
    ) -> Result<VisitUpdate, SyncError> {
        Self::send(
            self.request(reqwest::Method::POST, &format!("/visits/{visit_id}/review"))
                .json(request),
        )
        .await
    }

    /// Puts an own-branch visit, left out of the rating, into it, with the reason.
    pub async fn include(
        &self,
        visit_id: Uuid,
        request: &zakupka_core::wire::IncludeRequest,
    ) -> Result<zakupka_core::wire::Inclusion, SyncError> {
        Self::send(
            self.request(
                reqwest::Method::POST,
                &format!("/visits/{visit_id}/include"),
            )
            .json(request),
        )
        .await
    }

    /// Each auditor's share of flagged visits in `quarter` (supervisors).
    pub async fn auditor_flags(
        &self,
        quarter: zakupka_core::rating::Quarter,
    ) -> Result<Vec<zakupka_core::wire::AuditorFlags>, SyncError> {
        let request = self.request(reqwest::Method::GET, "/presence/auditors");
        Self::send(request.query(&[("quarter", quarter.to_string())])).await
    }

    /// A page of the visits on the server narrowed by `query` (supervisors; auditors get
    /// their own), newest first: the first page, or the one after `cursor` (the `next` of
    /// the page before, asked with the same `query`).
    pub async fn visits_where(
        &self,
        query: &VisitQuery,
        cursor: Option<&str>,
    ) -> Result<zakupka_core::wire::VisitPage, SyncError> {
        let mut request = self.request(reqwest::Method::GET, "/visits").query(query);
        if let Some(c) = cursor {
            request = request.query(&[("cursor", c)]);
        }
        Self::send(request).await
    }

    /// Auditors with their branches (supervisors).
    pub async fn auditors(&self) -> Result<Vec<zakupka_core::wire::Auditor>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, "/auditors")).await
    }

    /// Assignments: an auditor's own, or everyone's for supervisors (`quarter` narrows).
    pub async fn assignments(
        &self,
        quarter: Option<zakupka_core::rating::Quarter>,
    ) -> Result<Vec<zakupka_core::wire::Assignment>, SyncError> {
        let mut request = self.request(reqwest::Method::GET, "/assignments");
        if let Some(q) = quarter {
            request = request.query(&[("quarter", q.to_string())]);
        }
        Self::send(request).await
    }

    /// Assigns a visit, or with `dry_run` only checks it and returns the warnings.
    pub async fn assign(
        &self,
        request: &zakupka_core::wire::AssignmentRequest,
    ) -> Result<zakupka_core::wire::AssignmentResponse, SyncError> {
        Self::send(
            self.request(reqwest::Method::POST, "/assignments")
                .json(request),
        )
        .await
    }

    /// Pairs two auditors on one office within seven days (supervisors).
    pub async fn pair(
        &self,
        request: &zakupka_core::wire::PairRequest,
    ) -> Result<zakupka_core::wire::PairResponse, SyncError> {
        Self::send(
            self.request(reqwest::Method::POST, "/assignments/pairs")
                .json(request),
        )
        .await
    }

    /// Published calibration cases (auditors get them without their keys).
    pub async fn cases(&self) -> Result<Vec<zakupka_core::wire::CalibrationCase>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, "/cases")).await
    }

    /// A photo of a calibration case's situation: its bytes.
    pub async fn case_photo(&self, sha256: &str) -> Result<Vec<u8>, SyncError> {
        let path = format!("/cases/photos/{sha256}");
        Ok(Self::fetch(self.request(reqwest::Method::GET, &path))
            .await?
            .1)
    }

    /// Publishes a calibration case (supervisors).
    pub async fn publish_case(
        &self,
        request: &zakupka_core::wire::CaseRequest,
    ) -> Result<zakupka_core::wire::CalibrationCase, SyncError> {
        Self::send(self.request(reqwest::Method::POST, "/cases").json(request)).await
    }

    pub async fn cancel_assignment(&self, id: Uuid) -> Result<(), SyncError> {
        Self::fetch(self.request(reqwest::Method::DELETE, &format!("/assignments/{id}")))
            .await
            .map(|_| ())
    }

    pub async fn visit(&self, id: Uuid) -> Result<zakupka_core::wire::VisitDetail, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/visits/{id}"))).await
    }

    pub async fn visit_revisions(&self, id: Uuid) -> Result<Vec<Visit>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/visits/{id}/revisions"))).await
    }

    pub async fn visit_log(
        &self,
        id: Uuid,
    ) -> Result<Vec<zakupka_core::wire::LogEntry>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/visits/{id}/log"))).await
    }

    /// A quarter's rating, as published or computed now.
    pub async fn rating(&self, quarter: &str) -> Result<Rating, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/rating?quarter={quarter}"))).await
    }

    /// Quarters with something to rate, newest first.
    pub async fn rating_quarters(&self) -> Result<Vec<QuarterInfo>, SyncError> {
        Self::send(self.request(reqwest::Method::GET, "/rating/quarters")).await
    }

    /// The rating as a file.
    pub async fn rating_export(
        &self,
        quarter: &str,
        format: ExportFormat,
    ) -> Result<Vec<u8>, SyncError> {
        let path = format!("/rating/export?quarter={quarter}&format={format}");
        Ok(Self::fetch(self.request(reqwest::Method::GET, &path))
            .await?
            .1)
    }

    /// A quarter's calibration: agreement per item and section, auditors' severity.
    pub async fn calibration(
        &self,
        quarter: &str,
    ) -> Result<zakupka_core::wire::Calibration, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/calibration/{quarter}"))).await
    }

    /// The calibration as a CSV file.
    pub async fn calibration_export(&self, quarter: &str) -> Result<Vec<u8>, SyncError> {
        let path = format!("/calibration/{quarter}/export");
        Ok(Self::fetch(self.request(reqwest::Method::GET, &path))
            .await?
            .1)
    }

    /// The median time to fix by branch, network-wide.
    pub async fn time_to_fix(
        &self,
        quarter: &str,
    ) -> Result<zakupka_core::wire::TimeToFix, SyncError> {
        Self::send(self.request(
            reqwest::Method::GET,
            &format!("/charts/{quarter}/time-to-fix"),
        ))
        .await
    }

    /// The quarter's most frequent failed items, network-wide.
    pub async fn failed_items(
        &self,
        quarter: &str,
    ) -> Result<zakupka_core::wire::FailedItems, SyncError> {
        Self::send(self.request(
            reqwest::Method::GET,
            &format!("/charts/{quarter}/failed-items"),
        ))
        .await
    }

    pub async fn rating_history(&self) -> Result<zakupka_core::rating::History, SyncError> {
        Self::send(self.request(reqwest::Method::GET, "/rating/history")).await
    }

    /// What publishing the quarter would freeze (places and cups), or why it cannot be.
    pub async fn publish_preview(&self, quarter: &str) -> Result<PublishPreview, SyncError> {
        Self::send(self.request(reqwest::Method::GET, &format!("/rating/{quarter}/publish"))).await
    }

    pub async fn publish_rating(&self, quarter: &str) -> Result<Rating, SyncError> {
        Self::send(self.request(reqwest::Method::POST, &format!("/rating/{quarter}/publish"))).await
    }

    /// A photo of a visit the caller may see: its bytes.
    pub async fn photo(&self, sha256: &str) -> Result<Vec<u8>, SyncError> {
        Ok(
            Self::fetch(self.request(reqwest::Method::GET, &format!("/photos/{sha256}")))
                .await?
                .1,
        )
    }

    pub async fn put_photo(&self, sha256: &str, bytes: Vec<u8>) -> Result<(), SyncError> {
        let request = self
            .request(reqwest::Method::PUT, &format!("/photos/{sha256}"))
            .body(bytes);
        Self::send::<serde_json::Value>(request).await.map(|_| ())
    }
}

/// Filters of the review queue; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct VisitQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarter: Option<zakupka_core::rating::Quarter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auditor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ReviewState>,
    /// Only visits carrying this presence flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<zakupka_core::presence::PresenceFlag>,
    /// Visits a page; the server's default (100) if `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}
