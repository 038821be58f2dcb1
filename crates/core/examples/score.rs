//! Scores answers against a checklist file, as the app does, and prints the result as JSON.
//! The browser test uses it to check that the score the web app shows is the core's score.
//!
//! Usage: score CHECKLIST.toml < answers.json   (answers: {"item id": {"type": "yes"}, ...})

use std::collections::BTreeMap;
use std::io::Read;

use zakupka_core::{AnswerValue, score, seed::parse_template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: score CHECKLIST.toml < answers.json")?;
    let template = parse_template(&path, &std::fs::read_to_string(&path)?)?;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let answers: BTreeMap<String, AnswerValue> = serde_json::from_str(&input)?;
    for (item, value) in &answers {
        template.check_answer(item, value)?;
    }
    println!("{}", serde_json::to_string(&score(&template, &answers))?);
    Ok(())
}
