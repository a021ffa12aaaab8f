package datastore

import (
	"fmt"
	"math"
	"strings"

	"probestore/bindings/go/models"
)

// The C model holds NUL-terminated strings and a 32-bit status: a Go
// value that does not fit is refused, naming the record and field, rather
// than cut short on the way.

func nulField(name, s string) error {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fmt.Errorf("%s contains a NUL byte at offset %d", name, i)
	}
	return nil
}

func nulList(name string, v []string) error {
	for i, s := range v {
		if err := nulField(fmt.Sprintf("%s[%d]", name, i), s); err != nil {
			return err
		}
	}
	return nil
}

func checkProbe(r *models.ProbeResult) error {
	if r.StatusCode < math.MinInt32 || r.StatusCode > math.MaxInt32 {
		return fmt.Errorf("StatusCode %d is out of range", r.StatusCode)
	}
	for _, f := range [...]struct{ name, s string }{
		{"InputURL", r.InputURL}, {"FinalURL", r.FinalURL}, {"ContentType", r.ContentType}, {"Title", r.Title},
		{"WebServer", r.WebServer}, {"RootTargetURL", r.RootTargetURL}, {"Error", r.Error}, {"Method", r.Method},
		{"URLStatus", r.URLStatus}, {"ASN", r.ASN}, {"Body", r.Body},
	} {
		if err := nulField(f.name, f.s); err != nil {
			return err
		}
	}
	if err := nulList("Technologies", r.Technologies); err != nil {
		return err
	}
	if err := nulList("IPs", r.IPs); err != nil {
		return err
	}
	if err := nulList("CNAMEs", r.CNAMEs); err != nil {
		return err
	}
	for k, v := range r.Headers {
		if err := nulField("Headers key "+fmt.Sprintf("%q", k), k); err != nil {
			return err
		}
		if err := nulField(fmt.Sprintf("Headers[%q]", k), v); err != nil {
			return err
		}
	}
	return nil
}

func checkHistory(r *models.FileHistoryRecord) error {
	for _, f := range [...]struct{ name, s string }{
		{"URL", r.URL}, {"Hash", r.Hash}, {"ContentType", r.ContentType}, {"ETag", r.ETag}, {"LastModified", r.LastModified},
	} {
		if err := nulField(f.name, f.s); err != nil {
			return err
		}
	}
	if r.DiffResultJSON != nil {
		if err := nulField("DiffResultJSON", *r.DiffResultJSON); err != nil {
			return err
		}
	}
	if r.ExtractedPathsJSON != nil {
		if err := nulField("ExtractedPathsJSON", *r.ExtractedPathsJSON); err != nil {
			return err
		}
	}
	return nil
}

// argCheck refuses arguments (name, value pairs) holding a NUL byte, which
// would reach C cut short: a lookup of another URL, a write to another
// target.
func argCheck(op string, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if err := nulField(kv[i], kv[i+1]); err != nil {
			return newError(op, codeInvalid, "%v", err)
		}
	}
	return nil
}
