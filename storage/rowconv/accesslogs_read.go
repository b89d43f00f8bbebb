package rowconv

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/meshlens/meshlens/storage"
)

// AccessLogsFromLogs converts ld into access-log rows and dead letters,
// appending to the given slices. A log record that is neither one of
// meshlens' events nor carries access-log attributes (at least
// response_code, upstream_cluster or request_id) becomes a dead letter
// naming the problem, so nothing a pipeline delivers is silently dropped.
// derive, when not nil, fills the derived source/destination columns of
// records that lack them (OTLP logs from other producers).
func AccessLogsFromLogs(ld plog.Logs, recs []storage.AccessLog, dls []storage.DeadLetter,
	derive func(*storage.AccessLog)) ([]storage.AccessLog, []storage.DeadLetter) {
	recs = slices.Grow(recs, ld.LogRecordCount()) // records are 400+ bytes: grow once
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		rl := rls.At(i)
		rep := reporterFrom(rl.Resource().Attributes())
		sls := rl.ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				lr := lrs.At(k)
				if lr.EventName() == EventDeadLetter {
					dls = append(dls, deadLetterFrom(lr))
					continue
				}
				rec, err := accessLogFrom(lr, rep)
				if err != nil {
					dls = append(dls, storage.DeadLetter{
						Received: receivedTime(lr), Source: "pipeline:logs", Signal: "logs",
						Error: err.Error(), Raw: []byte(lr.Body().AsString()), Size: len(lr.Body().AsString()),
					})
					continue
				}
				if derive != nil && rec.DestinationService == "" {
					derive(&rec)
				}
				recs = append(recs, rec)
			}
		}
	}
	return recs, dls
}

func reporterFrom(m pcommon.Map) storage.Reporter {
	get := func(k string) string {
		if v, ok := m.Get(k); ok {
			return v.AsString()
		}
		return ""
	}
	return storage.Reporter{
		Service: get(ResourceService), Namespace: get(ResourceNamespace),
		Version: get(ResourceVersion), Workload: get(ResourceWorkload),
	}
}

func deadLetterFrom(lr plog.LogRecord) storage.DeadLetter {
	a := lr.Attributes()
	str := func(k string) string {
		if v, ok := a.Get(k); ok {
			return v.AsString()
		}
		return ""
	}
	var raw []byte
	if b := lr.Body(); b.Type() == pcommon.ValueTypeBytes {
		raw = b.Bytes().AsRaw()
	} else {
		raw = []byte(b.AsString())
	}
	size := len(raw)
	if v, ok := a.Get("meshlens.size"); ok && v.Type() == pcommon.ValueTypeInt {
		size = int(v.Int())
	}
	return storage.DeadLetter{Received: receivedTime(lr), Source: str(AttrSource), Signal: str(AttrSignal),
		Error: str(AttrError), Raw: raw, Size: size}
}

// strFieldIndex finds a string column's strFields entry by attribute key.
var strFieldIndex = func() map[string]int {
	m := make(map[string]int, len(strFields))
	for i, f := range strFields {
		m[f.key] = i
	}
	return m
}()

var errNotAccessLog = errors.New("log record is not an access log: it has none of response_code, upstream_cluster, request_id")

func accessLogFrom(lr plog.LogRecord, rep storage.Reporter) (storage.AccessLog, error) {
	a := lr.Attributes()
	if lr.EventName() != EventAccessLog {
		_, c := a.Get(AttrResponseCode)
		_, u := a.Get(AttrUpstreamCluster)
		_, r := a.Get(AttrRequestID)
		if !c && !u && !r {
			return storage.AccessLog{}, errNotAccessLog
		}
	}
	rec := storage.AccessLog{Reporter: rep, DurationMicros: -1, UpstreamServiceMicros: -1}
	// One pass over the attributes: Map.Get is a linear scan, and a
	// record has ~30 of them.
	for k, v := range a.All() {
		i, ok := strFieldIndex[k]
		if !ok || v.Type() == pcommon.ValueTypeEmpty {
			continue
		}
		if s := v.AsString(); s != "-" {
			*strFields[i].get(&rec) = s
		}
	}
	var err error
	code, err := intAttr(a, AttrResponseCode, err)
	if code < math.MinInt32 || code > math.MaxInt32 {
		err = errors.Join(err, fmt.Errorf("%s: %d out of range", AttrResponseCode, code))
	}
	rec.ResponseCode = int32(code)
	for _, f := range intFields {
		*f.get(&rec), err = intAttr(a, f.key, err)
	}
	rec.DurationMicros, err = millisAttr(a, AttrDuration, err)
	rec.UpstreamServiceMicros, err = millisAttr(a, AttrUpstreamServiceTime, err)
	rec.Start = lr.Timestamp().AsTime()
	if v, ok := a.Get(AttrStartTime); ok {
		t, perr := time.Parse(time.RFC3339Nano, v.AsString())
		if perr != nil {
			err = errors.Join(err, fmt.Errorf("%s: %w", AttrStartTime, perr))
		}
		rec.Start = t
	}
	if lr.Timestamp() == 0 && rec.Start.IsZero() {
		rec.Start = receivedTime(lr)
	}
	return rec, err
}

// intAttr reads an integer attribute given as int, double or string; absent
// or "-" is 0. Errors accumulate into err.
func intAttr(a pcommon.Map, key string, err error) (int64, error) {
	v, ok := a.Get(key)
	if !ok {
		return 0, err
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), err
	case pcommon.ValueTypeDouble:
		return int64(v.Double()), err
	case pcommon.ValueTypeEmpty:
		return 0, err
	}
	s := v.AsString()
	if s == "-" || s == "" {
		return 0, err
	}
	n, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return 0, errors.Join(err, fmt.Errorf("%s: %q is not an integer", key, s))
	}
	return n, err
}

// millisAttr reads a duration in milliseconds and returns microseconds;
// absent or "-" is -1 (unknown).
func millisAttr(a pcommon.Map, key string, err error) (int64, error) {
	v, ok := a.Get(key)
	if !ok {
		return -1, err
	}
	var ms float64
	switch v.Type() {
	case pcommon.ValueTypeInt:
		ms = float64(v.Int())
	case pcommon.ValueTypeDouble:
		ms = v.Double()
	case pcommon.ValueTypeEmpty:
		return -1, err
	default:
		s := v.AsString()
		if s == "-" || s == "" {
			return -1, err
		}
		f, perr := strconv.ParseFloat(s, 64)
		if perr != nil {
			return -1, errors.Join(err, fmt.Errorf("%s: %q is not a number of milliseconds", key, s))
		}
		ms = f
	}
	if ms < 0 || math.IsNaN(ms) || ms > math.MaxInt64/1000 {
		return -1, errors.Join(err, fmt.Errorf("%s: %v ms out of range", key, ms))
	}
	return int64(math.Round(ms * 1000)), err
}
