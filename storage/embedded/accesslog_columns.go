package embedded

import (
	"crypto/md5"
	"database/sql/driver"
	"encoding/binary"
	"time"

	"github.com/meshlens/meshlens/storage"
)

type al = storage.AccessLog

// accessLogColumns is the access_logs schema, one typed column per
// storage.AccessLog field (durations in µs, times TIMESTAMPTZ µs). Each day
// table then has request_hash, response_flag_bits and row_hash.
var accessLogColumns = fieldColumns(storage.AccessLogFields)

// requestHashColumn makes a request-id lookup a scan of one 8-byte column
// instead of a string column: md5_number_lower(request_id), i.e. the last 8
// bytes of the id's MD5, little-endian. It is computed in Go (writes and
// lookups); MD5, unlike DuckDB's hash(), never changes, so stored values
// stay valid across upgrades, and ad-hoc SQL can use the same expression.
const requestHashColumn = "request_hash"

func requestHash(id string) uint64 {
	sum := md5.Sum([]byte(id))
	return binary.LittleEndian.Uint64(sum[8:])
}

var accessLogTable = appendTable[storage.AccessLog]{
	name:       "access_logs",
	cols:       accessLogColumns,
	timeColumn: "start",
	timeOf:     func(r *al) time.Time { return r.Start },
	derivedDDL: ",\n\t" + requestHashColumn + " UBIGINT NOT NULL,\n\t" + responseFlagBitsColumn + " BIGINT NOT NULL",
	derived: func(r *al, vals []driver.Value) []driver.Value {
		return append(vals, requestHash(r.RequestID), flagBits(r.ResponseFlags))
	},
}
