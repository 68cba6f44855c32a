package mailtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"time"
)

const (
	maxMessage = 32 << 20 // refuse absurd payloads instead of eating memory
	idleLimit  = 30 * time.Second
)

// session is one SMTP connection.
type session struct {
	srv  *Server
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer

	greeted bool
	from    string
	hasFrom bool
	rcpts   []string
}

func newSession(s *Server, c net.Conn) *session {
	return &session{srv: s, conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
}

func (s *session) reply(format string, args ...any) {
	fmt.Fprintf(s.w, format+"\r\n", args...)
	s.w.Flush()
}

func (s *session) resetTx() {
	s.from, s.hasFrom, s.rcpts = "", false, nil
}

func (s *session) serve() {
	s.reply("220 mailtest ESMTP ready")
	for {
		line, err := s.readLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !s.handle(strings.ToUpper(verb), arg) {
			return
		}
	}
}

// handle runs one command; it returns false when the session must end.
func (s *session) handle(verb, arg string) bool {
	switch verb {
	case "EHLO":
		s.greeted = true
		s.resetTx()
		s.reply("250-mailtest greets %s\r\n250-8BITMIME\r\n250 SIZE %d", arg, maxMessage)
	case "HELO":
		s.greeted = true
		s.resetTx()
		s.reply("250 mailtest")
	case "MAIL":
		s.mail(arg)
	case "RCPT":
		s.rcpt(arg)
	case "DATA":
		return s.data()
	case "RSET":
		s.resetTx()
		s.reply("250 2.0.0 OK")
	case "NOOP":
		s.reply("250 2.0.0 OK")
	case "QUIT":
		s.reply("221 2.0.0 bye")
		return false
	default:
		s.reply("502 5.5.1 command not implemented")
	}
	return true
}

func (s *session) mail(arg string) {
	addr, ok := pathArg(arg, "FROM:")
	switch {
	case !s.greeted:
		s.reply("503 5.5.1 say EHLO or HELO first")
	case s.hasFrom:
		s.reply("503 5.5.1 nested MAIL command")
	case !ok:
		s.reply("501 5.5.4 syntax: MAIL FROM:<address>")
	default:
		s.from, s.hasFrom = addr, true
		s.reply("250 2.1.0 OK")
	}
}

func (s *session) rcpt(arg string) {
	addr, ok := pathArg(arg, "TO:")
	switch {
	case !s.hasFrom:
		s.reply("503 5.5.1 need MAIL first")
	case !ok || addr == "":
		s.reply("501 5.5.4 syntax: RCPT TO:<address>")
	default:
		s.rcpts = append(s.rcpts, addr)
		s.reply("250 2.1.5 OK")
	}
}

// pathArg extracts the address from "FROM:<a@b> PARAM=x" (prefix is
// case-insensitive; a space after the colon is tolerated).
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

func (s *session) data() bool {
	if len(s.rcpts) == 0 {
		s.reply("503 5.5.1 need RCPT first")
		return true
	}
	if s.srv.takeFailure() {
		s.resetTx()
		s.reply("451 4.3.0 temporary failure (injected by mailtest)")
		return true
	}
	s.reply("354 end data with <CR><LF>.<CR><LF>")
	raw, err := s.readData()
	if err != nil {
		s.reply("552 5.3.4 %v", err)
		return false
	}
	r := parseMessage(raw)
	r.From, r.To = s.from, s.rcpts
	s.srv.store(r)
	s.resetTx()
	s.reply("250 2.0.0 OK queued")
	return true
}

// readData reads the DATA payload up to the lone dot, undoing dot-stuffing
// (RFC 5321 4.5.2) and keeping CRLF line endings.
func (s *session) readData() ([]byte, error) {
	var buf bytes.Buffer
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if line == "." {
			return buf.Bytes(), nil
		}
		line = strings.TrimPrefix(line, ".")
		if buf.Len()+len(line) > maxMessage {
			return nil, fmt.Errorf("message exceeds %d bytes", maxMessage)
		}
		buf.WriteString(line)
		buf.WriteString("\r\n")
	}
}

// readLine reads one line without its CRLF (a bare LF is accepted too).
func (s *session) readLine() (string, error) {
	s.conn.SetReadDeadline(time.Now().Add(idleLimit))
	var b []byte
	for {
		chunk, isPrefix, err := s.r.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxMessage {
			return "", fmt.Errorf("line too long")
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}
