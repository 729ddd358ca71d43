//! The JSON report (`--report-json`): the [`Report`] value as it is, pretty-printed, for CI
//! scripts to read (`summary.critical`, `results[].id`, `.outcome`, `.verdict`, ...).

use super::Report;

/// `report` as pretty-printed JSON, ending with a line break.
pub fn json(report: &Report) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // The report holds only strings, numbers and lists, so this does not happen; if it
        // did, a script reading the file would still find JSON saying why it is empty.
        Err(e) => format!(
            "{{\"error\": {}}}\n",
            serde_json::Value::String(format!("the report could not be written: {e}"))
        ),
    }
}

#[cfg(test)]
#[path = "tests/json.rs"]
mod tests;
