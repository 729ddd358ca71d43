//! `docs/helpdesks.md` keeps up with the presets: every preset the code has is shown registered
//! in the guide (a `preset: <id>` line of a registry example, as its section gives it), and
//! every preset the guide registers exists, so a preset added without a section, or renamed
//! without its section, fails here.

use mock_idp::saml::presets::Preset;

use crate::support::repo;

/// The presets the guide's registry examples name, in order of appearance (`- preset: <id>`
/// or `preset: <id>`, trailing comments aside).
fn registered_in_guide(guide: &str) -> Vec<String> {
    guide
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("- ").unwrap_or(line);
            let rest = line.strip_prefix("preset:")?;
            let id = rest.split('#').next().unwrap_or("").trim();
            (!id.is_empty()).then(|| id.to_owned())
        })
        .collect()
}

#[test]
fn the_helpdesks_guide_names_every_preset() {
    let path = repo().join("docs/helpdesks.md");
    let guide =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let named = registered_in_guide(&guide);
    let missing: Vec<&str> = Preset::ALL
        .into_iter()
        .map(Preset::id)
        .filter(|id| !named.iter().any(|n| n == id))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/helpdesks.md has no section registering `preset: <id>` for {missing:?}: \
         add one in the form of the others"
    );
    let unknown: Vec<&String> = named
        .iter()
        .filter(|n| Preset::from_id(n).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/helpdesks.md registers presets the code does not have: {unknown:?}"
    );
}

/// GitHub's anchor for a heading: lower case, punctuation out, spaces to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn the_guides_index_links_each_preset_to_a_section_of_its_own() {
    let guide = std::fs::read_to_string(repo().join("docs/helpdesks.md")).unwrap();
    let sections: Vec<String> = guide
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(anchor)
        .collect();
    let mut targets = Vec::new();
    for preset in Preset::ALL {
        let cell = format!("| `{}` |", preset.id());
        let row = guide
            .lines()
            .find(|l| l.contains(&cell))
            .unwrap_or_else(|| panic!("the guide's index has no row for `{}`", preset.id()));
        let target = row
            .rsplit("](#")
            .next()
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_else(|| panic!("the index row of `{}` links nowhere: {row}", preset.id()));
        assert!(
            sections.iter().any(|s| s == target),
            "the index row of `{}` links to #{target}, which no `## ` heading gives",
            preset.id()
        );
        targets.push(target.to_owned());
    }
    targets.sort();
    targets.dedup();
    assert_eq!(
        targets.len(),
        Preset::ALL.len(),
        "two presets share a section"
    );
}

#[test]
fn registry_lines_are_read_as_written() {
    let guide = "```yaml\n  - preset: zendesk   # a comment\n    preset: desk\npreset:\n```\n";
    assert_eq!(registered_in_guide(guide), ["zendesk", "desk"]);
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    assert_eq!(anchor("Desk.com"), "deskcom");
    assert_eq!(
        anchor("Freshdesk and Freshservice (Freshworks)"),
        "freshdesk-and-freshservice-freshworks"
    );
}
