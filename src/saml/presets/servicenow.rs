//! ServiceNow single sign-on with a SAML identity provider.
//!
//! Source (as gathered in the project's reference on SaaS presets): ServiceNow docs, "Generate
//! IdP metadata for SSO" (Washington DC release), which gives the SP metadata an instance
//! publishes.
//! - entity ID `https://<instance>.service-now.com`; two HTTP-POST ACS endpoints,
//!   `https://<instance>.service-now.com/navpage.do` (index 0, the default) and
//!   `https://<instance>.service-now.com/consumer.do` (index 1);
//! - NameID format emailAddress, matched against a field of the user table;
//! - `WantAssertionsSigned="true"` and `AuthnRequestsSigned="false"`;
//! - IdP-initiated login works; single logout at `https://<instance>.service-now.com/navpage.do`.

use super::{dns_label, email_name_id, required, Preset, PresetError, PresetParams};
use crate::saml::ns;
use crate::saml::sp::{AcsEndpoint, ServiceProvider, Sign};

pub(super) fn servicenow(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::ServiceNow;
    let instance = required(
        P,
        "instance",
        params.instance.as_ref(),
        "the instance name, e.g. `acme` for acme.service-now.com",
    )?;
    dns_label(P, "instance", instance, "service-now.com")?;
    let base = format!("https://{instance}.service-now.com");
    // ServiceNow "Generate IdP metadata for SSO": entity ID, both ACS endpoints, SLO.
    let mut sp = ServiceProvider::new(&base);
    let post = |path: &str, index: u16, is_default: Option<bool>| AcsEndpoint {
        url: format!("{base}/{path}"),
        binding: ns::binding::HTTP_POST.to_owned(),
        index: Some(index),
        is_default,
    };
    sp.acs = vec![
        post("navpage.do", 0, Some(true)),
        post("consumer.do", 1, None),
    ];
    sp.slo_url = Some(format!("{base}/navpage.do"));
    // NameID format emailAddress (same source).
    sp.name_id = email_name_id();
    // WantAssertionsSigned="true" (same source); rsa-sha256, the default.
    sp.sign = Sign::Assertion;
    Ok(sp)
}
