package awssandbox

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

type assumeRoleResponse struct {
	XMLName         xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	AssumedRoleArn  string   `xml:"AssumeRoleResult>AssumedRoleUser>Arn"`
	AssumedRoleID   string   `xml:"AssumeRoleResult>AssumedRoleUser>AssumedRoleId"`
	AccessKeyID     string   `xml:"AssumeRoleResult>Credentials>AccessKeyId"`
	SecretAccessKey string   `xml:"AssumeRoleResult>Credentials>SecretAccessKey"`
	SessionToken    string   `xml:"AssumeRoleResult>Credentials>SessionToken"`
	Expiration      string   `xml:"AssumeRoleResult>Credentials>Expiration"`
	RequestID       string   `xml:"ResponseMetadata>RequestId"`
}

type callerIdentityResponse struct {
	XMLName   xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Arn       string   `xml:"GetCallerIdentityResult>Arn"`
	UserID    string   `xml:"GetCallerIdentityResult>UserId"`
	Account   string   `xml:"GetCallerIdentityResult>Account"`
	RequestID string   `xml:"ResponseMetadata>RequestId"`
}

func (a *AWS) serveSTS(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	action := form.Get("Action")
	throttled := a.count(action)
	reqID := a.requestID(action)
	w.Header().Set("X-Amzn-RequestId", reqID)
	if err != nil || action == "" {
		writeSTSError(w, errf(http.StatusBadRequest, "", "MissingAction", "Missing Action"), reqID)
		return
	}
	c, e := a.authenticate(r, body, stsAuth)
	if e == nil && throttled {
		e = errf(http.StatusBadRequest, "", "Throttling", "Rate exceeded")
	}
	if e != nil {
		writeSTSError(w, e, reqID)
		return
	}
	switch action {
	case "AssumeRole":
		out, e := a.assumeRole(c, form)
		if e != nil {
			writeSTSError(w, e, reqID)
			return
		}
		out.RequestID = reqID
		writeXML(w, http.StatusOK, out)
	case "GetCallerIdentity":
		writeXML(w, http.StatusOK, callerIdentityResponse{Arn: c.arn, UserID: c.userID, Account: c.account, RequestID: reqID})
	default:
		writeSTSError(w, errf(http.StatusBadRequest, "", "InvalidAction", "Could not find operation "+action+" for version 2011-06-15"), reqID)
	}
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// assumeRole checks the caller's permission and the role's trust policy
// (trusted account + external ID) and issues session credentials.
func (a *AWS) assumeRole(c *caller, form url.Values) (*assumeRoleResponse, *apiError) {
	roleARN, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	if !sessionNameRE.MatchString(session) {
		return nil, errf(http.StatusBadRequest, "", "ValidationError", "1 validation error detected: Value '"+session+"' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	duration, e := sessionDuration(form.Get("DurationSeconds"))
	if e != nil {
		return nil, e
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.roles[roleARN]
	denied := errf(http.StatusForbidden, "", "AccessDenied", "User: "+c.arn+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
	if r == nil || r.trustedAccount != c.account || r.externalID != form.Get("ExternalId") || !allowList(c.policy.allow, "sts:AssumeRole") {
		return nil, denied
	}
	a.sessions++
	n := strconv.Itoa(a.sessions)
	k := &accessKey{
		id: "ASIA" + a.keyID("session", roleARN, session, n), secret: a.secret("session", roleARN, session, n),
		token:   "FwoGZXIvYXdzE" + a.secret("token", roleARN, session, n) + a.secret("token2", roleARN, session, n),
		expires: a.clock.Now().Add(duration).Truncate(time.Second), role: r,
		callerARN: "arn:aws:sts::" + r.account + ":assumed-role/" + r.name + "/" + session,
	}
	a.keys[k.id] = k
	return &assumeRoleResponse{
		AssumedRoleArn: k.callerARN, AssumedRoleID: r.id + ":" + session,
		AccessKeyID: k.id, SecretAccessKey: k.secret, SessionToken: k.token,
		Expiration: k.expires.Format(time.RFC3339),
	}, nil
}

// sessionDuration parses DurationSeconds: 900 s up to the role's maximum
// session duration (the default one hour), 3600 when absent.
func sessionDuration(s string) (time.Duration, *apiError) {
	if s == "" {
		return time.Hour, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 900 {
		return 0, errf(http.StatusBadRequest, "", "ValidationError", "1 validation error detected: Value '"+s+"' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
	}
	if n > 3600 {
		return 0, errf(http.StatusBadRequest, "", "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return time.Duration(n) * time.Second, nil
}
