//! The sync protocol's messages, shared by the client and the server. Golden tests in
//! `tests/wire.rs` freeze their JSON: change them only with a new protocol version.
//!
//! With the `openapi` feature they are the schemas of the server's OpenAPI document;
//! `schema(required = true)` marks what the server always sends where `serde(default)`
//! lets a reader do without it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::directory::Directory;
use crate::template::Template;
use crate::visit::Visit;

mod actions;
mod appeals;
mod assignment;
mod calibration;
mod case;
mod notifications;
mod photo;
mod presence;
mod rating;

pub use actions::{
    Action, ActionFilter, ActionPhoto, ActionState, DoneRequest, Finding, ManagerAnswer,
    ManagerVisit, ManagerVisitDetail, PlanRequest, RecheckOutcome, ReopenRequest, VerifyRequest,
};
pub use appeals::{
    Appeal, AppealDecision, AppealDecisionRequest, AppealRequest, AppealState, BranchFixTime,
    FailedItem, FailedItems, MAX_APPEAL_PHOTOS, MAX_APPEAL_REASON_CHARS, TimeToFix,
};
pub use assignment::{
    Assignment, AssignmentRequest, AssignmentResponse, AssignmentStatus, AssignmentWarning,
    Auditor, PAIR_MAX_DAYS, PairRequest, PairResponse, PairedVisit,
};
pub use calibration::Calibration;
pub use case::{CalibrationCase, CaseRequest, MAX_CASE_TEXT_CHARS};
pub use notifications::{
    DUE_SOON_DAYS, MAX_READ_BATCH, Notification, NotificationEntry, ReadRequest,
};
pub use photo::{MAX_PHOTO_BYTES, MAX_PHOTOS_PER_ANSWER, is_photo_address};
pub use presence::{AuditorFlags, IncludeRequest, Inclusion};
pub use rating::{ExportFormat, PublishPreview, QuarterInfo, Rating};

/// Every request carries this header; a server that speaks another version refuses the
/// request with [`ErrorCode::ProtocolOutdated`] instead of misreading it.
pub const PROTOCOL_HEADER: &str = "x-zakupka-protocol";
pub const PROTOCOL_VERSION: u32 = 1;
pub const API_PREFIX: &str = "/api/v1";
/// The most visits one push may carry.
pub const MAX_PUSH_BATCH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Auditor,
    Supervisor,
    Admin,
    /// The head of a branch: sees the approved findings of the branch's offices (never who
    /// audited them), fixes them and appeals them.
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Auditor => "auditor",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "auditor" => Some(Role::Auditor),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }

    /// Supervisors and admins read everyone's visits; auditors only their own.
    pub fn reads_all_visits(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub login: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
    /// Made once on the device; a token belongs to one device.
    pub device_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub login: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// At most [`MAX_PUSH_BATCH`].
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub visits: Vec<Visit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Stored now.
    Accepted,
    /// This (visit, revision) was stored before: nothing changed.
    Duplicate,
    /// Not stored; `reason` says why. The device keeps the visit and shows the reason.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub visit_id: Uuid,
    pub revision: u32,
    pub status: PushStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why a visit was rejected, for the app to word (`reason` is English, for support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Refusal>,
    /// Photos of the visit the server does not have yet (SHA-256, hex).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub missing_photos: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// Where a visit stands on the server, as its auditor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Received, waiting for a supervisor.
    Submitted,
    Returned,
    Approved,
    Rejected,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Submitted => "submitted",
            ReviewState::Returned => "returned",
            ReviewState::Approved => "approved",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        match s {
            "submitted" => Some(ReviewState::Submitted),
            "returned" => Some(ReviewState::Returned),
            "approved" => Some(ReviewState::Approved),
            "rejected" => Some(ReviewState::Rejected),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitUpdate {
    pub visit_id: Uuid,
    pub revision: u32,
    pub state: ReviewState,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub comment: String,
    /// Supervisor comments on single items, by item id.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub item_comments: std::collections::BTreeMap<String, String>,
}

/// What changed for this device since `cursor`; the device stores `next_cursor` only after
/// applying everything, so an interrupted pull is simply repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub next_cursor: u64,
    /// More changes wait after `next_cursor`: pull again.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub more: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<Directory>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub templates: Vec<Template>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub visits: Vec<VisitUpdate>,
    /// The caller's notifications that are new or were read since the cursor; left out
    /// when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<NotificationEntry>,
}

/// What one entry of the server's change feed announces. A pull reads the entries after
/// the device's cursor and answers each kind in its own field of [`PullResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The directory was replaced: send it whole.
    Directory,
    /// A template version was added; the entry's key is `id:version`.
    Template,
    /// A visit's review state changed; the entry's key is the visit id.
    Visit,
    /// A notification for the entry's user was made or read; the key is its id.
    Notification,
}

impl ChangeKind {
    /// The name stored in the feed.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Directory => "directory",
            ChangeKind::Template => "template",
            ChangeKind::Visit => "visit",
            ChangeKind::Notification => "notification",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        match s {
            "directory" => Some(ChangeKind::Directory),
            "template" => Some(ChangeKind::Template),
            "visit" => Some(ChangeKind::Visit),
            "notification" => Some(ChangeKind::Notification),
            _ => None,
        }
    }
}

/// A supervisor's decision on a submitted visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    /// Back to the auditor for correction; needs a comment on the visit or on items.
    Return,
    /// Refused for good; needs a reason.
    Reject,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewRequest {
    pub decision: Decision,
    /// The revision the supervisor saw and decides: refused (409 `revision_changed`) if
    /// the auditor has sent another since.
    pub revision: u32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::comment))]
    pub comment: String,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::openapi::comments_by_item)
    )]
    pub item_comments: std::collections::BTreeMap<String, String>,
}

/// One line of a visit's append-only history: who moved it, when, from where to where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub visit_id: Uuid,
    pub revision: u32,
    /// `None` when the visit first arrived.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub from: Option<ReviewState>,
    pub to: ReviewState,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub comment: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub item_comments: std::collections::BTreeMap<String, String>,
}

/// A visit as the server holds it, in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerVisit {
    pub visit_id: Uuid,
    pub revision: u32,
    pub auditor: String,
    pub office_id: String,
    pub state: ReviewState,
    /// The server's clock when the revision arrived: lists are ordered by it, never by a
    /// device's clock.
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// Times the device clock may have got wrong, for the supervisor to look at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_flags: Vec<crate::visit::TimeFlag>,
    /// What the server found about where and when the visit happened, and conflicts
    /// (`presence.rs`), for the supervisor to look at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presence_flags: Vec<crate::presence::PresenceFlag>,
}

/// A page of the review queue. `next` is an opaque cursor to ask for the page after this
/// one (`cursor=…`, same filters); `None` on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitPage {
    pub visits: Vec<ServerVisit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// One visit in full: its latest revision, where it stands, and photos still to upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitDetail {
    pub visit: Visit,
    pub state: ReviewState,
    pub missing_photos: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_flags: Vec<crate::visit::TimeFlag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presence_flags: Vec<crate::presence::PresenceFlag>,
    /// A visit flagged `own_branch` counts in the rating only once a supervisor included
    /// it: who, when, why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<Inclusion>,
    /// The visit's appeals, for supervisors: an upheld one changes how its item scores
    /// (`scoring::score_with`), and the score's explanation says so and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appeals: Vec<Appeal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    TooManyAttempts,
    ProtocolOutdated,
    /// The server cannot store anything now (disk full, read-only): try again later.
    Unavailable,
    Internal,
}

/// Exactly what the server refused, for the app to word in the interface language. The
/// `message` beside it is English for logs and support; the app never shows or matches it.
/// A newer server may send codes this app does not know: they read as [`Refusal::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    // Sign-in and access.
    /// Wrong login or password.
    WrongCredentials,
    /// No token, an unknown, revoked or expired one: sign in again.
    SignInAgain,
    /// The user is disabled by an administrator: their tokens and sign-ins are refused.
    AccountDisabled,
    /// The caller's role may not do this.
    RoleForbidden,
    TooManyAttempts,
    ProtocolOutdated,
    // Generic refusals of a request's content; `field` names the part at fault.
    /// A field is malformed or fails validation (the request's JSON, a visit's answer).
    Invalid,
    /// A text is longer than allowed.
    TooLong,
    /// The body or a photo is larger than allowed.
    TooLarge,
    /// No such thing, or none the caller may see (visit, photo, assignment, rating).
    NotFound,
    /// A queue cursor this server did not make, or not for this list: start from the first
    /// page again.
    BadCursor,
    // Visits and review.
    /// A visit of another auditor.
    NotYourVisit,
    /// The visit's checklist version is unknown to the server.
    UnknownChecklist,
    /// The item is not in the visit's checklist.
    UnknownItem,
    /// A return needs a comment on the visit or on items.
    CommentRequired,
    /// A rejection needs a reason.
    ReasonRequired,
    /// Only a submitted visit can be decided; this one already was.
    NotSubmitted,
    /// The decision names a revision that is no longer the visit's current one: the
    /// auditor sent a correction meanwhile.
    RevisionChanged,
    /// Nobody decides a visit to an office of their own branch.
    OwnBranchVisit,
    /// This revision was received before with other content.
    RevisionConflict,
    /// A correction that was not asked for (the previous revision was not returned).
    RevisionNotAsked,
    /// Only a visit left out of the rating (flagged `own_branch`, not yet included) can
    /// be included.
    NotLeftOut,
    /// The body is not a JPEG, PNG or WebP image.
    NotAnImage,
    /// A photo no pushed visit of the caller references.
    PhotoNotInVisit,
    // Assignments.
    UnknownUser,
    NotAnAuditor,
    UnknownOffice,
    UnknownBranch,
    UnknownScenario,
    /// An auditor may not audit an office of their own branch.
    OwnBranch,
    /// The due date is not within the quarter.
    DueOutsideQuarter,
    DuePassed,
    /// The auditor already has an open assignment of this office in the quarter.
    AlreadyAssigned,
    /// Both halves of a paired visit name the same auditor.
    PairSameAuditor,
    /// A paired visit's two windows together span more than seven days (or a window ends
    /// before it starts).
    PairTooFarApart,
    // Calibration cases.
    /// The key does not fit the case's checklist (an unknown item, an answer that does not
    /// fit, a required item without an answer).
    InvalidKey,
    /// No published calibration case with this id.
    UnknownCase,
    // Corrective actions.
    /// The action is not in a state that allows this (planning a verified action,
    /// verifying an open one).
    WrongActionState,
    /// Nobody verifies an action they closed themselves.
    ClosedBySelf,
    /// This `op_id` was used before for another request.
    OpReused,
    /// A photo the action's evidence does not name.
    PhotoNotInAction,
    // Rating.
    /// The quarter is published and frozen.
    QuarterPublished,
    /// A methodology of this version exists with other content.
    MethodologyExists,
    /// The quarter has not ended yet: it cannot be published.
    QuarterNotEnded,
    /// The quarter's KPI figures are not imported: it cannot be published.
    KpisMissing,
    /// Appeals of the quarter are not decided yet: it cannot be published (`ids` lists
    /// them).
    AppealsPending,
    // Appeals.
    /// The appeal window after the visit's approval has closed.
    AppealWindowClosed,
    /// The item of this visit is already appealed.
    AppealExists,
    /// The appeal is already decided.
    AppealDecided,
    /// The supervisor who approved the visit may not decide its appeals.
    OwnApproval,
    /// Upholding an appeal needs an outcome (passed or excluded).
    OutcomeRequired,
    // Quotas.
    /// The caller's daily quota (visits or photo bytes) is used up: try again later.
    QuotaExceeded,
    // Users (command line).
    UserExists,
    WeakPassword,
    // The server itself.
    /// Nothing was stored (disk full, read-only database): try again later.
    Unavailable,
    Internal,
    /// A code this app does not know (from a newer server).
    #[default]
    #[serde(other)]
    Other,
}

/// The body of every 4xx and 5xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// What exactly was refused; the app words it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub code: Refusal,
    pub message: String,
    /// The request field at fault, where there is one (`visits[3].answers.wait`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The things the refusal is about, where it lists them (`appeals_pending`: the
    /// undecided appeals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}
