//! Words a screen reader hears that nobody sees: the document's title on each screen, the
//! names of groups and landmarks.

use super::Tr;

texts! {
    TITLE_SUFFIX = "Закупка", "Zakupka";
    TITLE_HOME = "Главная", "Home";
    TITLE_START = "Новая проверка", "New visit";
    TITLE_CHECKLIST = "Проверка", "Checklist";
    TITLE_SUMMARY = "Итоги проверки", "Visit summary";
    TITLE_ACCOUNT = "Учётная запись", "Account";
    TITLE_RATING = "Рейтинг", "Rating";
    TITLE_CALIBRATION = "Калибровка", "Calibration";
    TITLE_REVIEW = "Проверки на рассмотрении", "Review queue";
    TITLE_REVIEW_VISIT = "Рассмотрение проверки", "Visit in review";
    TITLE_ASSIGNMENTS = "Назначения", "Assignments";
    TITLE_CASES = "Калибровочные случаи", "Calibration cases";
    TITLE_ACTION = "Недочёт", "Corrective action";
    TITLE_ACTIONS_BOARD = "Недочёты на проверку", "Actions to verify";
    TITLE_APPEALS = "Апелляции", "Appeals";
    TITLE_APPEAL_FORM = "Апелляция", "Appeal";
    TITLE_BRANCH_VISITS = "Проверки филиала", "Branch visits";
    TITLE_BRANCH_VISIT = "Проверка филиала", "Branch visit";
    TITLE_CHARTS = "Графики", "Charts";
    TITLE_INBOX = "Уведомления", "Notifications";
    PROGRESS = "Отвечено пунктов", "Items answered";
}

texts! {
    SYNC_DONE = "Синхронизация завершена", "Sync finished";
}
