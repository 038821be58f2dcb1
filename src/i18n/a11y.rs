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

/// `text` cut into runs, each marked true where it is Russian (Cyrillic words, with the
/// spaces and hyphens between them): an English hint that quotes «МосОблЕИРЦ Онлайн» is
/// read in English with the quotation in Russian.
pub fn russian_runs(text: &str) -> Vec<(bool, &str)> {
    let cyrillic = |c: char| matches!(c, '\u{0400}'..='\u{04FF}');
    let mut runs = Vec::new();
    let (mut start, mut in_russian) = (0, false);
    // Where the current Russian run last had a letter: the joiners after it are not its own
    // unless more Russian follows.
    let mut last_letter_end = 0;
    for (i, c) in text.char_indices() {
        if cyrillic(c) {
            if !in_russian {
                if i > start {
                    runs.push((false, &text[start..i]));
                }
                (start, in_russian) = (i, true);
            }
            last_letter_end = i + c.len_utf8();
        } else if in_russian && !matches!(c, ' ' | '-' | '\u{2011}' | '0'..='9') {
            runs.push((true, &text[start..last_letter_end]));
            (start, in_russian) = (last_letter_end, false);
        }
    }
    if in_russian {
        runs.push((true, &text[start..last_letter_end]));
        start = last_letter_end;
    }
    if start < text.len() {
        runs.push((false, &text[start..]));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::russian_runs;

    #[test]
    fn russian_quotations_in_english_are_runs_of_their_own() {
        assert_eq!(
            russian_runs("the “МосОблЕИРЦ Онлайн” app, 2 ways"),
            vec![
                (false, "the “"),
                (true, "МосОблЕИРЦ Онлайн"),
                (false, "” app, 2 ways")
            ]
        );
        assert_eq!(russian_runs("Да"), vec![(true, "Да")]);
        assert_eq!(russian_runs("plain"), vec![(false, "plain")]);
        assert_eq!(
            russian_runs("ЕПД 2 x"),
            vec![(true, "ЕПД"), (false, " 2 x")]
        );
        assert_eq!(russian_runs(""), vec![]);
    }
}
