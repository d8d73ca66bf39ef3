//! Tables of the CloudTrail kinds: events, Insights events and digest files.

use super::table::define_table;

define_table! {
    /// One normalized CloudTrail event (table `cloudtrail`).
    row EventRow, builder EventBuilder, schema event_schema {
        /// `eventTime`, UTC.
        event_time: TsMicros,
        /// `eventVersion`, e.g. `1.08`; newer versions decode the same way.
        event_version: Str,
        /// `eventSource`, the service endpoint, e.g. `sts.amazonaws.com`.
        event_source: Str,
        /// `eventName`, the API action, e.g. `AssumeRoleWithWebIdentity`.
        event_name: Str,
        /// `awsRegion`.
        aws_region: Str,
        /// `sourceIPAddress` (an IP address or an AWS service name).
        source_ip: Str,
        /// `userAgent`.
        user_agent: Str,
        /// `errorCode`; null when the call succeeded.
        error_code: Str,
        /// `errorMessage`; carries the deny reason (permissions boundary, SCP, ...).
        error_message: Str,
        /// `readOnly`.
        read_only: Bool,
        /// `eventType`: `AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, ...
        event_type: Str,
        /// `eventCategory`: `Management`, `Data`, `NetworkActivity`.
        event_category: Str,
        /// `managementEvent`.
        management_event: Bool,
        /// `recipientAccountId`, the account that received the event.
        recipient_account_id: Str,
        /// `eventID`.
        event_id: Str,
        /// `requestID`.
        request_id: Str,
        /// `sharedEventID`, shared by the copies of a cross-account event.
        shared_event_id: Str,
        /// `vpcEndpointId`, set when the call came through a VPC endpoint.
        vpc_endpoint_id: Str,
        /// `tlsDetails.clientProvidedHostHeader`, e.g. `sts.amazonaws.com` (global) or `sts.eu-west-1.amazonaws.com`.
        tls_client_host: Str,
        /// `userIdentity.type`: `AssumedRole`, `IAMUser`, `WebIdentityUser`, `AWSService`, `Root`, ...
        identity_type: Str,
        /// `userIdentity.arn`.
        identity_arn: Str,
        /// `userIdentity.accountId`, the caller's account.
        identity_account_id: Str,
        /// `userIdentity.principalId`.
        identity_principal_id: Str,
        /// `userIdentity.userName` (IAM users; for `WebIdentityUser`, the token subject).
        identity_user_name: Str,
        /// `userIdentity.sessionContext.sessionIssuer.arn`: the role behind an assumed-role session.
        session_issuer_arn: Str,
        /// `userIdentity.sessionContext.sessionIssuer.type`, e.g. `Role`.
        session_issuer_type: Str,
        /// `userIdentity.sessionContext.sessionIssuer.userName`: the role name.
        session_issuer_name: Str,
        /// `userIdentity.sessionContext.attributes.mfaAuthenticated`.
        session_mfa: Bool,
        /// `userIdentity.sessionContext.webIdFederationData.federatedProvider`, or `userIdentity.identityProvider` of a `WebIdentityUser`.
        web_identity_provider: Str,
        /// `userIdentity.invokedBy`, the AWS service that made the call on the principal's behalf.
        invoked_by: Str,
        /// The role a principal assumed or tried to: `requestParameters.roleArn` (STS `AssumeRole*`); for console `SwitchRole`, `additionalEventData.SwitchTo`, else the role of the assumed-role identity; for EKS Pod Identity's `AssumeRoleForPodIdentity`, the role of `responseElements.assumedRoleUser.arn`.
        role_arn: Str,
        /// `requestParameters.roleSessionName` (STS `AssumeRole*`). Never use it as a metric label.
        role_session_name: Str,
        /// Web identity token subject: `responseElements.subjectFromWebIdentityToken`, or the `WebIdentityUser`'s `userName` (e.g. `system:serviceaccount:NS:SA`); for `AssumeRoleForPodIdentity`, `system:serviceaccount:NS:SA` from `responseElements.subject`.
        web_identity_subject: Str,
        /// Web identity token audience: `responseElements.audience`, or the audience part of the `WebIdentityUser`'s `principalId` (kept on failures too).
        web_identity_audience: Str,
        /// KMS key: the first `resources[]` entry of type `AWS::KMS::Key`, else `requestParameters.keyId` (an ARN, key id or alias).
        kms_key_arn: Str,
        /// Comma-separated distinct account ids of the resources touched: `resources[].accountId` (or the account in their ARNs), the account of `role_arn` and of `kms_key_arn` when they are ARNs.
        resource_account_ids: Str,
        /// True when the caller's account (`identity_account_id`) differs from `recipient_account_id` or from any of `resource_account_ids`; false when it matches them; null when the caller's account is unknown.
        cross_account: Bool,
        /// Whether MFA backed the call: `additionalEventData.MFAUsed` (`Yes`/`No`); for STS calls, true when `requestParameters.serialNumber` is set; else `session_mfa`; else false for long-term access keys (an IAM user or root without a session, which cannot carry MFA); null when unknown.
        mfa_used: Bool,
        /// `requestParameters.repositoryName` of ECR calls.
        ecr_repository: Str,
        /// `requestParameters.hostedZoneId` of Route 53 calls, without the `/hostedzone/` prefix.
        hosted_zone_id: Str,
        /// `requestParameters.autoScalingGroupName` of Auto Scaling calls.
        asg_name: Str,
        /// The security group of EC2 security-group calls: `requestParameters.groupId`, or `ModifySecurityGroupRulesRequest.GroupId` of `ModifySecurityGroupRules`.
        security_group_id: Str,
        /// For security-group rule changes (`AuthorizeSecurityGroupIngress`/`Egress`, `ModifySecurityGroupRules`, `RevokeSecurityGroupEgress`): true when a CIDR field of the request (`cidrIp`, `cidrIpv6`, `CidrIpv4`, `CidrIpv6`, `ipRanges`, `ipv6Ranges`) is a `/0` (for a revoke: the world rule removed); descriptions are never read. For EKS `UpdateClusterConfig`: true when the public endpoint is opened to `0.0.0.0/0` (listed in `publicAccessCidrs`, or public access turned on without a CIDR list, which defaults to it). Null for other events.
        open_to_world: Bool,
        /// `requestParameters.clusterName` (or `name` for `eks` calls): the EKS cluster concerned.
        eks_cluster_name: Str,
        /// `requestParameters` as JSON text (secrets removed).
        request_parameters: Str,
        /// `responseElements` as JSON text, with `credentials` (session tokens, keys) and any `secretAccessKey`/`sessionToken` removed at decode time.
        response_elements: Str,
        /// `additionalEventData` as JSON text.
        additional_event_data: Str,
        /// `resources` as JSON text.
        resources: Str,
        /// Which copy of a call this record is. AWS logs a cross-account call in both accounts (same `sharedEventID`): `caller` is the caller's copy, `owner` the resource owner's (its `userIdentity` is of type `AWSAccount`, hiding the caller); `same` when there is one copy only (no `sharedEventID`).
        event_copy: Str,
        /// Result of a console sign-in event (`signin.amazonaws.com`): `responseElements.ConsoleLogin` or `responseElements.SwitchRole` (`Success`, `Failure`); such failures carry no `errorCode`.
        signin_result: Str,
        /// `requestParameters.roleName` of IAM role calls (`AttachRolePolicy`, `PutRolePolicy`, `UpdateAssumeRolePolicy`, ...).
        iam_role_name: Str,
        /// `requestParameters.openIDConnectProviderArn` of IAM OIDC provider calls.
        oidc_provider_arn: Str,
    }
}

define_table! {
    /// One CloudTrail Insights event (table `cloudtrail_insight`).
    row InsightRow, builder InsightBuilder, schema insight_schema {
        /// `eventTime`, UTC.
        event_time: TsMicros,
        /// `eventVersion`.
        event_version: Str,
        /// `eventID`.
        event_id: Str,
        /// `sharedEventID`, shared by the start and end events of one Insight.
        shared_event_id: Str,
        /// `awsRegion`.
        aws_region: Str,
        /// `recipientAccountId`.
        recipient_account_id: Str,
        /// `insightDetails.state`: `Start` or `End`.
        insight_state: Str,
        /// `insightDetails.eventSource`: the service whose API activity is unusual.
        insight_event_source: Str,
        /// `insightDetails.eventName`: the API whose activity is unusual.
        insight_event_name: Str,
        /// `insightDetails.insightType`: `ApiCallRateInsight` or `ApiErrorRateInsight`.
        insight_type: Str,
        /// `insightDetails.errorCode` of error-rate Insights.
        insight_error_code: Str,
        /// `insightDetails.insightContext.statistics.baseline.average`.
        baseline_average: F64,
        /// `insightDetails.insightContext.statistics.insight.average`.
        insight_average: F64,
        /// `insightDetails.insightContext.statistics.insightDuration`, in minutes.
        insight_duration_minutes: I64,
        /// `insightDetails` as JSON text.
        insight_details: Str,
    }
}

define_table! {
    /// One log file listed by a CloudTrail digest file (table `cloudtrail_digest`);
    /// a digest that lists no file gives one row with null `log_*` columns.
    row DigestRow, builder DigestBuilder, schema digest_schema {
        /// `digestStartTime`, UTC.
        digest_start_time: TsMicros,
        /// `digestEndTime`, UTC.
        digest_end_time: TsMicros,
        /// `awsAccountId`: the account the digest covers.
        aws_account_id: Str,
        /// `digestS3Bucket`.
        digest_s3_bucket: Str,
        /// `digestS3Object`: the key of this digest file.
        digest_s3_object: Str,
        /// `previousDigestS3Object`: the digest before this one (the chain).
        previous_digest_s3_object: Str,
        /// `logFiles[].s3Bucket`.
        log_s3_bucket: Str,
        /// `logFiles[].s3Object`: a log file this digest vouches for.
        log_s3_object: Str,
        /// `logFiles[].hashValue` (hex).
        log_hash_value: Str,
        /// `logFiles[].hashAlgorithm`, e.g. `SHA-256`.
        log_hash_algorithm: Str,
        /// `logFiles[].oldestEventTime`, UTC.
        log_oldest_event_time: TsMicros,
        /// `logFiles[].newestEventTime`, UTC.
        log_newest_event_time: TsMicros,
    }
}
