// Package awssandbox emulates the AWS endpoints Canopy's AWS connector
// uses — Cost Explorer (awsJson1_1, target AWSInsightsIndexService), AWS
// Support / Trusted Advisor (awsJson1_1, target AWSSupport_20130415) and STS
// AssumeRole / GetCallerIdentity (awsQuery) — behind one handler, so the
// official aws-sdk-go-v2 clients work against it with only BaseEndpoint
// changed.
//
// Requests are authenticated for real: the SigV4 signature is recomputed
// with the secret of the access key it names, and temporary credentials
// from AssumeRole must carry their session token and expire on the sandbox
// clock. Each principal (IAM user or role) has an allow-list of actions;
// each account has a support plan and the Cost Explorer switches that make
// the real services refuse with their own error codes.
package awssandbox
