//! Access to a parsed record (a simd-json tape) and its JSON text for the raw JSON columns,
//! written without the keys that hold secrets: the tape is read, never changed, so secrets are
//! left out wherever a value is written or searched instead of being removed first.

use std::io;

use simd_json::generator::{BaseGenerator, WriterGenerator};
use simd_json::prelude::*;

/// A value inside a parsed record.
pub(super) type Json<'t, 'i> = simd_json::tape::Value<'t, 'i>;

/// Keys left out wherever they appear in `requestParameters`, `responseElements` and
/// `additionalEventData`: STS credentials and anything that holds a secret.
const SECRET_KEYS: [&str; 5] = [
    "credentials",
    "secretAccessKey",
    "sessionToken",
    "SecretAccessKey",
    "SessionToken",
];

/// Bit `n` set for each length `n` of a secret key (all shorter than 64 bytes).
const SECRET_LENGTHS: u64 = {
    let mut lengths = 0u64;
    let mut i = 0;
    while i < SECRET_KEYS.len() {
        assert!(SECRET_KEYS[i].len() < 64);
        lengths |= 1 << SECRET_KEYS[i].len();
        i += 1;
    }
    lengths
};

/// True for a key whose value is a secret. Every key of every raw JSON column is asked: the
/// secret keys' lengths turn nearly all of them away before any compare.
pub(super) fn is_secret(key: &str) -> bool {
    key.len() < 64 && SECRET_LENGTHS & (1 << key.len()) != 0 && SECRET_KEYS.contains(&key)
}

/// The value of `key` in the object `v`.
pub(super) fn get<'t, 'i>(v: Option<Json<'t, 'i>>, key: &str) -> Option<Json<'t, 'i>> {
    v?.get(key)
}

/// The string value of `key` in the object `v`.
pub(super) fn get_str<'i>(v: Option<Json<'_, 'i>>, key: &str) -> Option<&'i str> {
    get(v, key)?.into_string()
}

/// Writes `v` as JSON text into `buf` (cleared first), leaving out secret keys at any depth
/// when `scrub`; false when `v` is absent or null.
pub(super) fn encode(v: Option<Json<'_, '_>>, scrub: bool, buf: &mut Vec<u8>) -> bool {
    buf.clear();
    match v {
        None => false,
        Some(v) if v.is_null() => false,
        Some(v) => write(&mut WriterGenerator::new(buf), v, scrub).is_ok(),
    }
}

/// Writes one value the way simd-json writes its own values (same escapes and numbers).
fn write<W: io::Write>(
    g: &mut WriterGenerator<'_, W>,
    v: Json<'_, '_>,
    scrub: bool,
) -> io::Result<()> {
    if let Some(object) = v.as_object() {
        g.write_char(b'{')?;
        let mut first = true;
        for (key, value) in object.iter().filter(|(k, _)| !(scrub && is_secret(k))) {
            if !first {
                g.write_char(b',')?;
            }
            first = false;
            g.write_simple_string(key)?;
            g.write_char(b':')?;
            write(g, value, scrub)?;
        }
        g.write_char(b'}')
    } else if let Some(array) = v.as_array() {
        g.write_char(b'[')?;
        for (i, item) in array.iter().enumerate() {
            if i > 0 {
                g.write_char(b',')?;
            }
            write(g, item, scrub)?;
        }
        g.write_char(b']')
    } else if let Some(s) = v.as_str() {
        g.write_string(s)
    } else if let Some(b) = v.as_bool() {
        g.write(if b { b"true" } else { b"false" })
    } else if v.is_i64() {
        g.write_int(v.as_i64().unwrap_or_default())
    } else if v.is_u64() {
        g.write_int(v.as_u64().unwrap_or_default())
    } else if let Some(f) = v.as_f64() {
        g.write_float(f)
    } else {
        g.write(b"null")
    }
}

/// Keys whose values are CIDR blocks (or lists or objects of them) in EC2 security-group and
/// EKS requests. Only their strings are CIDRs: a rule's `description` may end in `/0` too.
const CIDR_KEYS: [&str; 9] = [
    "cidrIp",
    "cidrIpv6",
    "cidrIpv4",
    "CidrIp",
    "CidrIpv4",
    "CidrIpv6",
    "ipRanges",
    "ipv6Ranges",
    "publicAccessCidrs",
];

/// True for a CIDR of prefix length 0 (`0.0.0.0/0`, `::/0`, even `203.0.113.9/0`: any address
/// with `/0` covers every address).
pub(super) fn is_world_cidr(s: &str) -> bool {
    let s = s.trim();
    s.ends_with("/0") && (s.contains('.') || s.contains(':'))
}

/// True when a CIDR field anywhere in `v` holds a world CIDR (see [`is_world_cidr`]); other
/// strings and secret keys are never read.
pub(super) fn contains_world_cidr(v: Json<'_, '_>) -> bool {
    fn walk(v: Json<'_, '_>, cidr: bool) -> bool {
        if let Some(s) = v.as_str() {
            cidr && is_world_cidr(s)
        } else if let Some(object) = v.as_object() {
            object
                .iter()
                .any(|(k, child)| !is_secret(k) && walk(child, CIDR_KEYS.contains(&k)))
        } else if let Some(array) = v.as_array() {
            array.iter().any(|item| walk(item, cidr))
        } else {
            false
        }
    }
    walk(v, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// simd-json's own value, with the secrets removed: what the columns held before they were
    /// written from the tape (its writer gives the same text when nothing was removed; removing
    /// reordered the keys of an object, which the tape's writer keeps in document order).
    fn reference(text: &str) -> simd_json::OwnedValue {
        fn remove(v: &mut simd_json::OwnedValue) {
            match v {
                simd_json::OwnedValue::Object(o) => {
                    for key in SECRET_KEYS {
                        o.remove(key);
                    }
                    o.iter_mut().for_each(|(_, c)| remove(c));
                }
                simd_json::OwnedValue::Array(a) => a.iter_mut().for_each(remove),
                _ => {}
            }
        }
        let mut bytes = text.as_bytes().to_vec();
        let mut value = simd_json::to_owned_value(&mut bytes).unwrap();
        remove(&mut value);
        value
    }

    #[test]
    fn text_matches_simd_jsons_writer_without_secrets() {
        let cases = [
            r#"{"a":1,"b":-2,"c":18446744073709551615,"d":1.5e300,"e":0.1,"f":-0.0,"g":true,"h":false,"i":null}"#,
            r#"{"s":"quote \" backslash \\ tab \t nl \n ctrl \u0001 é 😀 </script>","k\"ey":[]}"#,
            r#"[1,[2,[3,{}]],{"x":{"y":{"w":[]}}}]"#,
            r#"{"credentials":{"sessionToken":"SECRET"},"nested":[{"secretAccessKey":"S","keep":1},{"SessionToken":"T"}],"SecretAccessKey":"x","last":2}"#,
            r#"[1,{"x":{"y":{"credentials":"z","w":[]}}}]"#,
            r#""just a string""#,
            "42",
            "{}",
        ];
        for case in cases {
            let mut bytes = case.as_bytes().to_vec();
            let tape = simd_json::to_tape(&mut bytes).unwrap();
            let mut got = Vec::new();
            assert!(encode(Some(tape.as_value()), true, &mut got));
            let text = String::from_utf8(got).unwrap();
            let expected = reference(case);
            if SECRET_KEYS.iter().all(|k| !case.contains(k)) {
                assert_eq!(text, expected.encode(), "{case}");
            }
            assert!(SECRET_KEYS.iter().all(|k| !text.contains(k)), "{text}");
            let mut parsed = text.clone().into_bytes();
            assert_eq!(
                simd_json::to_owned_value(&mut parsed).unwrap(),
                expected,
                "{case}"
            );
        }
        let mut bytes = br#"{"credentials":{"sessionToken":"KEPT"}}"#.to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        let mut got = Vec::new();
        assert!(encode(Some(tape.as_value()), false, &mut got));
        assert_eq!(got, br#"{"credentials":{"sessionToken":"KEPT"}}"#);
        let mut null = b"null".to_vec();
        let tape = simd_json::to_tape(&mut null).unwrap();
        assert!(!encode(Some(tape.as_value()), true, &mut got));
        assert!(!encode(None, true, &mut got));
    }

    #[test]
    fn every_secret_key_is_a_secret() {
        for key in SECRET_KEYS {
            assert!(is_secret(key), "{key}");
        }
        assert!(!is_secret("credential") && !is_secret("roleArn") && !is_secret(""));
    }

    #[test]
    fn world_cidrs_are_found_outside_secrets() {
        for (text, expected) in [
            (
                r#"{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}"#,
                true,
            ),
            (r#"{"cidrIpv6":"::/0"}"#, true),
            (r#"{"cidrIp":"10.0.0.0/8","n":0}"#, false),
            (r#"{"credentials":{"token":"a.b/0"}}"#, false),
            (
                r#"{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"10.0.0.0/16","description":"was 0.0.0.0/0"}]}}]}}"#,
                false,
            ),
            (
                r#"{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":{"SecurityGroupRule":{"CidrIpv4":"0.0.0.0/0","Description":"x"},"SecurityGroupRuleId":"sgr-1"}}}"#,
                true,
            ),
            (r#"{"ipRanges":["::/0"]}"#, true),
            (r#"{"groupName":"open-0.0.0.0/0"}"#, false),
        ] {
            let mut bytes = text.as_bytes().to_vec();
            let tape = simd_json::to_tape(&mut bytes).unwrap();
            assert_eq!(contains_world_cidr(tape.as_value()), expected, "{text}");
        }
    }
}
