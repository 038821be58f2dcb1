//! Network-wide charts for supervisors and admins, drawn as inline SVG: the most frequent
//! failed items of a quarter as a Pareto chart, and the median time to fix by branch. At
//! 360 px the bars lie across the screen, largest on top, each name written above its bar
//! so it stays readable; on the Pareto chart the line of the cumulative share of all
//! failures runs down beside them.

use dioxus::prelude::*;
use zakupka_core::wire::{FailedItems, TimeToFix};

use super::calibration::QuarterChips;
use crate::i18n::{self, appeals as t, staff as words};
use crate::state::{AppState, Screen};

/// Bars shown: the rest of a long tail says little.
const SHOWN: usize = 12;

#[component]
pub fn ChartsScreen() -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let api = state.account().map(|a| a.api());
    let choice = super::use_quarter_choice(api.clone());
    let figures = use_resource(move || {
        let api = api.clone();
        let q = (choice.current)();
        async move {
            let api = api.ok_or_else(|| i18n::RATING_SIGN_IN.get(lang).to_owned())?;
            let Some(q) = q else { return Ok(None) };
            let explain = |e: zakupka_client::api::SyncError| i18n::explain_sync(lang, &e);
            let failed = api.failed_items(&q).await.map_err(explain)?;
            let fixing = api.time_to_fix(&q).await.map_err(explain)?;
            Ok::<_, String>(Some((failed, fixing)))
        }
    });
    let body = match &*figures.read() {
        None => rsx! { p { class: "muted", "{t::LOADING.get(lang)}" } },
        Some(Err(e)) => rsx! { p { class: "failed", "{e}" } },
        Some(Ok(None)) => rsx! { p { class: "empty", "{i18n::NO_RATING.get(lang)}" } },
        Some(Ok(Some((f, t)))) => rsx! {
            Pareto { figures: f.clone() }
            FixTimes { figures: t.clone() }
        },
    };
    rsx! {
        main { class: "screen charts", "data-testid": "charts",
            header { class: "bar",
                button { class: "ghost", onclick: move |_| state.go(Screen::Rating), "← {i18n::RATING_SHORT.get(lang)}" }
                h1 { tabindex: "-1", "{t::CHARTS.get(lang)}" }
            }
            QuarterChips { quarters: choice.list(), current: (choice.current)(), chosen: choice.chosen }
            {body}
        }
    }
}

#[component]
fn Pareto(figures: FailedItems) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let f = figures;
    if f.items.is_empty() {
        return rsx! { p { class: "empty", "{t::NO_FAILURES.get(lang)}" } };
    }
    let items: Vec<_> = f.items.iter().take(SHOWN).collect();
    let (w, row, left) = (340.0_f64, 36.0_f64, 4.0_f64);
    let bar_w = w - left - 44.0;
    let max = f64::from(items.iter().map(|i| i.count).max().unwrap_or(1).max(1));
    let h = row * items.len() as f64 + 8.0;
    // The cumulative share at the foot of each row, across the bars' width.
    let line = items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let x = left + bar_w * i.cumulative_share;
            let y = row * (n as f64 + 1.0) - 4.0;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    rsx! {
        figure { class: "chart pareto", "data-testid": "pareto",
            figcaption {
                strong { "{t::PARETO.get(lang)}" }
                " · {t::FAILURES.get(lang)}: {f.total} · {t::IN_VISITS.get(lang)}: {f.visits}"
            }
            svg { width: "100%", view_box: "0 0 {w} {h}", role: "img", "aria-label": "{t::PARETO.get(lang)}",
                "aria-describedby": "pareto-hint",
                for (n, i) in items.iter().enumerate() {
                    {
                        let y = row * n as f64;
                        let len = (bar_w * f64::from(i.count) / max).max(1.0);
                        let share = (i.cumulative_share * 100.0).round();
                        rsx! {
                            g { key: "{i.item_id}", "data-item": "{i.item_id}", "data-count": "{i.count}",
                                text { x: "{left}", y: "{y + 12.0}", class: "chart-label", "{short(i.label.get(lang))}" }
                                rect { x: "{left}", y: "{y + 16.0}", width: "{len:.1}", height: "12", class: "chart-bar" }
                                text { x: "{left + len + 4.0}", y: "{y + 26.0}", class: "chart-value", "{i.count}" }
                                text { x: "{w - 2.0}", y: "{y + 26.0}", class: "chart-share", "text-anchor": "end", "{share} %" }
                            }
                        }
                    }
                }
                polyline { points: "{line}", class: "chart-line" }
            }
            p { class: "muted", id: "pareto-hint", "{t::PARETO_HINT.get(lang)}" }
            ChartTable {
                head: vec![words::ITEM.get(lang).to_owned(), words::FAILURES_COUNT.get(lang).to_owned(), words::CUMULATIVE.get(lang).to_owned()],
                rows: items.iter().map(|i| vec![i.label.get(lang).to_owned(), i.count.to_string(), format!("{} %", (i.cumulative_share * 100.0).round())]).collect::<Vec<_>>(),
            }
        }
    }
}

#[component]
fn FixTimes(figures: TimeToFix) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let rows: Vec<_> = figures
        .branches
        .iter()
        .filter(|b| b.median_days.is_some())
        .collect();
    if rows.is_empty() {
        return rsx! {
            h2 { "{t::TIME_TO_FIX.get(lang)}" }
            p { class: "empty", "{t::NOTHING_FIXED.get(lang)}" }
        };
    }
    let (w, row, left) = (340.0_f64, 36.0_f64, 4.0_f64);
    let bar_w = w - left - 80.0;
    let max = rows
        .iter()
        .filter_map(|b| b.median_days)
        .fold(1.0_f64, f64::max);
    let h = row * rows.len() as f64 + 4.0;
    rsx! {
        figure { class: "chart fix-times", "data-testid": "time-to-fix",
            figcaption { strong { "{t::TIME_TO_FIX.get(lang)}" } }
            svg { width: "100%", view_box: "0 0 {w} {h}", role: "img", "aria-label": "{t::TIME_TO_FIX.get(lang)}",
                "aria-describedby": "time-to-fix-hint",
                for (n, b) in rows.iter().enumerate() {
                    {
                        let y = row * n as f64;
                        let days_of = b.median_days.unwrap_or_default();
                        let len = (bar_w * days_of / max).max(1.0);
                        let figure = days(lang, days_of);
                        rsx! {
                            g { key: "{b.branch_id}", "data-branch": "{b.branch_id}", "data-median": "{days_of}",
                                text { x: "{left}", y: "{y + 12.0}", class: "chart-label",
                                    "{short(&state.branch_name(&b.branch_id))} · {b.fixed} / {b.fixed + b.open}" }
                                rect { x: "{left}", y: "{y + 16.0}", width: "{len:.1}", height: "12", class: "chart-bar" }
                                text { x: "{left + len + 4.0}", y: "{y + 26.0}", class: "chart-value",
                                    "{figure} {t::DAYS.get(lang)}" }
                            }
                        }
                    }
                }
            }
            p { class: "muted", id: "time-to-fix-hint", "{t::TIME_TO_FIX_HINT.get(lang)}" }
            ChartTable {
                head: vec![i18n::BRANCH.get(lang).to_owned(), words::MEDIAN_DAYS.get(lang).to_owned(), words::FIXED_OF.get(lang).to_owned()],
                rows: rows.iter().map(|b| vec![
                    state.branch_name(&b.branch_id),
                    days(lang, b.median_days.unwrap_or_default()),
                    format!("{} / {}", b.fixed, b.fixed + b.open),
                ]).collect::<Vec<_>>(),
            }
        }
    }
}

/// An item's name cut to what fits the chart's width at 12 px.
fn short(label: &str) -> String {
    const FITS: usize = 42;
    if label.chars().count() <= FITS {
        label.to_owned()
    } else {
        label.chars().take(FITS - 1).chain(['…']).collect()
    }
}

/// Days with one decimal, in the language's decimal mark.
fn days(lang: zakupka_core::Lang, value: f64) -> String {
    let s = format!("{value:.1}");
    match lang {
        zakupka_core::Lang::Ru => s.replace('.', ","),
        zakupka_core::Lang::En => s,
    }
}

/// A chart's figures as a table, folded under the chart: what a screen reader reads, and
/// what anyone can read exactly, instead of the bars' lengths and the labels cut short.
#[component]
pub(super) fn ChartTable(head: Vec<String>, rows: Vec<Vec<String>>) -> Element {
    let lang = (use_context::<AppState>().lang)();
    rsx! {
        details { class: "chart-table", "data-testid": "chart-table",
            summary { "{words::AS_TABLE.get(lang)}" }
            table { class: "explain",
                thead { tr { for h in head.iter() { th { key: "{h}", scope: "col", "{h}" } } } }
                tbody {
                    for (n, row) in rows.iter().enumerate() {
                        tr { key: "{n}",
                            for (c, cell) in row.iter().enumerate() {
                                if c == 0 { th { key: "{c}", scope: "row", super::Marked { text: cell.clone() } } } else { td { key: "{c}", "{cell}" } }
                            }
                        }
                    }
                }
            }
        }
    }
}
