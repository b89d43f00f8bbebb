package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/golang/protobuf/jsonpb" //nolint:staticcheck // see istio.go
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/runtime/protoimpl"
)

// decodeSpec decodes an Istio spec into m. When decoding fails, the error
// names the path of the offending field ("spec.http[0].timeout"), found by
// decoding the fields one at a time, since jsonpb's own errors do not say
// where they are.
func decodeSpec(raw []byte, m protoreflect.ProtoMessage) error {
	err := jsonpb.Unmarshal(bytes.NewReader(raw), protoimpl.X.ProtoMessageV1Of(m))
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "proto: ")
	if path := blame(m.ProtoReflect().Type(), raw, "spec"); path != "" {
		return fmt.Errorf("%s: %s", path, msg)
	}
	return fmt.Errorf("spec: %s", msg)
}

// blame returns the deepest path under at whose value fails to decode as
// message type mt, or "" when none does on its own.
func blame(mt protoreflect.MessageType, raw []byte, at string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return at
	}
	fields := mt.Descriptor().Fields()
	for k, v := range obj {
		single, _ := json.Marshal(map[string]json.RawMessage{k: v})
		if jsonpb.Unmarshal(bytes.NewReader(single), protoimpl.X.ProtoMessageV1Of(mt.New().Interface())) == nil {
			continue
		}
		path := at + "." + k
		fd := fields.ByJSONName(k)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(k))
		}
		if fd == nil || fd.Kind() != protoreflect.MessageKind || isWellKnown(fd.Message()) {
			return path
		}
		sub := mt.New().Get(fd)
		switch {
		case fd.IsList():
			var items []json.RawMessage
			if json.Unmarshal(v, &items) != nil {
				return path
			}
			for i, it := range items {
				if p := blame(sub.List().NewElement().Message().Type(), it, fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				return path
			}
			var items map[string]json.RawMessage
			if json.Unmarshal(v, &items) != nil {
				return path
			}
			for mk, it := range items {
				if p := blame(sub.Map().NewValue().Message().Type(), it, path+"."+mk); p != "" {
					return p
				}
			}
		default:
			if p := blame(mt.New().Mutable(fd).Message().Type(), v, path); p != "" {
				return p
			}
		}
		return path
	}
	return ""
}

func isWellKnown(md protoreflect.MessageDescriptor) bool {
	return strings.HasPrefix(string(md.FullName()), "google.protobuf.")
}
