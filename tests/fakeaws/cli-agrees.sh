#!/usr/bin/env bash
# Debian's AWS CLI (a reference client with its own botocore) agrees with the fake endpoint:
# signed calls succeed, state moves over polls, errors come back in the services' shapes.
source "$TEJUN_TOP/tests/aws/lib.sh"
A=(/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" --output text)
out=$("${A[@]}" rds describe-db-instances --query 'DBInstances[0].[EngineVersion,DBInstanceStatus]')
expect "rds describe" "5.6.51	available" "$out"
seen=$("${A[@]}" rds create-db-snapshot --db-instance-identifier prod-mysql --db-snapshot-identifier s1 \
  --query DBSnapshot.Status)
for _ in 1 2; do
  seen+=" $("${A[@]}" rds describe-db-snapshots --db-snapshot-identifier s1 --query 'DBSnapshots[0].Status')"
done
expect "snapshot sequence" "creating backing-up available" "$seen"
out=$("${A[@]}" route53 change-resource-record-sets --hosted-zone-id Z0PRIVATE0001 --change-batch \
  '{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"rds-app-writer.private","Type":"CNAME","TTL":0,"ResourceRecords":[{"Value":"aurora.cluster"}]}}]}' \
  --query ChangeInfo.[Id,Status])
expect "route53 upsert" "PENDING" "$out"
id=${out%%	*}
st=""
for _ in 1 2; do st+=" $("${A[@]}" route53 get-change --id "$id" --query ChangeInfo.Status)"; done
expect "route53 PENDING -> INSYNC" "PENDING INSYNC" "$st"
expect "s3 website" "index.html" "$("${A[@]}" s3api get-bucket-website --bucket prod-web)"
expect "events prefix" "batch-cleanup" "$("${A[@]}" events list-rules --name-prefix batch- --query 'Rules[].Name')"
expect "sqs attrs" "3" "$("${A[@]}" sqs get-queue-attributes --queue-url "$AWS_ENDPOINT_URL/123456789012/video-queue" \
  --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages)"
# Errors: a missing resource, a wrong secret, a read-only principal, a throttled call.
err=$("${A[@]}" rds describe-db-instances --db-instance-identifier nope 2>&1 || true)
expect "not found" "(DBInstanceNotFound)" "$err"
err=$(AWS_SECRET_ACCESS_KEY=wrong "${A[@]}" rds describe-db-instances 2>&1 || true)
expect "bad signature" "(SignatureDoesNotMatch)" "$err"
err=$(AWS_SECRET_ACCESS_KEY=wrong "${A[@]}" events list-rules 2>&1 || true)
expect "bad signature, json" "(InvalidSignatureException)" "$err"
err=$(AWS_ACCESS_KEY_ID=AKIDFAKEREADONLY0001 "${A[@]}" lambda update-event-source-mapping \
  --uuid x --no-enabled 2>&1 || true)
expect "access denied" "(AccessDeniedException)" "$err"
inject '{"service":"rds","kind":"throttle","count":10}'
err=$(AWS_MAX_ATTEMPTS=2 "${A[@]}" rds describe-db-instances 2>&1 || true)
expect "throttled" "(Throttling)" "$err"
echo ok
