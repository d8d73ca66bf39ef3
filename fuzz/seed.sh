#!/bin/sh
# Seeds the fuzz corpora (fuzz/corpus/, not committed) from samples/: the CloudTrail objects
# (gzip and inflated), the flow-log objects, and one notification of each envelope kind
# naming the sample keys.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/cloudtrail corpus/flowlog corpus/notification
for f in ../samples/AWSLogs/*/CloudTrail*/*/*/*/*/*.gz; do
  cp "$f" corpus/cloudtrail/
  gzip -dc "$f" > "corpus/cloudtrail/$(basename "$f" .gz)"
done
for f in ../samples/AWSLogs/*/vpcflowlogs/*/*/*/*/*.gz; do
  cp "$f" corpus/flowlog/
  gzip -dc "$f" > "corpus/flowlog/$(basename "$f" .gz)"
done
n=0
for f in ../samples/AWSLogs/*/*/*/*/*/*/*.gz; do
  key=${f#../samples/}
  n=$((n + 1))
  printf '{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"logs"},"object":{"key":"%s","size":1024,"eTag":"abc"}}}]}' "$key" > "corpus/notification/s3-$n.json"
  printf '{"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"{\\"Records\\":[{\\"eventSource\\":\\"aws:s3\\",\\"eventName\\":\\"ObjectCreated:Put\\",\\"s3\\":{\\"bucket\\":{\\"name\\":\\"logs\\"},\\"object\\":{\\"key\\":\\"%s\\"}}}]}"}' "$key" > "corpus/notification/sns-$n.json"
  printf '{"version":"0","id":"e","detail-type":"Object Created","source":"aws.s3","account":"1","region":"eu-west-1","detail":{"bucket":{"name":"logs"},"object":{"key":"%s","size":1,"etag":"x"}}}' "$key" > "corpus/notification/eventbridge-$n.json"
  printf '{"s3Bucket":"logs","s3ObjectKey":["%s"]}' "$key" > "corpus/notification/cloudtrail-$n.json"
done
echo "seeded: $(ls corpus/cloudtrail | wc -l) cloudtrail, $(ls corpus/flowlog | wc -l) flowlog, $(ls corpus/notification | wc -l) notification"
