package format

import (
	"testing"
	"time"
)

func TestTimeFormats(t *testing.T) {
	want := time.Date(2024, 3, 10, 7, 15, 30, 123456789, time.UTC)
	for _, c := range []struct {
		spec, value string
		want        time.Time
	}{
		{"", "2024-03-10T07:15:30.123456789Z", want},
		{"%Y-%m-%dT%H:%M:%E3SZ", "2024-03-10T07:15:30.123Z", want.Truncate(time.Millisecond)},
		{"%Y-%m-%dT%H:%M:%S.%6f%z", "2024-03-10T08:15:30.123456+0100", want.Truncate(time.Microsecond)},
		{"%F %T", "2024-03-10 07:15:30", want.Truncate(time.Second)},
		{"%d/%b/%Y:%H:%M:%S %z", "10/Mar/2024:07:15:30 +0000", want.Truncate(time.Second)},
		{"%Y/%m/%dT%H:%M:%E*S%Ez", "2024/03/10T07:15:30.123456789+00:00", want},
		{"%s", "1710054930", want.Truncate(time.Second)},
		{"%s.%9f", "1710054930.123456789", want},
		{"%s.%3f", "1710054930.123", want.Truncate(time.Millisecond)},
	} {
		tf, err := compileTimeFormat(c.spec)
		if err != nil {
			t.Errorf("compileTimeFormat(%q): %v", c.spec, err)
			continue
		}
		got, ok := tf.parse(c.value)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%q parse(%q) = %v, %v; want %v", c.spec, c.value, got, ok, c.want)
		}
	}
	if tf, err := compileTimeFormat("%s.%3fx"); err == nil && tf.epoch {
		t.Errorf("%q read as an epoch format", "%s.%3fx")
	}
	tf, _ := compileTimeFormat("%s.%3f")
	for _, bad := range []string{"", "x", "1.", "1.1234567890", "-1", "1.x"} {
		if _, ok := tf.parse(bad); ok {
			t.Errorf("epoch %q parsed", bad)
		}
	}
}
