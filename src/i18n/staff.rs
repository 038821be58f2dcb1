//! Words the supervisors', admins' and managers' screens give screen readers: the names of
//! groups, boxes and charts that show their meaning by place or colour on screen.

use super::Tr;

texts! {
    REJECT_TITLE = "Отклонить проверку?", "Reject the visit?";
    REJECT_CONFIRM = "Отклонённая проверка не войдёт в рейтинг, и аудитор не сможет её исправить.", "A rejected visit does not count in the rating, and the auditor cannot correct it.";
    REVIEW_STATES = "Состояние проверок", "Visit state";
    QUARTERS = "Кварталы", "Quarters";
    NOT_PUBLISHED_MARK = "не опубликован", "not published";
    VISITS_SHOWN = "Показано проверок", "Visits shown";
    VISIT_IN_REVIEW = "Проверка на решении", "Visit in review";
    SCENARIOS = "Сценарий", "Scenario";
    AS_TABLE = "Те же данные таблицей", "The same as a table";
    ITEM = "Пункт", "Item";
    FAILURES_COUNT = "Невыполнений", "Failures";
    CUMULATIVE = "Накопленная доля", "Cumulative share";
    MEDIAN_DAYS = "Медиана, дней", "Median, days";
    FIXED_OF = "Устранено из", "Fixed of";
    FLAGGED_SHARE = "Доля с отметками", "Flagged share";
    LEAGUES = "Лиги", "Leagues";
    METRES = "м", "m";
    FLAGGED_OF = "С отметками из всех", "Flagged of all";
}
