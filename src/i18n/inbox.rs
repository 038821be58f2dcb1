//! Words of the inbox: each kind of notification worded from its ids and numbers (the
//! server sends no text), in the interface language.

use zakupka_core::Lang;
use zakupka_core::wire::Notification;

use super::Tr;

texts! {
    INBOX = "Уведомления", "Notifications";
    INBOX_EMPTY = "Уведомлений нет", "No notifications";
    UNREAD = "непрочитанных", "unread";
    UNREAD_MARK = "не прочитано", "unread";
    N_VISIT_RETURNED = "Проверка возвращена на доработку", "Visit returned for correction";
    N_ASSIGNMENT_NEW = "Новое задание", "New assignment";
    N_ASSIGNMENT_DUE_SOON = "Скоро срок задания", "Assignment due soon";
    N_ASSIGNMENT_OVERDUE = "Задание просрочено", "Assignment overdue";
    N_APPEAL_TO_DECIDE = "Апелляция ждёт решения", "Appeal to decide";
    N_ACTION_TO_VERIFY = "Недочёт устранён: подтвердите", "Fix to verify";
    N_FINDINGS_NEW = "Новые недочёты", "New findings";
    N_ACTION_DUE_SOON = "Скоро срок устранения недочёта", "Fix due soon";
    N_ACTION_OVERDUE = "Недочёт не устранён в срок", "Fix overdue";
    N_APPEAL_UPHELD = "Апелляция удовлетворена", "Appeal upheld";
    N_APPEAL_REJECTED = "Апелляция отклонена", "Appeal rejected";
    N_UNKNOWN = "Новое уведомление", "New notification";
    N_DUE = "срок", "due";
}

/// What a notification says, in `lang`; `office` names an office by its id.
pub fn notification(lang: Lang, n: &Notification, office: impl Fn(&str) -> String) -> String {
    let due = |d: &chrono::NaiveDate| format!("{} {}", N_DUE.get(lang), d.format("%d.%m.%Y"));
    let dated = |title: Tr, office_id: &str, d: &chrono::NaiveDate| {
        format!("{}: {} · {}", title.get(lang), office(office_id), due(d))
    };
    match n {
        Notification::VisitReturned { .. } => N_VISIT_RETURNED.get(lang).to_owned(),
        Notification::AssignmentNew {
            office_id, due: d, ..
        } => dated(N_ASSIGNMENT_NEW, office_id, d),
        Notification::AssignmentDueSoon {
            office_id, due: d, ..
        } => dated(N_ASSIGNMENT_DUE_SOON, office_id, d),
        Notification::AssignmentOverdue {
            office_id, due: d, ..
        } => dated(N_ASSIGNMENT_OVERDUE, office_id, d),
        Notification::AppealToDecide { office_id, .. } => {
            format!("{}: {}", N_APPEAL_TO_DECIDE.get(lang), office(office_id))
        }
        Notification::ActionToVerify { office_id, .. } => {
            format!("{}: {}", N_ACTION_TO_VERIFY.get(lang), office(office_id))
        }
        Notification::FindingsNew {
            office_id, actions, ..
        } => format!(
            "{} ({actions}): {}",
            N_FINDINGS_NEW.get(lang),
            office(office_id)
        ),
        Notification::ActionDueSoon {
            office_id, due: d, ..
        } => dated(N_ACTION_DUE_SOON, office_id, d),
        Notification::ActionOverdue {
            office_id, due: d, ..
        } => dated(N_ACTION_OVERDUE, office_id, d),
        Notification::AppealDecided { upheld: true, .. } => N_APPEAL_UPHELD.get(lang).to_owned(),
        Notification::AppealDecided { upheld: false, .. } => N_APPEAL_REJECTED.get(lang).to_owned(),
        Notification::Unknown => N_UNKNOWN.get(lang).to_owned(),
    }
}
