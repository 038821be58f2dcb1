use serde::{Deserialize, Serialize};

/// The interface languages. Russian is the default: the people who use Zakupka speak it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A text shown to people, in both interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Label {
    pub ru: String,
    pub en: String,
}

impl Label {
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Self {
        Label {
            ru: ru.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`, falling back to Russian where no translation was written.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::En if self.en.is_empty() => &self.ru,
            Lang::En => &self.en,
        }
    }
}
