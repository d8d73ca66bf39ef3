//! Builders of CloudTrail events shaped like real deliveries.

use simd_json::OwnedValue as Value;
use simd_json::json;
use simd_json::prelude::*;

use super::{Rng, iso_time};

/// Who made a call.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A session of an IAM role (`AssumedRole`), e.g. a pod's IRSA role or a node role.
    AssumedRole {
        /// Account of the role.
        account: String,
        /// Role name.
        role: String,
        /// Session name (an instance id for node roles).
        session: String,
        /// `mfaAuthenticated` of the session.
        mfa: bool,
    },
    /// A web identity (IRSA service-account token) calling `AssumeRoleWithWebIdentity`.
    WebIdentity {
        /// The OIDC provider ARN.
        provider_arn: String,
        /// The token's audience.
        audience: String,
        /// The token's subject, `system:serviceaccount:NS:SA`.
        subject: String,
    },
    /// An IAM user.
    IamUser {
        /// Account.
        account: String,
        /// User name.
        name: String,
    },
    /// Another account, as the resource owner's copy of a cross-account call shows its caller
    /// (`AWSAccount`: the account and principal id, no ARN).
    Account {
        /// The caller's account.
        account: String,
        /// The caller's principal id (`AROA...:session` for a role session).
        principal: String,
    },
    /// An AWS service.
    Service(String),
}

impl Caller {
    /// A role session.
    pub fn role(account: &str, role: &str, session: &str) -> Caller {
        Caller::AssumedRole {
            account: account.into(),
            role: role.into(),
            session: session.into(),
            mfa: false,
        }
    }

    fn account(&self) -> Option<&str> {
        match self {
            Caller::AssumedRole { account, .. }
            | Caller::IamUser { account, .. }
            | Caller::Account { account, .. } => Some(account),
            _ => None,
        }
    }

    fn user_identity(&self, rng: &mut Rng) -> Value {
        match self {
            Caller::AssumedRole {
                account,
                role,
                session,
                mfa,
            } => json!({
                "type": "AssumedRole",
                "principalId": format!("AROA{}:{session}", rng.upper_hex(16)),
                "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                "accountId": account.as_str(),
                "accessKeyId": format!("ASIA{}", rng.upper_hex(16)),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": format!("AROA{}", rng.upper_hex(16)),
                        "arn": format!("arn:aws:iam::{account}:role/{role}"),
                        "accountId": account.as_str(),
                        "userName": role.as_str()
                    },
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": "2026-11-27T09:00:00Z",
                        "mfaAuthenticated": if *mfa { "true" } else { "false" }
                    }
                }
            }),
            Caller::WebIdentity {
                provider_arn,
                audience,
                subject,
            } => {
                let issuer = provider_arn
                    .rsplit_once("oidc-provider/")
                    .map_or(provider_arn.as_str(), |(_, h)| h);
                json!({
                    "type": "WebIdentityUser",
                    "principalId": format!("{issuer}:{audience}:{subject}"),
                    "userName": subject.as_str(),
                    "identityProvider": provider_arn.as_str()
                })
            }
            Caller::IamUser { account, name } => json!({
                "type": "IAMUser",
                "principalId": format!("AIDA{}", rng.upper_hex(16)),
                "arn": format!("arn:aws:iam::{account}:user/{name}"),
                "accountId": account.as_str(),
                "accessKeyId": format!("AKIA{}", rng.upper_hex(16)),
                "userName": name.as_str()
            }),
            Caller::Account { account, principal } => json!({
                "type": "AWSAccount",
                "principalId": principal.as_str(),
                "accountId": account.as_str()
            }),
            Caller::Service(service) => {
                json!({ "type": "AWSService", "invokedBy": service.as_str() })
            }
        }
    }
}

/// One event under construction.
pub struct Event {
    value: Value,
}

impl Event {
    /// An `AwsApiCall` at `unix_secs` by `caller`, received by `recipient` in `region`.
    pub fn new(
        rng: &mut Rng,
        unix_secs: i64,
        source: &str,
        name: &str,
        caller: &Caller,
        region: &str,
        recipient: &str,
    ) -> Event {
        let read_only =
            name.starts_with("Describe") || name.starts_with("Get") || name.starts_with("List");
        let value = json!({
            "eventVersion": "1.09",
            "userIdentity": caller.user_identity(rng),
            "eventTime": iso_time(unix_secs),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": format!("10.0.{}.{}", 1 + rng.below(2), 10 + rng.below(200)),
            "userAgent": "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.30.3",
            "requestParameters": null,
            "responseElements": null,
            "requestID": rng.uuid(),
            "eventID": rng.uuid(),
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": recipient,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": format!("{}.{region}.amazonaws.com", source.trim_end_matches(".amazonaws.com"))
            }
        });
        let mut event = Event { value };
        if caller.account().is_none() {
            event.set("sourceIPAddress", Value::from(source));
        }
        event
    }

    fn set(&mut self, key: &str, v: Value) {
        if let Some(obj) = self.value.as_object_mut() {
            obj.insert(key.to_string(), v);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(obj) = self.value.as_object_mut() {
            obj.remove(key);
        }
    }

    /// Sets `requestParameters`.
    pub fn request(mut self, v: Value) -> Event {
        self.set("requestParameters", v);
        self
    }

    /// Sets `responseElements`.
    pub fn response(mut self, v: Value) -> Event {
        self.set("responseElements", v);
        self
    }

    /// Sets `additionalEventData`.
    pub fn additional(mut self, v: Value) -> Event {
        self.set("additionalEventData", v);
        self
    }

    /// Sets `resources`.
    pub fn resources(mut self, v: Value) -> Event {
        self.set("resources", v);
        self
    }

    /// Makes the call fail with `code` and `message`.
    pub fn error(mut self, code: &str, message: &str) -> Event {
        self.set("errorCode", Value::from(code));
        self.set("errorMessage", Value::from(message));
        self.set("responseElements", Value::null());
        self
    }

    /// Sets the TLS host header the client used (`sts.amazonaws.com` is the global STS endpoint).
    pub fn tls_host(mut self, host: &str) -> Event {
        if let Some(tls) = self
            .value
            .get_mut("tlsDetails")
            .and_then(|t| t.as_object_mut())
        {
            tls.insert("clientProvidedHostHeader".into(), Value::from(host));
        }
        self
    }

    /// Sets `sharedEventID`: the call was logged in two accounts (cross-account).
    pub fn shared(mut self, id: &str) -> Event {
        self.set("sharedEventID", Value::from(id));
        self
    }

    /// Sets `userIdentity.invokedBy`: a service made the call on the caller's behalf.
    pub fn invoked_by(mut self, service: &str) -> Event {
        if let Some(identity) = self
            .value
            .get_mut("userIdentity")
            .and_then(|u| u.as_object_mut())
        {
            identity.insert("invokedBy".into(), Value::from(service));
        }
        self.set("sourceIPAddress", Value::from(service));
        self
    }

    /// Makes the event a console sign-in event (`AwsConsoleSignIn`, no TLS details of an API).
    pub fn console(mut self) -> Event {
        self.set("eventType", Value::from("AwsConsoleSignIn"));
        self.set("readOnly", Value::from(false));
        self
    }

    /// Marks the call as made through a VPC endpoint.
    pub fn vpc_endpoint(mut self, id: &str) -> Event {
        self.set("vpcEndpointId", Value::from(id));
        self
    }

    /// Sets the source IP address.
    pub fn source_ip(mut self, ip: &str) -> Event {
        self.set("sourceIPAddress", Value::from(ip));
        self
    }

    /// Marks the event as a data event (S3 object APIs and the like).
    pub fn data_event(mut self) -> Event {
        self.set("eventCategory", Value::from("Data"));
        self.set("managementEvent", Value::from(false));
        self
    }

    /// Drops `tlsDetails` (service-to-service calls have none).
    pub fn without_tls(mut self) -> Event {
        self.remove("tlsDetails");
        self
    }

    /// The finished event.
    pub fn build(self) -> Value {
        self.value
    }
}

/// A CloudTrail log file: `{"Records": [...]}`.
pub fn log_file(events: Vec<Value>) -> Vec<u8> {
    json!({ "Records": Value::Array(Box::new(events)) })
        .encode()
        .into_bytes()
}

/// STS credentials as `AssumeRole*` returns them (trailflow must drop them).
pub fn credentials(rng: &mut Rng, session_token: &str) -> Value {
    json!({
        "accessKeyId": format!("ASIA{}", rng.upper_hex(16)),
        "sessionToken": session_token,
        "expiration": "Nov 27, 2026, 11:00:00 AM"
    })
}
