//! Errors in the interface language. The server says what it refused with a code
//! ([`Refusal`]) and the field at fault; the store with its error variants. Their own
//! messages are English, for logs and support: they are logged here and never shown, nor
//! matched, so that a supervisor or auditor reading Russian never meets English.

use zakupka_client::StoreError;
use zakupka_client::api::SyncError;
use zakupka_core::Lang;
use zakupka_core::wire::Refusal;

use super::*;

texts! {
    REFUSED_INVALID = "Сервер не принял запрос: неверное значение", "The server refused the request: a wrong value";
    REFUSED_TOO_LONG = "Слишком длинный текст", "The text is too long";
    REFUSED_NOT_YOUR_VISIT = "Это проверка другого проверяющего", "This is another auditor's visit";
    REFUSED_UNKNOWN_CHECKLIST = "Сервер не знает эту версию чек-листа — обновите приложение", "The server does not know this checklist version: update the app";
    REFUSED_UNKNOWN_ITEM = "Такого пункта нет в чек-листе проверки", "No such item in the visit's checklist";
    REFUSED_COMMENT_REQUIRED = "Напишите, что исправить: комментарий к проверке или замечания к пунктам", "Say what to correct: a comment on the visit or remarks on items";
    REFUSED_REASON_REQUIRED = "Напишите в комментарии причину отклонения", "Write the reason for the rejection in the comment";
    REFUSED_NOT_SUBMITTED = "Решение по этой проверке уже принято — обновите и посмотрите ещё раз", "This visit has already been decided: reload and look again";
    REFUSED_REVISION_CONFLICT = "Это исправление уже получено сервером с другими ответами", "The server already has this revision with other answers";
    REFUSED_REVISION_NOT_ASKED = "Исправление не запрашивалось: проверку не возвращали на доработку", "A correction nobody asked for: the visit was not returned";
    REFUSED_NOT_LEFT_OUT = "Эта проверка не исключена из рейтинга или уже включена — обновите и посмотрите ещё раз", "This visit is not left out of the rating, or is already included: reload and look again";
    REFUSED_NOT_AN_IMAGE = "Это не фото: подходят JPEG, PNG и WebP", "Not a photo: JPEG, PNG and WebP are accepted";
    REFUSED_PHOTO_NOT_IN_VISIT = "Фото не относится ни к одной отправленной проверке", "The photo belongs to no visit sent";
    REFUSED_UNKNOWN_USER = "Такого пользователя нет на сервере", "No such user on the server";
    REFUSED_NOT_AN_AUDITOR = "Этот пользователь не проверяющий", "This user is not an auditor";
    REFUSED_UNKNOWN_OFFICE = "Такого офиса нет в справочнике сервера", "No such office in the server's directory";
    REFUSED_UNKNOWN_BRANCH = "Такого управления нет в справочнике сервера", "No such branch in the server's directory";
    REFUSED_UNKNOWN_SCENARIO = "Такого сценария нет в чек-листе", "No such scenario in the checklist";
    REFUSED_DUE_OUTSIDE_QUARTER = "Срок должен быть внутри выбранного квартала", "The due date must be within the quarter";
    REFUSED_DUE_PASSED = "Этот срок уже прошёл — выберите сегодняшний или более поздний день", "That due date has passed: choose today or later";
    REFUSED_ALREADY_ASSIGNED = "У проверяющего уже есть задание в этот офис в этом квартале", "The auditor already has an assignment to this office in this quarter";
    REFUSED_PAIR_SAME_AUDITOR = "В паре должны быть два разных проверяющих", "A pair needs two different auditors";
    REFUSED_PAIR_TOO_FAR_APART = "Визиты пары должны пройти не дальше семи дней друг от друга", "The two visits of a pair must be at most seven days apart";
    REFUSED_INVALID_KEY = "Эталонные ответы не подходят к чек-листу", "The reference answers do not fit the checklist";
    REFUSED_UNKNOWN_CASE = "Такого учебного случая на сервере нет — возможно, его сняли", "The server has no such calibration case: it may have been withdrawn";
    REFUSED_QUARTER_PUBLISHED = "Квартал уже опубликован, его итоги больше не меняются", "The quarter is published: its results no longer change";
    REFUSED_METHODOLOGY_EXISTS = "Методика рейтинга этой версии уже есть с другим содержанием", "A rating methodology of this version exists with other content";
    REFUSED_USER_EXISTS = "Такой пользователь уже есть", "This user already exists";
    REFUSED_ACCOUNT_DISABLED = "Учётная запись отключена — обратитесь к администратору", "This account is disabled: ask an administrator";
    REFUSED_WEAK_PASSWORD = "Пароль слишком простой", "The password is too weak";
    REFUSED_REVISION_CHANGED = "Проверяющий прислал исправление, пока вы смотрели: обновите и посмотрите новую версию", "The auditor sent a correction while you were looking: reload and look at the new version";
    REFUSED_OWN_BRANCH_VISIT = "Проверки офисов своего управления решают другие", "Visits to offices of your own branch are decided by others";
    REFUSED_QUARTER_NOT_ENDED = "Квартал ещё не закончился — публиковать рано", "The quarter has not ended yet: too early to publish";
    REFUSED_KPIS_MISSING = "Показатели управлений за квартал ещё не загружены — публиковать рано", "The branches' KPI figures for the quarter are not imported yet: too early to publish";
    REFUSED_APPEALS_PENDING = "По кварталу есть нерассмотренные апелляции — сначала решите их", "The quarter has undecided appeals: decide them first";
    REFUSED_APPEAL_WINDOW_CLOSED = "Срок подачи апелляции после утверждения проверки истёк", "The time to appeal after the visit's approval is over";
    REFUSED_APPEAL_EXISTS = "Этот пункт проверки уже обжалован", "This item of the visit is already appealed";
    REFUSED_APPEAL_DECIDED = "Апелляция уже рассмотрена", "The appeal is already decided";
    REFUSED_OWN_APPROVAL = "Вы утвердили эту проверку — апелляцию рассматривает другой руководитель", "You approved this visit: another supervisor decides its appeals";
    REFUSED_OUTCOME_REQUIRED = "Укажите, как засчитать пункт: выполнен или исключён", "Say how the item counts: passed or excluded";
    REFUSED_QUOTA_EXCEEDED = "Дневной лимит отправки исчерпан — остальное отправится позже само", "The daily sending limit is used up: the rest will be sent later by itself";
    REFUSED_BAD_CURSOR = "Список проверок изменился — откройте его заново", "The list of visits has changed: open it again";
    REFUSED_UNAVAILABLE = "Сервер сейчас не может ничего сохранить — попробуйте позже", "The server cannot store anything now: try again later";
    REFUSED_WRONG_ACTION_STATE = "Недочёт уже в другом состоянии — обновите его", "The action is in another state now: refresh it";
    REFUSED_CLOSED_BY_SELF = "Закрытый вами недочёт проверяет другой сотрудник", "An action you closed is verified by someone else";
    REFUSED_OP_REUSED = "Это действие уже было отправлено с другим содержанием", "This operation was already sent with other content";
    REFUSED_PHOTO_NOT_IN_ACTION = "Этого фото нет в отчёте об устранении", "This photo is not in the action's evidence";
}

/// What the server refused, in the interface language; `field` is the part of the request
/// at fault, where the server names one. Every code is worded here: the match has no
/// catch-all, so a new code cannot be forgotten.
pub fn refusal(lang: Lang, code: Refusal, field: Option<&str>) -> String {
    use Refusal as R;
    let text = match code {
        R::WrongCredentials => WRONG_LOGIN,
        R::SignInAgain => SYNC_SIGN_IN_AGAIN,
        R::AccountDisabled => REFUSED_ACCOUNT_DISABLED,
        R::RoleForbidden => ERR_FORBIDDEN,
        R::TooManyAttempts => ERR_TOO_MANY,
        R::ProtocolOutdated => SYNC_UPDATE_APP,
        R::Invalid => return with_field(lang, REFUSED_INVALID, field),
        R::TooLong => return with_field(lang, REFUSED_TOO_LONG, field),
        R::TooLarge => ERR_TOO_LARGE,
        R::NotFound => ERR_NOT_FOUND,
        R::BadCursor => REFUSED_BAD_CURSOR,
        R::NotYourVisit => REFUSED_NOT_YOUR_VISIT,
        R::UnknownChecklist => REFUSED_UNKNOWN_CHECKLIST,
        R::UnknownItem => REFUSED_UNKNOWN_ITEM,
        R::CommentRequired => REFUSED_COMMENT_REQUIRED,
        R::ReasonRequired => REFUSED_REASON_REQUIRED,
        R::NotSubmitted => REFUSED_NOT_SUBMITTED,
        R::RevisionChanged => REFUSED_REVISION_CHANGED,
        R::OwnBranchVisit => REFUSED_OWN_BRANCH_VISIT,
        R::RevisionConflict => REFUSED_REVISION_CONFLICT,
        R::RevisionNotAsked => REFUSED_REVISION_NOT_ASKED,
        R::NotLeftOut => REFUSED_NOT_LEFT_OUT,
        R::NotAnImage => REFUSED_NOT_AN_IMAGE,
        R::PhotoNotInVisit => REFUSED_PHOTO_NOT_IN_VISIT,
        R::UnknownUser => REFUSED_UNKNOWN_USER,
        R::NotAnAuditor => REFUSED_NOT_AN_AUDITOR,
        R::UnknownOffice => REFUSED_UNKNOWN_OFFICE,
        R::UnknownBranch => REFUSED_UNKNOWN_BRANCH,
        R::UnknownScenario => REFUSED_UNKNOWN_SCENARIO,
        R::OwnBranch => ASSIGN_OWN_BRANCH,
        R::DueOutsideQuarter => REFUSED_DUE_OUTSIDE_QUARTER,
        R::DuePassed => REFUSED_DUE_PASSED,
        R::AlreadyAssigned => REFUSED_ALREADY_ASSIGNED,
        R::PairSameAuditor => REFUSED_PAIR_SAME_AUDITOR,
        R::PairTooFarApart => REFUSED_PAIR_TOO_FAR_APART,
        R::InvalidKey => REFUSED_INVALID_KEY,
        R::UnknownCase => REFUSED_UNKNOWN_CASE,
        R::QuarterPublished => REFUSED_QUARTER_PUBLISHED,
        R::MethodologyExists => REFUSED_METHODOLOGY_EXISTS,
        R::QuarterNotEnded => REFUSED_QUARTER_NOT_ENDED,
        R::KpisMissing => REFUSED_KPIS_MISSING,
        R::AppealsPending => REFUSED_APPEALS_PENDING,
        R::AppealWindowClosed => REFUSED_APPEAL_WINDOW_CLOSED,
        R::AppealExists => REFUSED_APPEAL_EXISTS,
        R::AppealDecided => REFUSED_APPEAL_DECIDED,
        R::OwnApproval => REFUSED_OWN_APPROVAL,
        R::OutcomeRequired => REFUSED_OUTCOME_REQUIRED,
        R::WrongActionState => REFUSED_WRONG_ACTION_STATE,
        R::ClosedBySelf => REFUSED_CLOSED_BY_SELF,
        R::OpReused => REFUSED_OP_REUSED,
        R::PhotoNotInAction => REFUSED_PHOTO_NOT_IN_ACTION,
        R::QuotaExceeded => REFUSED_QUOTA_EXCEEDED,
        R::UserExists => REFUSED_USER_EXISTS,
        R::WeakPassword => REFUSED_WEAK_PASSWORD,
        R::Unavailable => REFUSED_UNAVAILABLE,
        R::Internal => ERR_SERVER,
        R::Other => return with_field(lang, ERR_REFUSED, field),
    };
    text.get(lang).to_owned()
}

/// `head (field «name»)`, or the head alone where the field has no name in this language.
fn with_field(lang: Lang, head: Tr, field: Option<&str>) -> String {
    match field.and_then(|f| field_name(lang, f)) {
        Some(name) => format!("{} ({} «{name}»)", head.get(lang), ERR_FIELD.get(lang)),
        None => head.get(lang).to_owned(),
    }
}

/// A field the server names in a refusal, in the interface language: a plain name
/// (`due`), a visit's part in a push (`visits[2].answers.wait.comment`), or a review's remark
/// (`item_comments.wait`). Items are worded generally; an unknown field has no Russian
/// name, and the raw English path is never shown in its place.
fn field_name(lang: Lang, field: &str) -> Option<String> {
    // A push names the visit by its place in the batch: the auditor knows which visit.
    let field = match field.strip_prefix("visits[") {
        Some(rest) => rest.split_once("].").map_or(rest, |(_, f)| f),
        None => field,
    };
    let ru = lang == Lang::Ru;
    if let Some(item) = field.strip_prefix("answers.") {
        let (item, part) = item.split_once('.').unwrap_or((item, ""));
        return Some(match (part, ru) {
            ("comment", true) => "комментарий к пункту".into(),
            ("photos", true) => "фото к пункту".into(),
            (_, true) => "ответ на пункт".into(),
            ("comment", false) => format!("comment on item {item}"),
            ("photos", false) => format!("photos of item {item}"),
            (_, false) => format!("answer to item {item}"),
        });
    }
    if let Some(item) = field.strip_prefix("item_comments.") {
        return Some(if ru {
            "замечание к пункту".into()
        } else {
            format!("remark on item {item}")
        });
    }
    let (ru_name, en_name) = match field {
        "auditor" => ("проверяющий", "auditor"),
        "office_id" | "office" => ("офис", "office"),
        "scenario" => ("сценарий", "scenario"),
        "due" => ("срок", "due date"),
        "quarter" => ("квартал", "quarter"),
        "note" => ("примечание", "note"),
        "branch" => ("управление", "branch"),
        "state" | "status" => ("статус", "state"),
        "comment" => ("комментарий", "comment"),
        "item_comments" => ("замечания к пунктам", "remarks on items"),
        "decision" => ("решение", "decision"),
        "template_version" => ("версия чек-листа", "checklist version"),
        "revision" => ("номер исправления", "revision"),
        "started_at" => ("время начала", "start time"),
        "finished_at" => ("время окончания", "finish time"),
        "login" => ("логин", "login"),
        "password" => ("пароль", "password"),
        "format" => ("формат", "format"),
        "body" | "sha256" => ("фото", "photo"),
        other if !ru => return Some(other.to_owned()),
        _ => return None,
    };
    Some(if ru { ru_name } else { en_name }.to_owned())
}

/// A failed request to the server explained in the interface language. The server's own
/// words go to the log only.
pub fn explain_sync(lang: Lang, error: &SyncError) -> String {
    match error {
        SyncError::Offline(_) => ERR_OFFLINE.get(lang).to_owned(),
        SyncError::Unauthorized(_) => SYNC_SIGN_IN_AGAIN.get(lang).to_owned(),
        SyncError::Outdated(_) => SYNC_UPDATE_APP.get(lang).to_owned(),
        SyncError::Store(e) => explain(lang, e),
        SyncError::Server {
            status,
            code,
            message,
            field,
        } => {
            tracing::info!(status, ?code, ?field, "the server refused: {message}");
            match code {
                // A server older than the codes, or newer than this app: the status says
                // what kind of refusal it was.
                Refusal::Other if *status == 409 => ERR_CONFLICT.get(lang).to_owned(),
                Refusal::Other => refusal(lang, by_status(*status), field.as_deref()),
                code => refusal(lang, *code, field.as_deref()),
            }
        }
    }
}

/// The refusal a status means when the server gives no code this app knows.
fn by_status(status: u16) -> Refusal {
    match status {
        401 => Refusal::SignInAgain,
        403 => Refusal::RoleForbidden,
        404 => Refusal::NotFound,
        413 => Refusal::TooLarge,
        426 => Refusal::ProtocolOutdated,
        429 => Refusal::TooManyAttempts,
        503 => Refusal::Unavailable,
        500.. => Refusal::Internal,
        _ => Refusal::Other,
    }
}

/// A refused action explained in the interface language. The store's own messages are in
/// English for logs and support; the auditor reads these.
pub fn explain(lang: Lang, error: &StoreError) -> String {
    tracing::info!("store refused: {error}");
    match lang {
        Lang::Ru => explain_ru(error),
        Lang::En => explain_en(error),
    }
}

fn explain_ru(error: &StoreError) -> String {
    use StoreError as E;
    use zakupka_core::AnswerError as A;
    match error {
        E::Open { .. } => format!("{}.", DB_ERROR_TITLE.ru),
        E::SchemaTooNew { .. } => {
            "База проверок записана более новой версией приложения — обновите приложение.".into()
        }
        E::ReadOnly(_) => "Не сохранено: приложению запрещена запись в его базу данных. Сохранённое раньше на месте; проверьте доступ к памяти устройства.".into(),
        E::DiskFull(_) => "Не сохранено: на устройстве закончилось место. Сохранённое раньше на месте; освободите место — сохранение продолжится без перезапуска.".into(),
        E::Sqlite(_) => "Ошибка базы данных на устройстве: действие не выполнено.".into(),
        E::VisitNotFound(_) => "Этой проверки нет на устройстве.".into(),
        E::VisitNotEditable(_) => "Проверка уже отправлена, изменить её нельзя.".into(),
        E::TemplateMissing { .. } => {
            "Чек-листа этой проверки нет на устройстве — обновите приложение.".into()
        }
        E::TemplateConflict { .. } => {
            "Чек-лист этой версии уже есть на устройстве с другим содержанием.".into()
        }
        E::UnknownScenario(_) => "Такого сценария нет в чек-листе.".into(),
        E::UnknownOffice(_) => "Такого офиса нет в справочнике.".into(),
        E::UnknownCase(_) => format!("{}.", REFUSED_UNKNOWN_CASE.ru),
        E::ActionNotFound(_) => "Этого недочёта нет на устройстве — синхронизируйте.".into(),
        E::ActionTextMissing => "Напишите текст: без него отправить нельзя.".into(),
        E::ActionStepNotAllowed { .. } => "Сейчас этот шаг к недочёту не применить.".into(),
        E::Answer(A::UnknownItem(_)) => "Такого пункта нет в чек-листе.".into(),
        E::Answer(A::NotApplicableNotAllowed { .. }) => {
            "Для этого пункта нельзя ответить «не применимо».".into()
        }
        E::Answer(A::OutOfRange {
            value, min, max, ..
        }) => format!("{value} — вне допустимого диапазона {min}–{max}."),
        E::Answer(A::WrongKind { .. } | A::UnknownOption { .. }) => {
            "Такой ответ не подходит к этому пункту.".into()
        }
        E::MissingRequired(items) => {
            format!("Не отвечены обязательные пункты: {}", items.len())
        }
        E::PhotoTooLarge { size, max } => format!(
            "Фото слишком большое: {:.1} МБ, можно до {} МБ.",
            *size as f64 / 1048576.0,
            max / 1048576
        ),
        E::UnsupportedPhoto(name) => format!("«{name}» — не фото: подходят JPEG, PNG и WebP."),
        E::TooManyPhotos { max, .. } => format!("К пункту можно приложить не больше {max} фото."),
        E::PhotosNotAllowed(_) => "К этому пункту фото не прикладываются.".into(),
        E::Corrupt { .. } => {
            "Сохранённые на устройстве данные повреждены — обратитесь в поддержку.".into()
        }
        E::UnsentWork { owner, visits } => unsent_work(Lang::Ru, owner, *visits),
    }
}

fn explain_en(error: &StoreError) -> String {
    use StoreError as E;
    match error {
        E::ReadOnly(_) => "Not saved: the app may not write its database. Everything saved before is safe; check the device's storage permissions.".into(),
        E::DiskFull(_) => "Not saved: the device is out of space. Everything saved before is safe; free some space and saving resumes without a restart.".into(),
        E::PhotoTooLarge { size, max } => format!(
            "The photo is too large: {:.1} MB, the limit is {} MB.",
            *size as f64 / 1048576.0,
            max / 1048576
        ),
        E::UnsentWork { owner, visits } => unsent_work(Lang::En, owner, *visits),
        // The store's own messages are English already.
        other => other.to_string(),
    }
}

/// Why another user cannot sign in on this device yet: `owner`'s visits are not sent.
pub fn unsent_work(lang: Lang, owner: &str, visits: usize) -> String {
    match lang {
        Lang::Ru => format!(
            "На этом устройстве есть неотправленные проверки пользователя {owner} ({visits}). Другой пользователь сможет войти, когда {owner} войдёт и отправит их."
        ),
        Lang::En => format!(
            "This device holds visits of {owner} that are not sent yet ({visits}). Another user can sign in once {owner} signs in and sends them."
        ),
    }
}

/// How the auditor reads a visit the server refused.
pub fn visit_refused(lang: Lang, code: Refusal, field: Option<&str>) -> String {
    match (code, field) {
        // Nothing more to say than that it was refused.
        (Refusal::Other, None) => STATE_REFUSED.get(lang).to_owned(),
        _ => format!(
            "{}: {}",
            STATE_REFUSED.get(lang),
            refusal(lang, code, field)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_english(text: &str) -> bool {
        // Names of file formats are the same in both languages.
        let text = ["JPEG", "PNG", "WebP"]
            .iter()
            .fold(text.to_owned(), |t, name| t.replace(name, ""));
        let mut run = 0;
        for c in text.chars() {
            run = if c.is_ascii_alphabetic() { run + 1 } else { 0 };
            if run >= 3 {
                return false;
            }
        }
        true
    }

    #[test]
    fn every_refusal_reads_russian_whatever_the_field() {
        // Every code the server sends, by its wire name: an unknown one reads as `Other`.
        let codes = [
            "wrong_credentials",
            "sign_in_again",
            "role_forbidden",
            "too_many_attempts",
            "protocol_outdated",
            "invalid",
            "too_long",
            "too_large",
            "not_found",
            "not_your_visit",
            "unknown_checklist",
            "unknown_item",
            "comment_required",
            "reason_required",
            "not_submitted",
            "revision_changed",
            "own_branch_visit",
            "revision_conflict",
            "revision_not_asked",
            "not_an_image",
            "photo_not_in_visit",
            "unknown_user",
            "not_an_auditor",
            "unknown_office",
            "unknown_branch",
            "unknown_scenario",
            "own_branch",
            "due_outside_quarter",
            "due_passed",
            "already_assigned",
            "quarter_published",
            "methodology_exists",
            "quarter_not_ended",
            "kpis_missing",
            "quota_exceeded",
            "user_exists",
            "weak_password",
            "unavailable",
            "internal",
            "something_new",
        ];
        let fields = [
            None,
            Some("comment"),
            Some("item_comments.office.open-hours"),
            Some("visits[3].answers.wait"),
            Some("visits[0].answers.wait.photos"),
            Some("visits[0].template_version"),
            Some("due"),
            Some("some.new_field"),
        ];
        for code in codes {
            let code: Refusal = serde_json::from_value(serde_json::json!(code)).unwrap();
            for field in fields {
                let ru = refusal(Lang::Ru, code, field);
                assert!(no_english(&ru), "{code:?} {field:?}: {ru}");
                assert!(!refusal(Lang::En, code, field).is_empty());
            }
        }
    }

    #[test]
    fn a_refusal_without_a_known_code_is_worded_by_its_status() {
        let server = |status, field: Option<&str>| SyncError::Server {
            status,
            code: Refusal::Other,
            message: "a rejection needs a reason".into(),
            field: field.map(str::to_owned),
        };
        assert_eq!(
            explain_sync(Lang::Ru, &server(400, Some("comment"))),
            "Сервер не принял запрос (поле «комментарий»)"
        );
        assert_eq!(explain_sync(Lang::Ru, &server(409, None)), ERR_CONFLICT.ru);
        assert_eq!(
            explain_sync(Lang::Ru, &server(400, Some("visits[0].answers.wait"))),
            "Сервер не принял запрос (поле «ответ на пункт»)"
        );
        assert_eq!(
            explain_sync(Lang::En, &server(400, Some("visits[0].answers.wait"))),
            "The server refused the request (field «answer to item wait»)"
        );
    }
}
