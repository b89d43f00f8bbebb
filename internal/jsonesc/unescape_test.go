package jsonesc

import (
	"encoding/json"
	"testing"
)

// TestUnescapeAgreesWithEncodingJSON reads escapes with Simple and
// AppendUnicode and compares with encoding/json on the same string.
func TestUnescapeAgreesWithEncodingJSON(t *testing.T) {
	for _, esc := range []string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0041`, `\u00e9`, `\uFFFF`,
		`\ud83d\ude00`, `\ud83d`, `\ud83d\u0041`, `\ude00\ud83d`, `\ud83d\ud83d\ude00`, `\u12`, `\uzzzz`, `\x`, `\u`} {
		var want string
		wantErr := json.Unmarshal([]byte(`"`+esc+`"`), &want)
		var got []byte
		ok := true
		for i := 0; ok && i < len(esc); {
			if c, simple := Simple(esc[i+1]); simple {
				got, i = append(got, c), i+2
				continue
			}
			var n int
			got, n = AppendUnicode(got, esc[i:])
			ok, i = n > 0, i+n
		}
		if ok != (wantErr == nil) || ok && string(got) != want {
			t.Errorf("%s: read %q (ok %v), encoding/json %q (%v)", esc, got, ok, want, wantErr)
		}
	}
}
