//! Words of corrective actions: the manager's «Недочёты», an action with its plan and
//! evidence, the supervisor's board «На проверку», the auditor's re-check mark.

use zakupka_core::Lang;
use zakupka_core::wire::{ActionState, RecheckOutcome};

use super::Tr;

texts! {
    ACTIONS = "Недочёты", "Shortcomings";
    ACTIONS_NONE = "Недочётов нет.", "No shortcomings.";
    TO_VERIFY = "На проверку", "To verify";
    TO_VERIFY_NONE = "Нет устранённых недочётов, ждущих проверки.", "No fixed shortcomings waiting to be verified.";
    DUE = "Срок", "Due";
    OVERDUE = "просрочено", "overdue";
    STATE_OPEN = "открыт", "open";
    STATE_PLANNED = "запланирован", "planned";
    STATE_DONE = "устранён, ждёт проверки", "fixed, to be verified";
    STATE_VERIFIED = "устранение подтверждено", "fix verified";
    FINDING = "Что нашли", "What was found";
    ANSWER = "Ответ", "Answer";
    AUDITOR_COMMENT = "Комментарий проверки", "The visit's comment";
    PLAN = "План устранения", "Plan";
    PLAN_PLACEHOLDER = "Что и когда будет сделано", "What will be done, and when";
    SAVE_PLAN = "Сохранить план", "Save the plan";
    EVIDENCE = "Что сделано", "What was done";
    EVIDENCE_PLACEHOLDER = "Опишите, как устранено", "Describe the fix";
    FIXED = "Устранено", "Fixed";
    VERIFY = "Подтвердить устранение", "Verify the fix";
    REOPEN = "Вернуть", "Reopen";
    REOPEN_REASON = "Почему возвращаете", "Why it is reopened";
    CLOSED_BY_YOU = "Вы отметили устранение сами — подтвердит другой руководитель.", "You marked it fixed: another supervisor verifies it.";
    HISTORY = "История", "History";
    H_CREATED = "Найден при проверке", "Found at a visit";
    H_PLANNED = "План", "Plan";
    H_DONE = "Отмечено устранённым", "Marked fixed";
    H_VERIFIED = "Устранение подтверждено", "Fix verified";
    H_REOPENED = "Возвращён", "Reopened";
    H_REOPENED_TIMES = "раз возвращён", "times reopened";
    H_CONFIRMED = "Следующая проверка подтвердила устранение", "The next visit confirmed the fix";
    H_REPEAT = "Следующая проверка нашла недочёт снова", "The next visit found it again";
    WAITING = "ожидает отправки", "waiting to be sent";
    STEP_REFUSED = "Сервер не принял последнее действие", "The server refused the last step";
    RECHECK = "Перепроверить", "Re-check";
    PHOTO_OFFLINE = "Фото откроется, когда будет связь", "The photo opens when online";
}

pub fn state(lang: Lang, state: ActionState) -> &'static str {
    match state {
        ActionState::Open => STATE_OPEN.get(lang),
        ActionState::Planned => STATE_PLANNED.get(lang),
        ActionState::Done => STATE_DONE.get(lang),
        ActionState::Verified => STATE_VERIFIED.get(lang),
    }
}

pub fn recheck(lang: Lang, outcome: RecheckOutcome) -> &'static str {
    match outcome {
        RecheckOutcome::FixConfirmed => H_CONFIRMED.get(lang),
        RecheckOutcome::Repeat => H_REPEAT.get(lang),
    }
}
