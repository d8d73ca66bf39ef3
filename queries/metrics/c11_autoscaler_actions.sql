-- metric: trailflow.autoscaling.actions
-- instrument: counter
-- unit: {call}
-- description: Auto Scaling actions (SetDesiredCapacity, TerminateInstanceInAutoScalingGroup, UpdateAutoScalingGroup) by group, caller role and outcome; repeated failures are stuck scale-downs.
-- table: cloudtrail
-- value: calls
-- labels: asg_name, caller_role, event_name, outcome, error_code
-- serves: C11 · "Boundary on node role: Autoscaler terminates fail"; stuck scale-down loops
SELECT asg_name, caller_role, event_name, outcome, error_code, COUNT(*) AS calls
FROM (
    SELECT
        asg_name,
        COALESCE(session_issuer_arn, identity_arn) AS caller_role,
        event_name,
        CASE WHEN error_code IS NULL THEN 'success' ELSE 'failure' END AS outcome,
        error_code
    FROM cloudtrail
    WHERE event_source = 'autoscaling.amazonaws.com'
      AND event_name IN ('SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup', 'UpdateAutoScalingGroup')
) AS actions
GROUP BY asg_name, caller_role, event_name, outcome, error_code
