//! The jar sends a cookie where a browser would, withholds SameSite=Lax and Strict cookies from
//! the cross-site POST to the ACS, forgets expired ones and writes curl's cookie file.

use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-06 12:00:00 UTC);

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn a_host_cookie_goes_back_to_its_host_and_path_only() {
    let mut jar = Jar::default();
    jar.store(&url("http://sp.test/app/acs"), "s=1; HttpOnly", NOW);
    jar.store(&url("http://sp.test/acs"), "root=2; Path=/", NOW);
    assert_eq!(
        jar.header_for(&url("http://sp.test/app/home"), Site::Same, NOW)
            .as_deref(),
        Some("s=1; root=2"),
        "default path /app, longer paths first"
    );
    assert_eq!(
        jar.header_for(&url("http://sp.test/other"), Site::Same, NOW)
            .as_deref(),
        Some("root=2")
    );
    assert_eq!(
        jar.header_for(&url("http://www.sp.test/app/x"), Site::Same, NOW),
        None,
        "host-only"
    );
    assert_eq!(
        jar.header_for(&url("http://sp.test/application"), Site::Same, NOW)
            .as_deref(),
        Some("root=2"),
        "/app does not match /application"
    );
}

#[test]
fn a_domain_cookie_reaches_subdomains_and_a_foreign_domain_is_ignored() {
    let mut jar = Jar::default();
    jar.store(&url("https://login.sp.test/"), "d=1; Domain=.sp.test", NOW);
    jar.store(
        &url("https://login.sp.test/"),
        "x=1; Domain=other.test",
        NOW,
    );
    assert_eq!(jar.cookies().len(), 1);
    assert_eq!(
        jar.header_for(&url("https://app.sp.test/"), Site::Same, NOW)
            .as_deref(),
        Some("d=1")
    );
    assert_eq!(
        jar.header_for(&url("https://notsp.test/"), Site::Same, NOW),
        None
    );
}

#[test]
fn secure_cookies_need_https_and_same_site_ones_stay_out_of_the_cross_site_post() {
    let mut jar = Jar::default();
    let sp = url("https://sp.test/");
    jar.store(&sp, "sec=1; Secure", NOW);
    jar.store(&sp, "lax=1; SameSite=Lax", NOW);
    jar.store(&sp, "strict=1; SameSite=Strict", NOW);
    jar.store(&sp, "none=1; SameSite=None; Secure", NOW);
    assert_eq!(
        jar.header_for(&url("http://sp.test/"), Site::Same, NOW)
            .as_deref(),
        Some("lax=1; strict=1")
    );
    assert_eq!(
        jar.header_for(&url("https://sp.test/acs"), Site::CrossSitePost, NOW)
            .as_deref(),
        Some("sec=1; none=1")
    );
    assert_eq!(
        jar.withheld_from_cross_site_post(&url("https://sp.test/acs"), NOW),
        ["lax", "strict"]
    );
}

#[test]
fn a_cookie_is_replaced_by_name_and_removed_when_it_expires() {
    let mut jar = Jar::default();
    let sp = url("http://sp.test/");
    jar.store(&sp, "s=1", NOW);
    jar.store(&sp, "s=2", NOW);
    assert_eq!(jar.cookies().len(), 1);
    assert_eq!(jar.cookies()[0].value, "2");
    jar.store(&sp, "s=; Max-Age=0", NOW);
    assert!(!jar.has("s", NOW));
    jar.store(&sp, "t=1; Max-Age=60", NOW);
    assert!(jar.has("t", NOW));
    assert!(!jar.has("t", NOW + time::Duration::minutes(2)));
    assert_eq!(
        jar.header_for(&sp, Site::Same, NOW + time::Duration::minutes(2)),
        None,
        "expired by then"
    );
    jar.store(&sp, "garbage without equals", NOW);
    jar.store(&sp, "u=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", NOW);
    assert!(!jar.has("u", NOW));
    jar.store(&sp, "forever=1; Max-Age=99999999999999999999", NOW);
    jar.store(&sp, "negative=1; Max-Age=-99999999999999999999", NOW);
    assert!(jar.has("forever", NOW), "a huge Max-Age is no overflow");
    assert!(!jar.has("negative", NOW));
}

#[test]
fn the_netscape_file_has_one_tab_separated_line_per_cookie() {
    let mut jar = Jar::default();
    jar.store(&url("https://sp.test/"), "s=abc; HttpOnly; Secure", NOW);
    jar.store(
        &url("https://sp.test/"),
        "d=1; Domain=sp.test; Max-Age=60",
        NOW,
    );
    let file = jar.netscape();
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines[0], "# Netscape HTTP Cookie File");
    assert_eq!(lines[1], "#HttpOnly_sp.test\tFALSE\t/\tTRUE\t0\ts\tabc");
    assert_eq!(
        lines[2],
        format!(
            ".sp.test\tTRUE\t/\tFALSE\t{}\td\t1",
            NOW.unix_timestamp() + 60
        )
    );
}
