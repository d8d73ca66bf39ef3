//! The fields trailflow reads from a CloudTrail record and from its `userIdentity` and
//! `requestParameters`, each object read in one pass over its keys: looking the fields up one
//! by one scans the keys again for each (an event has about 20, the tables read about 50).

use simd_json::prelude::*;

use super::json_text::Json;

/// Defines a struct of optional values, one per listed key, and `read`, which fills them from
/// an object in one pass.
macro_rules! object_fields {
    (
        $(#[$meta:meta])*
        struct $name:ident { $( $field:ident: $key:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Default, Clone, Copy)]
        pub(super) struct $name<'t, 'i> {
            $( #[doc = concat!("`", $key, "`")] pub $field: Option<Json<'t, 'i>>, )*
        }

        impl<'t, 'i> $name<'t, 'i> {
            /// The fields of `object` (none when it is absent or not an object). The first of
            /// repeated keys wins, as with a lookup.
            pub fn read(object: Option<Json<'t, 'i>>) -> Self {
                let mut fields = Self::default();
                if let Some(object) = object.and_then(|o| o.as_object()) {
                    for (key, value) in object.iter() {
                        let slot = match key {
                            $( $key => &mut fields.$field, )*
                            _ => continue,
                        };
                        if slot.is_none() {
                            *slot = Some(value);
                        }
                    }
                }
                fields
            }
        }
    };
}

object_fields! {
    /// The top-level fields of a record: those of an event, and those that tell the other kinds
    /// of record apart (envelopes, digests, Insights, EventBridge and lookup-events wrappers).
    struct Record {
        event_time: "eventTime",
        event_version: "eventVersion",
        event_source: "eventSource",
        envelope_source: "EventSource",
        event_name: "eventName",
        aws_region: "awsRegion",
        source_ip: "sourceIPAddress",
        user_agent: "userAgent",
        error_code: "errorCode",
        error_message: "errorMessage",
        read_only: "readOnly",
        event_type: "eventType",
        event_category: "eventCategory",
        management_event: "managementEvent",
        recipient_account_id: "recipientAccountId",
        event_id: "eventID",
        request_id: "requestID",
        shared_event_id: "sharedEventID",
        vpc_endpoint_id: "vpcEndpointId",
        tls_details: "tlsDetails",
        user_identity: "userIdentity",
        request_parameters: "requestParameters",
        response_elements: "responseElements",
        additional_event_data: "additionalEventData",
        resources: "resources",
        insight_details: "insightDetails",
        digest_start_time: "digestStartTime",
        log_files: "logFiles",
        aws_account_id: "awsAccountId",
        detail_type: "detail-type",
        detail: "detail",
        cloudtrail_event: "CloudTrailEvent",
    }
}

object_fields! {
    /// The fields of `userIdentity`.
    struct Identity {
        kind: "type",
        arn: "arn",
        account_id: "accountId",
        principal_id: "principalId",
        user_name: "userName",
        invoked_by: "invokedBy",
        identity_provider: "identityProvider",
        session_context: "sessionContext",
    }
}

object_fields! {
    /// The fields of `requestParameters` the tables read.
    struct Request {
        role_arn: "roleArn",
        role_session_name: "roleSessionName",
        key_id: "keyId",
        cluster_name: "clusterName",
        name: "name",
        hosted_zone_id: "hostedZoneId",
        repository_name: "repositoryName",
        auto_scaling_group_name: "autoScalingGroupName",
        group_id: "groupId",
        serial_number: "serialNumber",
        role_name: "roleName",
        oidc_provider_arn: "openIDConnectProviderArn",
        modify_security_group_rules: "ModifySecurityGroupRulesRequest",
        resources_vpc_config: "resourcesVpcConfig",
    }
}

/// The string value of a field.
pub(super) fn text<'i>(v: Option<Json<'_, 'i>>) -> Option<&'i str> {
    v?.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_reads_what_lookups_find() {
        let mut bytes = br#"{"eventName":"A","x":{"eventName":"nested"},"eventName":"B","userIdentity":{"type":"Root"},"detail-type":null}"#.to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        let record = Record::read(Some(tape.as_value()));
        assert_eq!(
            text(record.event_name),
            Some("A"),
            "the first of repeated keys"
        );
        assert_eq!(
            text(record.event_name),
            tape.as_value()
                .get("eventName")
                .and_then(|v| v.into_string())
        );
        assert!(record.detail_type.is_some_and(|v| v.is_null()));
        assert!(record.event_time.is_none());
        let identity = Identity::read(record.user_identity);
        assert_eq!(text(identity.kind), Some("Root"));
        assert!(Request::read(None).role_arn.is_none());
        assert!(
            Request::read(record.event_name).role_arn.is_none(),
            "not an object"
        );
    }
}
