/* Table of AWS services and operations. A new operation is one new line here. */
#include "config.h"
#include "aws/awsops.h"
#include <stdio.h>
#include <string.h>

enum { RDS, R53, ELB, S3, LAMBDA, EVENTS, SQS, CW, STS };

static const struct awsops_service svcs[] = {
	[RDS] = {"rds", "rds", "RDS", "rds.%s.amazonaws.com", AWSOPS_QUERY, "2014-10-31", false},
	[R53] = {"route53", "route53", "ROUTE_53", "route53.amazonaws.com", AWSOPS_REST_XML, "2013-04-01", true},
	[ELB] = {"elbv2", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2",
		 "elasticloadbalancing.%s.amazonaws.com", AWSOPS_QUERY, "2015-12-01", false},
	[S3] = {"s3", "s3", "S3", "s3.%s.amazonaws.com", AWSOPS_REST_XML, NULL, false},
	[LAMBDA] = {"lambda", "lambda", "LAMBDA", "lambda.%s.amazonaws.com", AWSOPS_REST_JSON, NULL, false},
	[EVENTS] = {"events", "events", "EVENTBRIDGE", "events.%s.amazonaws.com", AWSOPS_JSON, "AWSEvents", false},
	[SQS] = {"sqs", "sqs", "SQS", "sqs.%s.amazonaws.com", AWSOPS_QUERY, "2012-11-05", false},
	[CW] = {"cloudwatch", "monitoring", "CLOUDWATCH", "monitoring.%s.amazonaws.com", AWSOPS_QUERY,
		"2010-08-01", false},
	[STS] = {"sts", "sts", "STS", "sts.%s.amazonaws.com", AWSOPS_QUERY, "2011-06-15", false},
};

#define RDS_LISTS "Filters>Filter,Values>Value,VpcSecurityGroupIds>VpcSecurityGroupId"
#define R53_NS "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\""

const struct awsops_op awsops_ops[] = {
	/* RDS */
	{"rds:DescribeDBInstances", "DBInstanceIdentifier", false, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	{"rds:CreateDBSnapshot", "DBSnapshotIdentifier", true, NULL, NULL, NULL, &svcs[RDS]},
	{"rds:DescribeDBSnapshots", "DBSnapshotIdentifier", false, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	{"rds:ModifyDBInstance", "DBInstanceIdentifier", true, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	{"rds:CreateDBCluster", "DBClusterIdentifier", true, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	{"rds:CreateDBInstance", "DBInstanceIdentifier", true, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	{"rds:PromoteReadReplicaDBCluster", "DBClusterIdentifier", true, NULL, NULL, NULL, &svcs[RDS]},
	{"rds:DescribeDBClusters", "DBClusterIdentifier", false, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	{"rds:DescribeDBParameters", "DBParameterGroupName", false, NULL, NULL, RDS_LISTS, &svcs[RDS]},
	/* Route53 */
	{"route53:ChangeResourceRecordSets", "HostedZoneId", true, "POST /2013-04-01/hostedzone/{HostedZoneId}/rrset/",
	 "ChangeResourceRecordSetsRequest " R53_NS, "Changes>Change,ResourceRecords>ResourceRecord", &svcs[R53]},
	{"route53:GetChange", "Id", false, "GET /2013-04-01/change/{Id}", NULL, NULL, &svcs[R53]},
	{"route53:ListResourceRecordSets", "HostedZoneId", false,
	 "GET /2013-04-01/hostedzone/{HostedZoneId}/rrset?name={StartRecordName}&type={StartRecordType}"
	 "&maxitems={MaxItems}", NULL, NULL, &svcs[R53]},
	{"route53:ListHostedZonesByName", "DNSName", false, "GET /2013-04-01/hostedzonesbyname?dnsname={DNSName}",
	 NULL, NULL, &svcs[R53]},
	/* ELBv2 */
	{"elbv2:DescribeLoadBalancers", "Names", false, NULL, NULL, NULL, &svcs[ELB]},
	{"elbv2:DescribeListeners", "LoadBalancerArn", false, NULL, NULL, NULL, &svcs[ELB]},
	{"elbv2:DescribeRules", "ListenerArn", false, NULL, NULL, NULL, &svcs[ELB]},
	{"elbv2:CreateRule", "ListenerArn", true, NULL, NULL, NULL, &svcs[ELB]},
	{"elbv2:DeleteRule", "RuleArn", true, NULL, NULL, NULL, &svcs[ELB]},
	/* S3 */
	{"s3:GetBucketWebsite", "Bucket", false, "GET /{Bucket}?website", NULL, NULL, &svcs[S3]},
	{"s3:PutBucketWebsite", "Bucket", true, "PUT /{Bucket}?website", "=WebsiteConfiguration",
	 "RoutingRules>RoutingRule", &svcs[S3]},
	{"s3:DeleteBucketWebsite", "Bucket", true, "DELETE /{Bucket}?website", NULL, NULL, &svcs[S3]},
	/* Lambda */
	{"lambda:ListEventSourceMappings", "FunctionName", false,
	 "GET /2015-03-31/event-source-mappings/?FunctionName={FunctionName}&EventSourceArn={EventSourceArn}"
	 "&Marker={Marker}", NULL, NULL, &svcs[LAMBDA]},
	{"lambda:GetEventSourceMapping", "UUID", false, "GET /2015-03-31/event-source-mappings/{UUID}", NULL, NULL,
	 &svcs[LAMBDA]},
	{"lambda:UpdateEventSourceMapping", "UUID", true, "PUT /2015-03-31/event-source-mappings/{UUID}", NULL, NULL,
	 &svcs[LAMBDA]},
	/* EventBridge */
	{"events:ListRules", "NamePrefix", false, NULL, NULL, NULL, &svcs[EVENTS]},
	{"events:DescribeRule", "Name", false, NULL, NULL, NULL, &svcs[EVENTS]},
	{"events:DisableRule", "Name", true, NULL, NULL, NULL, &svcs[EVENTS]},
	{"events:EnableRule", "Name", true, NULL, NULL, NULL, &svcs[EVENTS]},
	/* SQS */
	{"sqs:GetQueueUrl", "QueueName", false, NULL, NULL, NULL, &svcs[SQS]},
	{"sqs:GetQueueAttributes", "QueueUrl", false, NULL, NULL, "AttributeNames=AttributeName", &svcs[SQS]},
	/* CloudWatch */
	{"cloudwatch:GetMetricData", NULL, false, NULL, NULL, NULL, &svcs[CW]},
	/* STS */
	{"sts:AssumeRole", "RoleArn", false, NULL, NULL, NULL, &svcs[STS]},
	{"sts:GetCallerIdentity", NULL, false, NULL, NULL, NULL, &svcs[STS]},
	{NULL, NULL, false, NULL, NULL, NULL, NULL},
};

const struct awsops_op *awsops_find(const char *name)
{
	for (const struct awsops_op *op = awsops_ops; op->name; op++)
		if (strcmp(op->name, name) == 0)
			return op;
	return NULL;
}

const char *awsops_action(const struct awsops_op *op)
{
	return strchr(op->name, ':') + 1;
}

const char *awsops_list_item(const struct awsops_op *op, const char *key, bool *flat)
{
	static __thread char item[64];
	*flat = false;
	size_t kl = strlen(key);
	for (const char *p = op->lists; p && *p;) {
		size_t l = strcspn(p, ",");
		if (l > kl + 1 && strncmp(p, key, kl) == 0 && (p[kl] == '>' || p[kl] == '=')) {
			*flat = p[kl] == '=';
			snprintf(item, sizeof item, "%.*s", (int)(l - kl - 1), p + kl + 1);
			return item;
		}
		p += l + (p[l] == ',');
	}
	return "member";
}
