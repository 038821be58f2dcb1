//! Words of presence evidence and conflicts: the question about location, the flags, the
//! inclusion of an own-branch visit, each auditor's share of flagged visits.

use zakupka_core::Lang;
use zakupka_core::presence::PresenceFlag;

use super::Tr;

texts! {
    LOCATION_WHY = "Приложение запишет, где вы были в начале и в конце проверки (с точностью GPS). Это подтверждает, что проверка прошла в офисе; видят только руководители. Работает и без интернета.", "The app records where you were at the start and at the finish of a visit (as precisely as GPS allows). It shows the visit happened at the office; only supervisors see it. Works offline too.";
    LOCATION_ALLOW = "Разрешить", "Allow";
    LOCATION_NOT_NOW = "Не записывать", "Do not record";
    LOCATION_TITLE = "Местоположение", "Location";
    FLAGS = "Требует внимания", "Needs a look";
    FLAG_ANY = "Любые отметки", "Any flag";
    FLAG_FAR = "далеко от офиса", "far from the office";
    FLAG_NO_POSITION = "нет местоположения", "no position";
    FLAG_TOO_SHORT = "слишком короткая", "too short";
    FLAG_PHOTO_OUTSIDE = "фото сделано не во время проверки", "photo taken outside the visit";
    FLAG_OWN_BRANCH = "своё управление: не в рейтинге", "own branch: out of the rating";
    FLAG_UNASSIGNED = "без задания", "not assigned";
    AT_START = "в начале", "at the start";
    AT_FINISH = "в конце", "at the finish";
    METRES_FROM_OFFICE = "м от офиса", "m from the office";
    ACCURACY = "точность", "accuracy";
    INCLUDE = "Включить в рейтинг", "Include in the rating";
    INCLUDE_REASON = "Почему проверка может учитываться", "Why the visit may count";
    INCLUDED = "Включена в рейтинг", "Included in the rating";
    AUDITOR_FLAGS = "Отметки по проверяющим", "Flags by auditor";
    VISITS = "проверок", "visits";
    FLAGGED = "с отметками", "flagged";
}

/// A presence flag as the supervisor reads it.
pub fn flag(lang: Lang, flag: PresenceFlag) -> &'static str {
    match flag {
        PresenceFlag::Far => FLAG_FAR.get(lang),
        PresenceFlag::NoPosition => FLAG_NO_POSITION.get(lang),
        PresenceFlag::TooShort => FLAG_TOO_SHORT.get(lang),
        PresenceFlag::PhotoOutsideVisit => FLAG_PHOTO_OUTSIDE.get(lang),
        PresenceFlag::OwnBranch => FLAG_OWN_BRANCH.get(lang),
        PresenceFlag::Unassigned => FLAG_UNASSIGNED.get(lang),
    }
}
