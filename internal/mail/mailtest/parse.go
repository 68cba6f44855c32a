package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// parseMessage decodes what a test wants to read from a raw message. A
// message it cannot parse is still kept (with Raw) so the test can see it.
func parseMessage(raw []byte) Received {
	r := Received{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return r
	}
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		r.Subject = subj
	} else {
		r.Subject = msg.Header.Get("Subject")
	}
	header := textproto.MIMEHeader(msg.Header)
	collectParts(&r, header, msg.Body)
	return r
}

// collectParts walks a (possibly multipart) entity and keeps the first
// text/plain and text/html bodies it finds.
func collectParts(r *Received, h textproto.MIMEHeader, body io.Reader) {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain" // RFC 2045 default
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: we decode the transfer encoding ourselves, for all
			// parts alike.
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			collectParts(r, p.Header, p)
		}
	}
	if disp, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && disp == "attachment" {
		data, _ := decodeRaw(h.Get("Content-Transfer-Encoding"), body)
		r.Attachments = append(r.Attachments, Attachment{Name: dp["filename"], ContentType: mediaType, Data: data})
		return
	}
	text := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
}

func decodeBody(encoding string, body io.Reader) string {
	b, err := decodeRaw(encoding, body)
	if err != nil {
		return "<mailtest: undecodable body: " + err.Error() + ">"
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// decodeRaw undoes the transfer encoding (attachments keep their bytes).
func decodeRaw(encoding string, body io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips CR/LF itself
	}
	return io.ReadAll(body)
}

// FindLink returns the first URL in text that starts with prefix, or "".
// The URL ends at whitespace or at a character that cannot end a link in
// prose (closing brackets, quotes, trailing sentence punctuation).
func FindLink(text, prefix string) string {
	i := strings.Index(text, prefix)
	if i < 0 {
		return ""
	}
	link := text[i:]
	if end := strings.IndexAny(link, " \t\r\n<>\"'"); end >= 0 {
		link = link[:end]
	}
	return strings.TrimRight(link, ".,;:!?)]")
}
