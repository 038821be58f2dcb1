//! The server's schema, as the steps that build it in order (`PRAGMA user_version` counts
//! those applied). Append new steps at the end; never edit one that has shipped.

pub(super) const STEPS: &[&str] = &[
    r#"
CREATE TABLE users (
    login TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('auditor', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    login TEXT NOT NULL REFERENCES users (login),
    device_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
-- The monotonic sequence devices pull by: every change a device may need is one row.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('directory', 'template', 'visit')),
    ref TEXT NOT NULL,
    auditor TEXT
);
CREATE INDEX changes_by_auditor ON changes (auditor, seq);
CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE directory (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    body TEXT NOT NULL
);
CREATE TABLE visits (
    id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    auditor TEXT NOT NULL,
    office_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    payload TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    device_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- The visit's score in percent (NULL: nothing scorable) and by section, as JSON.
    score REAL,
    section_scores TEXT NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE INDEX visits_by_auditor ON visits (auditor);
CREATE TABLE visit_photos (
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (visit_id, revision, item_id, sha256)
);
CREATE INDEX visit_photos_by_sha ON visit_photos (sha256);
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    received_at TEXT NOT NULL
);
-- Where each visit stands in review; its latest row is what the auditor's phone shows.
CREATE TABLE reviews (
    visit_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'returned', 'approved', 'rejected')),
    comment TEXT NOT NULL DEFAULT '',
    item_comments TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
"#,
    r#"
-- Every submission and review decision, never changed or removed.
CREATE TABLE review_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    by_login TEXT NOT NULL,
    at TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    item_comments TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX review_log_by_visit ON review_log (visit_id, seq);
CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
"#,
    r#"
-- The rating: methodology versions, KPI figures per quarter, and published quarters,
-- which are frozen with the methodology version they were computed with.
CREATE TABLE methodologies (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE kpis (
    quarter TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (quarter, branch_id, key)
);
CREATE TABLE published (
    quarter TEXT PRIMARY KEY,
    methodology_id TEXT NOT NULL,
    methodology_version INTEGER NOT NULL,
    tables TEXT NOT NULL,
    published_at TEXT NOT NULL,
    by_login TEXT NOT NULL
);
CREATE TRIGGER published_frozen BEFORE UPDATE ON published
BEGIN SELECT RAISE(ABORT, 'a published quarter is frozen'); END;
CREATE TRIGGER published_kept BEFORE DELETE ON published
BEGIN SELECT RAISE(ABORT, 'a published quarter is frozen'); END;
"#,
    r#"
-- The branch an auditor works for: they may not audit its offices.
ALTER TABLE users ADD COLUMN branch_id TEXT;
-- Visits supervisors ask auditors to make. Cancelling keeps the row, for the record.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    auditor TEXT NOT NULL REFERENCES users (login),
    office_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    scenario TEXT NOT NULL,
    due TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX assignments_by_auditor ON assignments (auditor, office_id, quarter);
CREATE INDEX visits_by_auditor_office ON visits (auditor, office_id, started_at);
"#,
    r#"
-- Times the device clock may have got wrong (JSON list of flags), judged at receipt.
ALTER TABLE visits ADD COLUMN time_flags TEXT NOT NULL DEFAULT '[]';
"#,
    r#"
-- The rating reads a quarter's approved visits. From these two indexes alone it finds the
-- quarter's visits by finish time and each one's review state: without them it read every
-- visit ever stored, JSON and all (kilobytes each), to keep one quarter's.
CREATE INDEX visits_by_finish ON visits (finished_at, office_id, score, id, revision);
CREATE INDEX reviews_current ON reviews (visit_id, revision, state);
"#,
    r#"
-- Users can be disabled (their tokens are refused); the demo's users are marked, so a server
-- started without --demo disables them.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
-- Failed sign-ins in a row, by login whether it exists or not (auth/login.rs): an unknown
-- login is locked out like a known one. Replaces the two columns of users.
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
CREATE TABLE login_failures (
    login TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failed_at TEXT NOT NULL,
    locked_until TEXT
);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
CREATE INDEX tokens_by_login ON tokens (login);
"#,
    r#"
-- What the photo's original file said of itself (EXIF), as the device read it before
-- downscaling and stripping it: the camera's local time, and its position in degrees.
-- Evidence for review; NULL where the device found none or predates the fields.
ALTER TABLE visit_photos ADD COLUMN taken_at TEXT;
ALTER TABLE visit_photos ADD COLUMN latitude REAL;
ALTER TABLE visit_photos ADD COLUMN longitude REAL;
"#,
    r#"
-- Supervisors bound to branches see and decide only visits to those branches' offices.
CREATE TABLE supervisor_branches (
    login TEXT NOT NULL REFERENCES users (login),
    branch_id TEXT NOT NULL,
    PRIMARY KEY (login, branch_id)
);
-- Who uploaded each photo, how large, when: a photo is read only through a visit of an
-- auditor who uploaded it, and its bytes count against that auditor's daily quota.
CREATE TABLE photo_uploads (
    sha256 TEXT NOT NULL,
    auditor TEXT NOT NULL,
    size INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (sha256, auditor)
);
CREATE INDEX photo_uploads_by_auditor ON photo_uploads (auditor, at);
-- Photos stored before: their uploader was the auditor whose visit named them first.
INSERT OR IGNORE INTO photo_uploads (sha256, auditor, size, at)
SELECT p.sha256,
       (SELECT v.auditor FROM visit_photos vp
        JOIN visits v ON v.id = vp.visit_id AND v.revision = vp.revision
        WHERE vp.sha256 = p.sha256 ORDER BY v.received_at LIMIT 1),
       p.size, p.received_at
FROM photos p WHERE EXISTS (SELECT 1 FROM visit_photos vp WHERE vp.sha256 = p.sha256);
-- The visits an auditor sent today, for the daily quota.
CREATE INDEX visits_by_auditor_received ON visits (auditor, received_at);
-- A counter of changes to what the rating is computed from (approvals and their undoing,
-- KPIs, publishing, methodologies, the directory), so a cached rating knows it is stale,
-- whichever process made the change (the command line imports KPIs beside the server).
CREATE TABLE rating_inputs (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version INTEGER NOT NULL
);
INSERT INTO rating_inputs VALUES (1, 0);
CREATE TRIGGER rating_review_added AFTER INSERT ON reviews WHEN NEW.state = 'approved'
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_review_changed AFTER UPDATE ON reviews
WHEN OLD.state = 'approved' OR NEW.state = 'approved'
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_kpi_added AFTER INSERT ON kpis
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_kpi_changed AFTER UPDATE ON kpis
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_kpi_removed AFTER DELETE ON kpis
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_published AFTER INSERT ON published
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_methodology AFTER INSERT ON methodologies
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_directory_added AFTER INSERT ON directory
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_directory_changed AFTER UPDATE ON directory
BEGIN UPDATE rating_inputs SET version = version + 1; END;
"#,
    r#"
-- What operators did to stored data outside the app (a purge of personal data), never
-- changed or removed.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    r#"
-- Paired visits (`pairs.rs`): two assignments of one office sharing a pair id, each with a
-- window from `window_from` to `due`, both windows within seven days.
ALTER TABLE assignments ADD COLUMN window_from TEXT;
ALTER TABLE assignments ADD COLUMN pair_id TEXT;
CREATE INDEX assignments_by_pair ON assignments (pair_id) WHERE pair_id IS NOT NULL;
-- Calibration cases (`cases.rs`): a reference situation and its key, which auditors score
-- like a visit. Their answers live apart from `visits`, so that nothing reading visits
-- (the rating, the queue, quotas, pulls) can count one.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    scenario TEXT NOT NULL,
    photos TEXT NOT NULL,
    key TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE TABLE case_photos (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE case_answers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    auditor TEXT NOT NULL,
    started_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    device_id TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX case_answers_by_time ON case_answers (started_at);
"#,
    r#"
-- Presence evidence and conflicts (presence.rs): what the server found about where and
-- when each revision happened, judged at receipt, as a JSON list of flags.
ALTER TABLE visits ADD COLUMN presence_flags TEXT NOT NULL DEFAULT '[]';
-- Visits to an office of their auditor's own branch: left out of the rating until a
-- supervisor includes them, with a reason (also in the audit log).
CREATE TABLE rating_exclusions (
    visit_id TEXT PRIMARY KEY,
    included_by TEXT,
    included_at TEXT,
    reason TEXT
);
CREATE TRIGGER rating_exclusion_added AFTER INSERT ON rating_exclusions
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_exclusion_changed AFTER UPDATE ON rating_exclusions
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_exclusion_removed AFTER DELETE ON rating_exclusions
BEGIN UPDATE rating_inputs SET version = version + 1; END;
"#,
    r#"
-- The review queue pages by (received_at, visit_id) of each visit's current revision,
-- newest first (queue.rs). Kept on `reviews`, one row per visit, so a page reads the
-- index in order and stops after one page, with or without a state filter, instead of
-- sorting every revision of every visit. Triggers keep it equal to the current
-- revision's arrival, whoever writes `reviews`.
ALTER TABLE reviews ADD COLUMN received_at TEXT NOT NULL DEFAULT '';
UPDATE reviews SET received_at = (SELECT v.received_at FROM visits v
    WHERE v.id = reviews.visit_id AND v.revision = reviews.revision);
CREATE TRIGGER reviews_received_added AFTER INSERT ON reviews
BEGIN UPDATE reviews SET received_at = (SELECT v.received_at FROM visits v
    WHERE v.id = NEW.visit_id AND v.revision = NEW.revision) WHERE visit_id = NEW.visit_id; END;
CREATE TRIGGER reviews_received_changed AFTER UPDATE OF revision ON reviews
BEGIN UPDATE reviews SET received_at = (SELECT v.received_at FROM visits v
    WHERE v.id = NEW.visit_id AND v.revision = NEW.revision) WHERE visit_id = NEW.visit_id; END;
CREATE INDEX reviews_queue ON reviews (received_at, visit_id);
CREATE INDEX reviews_queue_by_state ON reviews (state, received_at, visit_id);
"#,
    r#"
-- Each item's measure for the calibration (share of points, answer), packed at receipt
-- (measures.rs); none for revisions received before, whose payload is read instead. A
-- table of its own, not a column of `visits`: a column after the payload is reached only
-- through the payload's overflow pages, which is what reading it was meant to avoid.
CREATE TABLE visit_measures (
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    measures BLOB NOT NULL,
    PRIMARY KEY (visit_id, revision)
) WITHOUT ROWID;
"#,
    r#"
-- Managers head a branch (issue 13). A CHECK cannot be altered in place: the table is
-- copied (foreign keys are off while steps run, and checked before each commit).
CREATE TABLE users_next (
    login TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('auditor', 'supervisor', 'admin', 'manager')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    branch_id TEXT,
    disabled_at TEXT,
    demo INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_next (login, role, password_hash, created_at, branch_id, disabled_at, demo)
    SELECT login, role, password_hash, created_at, branch_id, disabled_at, demo FROM users;
DROP TABLE users;
ALTER TABLE users_next RENAME TO users;
"#,
    r#"
-- Webhooks (issue 13): URLs an admin registered on the command line, the events each
-- wants (a JSON array of kinds), and the secret their bodies are signed with.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- One row per event and webhook, written in the transaction of the change (events.rs),
-- sent later by webhooks/delivery.rs: pending until a 2xx (delivered_at) or the last
-- attempt (failed_at). The body is stored as sent, so each attempt signs the same bytes.
CREATE TABLE webhook_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT,
    failed_at TEXT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
"#,
    r#"
-- Calibration reads a quarter's approved visits in office and time order, with their
-- measures: keyed so, they are one range of this table, already in order, holding all it
-- reads of each visit (no sort of 200,000 rows with their measures, no lookups in
-- `visits`). Visits received before measures were kept get an empty blob: calibration
-- reads their payload instead.
CREATE TABLE visit_measures_next (
    quarter TEXT NOT NULL,
    office_id TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    auditor TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    measures BLOB NOT NULL,
    PRIMARY KEY (quarter, office_id, finished_at, visit_id, revision)
) WITHOUT ROWID;
INSERT INTO visit_measures_next
SELECT substr(v.finished_at, 1, 4) || '-Q' || ((CAST(substr(v.finished_at, 6, 2) AS INTEGER) + 2) / 3),
       v.office_id, v.finished_at, v.id, v.revision, v.auditor, v.template_id,
       v.template_version, coalesce(m.measures, X'')
FROM visits v LEFT JOIN visit_measures m ON m.visit_id = v.id AND m.revision = v.revision
WHERE v.finished_at IS NOT NULL;
DROP TABLE visit_measures;
ALTER TABLE visit_measures_next RENAME TO visit_measures;
"#,
    r#"
-- Corrective actions (actions/): one per failed item of an approved visit, for its
-- office's branch to fix. `rechecked_by` (the later visit that re-checked the item) is
-- never shown to managers.
CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    office_id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    critical INTEGER NOT NULL,
    finding TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'planned', 'done', 'verified')),
    plan TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    evidence_photos TEXT NOT NULL DEFAULT '[]',
    closed_by TEXT,
    closed_at TEXT,
    verified_by TEXT,
    verified_at TEXT,
    reopen_reason TEXT,
    reopened INTEGER NOT NULL DEFAULT 0,
    repeats INTEGER NOT NULL DEFAULT 0,
    recheck TEXT CHECK (recheck IN ('fix_confirmed', 'repeat')),
    rechecked_by TEXT,
    rechecked_at TEXT,
    UNIQUE (visit_id, item_id)
);
CREATE INDEX actions_by_branch ON actions (branch_id, state);
CREATE INDEX actions_by_office ON actions (office_id, item_id);
-- Each write to an action by its device-made op id, with the answer it got: the same op
-- again answers the same and changes nothing (the phone's outbox retries).
CREATE TABLE action_ops (
    op_id TEXT PRIMARY KEY,
    action_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    answer TEXT NOT NULL,
    by_login TEXT NOT NULL,
    at TEXT NOT NULL
);
-- The rating counts how branches close actions (`actions::loop_figures`).
CREATE TRIGGER rating_action_added AFTER INSERT ON actions
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_action_changed AFTER UPDATE ON actions
BEGIN UPDATE rating_inputs SET version = version + 1; END;
-- Evidence photos received, by action; the bytes are in `photos`.
CREATE TABLE action_photos (
    action_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    by_login TEXT NOT NULL,
    size INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (action_id, sha256)
) WITHOUT ROWID;
"#,
    r#"
-- Appeals (appeals/): a branch's manager contests one item of an approved visit, once per
-- item; a supervisor other than the approver upholds (the item scores as `outcome`) or
-- rejects it. `op_id` and `decision_op_id` are the devices' idempotency keys.
CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    by_login TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    photos TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'upheld', 'rejected')),
    outcome TEXT CHECK (outcome IN ('passed', 'excluded')),
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    decision_op_id TEXT,
    UNIQUE (visit_id, item_id)
);
CREATE INDEX appeals_by_quarter ON appeals (quarter, state);
CREATE INDEX appeals_by_branch ON appeals (branch_id, at);
-- Evidence photos of appeals, uploaded by the manager after the appeal names them.
CREATE TABLE appeal_photos (
    appeal_id TEXT NOT NULL REFERENCES appeals (id),
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (appeal_id, sha256)
);
-- A visit's score with its upheld appeals applied: the rating reads it instead of
-- `visits.score` (calibration keeps reading the raw answers). Its changes bump the
-- rating's inputs like approvals do.
CREATE TABLE appeal_scores (
    visit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    score REAL,
    PRIMARY KEY (visit_id, revision)
);
CREATE TRIGGER rating_appeal_score_added AFTER INSERT ON appeal_scores
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_appeal_score_changed AFTER UPDATE ON appeal_scores
BEGIN UPDATE rating_inputs SET version = version + 1; END;
CREATE TRIGGER rating_appeal_score_removed AFTER DELETE ON appeal_scores
BEGIN UPDATE rating_inputs SET version = version + 1; END;
"#,
    r#"
-- The in-app inbox (issue 13): what the server tells one user. `params` is the JSON of the
-- kind's ids and numbers (core's wire::Notification); the app words it. Delivered by the
-- change feed, whose CHECK is widened by copying the table (its sequence kept: devices'
-- cursors stay valid).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_by_login ON notifications (login, kind);
CREATE INDEX notifications_by_age ON notifications (created_at) WHERE read_at IS NULL;
CREATE INDEX notifications_by_read ON notifications (read_at) WHERE read_at IS NOT NULL;
CREATE TABLE changes_next (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('directory', 'template', 'visit', 'notification')),
    ref TEXT NOT NULL,
    auditor TEXT
);
INSERT INTO changes_next (seq, kind, ref, auditor) SELECT seq, kind, ref, auditor FROM changes;
-- The sequence goes on from where it was, not from the last entry left.
DELETE FROM sqlite_sequence WHERE name = 'changes_next';
INSERT INTO sqlite_sequence (name, seq) SELECT 'changes_next', seq FROM sqlite_sequence WHERE name = 'changes';
DROP TABLE changes;
ALTER TABLE changes_next RENAME TO changes;
CREATE INDEX changes_by_auditor ON changes (auditor, seq);
-- A notification's one entry in the feed, found when it is read or pruned.
CREATE INDEX changes_notifications ON changes (ref) WHERE kind = 'notification';
"#,
    r#"
-- When an action was announced as coming due and as overdue (actions/due.rs), so the
-- hourly sweep tells each once.
ALTER TABLE actions ADD COLUMN due_soon_told_at TEXT;
ALTER TABLE actions ADD COLUMN overdue_told_at TEXT;
CREATE INDEX actions_to_announce ON actions (due)
    WHERE overdue_told_at IS NULL AND state IN ('open', 'planned');
"#,
];
