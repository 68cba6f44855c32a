// Package pdftext reads the text of a PDF back, so tests can check what a
// statement says (ledongthuc/pdf). Spaces are dropped: fpdf places words
// as separate runs, and a reader may or may not put spaces between them.
package pdftext

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Text returns the text of every page of the PDF b, without white space.
// The PDF library panics on some malformed files (FuzzText found them);
// that is an error here.
func Text(b []byte) (text string, err error) {
	defer func() {
		if v := recover(); v != nil {
			text, err = "", fmt.Errorf("pdftext: malformed PDF: %v", v)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", err
	}
	rd, err := r.GetPlainText()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rd); err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(buf.String()), ""), nil
}
