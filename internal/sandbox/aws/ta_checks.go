package awssandbox

import (
	"encoding/json"
	"fmt"
	"strings"
)

// taCheck is a Trusted Advisor check with its real ID, name and metadata
// columns, and how to seed one flagged row of it.
type taCheck struct {
	id, name, description string
	metadata              []string
	row                   func(a *AWS, account, n string) (region string, savingsCents int64, meta []string)
}

var taChecks = []taCheck{
	{"Qch7DwouX1", "Low Utilization Amazon EC2 Instances",
		"Checks the Amazon Elastic Compute Cloud (Amazon EC2) instances that were running at any time during the last 14 days and alerts you if the daily CPU utilization was 10% or less and network I/O was 5 MB or less on 4 or more days.",
		append(append([]string{"Region/AZ", "Instance ID", "Instance Name", "Instance Type", "Estimated Monthly Savings"}, days14()...),
			"14-Day Average CPU Utilization", "14-Day Average Network I/O", "Number of Days Low Utilization"),
		lowUtilizationRow},
	{"hjLMh88uM8", "Idle Load Balancers",
		"Checks your Elastic Load Balancing configuration for load balancers that are not actively used.",
		[]string{"Region", "Load Balancer Name", "Reason", "Estimated Monthly Savings"},
		func(a *AWS, acct, n string) (string, int64, []string) {
			return "us-east-1", 1643, []string{"us-east-1", "lb-idle-" + n, "Low request count", "$16.43"}
		}},
	{"DAvU99Dc4C", "Underutilized Amazon EBS Volumes",
		"Checks Amazon Elastic Block Store (Amazon EBS) volume configurations and warns when volumes appear to be underutilized.",
		[]string{"Region", "Volume ID", "Volume Name", "Volume Type", "Volume Size", "Monthly Storage Cost", "Snapshot ID", "Snapshot Name", "Snapshot Age"},
		func(a *AWS, acct, n string) (string, int64, []string) {
			size := 50 + a.num(450, "ebs", acct, n)
			cents := size * 8 // gp3 at $0.08 per GB-month
			return "us-east-1", cents, []string{"us-east-1", "vol-0" + hexID(a, "vol", acct, n), "data-" + n, "gp3", fmt.Sprint(size), dollars(cents), "", "", ""}
		}},
	{"Z4AUBRNSmz", "Unassociated Elastic IP Addresses",
		"Checks for Elastic IP addresses (EIPs) that are not associated with a running Amazon Elastic Compute Cloud (Amazon EC2) instance.",
		[]string{"Region", "IP Address"},
		func(a *AWS, acct, n string) (string, int64, []string) {
			return "us-west-2", 365, []string{"us-west-2", fmt.Sprintf("54.%d.%d.%d", 10+a.num(200, "ip1", acct, n), a.num(250, "ip2", acct, n), 1+a.num(250, "ip3", acct, n))}
		}},
	{"Ti39halfu8", "Amazon RDS Idle DB Instances",
		"Checks the configuration of your Amazon Relational Database Service (Amazon RDS) for any DB instances that appear to be idle.",
		[]string{"Region", "DB Instance Name", "Multi-AZ", "Instance Type", "Storage Provisioned (GB)", "Days Since Last Connection", "Estimated Monthly Savings (On Demand)"},
		func(a *AWS, acct, n string) (string, int64, []string) {
			return "eu-west-1", 18250, []string{"eu-west-1", "reports-db-" + n, "false", "db.r5.large", "100", fmt.Sprint(7 + a.num(40, "rds", acct, n)), "$182.50"}
		}},
}

func days14() []string {
	out := make([]string, 14)
	for i := range out {
		out[i] = fmt.Sprintf("Day %d", i+1)
	}
	return out
}

func lowUtilizationRow(a *AWS, acct, n string) (string, int64, []string) {
	types := []string{"m5.large", "m5.xlarge", "c5.xlarge"}
	typ := types[a.num(3, "ec2type", acct, n)]
	cents := shapes[typ].rate * 730 / 100_000_000
	meta := []string{"us-east-1a", "i-0" + hexID(a, "ta-ec2", acct, n), "batch-" + n, typ, dollars(cents)}
	for d := 0; d < 14; d++ {
		meta = append(meta, fmt.Sprintf("%d.%d%%  0.%02dMB", a.num(6, "cpu", acct, n, fmt.Sprint(d)), a.num(10, "cpud", acct, n, fmt.Sprint(d)), a.num(90, "net", acct, n, fmt.Sprint(d))))
	}
	return "us-east-1", cents, append(meta, "2.4%", "0.45MB", "14 days")
}

func hexID(a *AWS, parts ...string) string { return hashHex(string(a.hash(parts...)))[:16] }

// dollars writes cents as the metadata columns do: "$1,234.56" without the comma.
func dollars(cents int64) string { return "$" + centsNumber(cents).String() }

// centsNumber is a JSON number for an amount in cents (Support sends doubles).
func centsNumber(cents int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100))
}

func findCheck(id string) *taCheck {
	for i := range taChecks {
		if strings.EqualFold(taChecks[i].id, id) {
			return &taChecks[i]
		}
	}
	return nil
}
