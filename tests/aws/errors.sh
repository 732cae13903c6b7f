#!/usr/bin/env bash
# Errors a runbook author must understand at once: access denied, missing resources,
# misuse of the API; helpers raise, aws.call returns nil, message, code.
source "$TEJUN_TOP/tests/aws/lib.sh"
cat >"$T/t.lua" <<'LUA'
local function try(f, ...) local ok, e = pcall(f, ...) assert(not ok, 'expected an error') return e end
print('1', select(2, aws.call('rds:CreateDBSnapshot', {DBInstanceIdentifier = 'prod-mysql', DBSnapshotIdentifier = 'x'})))
print('2', try(aws.rds.instance, 'no-such-db'))
print('3', try(aws.lambda.mappings, 'no-such-function'))
print('4', try(aws.events.disable_rules, {prefix = 'batch-'}))
print('5', try(aws.call, 'rds:DropEverything', {}))
print('6', select(2, aws.call('rds:DescribeDBInstances', {DBInstanceIdentifierx = 'prod-mysql'})))
print('7', try(aws.s3.maintenance_on, {bucket = 'no-such-bucket'}))
print('8', try(aws.sqs.depth, {queue = 'no-such-queue'}))
LUA
out=$(AWS_ACCESS_KEY_ID=AKIDFAKEREADONLY0001 "$LUARUN" "$T/t.lua" 2>&1)
expect "denied (query)" "1	rds:CreateDBSnapshot x: AccessDenied: User: arn:aws:iam::123456789012:user/readonly is not authorized to perform: rds:CreateDBSnapshot" "$out"
expect "denied hint" "lack this IAM permission" "$out"
expect "missing instance" "2	rds:DescribeDBInstances no-such-db: DBInstanceNotFound: DBInstance no-such-db not found. (no such resource" "$out"
expect "missing function" "3	lambda:ListEventSourceMappings no-such-function: ResourceNotFoundException" "$out"
expect "denied (json)" "4	events:DisableRule batch-cleanup: AccessDeniedException" "$out"
expect "unknown op raises" "5	bad argument #1 to 'aws.call' (unknown AWS operation" "$out"
expect "misspelt parameter" "6	rds:DescribeDBInstances -: InvalidParameterValue: Unknown parameter in input: \"DBInstanceIdentifierx\"" "$out"
expect "missing bucket" "7	s3:GetBucketWebsite no-such-bucket: NoSuchBucket" "$out"
expect "missing queue" "8	sqs:GetQueueUrl no-such-queue: AWS.SimpleQueueService.NonExistentQueue" "$out"
echo ok
