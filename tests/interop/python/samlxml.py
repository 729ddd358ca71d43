"""Read-only facts about a SAML Response, taken with the standard library's XML parser.

The drivers use this to report what the IdP actually sent (which elements carry a
signature, with which algorithms) next to what the SP library concluded.
"""

import base64
import xml.etree.ElementTree as ET

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}

ALGORITHMS = {
    "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "ecdsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
}

# The KeyInfo as AD FS writes it: the dsig namespace redeclared as the default one.
KEYINFO_DEFAULT_NAMESPACE = '<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">'

NAMEID_FORMATS = {
    "emailAddress": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}


def decode_response(saml_response_b64):
    return base64.b64decode(saml_response_b64).decode("utf-8")


def _signature_facts(sig, parent):
    if sig is None:
        return None
    method = sig.find("ds:SignedInfo/ds:SignatureMethod", NS)
    digest = sig.find("ds:SignedInfo/ds:Reference/ds:DigestMethod", NS)
    ref = sig.find("ds:SignedInfo/ds:Reference", NS)
    cert = sig.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    uri = ref.get("URI") if ref is not None else None
    return {
        "signature_method": method.get("Algorithm") if method is not None else None,
        "digest_method": digest.get("Algorithm") if digest is not None else None,
        "reference_uri": uri,
        "references_parent": uri == "#" + (parent.get("ID") or ""),
        "has_x509_certificate": cert is not None and bool((cert.text or "").strip()),
    }


def response_facts(xml_text):
    root = ET.fromstring(xml_text)
    if root.tag != "{%s}Response" % NS["samlp"]:
        raise ValueError("root element is %s, not samlp:Response" % root.tag)
    assertions = root.findall("saml:Assertion", NS)
    assertion = assertions[0] if assertions else None
    facts = {
        "response_id": root.get("ID"),
        "in_response_to": root.get("InResponseTo"),
        "destination": root.get("Destination"),
        "issuer": (root.findtext("saml:Issuer", None, NS) or "").strip(),
        "status": (root.find("samlp:Status/samlp:StatusCode", NS).get("Value")
                   if root.find("samlp:Status/samlp:StatusCode", NS) is not None else None),
        "assertion_count": len(assertions),
        "response_signature": _signature_facts(root.find("ds:Signature", NS), root),
        "assertion_signature": None,
    }
    if assertion is not None:
        facts["assertion_id"] = assertion.get("ID")
        facts["assertion_signature"] = _signature_facts(assertion.find("ds:Signature", NS), assertion)
        nameid = assertion.find("saml:Subject/saml:NameID", NS)
        facts["nameid"] = nameid.text if nameid is not None else None
        facts["nameid_format"] = nameid.get("Format") if nameid is not None else None
        scd = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
        if scd is not None:
            facts["subject_confirmation"] = {
                "recipient": scd.get("Recipient"),
                "in_response_to": scd.get("InResponseTo"),
                "not_on_or_after": scd.get("NotOnOrAfter"),
            }
        facts["attributes"] = [
            {
                "name": a.get("Name"),
                "name_format": a.get("NameFormat"),
                "values": [v.text or "" for v in a.findall("saml:AttributeValue", NS)],
            }
            for a in assertion.findall("saml:AttributeStatement/saml:Attribute", NS)
        ]
        facts["audiences"] = [
            (a.text or "").strip()
            for a in assertion.findall("saml:Conditions/saml:AudienceRestriction/saml:Audience", NS)
        ]
    facts["key_info_default_namespace"] = KEYINFO_DEFAULT_NAMESPACE in xml_text
    return facts


def signed_parts(facts):
    parts = []
    if facts.get("response_signature"):
        parts.append("response")
    if facts.get("assertion_signature"):
        parts.append("assertion")
    return parts
