package zipkinspans

import "unicode/utf8"

// field identifies a member of a span, endpoint or annotation object.
type field uint8

const (
	fieldUnknown field = iota
	// jsonSpan
	fieldTraceID
	fieldID
	fieldParentID
	fieldName
	fieldKind
	fieldTimestamp // also jsonAnnotation's
	fieldDuration
	fieldDebug
	fieldShared
	fieldLocalEndpoint
	fieldRemoteEndpoint
	fieldAnnotations
	fieldTags
	// jsonEndpoint
	fieldServiceName
	fieldIPv4
	fieldIPv6
	fieldPort
	// jsonAnnotation
	fieldValue
)

// fieldNames are the json tags of jsonSpan, jsonEndpoint and
// jsonAnnotation, by field.
var fieldNames = [...]string{
	fieldTraceID: "traceId", fieldID: "id", fieldParentID: "parentId", fieldName: "name", fieldKind: "kind",
	fieldTimestamp: "timestamp", fieldDuration: "duration", fieldDebug: "debug", fieldShared: "shared",
	fieldLocalEndpoint: "localEndpoint", fieldRemoteEndpoint: "remoteEndpoint",
	fieldAnnotations: "annotations", fieldTags: "tags",
	fieldServiceName: "serviceName", fieldIPv4: "ipv4", fieldIPv6: "ipv6", fieldPort: "port",
	fieldValue: "value",
}

// String returns the field's JSON name.
func (f field) String() string { return fieldNames[f] }

// The fields of each object.
var (
	spanFields = []field{fieldTraceID, fieldID, fieldParentID, fieldName, fieldKind, fieldTimestamp,
		fieldDuration, fieldDebug, fieldShared, fieldLocalEndpoint, fieldRemoteEndpoint, fieldAnnotations, fieldTags}
	endpointFields   = []field{fieldServiceName, fieldIPv4, fieldIPv6, fieldPort}
	annotationFields = []field{fieldTimestamp, fieldValue}
)

// spanField finds the jsonSpan field key names. The exact names are
// matched first, as they are what senders write; anything else goes
// through encoding/json's case folding.
func spanField(key []byte) field {
	switch string(key) {
	case "traceId":
		return fieldTraceID
	case "id":
		return fieldID
	case "parentId":
		return fieldParentID
	case "name":
		return fieldName
	case "kind":
		return fieldKind
	case "timestamp":
		return fieldTimestamp
	case "duration":
		return fieldDuration
	case "debug":
		return fieldDebug
	case "shared":
		return fieldShared
	case "localEndpoint":
		return fieldLocalEndpoint
	case "remoteEndpoint":
		return fieldRemoteEndpoint
	case "annotations":
		return fieldAnnotations
	case "tags":
		return fieldTags
	}
	return foldedField(key, spanFields)
}

// endpointField finds the jsonEndpoint field key names.
func endpointField(key []byte) field {
	switch string(key) {
	case "serviceName":
		return fieldServiceName
	case "ipv4":
		return fieldIPv4
	case "ipv6":
		return fieldIPv6
	case "port":
		return fieldPort
	}
	return foldedField(key, endpointFields)
}

// annotationField finds the jsonAnnotation field key names.
func annotationField(key []byte) field {
	switch string(key) {
	case "timestamp":
		return fieldTimestamp
	case "value":
		return fieldValue
	}
	return foldedField(key, annotationFields)
}

func foldedField(key []byte, fields []field) field {
	for _, f := range fields {
		if foldEqual(key, f.String()) {
			return f
		}
	}
	return fieldUnknown
}

// foldEqual reports whether key names the field whose ASCII name is name
// under encoding/json's rule (fold.go: names match when
// each rune folds to the same smallest rune of its Unicode simple-fold
// set). Folded to ASCII, that is: a-z upper-case, and of all non-ASCII
// runes only U+017F (ſ, to 'S') and U+212A (Kelvin sign, to 'K') fold to
// an ASCII letter. key is decoded (valid UTF-8).
func foldEqual(key []byte, name string) bool {
	j := 0
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			c = upperASCII(c)
			i++
		} else {
			r, n := utf8.DecodeRune(key[i:])
			switch r {
			case 0x17F:
				c = 'S'
			case 0x212A:
				c = 'K'
			default:
				return false
			}
			i += n
		}
		if j >= len(name) || upperASCII(name[j]) != c {
			return false
		}
		j++
	}
	return j == len(name)
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
