package wsfedtest

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	hiddenRE   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// Posted is the form the STS's answer page posts by itself.
type Posted struct {
	Action string
	Fields url.Values
}

// SignIn does what a browser does at the STS without JavaScript: it opens
// signInURL (Canopy's wsignin1.0 request), submits the sign-in form as
// username and returns the form the answer page would post to wreply.
func SignIn(client *http.Client, signInURL, username string) (Posted, error) {
	res, err := client.Get(signInURL)
	if err != nil {
		return Posted{}, err
	}
	page, err := readPage(res)
	if err != nil {
		return Posted{}, err
	}
	form := hiddenFields(page)
	form.Set("username", username)
	u, err := url.Parse(signInURL)
	if err != nil {
		return Posted{}, err
	}
	res, err = client.PostForm(u.Scheme+"://"+u.Host+SignInPath, form)
	if err != nil {
		return Posted{}, err
	}
	if page, err = readPage(res); err != nil {
		return Posted{}, err
	}
	m := formAction.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `name="wresult"`) {
		return Posted{}, fmt.Errorf("wsfedtest: the STS did not answer with a token:\n%s", page)
	}
	return Posted{Action: html.UnescapeString(m[1]), Fields: hiddenFields(page)}, nil
}

func readPage(res *http.Response) (string, error) {
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("wsfedtest: HTTP %d: %s", res.StatusCode, b)
	}
	return string(b), nil
}

func hiddenFields(page string) url.Values {
	out := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		out.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return out
}

var (
	cleanupFrame = regexp.MustCompile(`<iframe class="sts-cleanup" src="([^"]*)"`)
	continueLink = regexp.MustCompile(`<a id="sts-continue" href="([^"]*)"`)
)

// SignedOut is what a browser met signing out at the STS.
type SignedOut struct {
	// Cleanups are the relying parties' wsignoutcleanup1.0 URLs the page
	// loaded, and Answers their HTTP status codes, in the same order.
	Cleanups []string
	Answers  []int
	// Reply is where the page then sent the browser (wreply), if anywhere.
	Reply string
}

// SignOut does what a browser does with a wsignout1.0 URL at the STS: it
// opens it, loads each cleanup frame with the same client (so with its
// cookies) and returns where the page goes on to, without following it.
func SignOut(client *http.Client, signOutURL string) (SignedOut, error) {
	var out SignedOut
	res, err := client.Get(signOutURL)
	if err != nil {
		return out, err
	}
	page, err := readPage(res)
	if err != nil {
		return out, err
	}
	if !strings.Contains(page, `id="sts-signed-out"`) {
		return out, fmt.Errorf("wsfedtest: not the signed-out page:\n%s", page)
	}
	for _, m := range cleanupFrame.FindAllStringSubmatch(page, -1) {
		u := html.UnescapeString(m[1])
		res, err := client.Get(u)
		if err != nil {
			return out, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		out.Cleanups, out.Answers = append(out.Cleanups, u), append(out.Answers, res.StatusCode)
	}
	if m := continueLink.FindStringSubmatch(page); m != nil {
		out.Reply = html.UnescapeString(m[1])
	}
	return out, nil
}
