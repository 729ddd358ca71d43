//! The scenario catalogue as the picker shows it: the options of its scenario select and the
//! list of what each scenario does. Neither depends on the request, and together they are most
//! of the page, so they are rendered once per process (on the template thread at start-up)
//! and every picker page copies them in.

use std::sync::OnceLock;

use serde::Serialize;

use crate::saml::scenario::{self, Expected, Family, VALID};

use super::render;

/// The catalogue's two HTML fragments, escaped by the templates like any page value.
#[derive(Debug, Serialize)]
pub struct ScenarioList {
    /// `<optgroup>`s of `<option>`s, one group per family, `valid` selected.
    options: String,
    /// Per family a heading and a `<dl>` of each scenario's title, verdict and explanation.
    explanations: String,
}

#[derive(Serialize)]
struct ScenarioOption {
    id: &'static str,
    title: &'static str,
    explanation: &'static str,
    verdict: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct ScenarioGroup {
    title: &'static str,
    scenarios: Vec<ScenarioOption>,
}

#[derive(Serialize)]
struct Groups {
    scenario_groups: Vec<ScenarioGroup>,
}

static LIST: OnceLock<Result<ScenarioList, String>> = OnceLock::new();

/// The rendered catalogue (rendering it the first time).
pub fn get() -> Result<&'static ScenarioList, String> {
    LIST.get_or_init(render_list).as_ref().map_err(Clone::clone)
}

fn render_list() -> Result<ScenarioList, String> {
    let groups = Groups {
        scenario_groups: scenario_groups(),
    };
    Ok(ScenarioList {
        options: render::page("scenario-options", &groups)?,
        explanations: render::page("scenario-explanations", &groups)?,
    })
}

/// The catalogue grouped by family, `valid` selected.
fn scenario_groups() -> Vec<ScenarioGroup> {
    Family::ALL
        .iter()
        .map(|f| ScenarioGroup {
            title: f.title(),
            scenarios: scenario::catalogue()
                .filter(|s| s.family == *f)
                .map(|s| ScenarioOption {
                    id: s.id,
                    title: s.title,
                    explanation: s.explanation,
                    verdict: match s.verdict {
                        Expected::Accept => "a correct SP accepts",
                        Expected::Reject(_) => "a correct SP rejects",
                        Expected::Policy(_) => "depends on the SP's policy",
                    },
                    selected: s.id == VALID.id,
                })
                .collect(),
        })
        .filter(|g| !g.scenarios.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_an_option_and_explained_once() {
        let list = get().unwrap();
        for s in scenario::catalogue() {
            let option = format!("<option value=\"{}\"", s.id);
            assert_eq!(list.options.matches(&option).count(), 1, "{}", s.id);
            let term = format!("<dt><code>{}</code>", s.id);
            assert_eq!(list.explanations.matches(&term).count(), 1, "{}", s.id);
            // Each option and term shows the scenario's own title (escaped like any value).
            let title = handlebars::html_escape(s.title);
            assert!(
                list.options
                    .contains(&format!(">{title} ({})</option>", s.id)),
                "{}",
                s.id
            );
            assert!(
                list.explanations
                    .contains(&format!("<dt><code>{}</code> · {title} <small>", s.id)),
                "{}",
                s.id
            );
        }
        for family in Family::ALL {
            if scenario::catalogue().any(|s| s.family == family) {
                let label = handlebars::html_escape(family.title());
                assert!(list
                    .options
                    .contains(&format!("<optgroup label=\"{label}\">")));
                assert!(list.explanations.contains(&format!("<h3>{label}</h3>")));
            }
        }
        assert_eq!(list.options.matches(" selected>").count(), 1);
        assert!(list
            .options
            .contains(&format!("<option value=\"{}\" selected>", VALID.id)));
    }

    #[test]
    fn text_is_escaped() {
        let list = get().unwrap();
        // Explanations quote XML: it arrives as text, never as markup.
        assert!(list.explanations.contains("&lt;"));
        assert!(!list.explanations.contains("<saml:"));
    }
}
