package zipkinapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/meshlens/meshlens/storage"
)

// sameAsEncodingJSON fails unless Tags of kvs encodes exactly as
// encoding/json encodes the equivalent map (first value of a key wins).
func sameAsEncodingJSON(t *testing.T, kvs []storage.KeyValue) {
	t.Helper()
	m := map[string]string{}
	for _, kv := range kvs {
		if _, dup := m[kv.Key]; !dup {
			m[kv.Key] = kv.Value
		}
	}
	want, _ := json.Marshal(m)
	got, err := json.Marshal(newTags(append([]storage.KeyValue(nil), kvs...)))
	if err != nil || string(got) != string(want) {
		t.Fatalf("Tags %q = %s, %v; encoding/json writes %s", kvs, got, err, want)
	}
	var back Tags
	if len(m) > 0 {
		if err := json.Unmarshal(got, &back); err != nil || len(back) > len(m) { // invalid UTF-8 keys may merge
			t.Fatalf("decoding %s: %v, %v", got, back, err)
		}
	}
}

func TestTagsJSON(t *testing.T) {
	for _, kvs := range [][]storage.KeyValue{
		nil,
		{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "b", Value: "dup"}},
		{{Key: "html", Value: "<a href=\"x\">&amp;</a>"}, {Key: "ctl", Value: "a\x00b\x1f\n\r\t\b\f\\"}},
		{{Key: "utf8", Value: "héllo, 世界 \u2028\u2029"}, {Key: "bad", Value: "\xff\xfe ok \xc3"}},
		{{Key: "", Value: ""}},
	} {
		sameAsEncodingJSON(t, kvs)
	}
	var tags Tags
	if err := json.Unmarshal([]byte(`{"z":"1","a":"2"}`), &tags); err != nil ||
		!reflect.DeepEqual(tags, Tags{{Key: "a", Value: "2"}, {Key: "z", Value: "1"}}) {
		t.Errorf("Unmarshal = %v, %v", tags, err)
	}
}

// FuzzTagsJSON: any keys and values encode as encoding/json would.
func FuzzTagsJSON(f *testing.F) {
	f.Add("k", "v", "k2", "<>&\u2028")
	f.Add("\xff", "\x00", "", "\"\\")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		sameAsEncodingJSON(t, []storage.KeyValue{{Key: k1, Value: v1}, {Key: k2, Value: v2}})
	})
}
