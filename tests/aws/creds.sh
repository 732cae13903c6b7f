#!/usr/bin/env bash
# The credential chain as the AWS CLI resolves it: env (with session token), AWS_PROFILE in
# ~/.aws/credentials + ~/.aws/config (keys, role_arn + source_profile via STS AssumeRole,
# credential_process), then IMDSv2; the region from env, the profile, or IMDS.
source "$TEJUN_TOP/tests/aws/lib.sh"
KEY=$AWS_ACCESS_KEY_ID SECRET=$AWS_SECRET_ACCESS_KEY
cat >"$T/who.lua" <<'LUA'
local r, msg = aws.call('sts:GetCallerIdentity', {})
print(r and r.Arn or msg, aws.region())
LUA
who() { "$LUARUN" "$T/who.lua" 2>&1; }
mkdir -p "$HOME/.aws"
cat >"$HOME/.aws/credentials" <<INI
[ops]
aws_access_key_id = $KEY
aws_secret_access_key = $SECRET
INI
cat >"$HOME/.aws/config" <<INI
[profile ops]
region = ap-northeast-1
[profile admin]
role_arn = arn:aws:iam::123456789012:role/cutover
source_profile = ops
role_session_name = tejun-test
[profile proc]
credential_process = printf '{"Version":1,"AccessKeyId":"AKIDFAKEREADONLY0001","SecretAccessKey":"%s"}' '$SECRET'
INI

expect "env keys" "arn:aws:iam::123456789012:user/tester	ap-northeast-1" "$(who)"

# env with a session token (temporary keys from STS through the reference CLI)
eval "$(/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" sts assume-role --role-arn arn:aws:iam::123456789012:role/env \
  --role-session-name envtest --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text |
  awk '{print "TK="$1"; TS="$2"; TT="$3}')"
expect "env + session token" "assumed-role/env/envtest" "$(AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS AWS_SESSION_TOKEN=$TT who)"
expect "token checked" "InvalidClientTokenId" "$(AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS AWS_SESSION_TOKEN=bogus who)"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION
expect "profile keys and region" "arn:aws:iam::123456789012:user/tester	ap-northeast-1" "$(AWS_PROFILE=ops who)"
expect "assume role" "arn:aws:sts::123456789012:assumed-role/cutover/tejun-test	" "$(AWS_PROFILE=admin AWS_REGION=ap-northeast-1 who)"
expect "credential_process" "user/readonly" "$(AWS_PROFILE=proc AWS_REGION=ap-northeast-1 who)"
rm -rf "$HOME/.aws"
expect "IMDSv2 role and region" "assumed-role/bastion-role/i-0fake	ap-northeast-1" "$(who)"
out=$(AWS_EC2_METADATA_DISABLED=true AWS_REGION=ap-northeast-1 who)
expect "nothing found" "no AWS credentials" "$out"
echo ok
