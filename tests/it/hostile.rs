//! The hostile-request corpus in `tests/fixtures/hostile/`: every request there must get a 400
//! that names its problem, whichever way it arrives (HTTP-Redirect, HTTP-POST, the API), and
//! the server must still be healthy afterwards. `cases.tsv` says what each answer must name.
//! Also: oversized input, endless configuration files, and the signing key (never served,
//! never logged, mode 0600).

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::Compression;

use crate::support::{client, repo, unescape, Server};

fn corpus() -> PathBuf {
    repo().join("tests/fixtures/hostile")
}

struct Case {
    file: String,
    expected: String,
}

fn cases() -> Vec<Case> {
    let text = fs::read_to_string(corpus().join("cases.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next().unwrap().to_owned();
            let expected = cols
                .next()
                .unwrap_or_else(|| panic!("cases.tsv: no expected text for {file}"))
                .to_owned();
            Case { file, expected }
        })
        .collect()
}

/// The SAMLRequest values a case is sent as: (how, value).
fn encodings(case: &Case) -> Vec<(&'static str, String)> {
    let bytes = fs::read(corpus().join(&case.file)).unwrap();
    if case.file.ends_with(".param") {
        let value = String::from_utf8(bytes).unwrap().trim().to_owned();
        return vec![("as given", value)];
    }
    let mut deflater = DeflateEncoder::new(Vec::new(), Compression::default());
    deflater.write_all(&bytes).unwrap();
    vec![
        ("deflated", B64.encode(deflater.finish().unwrap())),
        ("plain", B64.encode(&bytes)),
    ]
}

#[test]
fn every_hostile_request_gets_a_400_that_names_the_problem() {
    let s = Server::start();
    let http = client();
    let cases = cases();
    let listed: Vec<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    let mut on_disk: Vec<String> = fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml") || n.ends_with(".bin") || n.ends_with(".param"))
        .collect();
    on_disk.sort();
    for name in &on_disk {
        assert!(
            listed.contains(&name.as_str()),
            "{name} is not in cases.tsv"
        );
    }

    let mut failures = Vec::new();
    for case in &cases {
        for (how, value) in encodings(case) {
            let attempts = [
                (
                    "GET /sso",
                    http.get(s.url("/sso")).query(&[("SAMLRequest", &value)]),
                ),
                (
                    "POST /sso",
                    http.post(s.url("/sso")).form(&[("SAMLRequest", &value)]),
                ),
                (
                    "POST /api/sso",
                    http.post(s.url("/api/sso")).json(&serde_json::json!({
                        "SAMLRequest": value,
                        "binding": "post",
                        "user": "alice",
                    })),
                ),
            ];
            for (endpoint, request) in attempts {
                let response = request.send().unwrap();
                let status = response.status().as_u16();
                let body = unescape(&response.text().unwrap());
                if std::env::var_os("HOSTILE_PRINT").is_some() {
                    let message = body
                        .lines()
                        .find(|l| l.contains("<p") || l.contains("\"error\""))
                        .unwrap_or_default();
                    eprintln!("{} ({how}) {endpoint}: {status} {message}", case.file);
                }
                if status != 400 || !body.contains(&case.expected) {
                    failures.push(format!(
                        "{} ({how}) via {endpoint}: status {status}, expected 400 naming {:?}; body:\n{}",
                        case.file,
                        case.expected,
                        body.chars().take(600).collect::<String>()
                    ));
                }
            }
        }
    }
    let health = http.get(s.url("/healthz")).send().unwrap();
    assert_eq!(health.status().as_u16(), 200, "unhealthy after the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every URL the server sends a browser to passes one check: an ACS URL a request names,
/// registered SP or not, never becomes the action of the auto-submitting form unless it is an
/// absolute http(s) URL a header could carry; the page says why.
#[test]
fn a_request_naming_a_script_url_as_its_acs_gets_a_400_saying_why() {
    let (s, _dir) = crate::support::server_with_registry(
        "service_providers:\n  - entity_id: https://sp.test/metadata\n    acs:\n      - url: https://sp.test/acs\n",
        false,
    );
    let http = client();
    for (issuer, acs, why) in [
        (
            "https://sp.test/metadata",
            "javascript:alert(document.domain)",
            "is not an absolute http(s) URL",
        ),
        (
            "https://other.test/metadata",
            "javascript:alert(document.domain)",
            "is not an absolute http(s) URL",
        ),
        (
            "https://sp.test/metadata",
            "https://sp.test/acs&#13;&#10;Set-Cookie: a=b",
            "contains a control character",
        ),
    ] {
        let mut request = crate::support::AuthnRequest::new("_js");
        request.issuer = issuer.into();
        request.acs = acs.into();
        for user in ["", "alice"] {
            let response = http
                .post(s.url(if user.is_empty() {
                    "/sso"
                } else {
                    "/sso/login"
                }))
                .form(&[
                    ("SAMLRequest", request.post_param().as_str()),
                    ("user", user),
                ])
                .send()
                .unwrap();
            let status = response.status().as_u16();
            let body = unescape(&response.text().unwrap());
            assert_eq!(status, 400, "{issuer} {acs}: {body}");
            assert!(
                body.contains("AssertionConsumerServiceURL") && body.contains(why),
                "{issuer} {acs}: {body}"
            );
            assert!(
                crate::support::form_action(&body).is_none_or(|a| a.starts_with('/')),
                "{body}"
            );
        }
    }
}

/// An SP metadata file whose SingleLogoutService Location is a script URL, or holds a CR/LF,
/// stops start-up naming the registry's file, line and field, the metadata file and endpoint.
#[test]
fn a_metadata_logout_url_a_browser_must_not_be_sent_to_stops_start_up() {
    for (location, why) in [
        (
            "javascript:fetch(&apos;/inspector&apos;)",
            "is not an absolute http(s) URL",
        ),
        (
            "https://sp.test/slo&#13;&#10;X: y",
            "contains a control character",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("sp.xml"),
            format!(
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.test/metadata"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{location}"/><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.test/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#
            ),
        )
        .unwrap();
        let sps = dir.path().join("sps.yaml");
        fs::write(&sps, "service_providers:\n  - metadata: sp.xml\n").unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mock-idp"))
            .args(["--bind", "127.0.0.1:0", "--certs"])
            .arg(dir.path())
            .arg("--users")
            .arg(repo().join("users.yaml"))
            .arg("--sps")
            .arg(&sps)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for part in [
            "sps.yaml line 2: service_providers[0].metadata",
            "sp.xml: SingleLogoutService #1: Location=",
            why,
        ] {
            assert!(stderr.contains(part), "{part:?} not in {stderr}");
        }
    }
}

#[test]
fn oversized_parameters_are_refused_naming_the_limit() {
    let s = Server::start();
    let http = client();
    let request = crate::support::AuthnRequest::new("_big").redirect_param();
    let cases = [
        (
            "a 300 kB SAMLRequest",
            vec![("SAMLRequest", "A".repeat(300 * 1024))],
            "at most 262144 are accepted",
        ),
        (
            "a 9 kB RelayState",
            vec![
                ("SAMLRequest", request.clone()),
                ("RelayState", "r".repeat(9 * 1024)),
            ],
            "RelayState is 9216 bytes",
        ),
        (
            "a 2 MB form body",
            vec![
                ("SAMLRequest", request),
                ("padding", "p".repeat(2 * 1024 * 1024)),
            ],
            "1048576",
        ),
    ];
    for (what, form, expected) in cases {
        let response = http.post(s.url("/sso")).form(&form).send().unwrap();
        let status = response.status().as_u16();
        let body = unescape(&response.text().unwrap());
        assert!(
            (status == 400 || status == 413) && body.contains(expected),
            "{what}: status {status}, expected 400/413 naming {expected:?}; body:\n{}",
            body.chars().take(600).collect::<String>()
        );
    }
    assert_eq!(
        http.get(s.url("/healthz"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[test]
fn endless_configuration_files_stop_start_up_naming_the_file() {
    for flag in ["--users", "--sps"] {
        let certs = tempfile::tempdir().unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mock-idp"));
        cmd.args(["--bind", "127.0.0.1:0", "--certs"])
            .arg(certs.path())
            .args([flag, "/dev/zero"]);
        if flag == "--sps" {
            cmd.arg("--users").arg(repo().join("users.yaml"));
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains("/dev/zero") && stderr.contains("larger than 16777216 bytes"),
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn the_signing_key_is_never_served_nor_logged() {
    let mut server = Server::start_capturing_log(&["--log-format", "json"]);
    let http = client();
    for path in [
        "/certs/idp.key",
        "/certs/../certs/idp.key",
        "/certs/%2e%2e/certs/idp.key",
        "/idp.key",
        "/certs/",
    ] {
        let r = http.get(server.url(path)).send().unwrap();
        let status = r.status().as_u16();
        let body = r.text().unwrap();
        assert!(
            status == 404 && !body.contains("PRIVATE KEY"),
            "{path}: {status}\n{body}"
        );
    }
    let request = crate::support::AuthnRequest::new("_keycheck");
    let r = http
        .post(server.url("/api/sso"))
        .json(&serde_json::json!({"SAMLRequest": request.redirect_param(), "user": "alice"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let log = server.stop_and_read_log();
    let key = fs::read_to_string(server.certs_dir().join("idp.key")).unwrap();
    let key_line = key
        .lines()
        .find(|l| !l.starts_with("-----"))
        .unwrap()
        .to_owned();
    assert!(
        log.contains("/api/sso") || log.contains("alice"),
        "no log line for the login:\n{log}"
    );
    for (what, text) in [
        ("the log", log.as_str()),
        ("the banner", server.banner.as_str()),
    ] {
        assert!(
            !text.contains("PRIVATE KEY") && !text.contains(&key_line),
            "{what} shows the private key:\n{text}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(server.certs_dir().join("idp.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "idp.key mode {mode:o}");
    }
}
