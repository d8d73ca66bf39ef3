//! Table of Kubernetes audit events from EKS: one row per `audit.k8s.io` event.

use super::table::define_table;

define_table! {
    /// One Kubernetes API server audit event (table `k8s_audit`).
    row AuditRow, builder AuditBuilder, schema audit_schema {
        /// `auditID`, shared by the stages of one request.
        audit_id: Str,
        /// `stage`: `RequestReceived`, `ResponseStarted`, `ResponseComplete`, `Panic`.
        stage: Str,
        /// `level`: `Metadata`, `Request`, `RequestResponse`.
        level: Str,
        /// `verb`: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, ...
        verb: Str,
        /// `requestURI`.
        request_uri: Str,
        /// `user.username` (an IAM principal is mapped to a name by EKS, e.g. `kubernetes-admin` or `arn:aws:sts::...:assumed-role/...`).
        user_username: Str,
        /// `user.groups`, JSON text array.
        user_groups: Str,
        /// `user.extra["arn"]`: the IAM ARN behind an EKS user, when the authenticator adds it.
        user_arn: Str,
        /// `impersonatedUser.username`.
        impersonated_user: Str,
        /// `sourceIPs`, comma-separated.
        source_ips: Str,
        /// `userAgent`.
        user_agent: Str,
        /// `objectRef.resource`, e.g. `configmaps`, `pods`.
        object_resource: Str,
        /// `objectRef.subresource`, e.g. `eviction`, `exec`.
        object_subresource: Str,
        /// `objectRef.namespace`.
        object_namespace: Str,
        /// `objectRef.name`.
        object_name: Str,
        /// `objectRef.apiGroup` (empty for the core group is null).
        object_api_group: Str,
        /// `objectRef.apiVersion`.
        object_api_version: Str,
        /// `responseStatus.code`.
        response_code: I64,
        /// `responseStatus.reason`, e.g. `Forbidden`, `TooManyRequests`.
        response_reason: Str,
        /// `responseStatus.message`.
        response_message: Str,
        /// `requestReceivedTimestamp`, UTC.
        request_received_time: TsMicros,
        /// `stageTimestamp`, UTC; `stage_time - request_received_time` is how long the API server took.
        stage_time: TsMicros,
        /// `annotations`, JSON text (authorization decision and reason, Pod Security audit violations, ...).
        annotations: Str,
        /// `annotations["authorization.k8s.io/decision"]`: `allow` or `forbid`.
        authorization_decision: Str,
        /// `annotations["pod-security.kubernetes.io/audit-violations"]`: what a pod would violate under the namespace's audit level.
        pod_security_violations: Str,
        /// For role bindings and cluster role bindings: `requestObject.roleRef.name` (needs the `Request` level or above).
        role_ref: Str,
        /// For role bindings and cluster role bindings: the `kind:name` of `requestObject.subjects`, comma-separated.
        subjects: Str,
        /// For namespaces: `requestObject.metadata.labels["pod-security.kubernetes.io/enforce"]`, empty text when the labels lack it (null when the event carries no object).
        pod_security_enforce: Str,
        /// EKS cluster, from the CloudWatch log group `/aws/eks/<cluster>/cluster`.
        cluster: Str,
        /// CloudWatch log stream, e.g. `kube-apiserver-audit-<id>`.
        log_stream: Str,
        /// AWS account: the CloudWatch envelope's `owner`.
        account: Str,
    }
}
