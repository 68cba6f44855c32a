package awsconn

import "strings"

// serviceCategories maps Cost Explorer's SERVICE names to FOCUS 1.2
// service categories. (The CUR importer's table is keyed by product code,
// which Cost Explorer does not give; the categories agree with it.)
var serviceCategories = func() map[string]string {
	byCategory := map[string][]string{
		"Compute": {"Amazon Elastic Compute Cloud - Compute", "EC2 - Other", "AWS Lambda", "Amazon Elastic Container Service",
			"Amazon Elastic Container Service for Kubernetes", "Amazon Elastic Kubernetes Service", "Amazon EC2 Container Registry (ECR)",
			"Amazon Lightsail", "AWS Fargate", "AWS Batch", "AWS App Runner", "Savings Plans for AWS Compute usage"},
		"Storage": {"Amazon Simple Storage Service", "Amazon Elastic File System", "Amazon Elastic Block Store", "Amazon FSx",
			"Amazon S3 Glacier", "AWS Backup", "AWS Storage Gateway"},
		"Databases": {"Amazon Relational Database Service", "Amazon DynamoDB", "Amazon ElastiCache", "Amazon Redshift",
			"Amazon DocumentDB (with MongoDB compatibility)", "Amazon Neptune", "Amazon MemoryDB", "Amazon Timestream"},
		"Networking": {"Elastic Load Balancing", "Amazon Virtual Private Cloud", "AWS Data Transfer", "Amazon CloudFront",
			"Amazon Route 53", "AWS Direct Connect", "Amazon API Gateway", "AWS Global Accelerator", "AWS Network Firewall"},
		"Analytics": {"Amazon Athena", "AWS Glue", "Amazon Kinesis", "Amazon Kinesis Firehose", "Amazon OpenSearch Service",
			"Amazon Elastic MapReduce", "Amazon QuickSight", "Amazon Managed Streaming for Apache Kafka"},
		"AI and Machine Learning": {"Amazon SageMaker", "Amazon Bedrock", "Amazon Rekognition", "Amazon Textract",
			"Amazon Comprehend", "Amazon Transcribe", "Amazon Translate", "Amazon Polly"},
		"Security": {"AWS Key Management Service", "AWS Secrets Manager", "Amazon GuardDuty", "AWS Security Hub", "AWS WAF",
			"AWS Shield", "Amazon Cognito", "AWS Certificate Manager", "Amazon Inspector"},
		"Management and Governance": {"Amazon CloudWatch", "AWS CloudTrail", "AWS Config", "AWS CloudFormation",
			"AWS Systems Manager", "AWS Cost Explorer"},
		"Integration":           {"Amazon Simple Queue Service", "Amazon Simple Notification Service", "Amazon MQ", "AWS Step Functions", "Amazon EventBridge"},
		"Developer Tools":       {"CodeBuild", "AWS CodeCommit", "AWS CodePipeline", "AWS CodeArtifact", "AWS Amplify"},
		"Business Applications": {"Amazon Simple Email Service", "Amazon Connect", "Amazon WorkSpaces", "Amazon WorkMail", "Amazon Chime"},
	}
	m := map[string]string{}
	for category, names := range byCategory {
		for _, n := range names {
			m[strings.ToLower(n)] = category
		}
	}
	return m
}()

func serviceCategory(service string) string {
	if c, ok := serviceCategories[strings.ToLower(service)]; ok {
		return c
	}
	return "Other"
}
