package promapi

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "0", want: time.Unix(0, 0).UTC()},
		{in: "1767225600", want: t0},
		{in: "1767225600.123", want: t0.Add(123 * time.Millisecond)},
		{in: "1767225600.1234", want: t0.Add(123 * time.Millisecond)}, // rounded to ms
		{in: "-1.5", want: time.Unix(-1, -5e8).UTC()},
		{in: "2026-01-01T00:00:00Z", want: t0},
		{in: "2026-01-01T01:00:00.5+01:00", want: t0.Add(500 * time.Millisecond)},
		{in: minTimeFormatted, want: minTime},
		{in: maxTimeFormatted, want: maxTime},
		{in: "", wantErr: true},
		{in: "now", wantErr: true},
		{in: "2026-01-01", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "+Inf", wantErr: true},
		{in: "1e300", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "15", want: 15 * time.Second},
		{in: "0.5", want: 500 * time.Millisecond},
		{in: "-15", want: -15 * time.Second}, // valid here; step and timeout reject it
		{in: "15s", want: 15 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1d", want: 24 * time.Hour},
		{in: "100ms", want: 100 * time.Millisecond},
		{in: "9223372036.854775807", wantErr: true}, // 2^63 ns after rounding
		{in: "NaN", wantErr: true},
		{in: "-15s", wantErr: true},
		{in: "15 s", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// FuzzParseTime checks that any accepted time is representable in
// milliseconds (what storage gets) and, in float form, round-trips.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"0", "1767225600.123", "-1.5", "2026-01-01T00:00:00Z", minTimeFormatted, maxTimeFormatted, "NaN", "1e300", "0x1p-2", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			return
		}
		if got.Before(minTime) || got.After(maxTime) {
			// RFC 3339 allows years 0-9999, all within bounds.
			t.Fatalf("ParseTime(%q) = %v, outside [minTime, maxTime]", s, got)
		}
		ms := got.UnixMilli()
		if math.Abs(float64(ms)) > 1<<50 || got.Nanosecond()%int(time.Millisecond) != 0 {
			return // float seconds cannot carry it exactly
		}
		again, err := ParseTime(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
		if err != nil || again.UnixMilli() != ms {
			t.Fatalf("ParseTime(%q) = %v; as float seconds it parses to %v, %v", s, got, again, err)
		}
	})
}

// FuzzParseDuration checks that parsing never panics and that accepted
// float seconds and Prometheus durations agree.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"15", "0.5", "-1", "1h30m", "1d", "100ms", "1e300", "NaN", "9223372036.854775807", "1y2w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil || d < 0 || d%time.Millisecond != 0 || d > 1<<50 {
			return
		}
		again, err := ParseDuration(strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
		if err != nil || again != d {
			t.Fatalf("ParseDuration(%q) = %v; as float seconds it parses to %v, %v", s, d, again, err)
		}
	})
}
