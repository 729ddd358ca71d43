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

#[test]
fn registry_lines_are_read_as_written() {
    let guide = "```yaml\n  - preset: zendesk   # a comment\n    preset: desk\npreset:\n```\n";
    assert_eq!(registered_in_guide(guide), ["zendesk", "desk"]);
}
