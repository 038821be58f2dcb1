//! Interface texts in Russian (the default) and English. Texts from seeds carry their own
//! translations; these are the app's own words.

use zakupka_core::Lang;

#[derive(Clone, Copy)]
pub struct Tr {
    pub ru: &'static str,
    pub en: &'static str,
}

impl Tr {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
        }
    }
}

macro_rules! texts {
    ($($name:ident = $ru:literal, $en:literal;)*) => {
        $(pub const $name: Tr = Tr { ru: $ru, en: $en };)*
    };
}

texts! {
    APP_NAME = "Контрольная закупка", "Mystery shopper";
    START_VISIT = "Начать проверку", "Start a visit";
    DRAFTS = "Черновики", "Drafts";
    SUBMITTED = "Отправленные", "Submitted";
    SHOW_MORE = "Показать ещё", "Show more";
    NO_VISITS = "Проверок пока нет. Нажмите «Начать проверку», когда будете в офисе.", "No visits yet. Tap “Start a visit” when you are at the office.";
    ANSWERED = "отвечено", "answered";
    BACK = "Назад", "Back";
    NEXT = "Далее", "Next";
    HOME = "На главную", "Home";
    TO_SUMMARY = "К итогам", "To summary";
    SEARCH_OFFICE = "Офис: название, управление или округ", "Office: name, branch or district";
    OFFICES_FOUND = "Найдено офисов", "Offices found";
    CHOOSE_OFFICE = "Выберите офис", "Choose an office";
    SCENARIO = "Сценарий: о чём спросить", "Scenario: what to ask about";
    AUDITOR = "Проверяющий", "Auditor";
    AUDITOR_PLACEHOLDER = "Ваше имя или логин", "Your name or login";
    BEGIN = "Начать", "Begin";
    NEED_OFFICE_SCENARIO = "Выберите офис и сценарий и укажите проверяющего", "Choose an office and a scenario and enter the auditor";
    YES = "Да", "Yes";
    NO = "Нет", "No";
    NA = "Не применимо", "N/A";
    CRITICAL = "Критичный пункт", "Critical item";
    REQUIRED = "обязательный", "required";
    COMMENT = "Комментарий", "Comment";
    PHOTO = "Фото", "Photo";
    ADD_PHOTO = "Добавить фото", "Add photo";
    REMOVE = "Удалить", "Remove";
    TIMER_START = "Засечь ожидание", "Start timer";
    TIMER_STOP = "Остановить", "Stop";
    TIMER_RUNNING = "Идёт ожидание", "Waiting";
    CLEAR = "Сбросить ответ", "Clear answer";
    SAVED = "Сохранено", "Saved";
    SAVING = "Сохранение…", "Saving…";
    SAVE_FAILED = "Не сохранено", "Not saved";
    SECTION = "Раздел", "Section";
    SUMMARY = "Итоги проверки", "Visit summary";
    SCORE = "Оценка", "Score";
    NO_SCORE = "нет оценки", "no score";
    MISSING = "Не отвечены обязательные пункты", "Required items not answered";
    ALL_ANSWERED = "Все обязательные пункты отвечены", "All required items are answered";
    SECTION_ZEROED = "Раздел обнулён: не выполнен критичный пункт", "Section zeroed: a critical item failed";
    POINTS = "баллы", "points";
    BREAKDOWN = "Откуда баллы", "Where the points come from";
    NOT_ANSWERED = "нет ответа", "not answered";
    VISIT_COMMENT = "Комментарий к проверке", "Visit comment";
    SUBMIT = "Отправить проверку", "Submit the visit";
    SUBMIT_CONFIRM = "После отправки изменить ответы будет нельзя. Отправить?", "Answers cannot be changed after submitting. Submit?";
    CANCEL = "Отмена", "Cancel";
    SUBMITTED_NOTE = "Проверка отправлена и ждёт синхронизации с сервером. Изменить её нельзя.", "The visit is submitted and waits to sync with the server. It can no longer be changed.";
    DELETE_DRAFT = "Удалить черновик", "Delete draft";
    DELETE_CONFIRM = "Удалить черновик со всеми ответами?", "Delete the draft with all its answers?";
    STARTED = "Начата", "Started";
    FINISHED = "Завершена", "Finished";
    WAITING_TIME = "Ожидание", "Waiting";
    MINUTES = "мин", "min";
    LOADING = "Открываем базу проверок…", "Opening the visits database…";
    DB_ERROR_TITLE = "Не удалось открыть базу проверок", "The visits database cannot be opened";
    DB_ERROR_TEXT = "Ваши данные не удалены. Сохраните копию файла базы, чтобы передать её в поддержку, затем можно начать с пустой базой.", "Your data has not been deleted. Save a copy of the database file to hand to support; then you can start with an empty database.";
    SAVE_COPY = "Сохранить копию", "Save a copy";
    COPY_SAVED = "Копия сохранена", "Copy saved";
    START_EMPTY = "Начать с пустой базой", "Start with an empty database";
    OPEN_ELSEWHERE_TITLE = "Контрольная закупка уже открыта в другой вкладке или окне", "Mystery shopper is already open in another tab or window";
    OPEN_ELSEWHERE_TEXT = "Работать можно только в одной вкладке, чтобы ни один ответ не потерялся. Закройте другую вкладку и нажмите «Повторить» — или просто закройте её: эта откроется сама.", "Only one tab can work at a time, so that no answer is lost. Close the other tab and tap “Retry”, or just close it: this one opens by itself.";
    RETRY = "Повторить", "Retry";
    SEED_ERROR_TITLE = "Ошибка в файле методики", "Error in a methodology file";
    DISMISS = "Закрыть", "Dismiss";
    LANGUAGE = "English", "Русский";
    ACCOUNT = "Вход для синхронизации", "Sign in to sync";
    SERVER = "Сервер", "Server";
    LOGIN = "Логин", "Login";
    PASSWORD = "Пароль", "Password";
    SIGN_IN = "Войти", "Sign in";
    PLAIN_HTTP_WARNING = "Адрес начинается с http://: пароль и проверки пойдут по сети без шифрования, и их сможет прочитать любой в этой сети. Попросите у администратора адрес https://.", "The address starts with http://: your password and visits would cross the network unencrypted, readable by anyone on it. Ask your administrator for an https:// address.";
    PLAIN_HTTP_CONFIRM = "Всё равно подключиться без шифрования", "Connect without encryption anyway";
    SIGN_OUT = "Выйти", "Sign out";
    SIGNING_IN = "Вход…", "Signing in…";
    SYNC_NOW = "Синхронизировать", "Sync now";
    SYNCING = "Синхронизация…", "Syncing…";
    LAST_SYNC = "Синхронизация", "Last sync";
    NEVER = "ещё не было", "never";
    NOT_SIGNED_IN = "Проверки хранятся на устройстве. Войдите, чтобы отправлять их на сервер.", "Visits are kept on this device. Sign in to send them to the server.";
    SYNC_FAILED = "Не удалось синхронизировать", "Sync failed";
    SYNC_OFFLINE = "Нет связи с сервером — отправим, когда появится сеть", "No connection to the server: visits go when the network is back";
    SYNC_SIGN_IN_AGAIN = "Войдите снова: срок входа истёк", "Sign in again: the sign-in has expired";
    SYNC_UPDATE_APP = "Обновите приложение: сервер говорит на новой версии протокола", "Update the app: the server speaks a newer protocol";
    STATE_DRAFT = "черновик", "draft";
    RATING = "Рейтинг управлений", "Rating of branches";
    RATING_SHORT = "Рейтинг", "Rating";
    REVIEW = "Проверки на рассмотрении", "Visits to review";
    REVIEW_SHORT = "Проверки", "Review";
    REVIEW_SEARCH = "Офис или проверяющий", "Office or auditor";
    Q_SUBMITTED = "ждёт решения", "waiting for a decision";
    ALL = "все", "all";
    APPROVE = "Принять", "Approve";
    RETURN = "Вернуть на доработку", "Return for correction";
    REJECT = "Отклонить", "Reject";
    HISTORY = "История", "History";
    WAS = "было", "was";
    CHANGED = "Изменено в исправлении", "Changed in the correction";
    TREND = "Оценка по кварталам", "Score by quarter";
    EXPORT = "Скачать", "Download";
    PRINT = "Печать отчёта", "Print report";
    CUP = "Переходящий кубок", "Rotating cup";
    TIMES_LED = "лидер раз:", "times led:";
    LEADERS = "Лидеры по кварталам", "Leaders by quarter";
    CALIBRATION = "Калибровка", "Calibration";
    CALIBRATION_TITLE = "Калибровка проверяющих", "Auditor calibration";
    CALIBRATION_LOADING = "Загрузка калибровки…", "Loading the calibration…";
    CALIBRATION_BASIS = "Парные проверки (один офис, разные проверяющие, в пределах 7 дней): групп", "Paired visits (one office, different auditors, within 7 days): groups";
    CALIBRATION_VISITS = "проверок", "visits";
    CALIBRATION_NONE = "В этом квартале нет парных проверок: согласие и строгость оценить не по чему", "No paired visits this quarter: nothing to judge agreement or severity by";
    AGREEMENT = "Согласие проверяющих (альфа Криппендорфа)", "Agreement between auditors (Krippendorff's alpha)";
    AGREEMENT_HINT = "1 — полное согласие, 0 — как случайно; ниже 0,667 — формулировка неоднозначна", "1: full agreement, 0: as by chance; below 0.667 the wording is ambiguous";
    UNRELIABLE_WORDING = "неоднозначная формулировка", "unreliable wording";
    ALPHA_UNKNOWN = "мало данных", "too little data";
    PAIRED_UNITS = "пар", "pairs";
    SEVERITY = "Строгость проверяющих", "Auditors' severity";
    SEVERITY_HINT = "Насколько ниже партнёров проверяющий оценивает тот же пункт в том же офисе, в процентных пунктах: больше нуля — строже, меньше — мягче; в скобках 90% интервал", "How many points below partners an auditor scores the same item at the same office: above zero harsher, below zero more lenient; in brackets the 90% interval";
    LEVEL_NOMINAL = "категории", "categories";
    LEVEL_ORDINAL = "оценка 1–5", "marks 1–5";
    LEVEL_INTERVAL = "число", "number";
    ADJUSTED_INDEX = "С поправкой на строгость", "Adjusted for severity";
    RATING_SIGN_IN = "Войдите, чтобы увидеть рейтинг", "Sign in to see the rating";
    RATING_OFFLINE = "Рейтинг доступен при связи с сервером", "The rating needs a connection to the server";
    LOADING_RATING = "Загрузка рейтинга…", "Loading the rating…";
    NO_RATING = "Пока нечего оценивать: нет одобренных проверок", "Nothing to rate yet: no approved visits";
    PUBLISHED = "Опубликован", "Published";
    NOT_PUBLISHED = "Не опубликован: может ещё измениться", "Not published: may still change";
    PUBLISH = "Опубликовать квартал", "Publish the quarter";
    PUBLISH_PREVIEW = "Публикация закрепит навсегда эти места", "Publishing freezes these places for good";
    PUBLISH_CUPS = "Кубки после публикации", "Cups after publishing";
    PUBLISH_CONFIRM = "Да, опубликовать", "Yes, publish";
    LARGE_LEAGUE = "Крупные", "Large";
    SMALL_LEAGUE = "Малые", "Small";
    NOT_RATED = "Вне рейтинга", "Not rated";
    CRITERION = "Критерий", "Criterion";
    VALUE = "Значение", "Value";
    VISITS_BEHIND = "Одобренных проверок за квартал", "Approved visits in the quarter";
    NOT_SEPARABLE = "не отличить от лидера", "not separable from the leader";
    PLACE_INTERVAL = "90% интервал места", "90% interval of the place";
    PLACE_INTERVAL_NOTE = "В скобках — 90% интервал места: места, которые управление занимало в 90% из 1000 пересчётов рейтинга по его одобренным проверкам (показатели KPI те же). Без скобок — место не менялось. «Не отличить от лидера» — интервал доходит до первого места.", "In brackets, the place's 90% interval: the places the branch took in 90% of 1,000 recomputations of the rating from its approved visits (KPIs unchanged). No brackets: the place never changed. «Not separable from the leader»: the interval reaches first place.";
    REVIEWER = "Проверяющий руководитель", "Supervisor";
    RETURNED_NOTE = "Проверка возвращена на доработку", "The visit was returned for correction";
    CORRECT = "Исправить", "Correct it";
    REVIEW_ON_ITEM = "Замечание", "Remark";
    NEEDS_ATTENTION = "Требуют внимания", "Needs attention";
    NOTHING_NEEDS_ATTENTION = "Все пункты выполнены, комментариев и фото нет", "Every item met, no comments or photos";
    WHY_CRITICAL = "критичный пункт не выполнен", "critical item failed";
    WHY_FAILED = "потеряны баллы", "points lost";
    WHY_COMMENT = "комментарий", "comment";
    WHY_PHOTOS = "фото", "photos";
    STATE_WAITING = "ожидает отправки", "waiting to sync";
    STATE_SYNCED = "на сервере", "synced";
    STATE_REFUSED = "не принята сервером", "refused by the server";
    STATE_RETURNED = "возвращена на доработку", "returned for correction";
    STATE_APPROVED = "принята", "approved";
    STATE_REJECTED = "отклонена", "rejected";
    ASSIGNMENTS = "Задания", "Assignments";
    LOADING_LIST = "Загрузка…", "Loading…";
    ASSIGN_TITLE = "Назначение проверок", "Assigning visits";
    ASSIGN_NEW = "Новое задание", "New assignment";
    ASSIGN = "Назначить", "Assign";
    ASSIGN_ANYWAY = "Назначить всё равно", "Assign anyway";
    ASSIGNED = "Задание назначено", "Assignment made";
    ASSIGN_NEED = "Выберите проверяющего, офис, сценарий и срок", "Choose an auditor, an office, a scenario and a due date";
    ASSIGN_OWN_BRANCH = "Проверяющий работает в управлении этого офиса: своё управление проверять нельзя", "The auditor works for this office's branch: an auditor may not audit their own branch";
    ASSIGN_CONSECUTIVE = "Этот проверяющий уже был или будет в этом офисе в соседнем квартале — сотрудники могут его узнать", "This auditor visits this office in the neighbouring quarter too: the staff may recognise them";
    AUDITOR_ANY = "Все проверяющие", "All auditors";
    BRANCH_ANY = "Все управления", "All branches";
    QUARTER_ANY = "Все кварталы", "All quarters";
    QUARTER = "Квартал", "Quarter";
    BRANCH = "Управление", "Branch";
    DUE = "Срок", "Due";
    DUE_BY = "до", "by";
    NOTE = "Примечание", "Note";
    CANCEL_ASSIGNMENT = "Отменить", "Cancel";
    ASSIGNMENT_OPEN = "к выполнению", "to do";
    ASSIGNMENT_OVERDUE = "просрочено", "overdue";
    ASSIGNMENT_DONE = "выполнено", "done";
    ASSIGNMENT_START = "Начать", "Start";
    ASSIGNMENT_CONTINUE = "Продолжить", "Continue";
    ASSIGNMENT_SENT = "Отправлено", "Sent";
    NO_ASSIGNMENTS = "Заданий на этот квартал нет", "No assignments for this quarter";
    PAIRED_VISIT = "парный визит", "paired visit";
    PAIR_PARTNER = "Второй проверяющий (парный визит)", "Second auditor (paired visit)";
    NO_PARTNER = "— без пары —", "— no pair —";
    PAIR_HINT = "Оба посещают офис в одном окне не длиннее семи дней; друг о друге они не узнают", "Both visit the office within one window of at most seven days; neither learns of the other";
    WINDOW_FROM = "Не раньше", "Not before";
    CASES = "Учебные случаи", "Calibration cases";
    CASES_ABOUT = "Оцените описанную ситуацию по чек-листу, как настоящую проверку. В рейтинг не идёт.", "Score the situation described with the checklist, as a real visit. It never counts in the rating.";
    NO_CASES = "Учебных случаев пока нет", "No calibration cases yet";
    CASE = "Учебный случай", "Calibration case";
    ERR_OFFLINE = "Нет связи с сервером — попробуйте, когда появится сеть", "No connection to the server: try again when the network is back";
    ERR_FORBIDDEN = "Для этого действия не хватает прав", "You are not allowed to do this";
    ERR_NOT_FOUND = "На сервере этого нет — возможно, уже удалено", "The server does not have it: it may have been removed";
    ERR_CONFLICT = "Уже изменено — обновите и посмотрите ещё раз", "Already changed: reload and look again";
    ERR_TOO_LARGE = "Слишком большой запрос", "The request is too large";
    ERR_TOO_MANY = "Слишком много попыток — подождите немного", "Too many attempts: wait a little";
    ERR_SERVER = "Ошибка на сервере — попробуйте позже", "The server failed: try again later";
    ERR_REFUSED = "Сервер не принял запрос", "The server refused the request";
    ERR_FIELD = "поле", "field";
    WRONG_LOGIN = "Неверный логин или пароль", "Wrong login or password";
    PHOTO_NOT_ON_SERVER = "фото ещё не загружено", "photo not uploaded yet";
    TIME_CHECK = "Проверьте время", "Check the times";
    FLAG_FINISHED_BEFORE_STARTED = "окончание раньше начала", "finished before it started";
    FLAG_IN_THE_FUTURE = "время позже получения сервером — часы телефона спешат", "later than the server received it: the phone's clock is fast";
    FLAG_LONGER_THAN_A_DAY = "проверка длилась больше суток", "the visit took more than a day";
    SAVE_NOT_CONFIRMED = "браузер не подтвердил запись в хранилище", "the browser did not confirm the write to its storage";
    FILE_UNREADABLE = "не удалось прочитать файл", "the file cannot be read";
    PHOTO_ON_SERVER = "Фото хранится на сервере: оно появится, когда будет связь", "The photo is kept on the server: it shows when there is a connection";
    PHOTO_MISSING = "Фото нет на этом устройстве", "The photo is not on this device";
    PHOTO_RETENTION = "Хранить фото принятых и отклонённых проверок на устройстве, дней", "Keep photos of approved and rejected visits on this device, days";
    EXPORT_FAILED = "Не удалось сохранить файл", "The file could not be saved";
    STORAGE_USED = "Занято", "Using";
    STORAGE_OF = "из", "of";
    STORAGE_NOT_PERSISTENT = "Браузер не обещал хранить данные приложения: когда места станет мало, он может удалить проверки, сохранённые на этом устройстве. Чаще синхронизируйте или установите приложение.", "The browser has not promised to keep the app's data: when space runs low it may delete the visits kept on this device. Sync often, or install the app.";
    FLAG_LONG_BEFORE_RECEIPT = "начата более трёх месяцев до отправки — часы телефона отстают?", "started over three months before it was sent: is the phone's clock behind?";
}

pub mod a11y;
pub mod actions;
pub mod appeals;
mod errors;
pub mod inbox;
pub mod presence;
pub mod staff;
pub use errors::{explain, explain_sync, unsent_work, visit_refused};

/// A text worded in both languages when it was made, for state that outlives a switch of
/// the interface language (the last sync failure).
#[derive(Debug, Clone, PartialEq)]
pub struct Words {
    pub ru: String,
    pub en: String,
}

impl Words {
    pub fn new(text: impl Fn(Lang) -> String) -> Words {
        Words {
            ru: text(Lang::Ru),
            en: text(Lang::En),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

/// A time flag of a visit, as the supervisor reads it.
pub fn time_flag(lang: Lang, flag: zakupka_core::TimeFlag) -> &'static str {
    use zakupka_core::TimeFlag as F;
    match flag {
        F::FinishedBeforeStarted => FLAG_FINISHED_BEFORE_STARTED.get(lang),
        F::InTheFuture => FLAG_IN_THE_FUTURE.get(lang),
        F::LongerThanADay => FLAG_LONGER_THAN_A_DAY.get(lang),
        F::LongBeforeReceipt => FLAG_LONG_BEFORE_RECEIPT.get(lang),
    }
}

/// Where an assignment stands, as the auditor and the supervisor read it.
pub fn assignment_status(lang: Lang, status: zakupka_core::wire::AssignmentStatus) -> &'static str {
    use zakupka_core::wire::AssignmentStatus as S;
    match status {
        S::Open => ASSIGNMENT_OPEN.get(lang),
        S::Overdue => ASSIGNMENT_OVERDUE.get(lang),
        S::Done => ASSIGNMENT_DONE.get(lang),
    }
}

/// «Занято 3,2 МБ из 1,1 ГБ»: what the device keeps, and the browser's quota where it has one.
pub fn storage_use(lang: Lang, used: u64, quota: Option<u64>) -> String {
    let used = format!("{} {}", STORAGE_USED.get(lang), size(lang, used));
    match quota {
        Some(q) => format!("{used} {} {}", STORAGE_OF.get(lang), size(lang, q)),
        None => used,
    }
}

/// A size in bytes, in binary units, with the language's decimal mark.
pub fn size(lang: Lang, bytes: u64) -> String {
    let units: [&str; 5] = match lang {
        Lang::Ru => ["Б", "КБ", "МБ", "ГБ", "ТБ"],
        Lang::En => ["B", "KB", "MB", "GB", "TB"],
    };
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let number = if unit == 0 || value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    let number = match lang {
        Lang::Ru => number.replace('.', ","),
        Lang::En => number,
    };
    format!("{number} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_interface_language() {
        assert_eq!(size(Lang::Ru, 0), "0 Б");
        assert_eq!(size(Lang::Ru, 1000), "1000 Б");
        assert_eq!(size(Lang::Ru, 3_355_443), "3,2 МБ");
        assert_eq!(size(Lang::En, 3_355_443), "3.2 MB");
        assert_eq!(size(Lang::Ru, 1_181_116_006), "1,1 ГБ");
        assert_eq!(size(Lang::Ru, 300 * 1024 * 1024), "300 МБ");
        assert_eq!(
            storage_use(Lang::Ru, 3_355_443, Some(1_181_116_006)),
            "Занято 3,2 МБ из 1,1 ГБ"
        );
        assert_eq!(storage_use(Lang::En, 2048, None), "Using 2.0 KB");
    }
}
