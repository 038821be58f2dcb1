//! Which screen is open, and how it is kept in the store between starts.

use uuid::Uuid;

/// Which screen is open. Persisted, so a reload or restart comes back to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Screen {
    Home,
    Start,
    Checklist(Uuid),
    Summary(Uuid),
    Account,
    Rating,
    Calibration,
    Review,
    ReviewVisit(Uuid),
    Assignments,
    Cases,
    /// A corrective action: its finding, plan, evidence and history.
    Action(Uuid),
    /// The supervisor's board of fixed actions waiting to be verified.
    ActionsBoard,
    Appeals,
    AppealForm(Uuid),
    /// The manager's list of the approved visits to their branch.
    BranchVisits,
    /// One of them, item by item, with «Обжаловать» on its findings.
    BranchVisit(Uuid),
    Charts,
    Inbox,
}

impl Screen {
    pub(crate) fn encode(self) -> String {
        match self {
            Screen::Home => "home".into(),
            Screen::Start => "start".into(),
            Screen::Account => "account".into(),
            Screen::Rating => "rating".into(),
            Screen::Calibration => "calibration".into(),
            Screen::Review => "review".into(),
            Screen::Assignments => "assignments".into(),
            Screen::Cases => "cases".into(),
            Screen::ActionsBoard => "actions".into(),
            Screen::Action(id) => format!("action:{id}"),
            Screen::Appeals => "appeals".into(),
            Screen::AppealForm(id) => format!("appeal:{id}"),
            Screen::BranchVisits => "branch-visits".into(),
            Screen::BranchVisit(id) => format!("branch-visit:{id}"),
            Screen::Charts => "charts".into(),
            Screen::Inbox => "inbox".into(),
            Screen::ReviewVisit(id) => format!("review:{id}"),
            Screen::Checklist(id) => format!("checklist:{id}"),
            Screen::Summary(id) => format!("summary:{id}"),
        }
    }

    pub(crate) fn decode(s: &str) -> Screen {
        let (kind, id) = s.split_once(':').unwrap_or((s, ""));
        match (kind, Uuid::parse_str(id)) {
            ("start", _) => Screen::Start,
            ("account", _) => Screen::Account,
            ("rating", _) => Screen::Rating,
            ("calibration", _) => Screen::Calibration,
            ("review", Ok(id)) => Screen::ReviewVisit(id),
            ("review", _) => Screen::Review,
            ("assignments", _) => Screen::Assignments,
            ("inbox", _) => Screen::Inbox,
            ("cases", _) => Screen::Cases,
            ("action", Ok(id)) => Screen::Action(id),
            ("actions", _) => Screen::ActionsBoard,
            ("appeals", _) => Screen::Appeals,
            ("appeal", Ok(id)) => Screen::AppealForm(id),
            ("branch-visits", _) => Screen::BranchVisits,
            ("branch-visit", Ok(id)) => Screen::BranchVisit(id),
            ("charts", _) => Screen::Charts,
            ("checklist", Ok(id)) => Screen::Checklist(id),
            ("summary", Ok(id)) => Screen::Summary(id),
            _ => Screen::Home,
        }
    }
}
