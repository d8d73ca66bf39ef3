#!/bin/sh
# Creates what AWS would hold, in the local S3/SQS (moto): the log bucket, the notification
# queue and its dead-letter queue (redrive after 3 receives), the bucket's event notification
# for new objects, and then uploads samples/ so that notifications flow.
# Runs in the amazon/aws-cli image with AWS_ENDPOINT_URL pointing at moto.
set -eu

account=123456789012
region="${AWS_DEFAULT_REGION:-eu-west-1}"
bucket=trailflow-logs
queue=trailflow-notifications

aws s3api create-bucket --bucket "$bucket" \
  --create-bucket-configuration "LocationConstraint=$region" >/dev/null
aws sqs create-queue --queue-name "$queue-dlq" >/dev/null
aws sqs create-queue --queue-name "$queue" --attributes "{
  \"VisibilityTimeout\": \"60\",
  \"RedrivePolicy\": \"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:$region:$account:$queue-dlq\\\",\\\"maxReceiveCount\\\":\\\"3\\\"}\"
}" >/dev/null
aws s3api put-bucket-notification-configuration --bucket "$bucket" \
  --notification-configuration "{
    \"QueueConfigurations\": [{
      \"QueueArn\": \"arn:aws:sqs:$region:$account:$queue\",
      \"Events\": [\"s3:ObjectCreated:*\"],
      \"Filter\": {\"Key\": {\"FilterRules\": [{\"Name\": \"prefix\", \"Value\": \"AWSLogs/\"}]}}
    }]
  }"
aws s3 cp --recursive --only-show-errors /samples/AWSLogs "s3://$bucket/AWSLogs"
echo "uploaded samples to s3://$bucket; notifications are in $queue"
