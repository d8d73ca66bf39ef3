//! Table of Elastic Load Balancing access logs: Application (access and connection logs),
//! Network and Classic load balancers, one row per log line.

use super::table::define_table;

define_table! {
    /// One load balancer access-log or connection-log entry (table `elb_access`).
    row ElbRow, builder ElbBuilder, schema elb_schema {
        /// Entry type: the ALB's request or connection type (`http`, `https`, `h2`, `grpcs`, `ws`, `wss`), `tls` for a Network Load Balancer, `classic` for a Classic Load Balancer, `connection` for an ALB connection log.
        r#type: Str,
        /// When the entry was written (ALB, CLB: the response was sent; NLB: the connection closed; connection log: the handshake), UTC.
        time: TsMicros,
        /// Load balancer: `app/NAME/ID`, `net/NAME/ID` or the Classic load balancer's name.
        elb: Str,
        /// Client address.
        client_ip: Str,
        /// Client port.
        client_port: I64,
        /// Target (ALB, NLB destination, CLB back end) address; null when the request reached no target.
        target_ip: Str,
        /// Target port.
        target_port: I64,
        /// Seconds from receiving the request to sending it to a target; null for `-1` (the request never got that far).
        request_processing_time: F64,
        /// Seconds from sending the request to the target to the target starting its response; null for `-1` (no target response: a timeout, a reset, a refused connection).
        target_processing_time: F64,
        /// Seconds from the target's response to the load balancer sending it on; null for `-1`.
        response_processing_time: F64,
        /// Status code the load balancer sent.
        elb_status_code: I64,
        /// Status code of the target's response; null when there was none (`-`): the 5xx is the load balancer's own.
        target_status_code: I64,
        /// Bytes received from the client.
        received_bytes: I64,
        /// Bytes sent to the client.
        sent_bytes: I64,
        /// HTTP method of the request line; null for `-`.
        request_verb: Str,
        /// URL of the request line.
        request_url: Str,
        /// Protocol of the request line (`HTTP/1.1`, `HTTP/2.0`).
        request_protocol: Str,
        /// User-Agent header.
        user_agent: Str,
        /// TLS cipher of the client connection.
        ssl_cipher: Str,
        /// TLS protocol of the client connection.
        ssl_protocol: Str,
        /// Target group ARN (ALB).
        target_group_arn: Str,
        /// `X-Amzn-Trace-Id` (ALB).
        trace_id: Str,
        /// SNI domain of the TLS handshake (ALB, NLB).
        domain_name: Str,
        /// Certificate ARN presented to the client.
        chosen_cert_arn: Str,
        /// Priority of the listener rule that matched (ALB; 0 for the default rule).
        matched_rule_priority: I64,
        /// When the load balancer received the request (ALB), UTC.
        request_creation_time: TsMicros,
        /// Actions taken, comma-separated: `forward`, `redirect`, `fixed-response`, `authenticate`, `waf`, ... (ALB).
        actions_executed: Str,
        /// Location of a redirect (ALB).
        redirect_url: Str,
        /// Why the request failed (ALB), e.g. `LambdaInvalidResponse`, `TargetConnectionError`.
        error_reason: Str,
        /// Every target tried, `ip:port` space-separated (ALB).
        target_port_list: Str,
        /// Status codes of the targets tried (ALB).
        target_status_code_list: Str,
        /// Desync mitigation classification: `Acceptable`, `Ambiguous`, `Severe` (ALB, CLB).
        classification: Str,
        /// Classification reason code (ALB, CLB).
        classification_reason: Str,
        /// Connection trace id, shared by an ALB access-log entry and its connection-log entry.
        conn_trace_id: Str,
        /// Listener id (NLB).
        listener_id: Str,
        /// Listener port (ALB connection log).
        listener_port: I64,
        /// Seconds the connection lasted (NLB; logged in milliseconds).
        connection_time: F64,
        /// Seconds of the TLS handshake (NLB, ALB connection log); null for `-`.
        tls_handshake_time: F64,
        /// TLS alert the client sent, if any (NLB).
        incoming_tls_alert: Str,
        /// Client certificate verification: `Success` or the failure (ALB connection log, mutual TLS).
        tls_verify_status: Str,
        /// Negotiated ALPN protocol toward the client (NLB).
        alpn_fe_protocol: Str,
        /// AWS account of the object key (`AWSLogs/<account>/elasticloadbalancing/...`).
        account: Str,
        /// Region of the object key.
        region: Str,
    }
}
