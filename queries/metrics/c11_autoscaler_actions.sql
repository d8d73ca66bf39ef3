-- metric: trailflow.autoscaling.actions
-- instrument: counter
-- unit: {call}
-- description: Node autoscaler actions by controller (cluster_autoscaler, karpenter), Auto Scaling group (Cluster Autoscaler), caller role, action and outcome (success, throttled, access_denied, error); repeated failures are stuck scale-downs.
-- table: cloudtrail
-- value: calls
-- labels: asg_name, caller_role, controller, event_name, outcome, error_code, account, region
-- fold: asg_name
-- serves: C11 · "Boundary on node role: Autoscaler terminates fail"; stuck scale-down loops
-- variants: Cluster Autoscaler (`lookups.cluster_autoscaler_role_patterns`): autoscaling.amazonaws.com SetDesiredCapacity, TerminateInstanceInAutoScalingGroup and UpdateAutoScalingGroup. Karpenter (`lookups.karpenter_role_patterns`): ec2.amazonaws.com CreateFleet, RunInstances and TerminateInstances. The role is the caller's session issuer (IRSA or Pod Identity).
-- leaves out: Scaling by anyone else (EKS managed node group updates, Terraform, people) and each controller's read-only Describe calls.
SELECT asg_name, caller_role, controller, event_name, outcome, error_code, account, region, COUNT(*) AS calls
FROM (
    SELECT
        asg_name,
        session_issuer_arn AS caller_role,
        CASE
            WHEN event_source = 'ec2.amazonaws.com' THEN 'karpenter'
            ELSE 'cluster_autoscaler'
        END AS controller,
        event_name,
        outcome(error_code) AS outcome,
        error_code,
        recipient_account_id AS account,
        aws_region AS region
    FROM cloudtrail
    WHERE (event_source = 'autoscaling.amazonaws.com'
           AND event_name IN ('SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup', 'UpdateAutoScalingGroup')
           AND role_is('cluster_autoscaler', session_issuer_arn))
       OR (event_source = 'ec2.amazonaws.com'
           AND event_name IN ('CreateFleet', 'RunInstances', 'TerminateInstances')
           AND role_is('karpenter', session_issuer_arn))
) AS actions
GROUP BY asg_name, caller_role, controller, event_name, outcome, error_code, account, region
