//! Words of appeals (the manager's form and list, the supervisors' board) and of the
//! network-wide charts.

use zakupka_core::Lang;
use zakupka_core::wire::AppealState;

use super::Tr;

texts! {
    APPEALS = "Апелляции", "Appeals";
    BRANCH_VISITS = "Проверки филиала", "Branch visits";
    NO_BRANCH_VISITS = "Принятых проверок пока нет", "No approved visits yet";
    VISIT = "Проверка", "Visit";
    SCORE = "Оценка", "Score";
    FINDINGS = "недочётов", "findings";
    FINDING = "Недочёт", "Finding";
    VISIT_COMMENT = "Общий комментарий", "General comment";
    TO_ACTION = "К устранению", "To the action";
    APPEAL_ITEM = "Обжаловать", "Appeal";
    APPEALED = "Апелляция", "Appeal";
    FILED = "Апелляция отправлена", "The appeal is sent";
    PHOTOS_CLEAR = "Убрать фото", "Remove the photos";
    PHOTOS_CHOSEN = "Фото к апелляции", "Photos for the appeal";
    MY_APPEALS = "Мои апелляции", "My appeals";
    NO_APPEALS = "Апелляций нет", "No appeals";
    LOADING = "Загрузка…", "Loading…";
    NEW_APPEAL = "Обжаловать пункт проверки", "Appeal an item of a visit";
    VISIT_NUMBER = "Номер проверки", "Visit number";
    OPEN_FORM = "К форме", "To the form";
    BAD_VISIT_NUMBER = "Это не номер проверки", "That is not a visit number";
    ITEM = "Пункт", "Item";
    CHOOSE_ITEM = "Выберите пункт", "Choose an item";
    REASON = "Почему пункт оценён неверно", "Why the item is scored wrongly";
    REASON_REQUIRED = "Напишите причину", "Write a reason";
    SEND = "Отправить апелляцию", "Send the appeal";
    ONLINE_ONLY = "Апелляция отправляется сразу и требует интернета; без сети она не сохранится на устройстве.", "An appeal is sent at once and needs the network; offline it is not kept on the device.";
    PENDING = "на рассмотрении", "pending";
    UPHELD = "удовлетворена", "upheld";
    REJECTED = "отклонена", "rejected";
    AS_PASSED = "пункт засчитан", "item counted as passed";
    AS_EXCLUDED = "пункт исключён из оценки", "item left out of the score";
    SCORE_BEFORE_AFTER = "Оценка проверки", "Visit score";
    DECISION_REASON = "Обоснование решения", "Reason for the decision";
    UPHOLD_PASSED = "Удовлетворить: засчитать", "Uphold: count as passed";
    UPHOLD_EXCLUDED = "Удовлетворить: исключить", "Uphold: leave out";
    REJECT = "Отклонить", "Reject";
    BY_APPEAL = "изменено апелляцией", "changed by appeal";
    CHARTS = "Графики", "Charts";
    PARETO = "Самые частые недочёты", "Most frequent failed items";
    PARETO_HINT = "Столбцы — сколько раз пункт не выполнен за квартал во всех офисах; линия — накопленная доля всех недочётов.", "Bars: how often each item failed in the quarter across all offices; the line: the cumulative share of all failures.";
    FAILURES = "недочётов", "failures";
    IN_VISITS = "проверок", "visits";
    NO_FAILURES = "Недочётов нет", "No failed items";
    TIME_TO_FIX = "Медианное время устранения", "Median time to fix";
    TIME_TO_FIX_HINT = "По управлениям: сколько дней в середине ряда прошло от недочёта до устранения, подтверждённого руководителем; рядом — устранено из всех недочётов квартала.", "By branch: the median days from a finding to its fix as verified by a supervisor; beside it, fixed of all the quarter's findings.";
    NOTHING_FIXED = "Устранённых недочётов за квартал пока нет", "No verified fixes in the quarter yet";
    DAYS = "дн.", "days";
}

pub fn state(lang: Lang, state: AppealState) -> &'static str {
    match state {
        AppealState::Pending => PENDING.get(lang),
        AppealState::Upheld => UPHELD.get(lang),
        AppealState::Rejected => REJECTED.get(lang),
    }
}

pub fn outcome(lang: Lang, outcome: zakupka_core::AppealOutcome) -> &'static str {
    match outcome {
        zakupka_core::AppealOutcome::Passed => AS_PASSED.get(lang),
        zakupka_core::AppealOutcome::Excluded => AS_EXCLUDED.get(lang),
    }
}
