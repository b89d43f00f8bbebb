package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
	"sigs.k8s.io/yaml"
)

// Resource identifies one Istio object and where it came from.
type Resource struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	File      string `json:"file"`
}

func (r Resource) String() string {
	return fmt.Sprintf("%s: %s %s/%s", r.File, r.Kind, r.Namespace, r.Name)
}

// VirtualService is a parsed networking.istio.io VirtualService. Spec is
// owned by the Snapshot and must not be modified.
type VirtualService struct {
	Resource
	Spec *networking.VirtualService
}

// DestinationRule is a parsed networking.istio.io DestinationRule. Spec is
// owned by the Snapshot and must not be modified.
type DestinationRule struct {
	Resource
	Spec *networking.DestinationRule
}

// IstioConfig is every supported Istio object of a directory.
type IstioConfig struct {
	VirtualServices  []VirtualService
	DestinationRules []DestinationRule
	// Ignored lists objects of Istio kinds this proxy does not implement
	// (Gateway, ServiceEntry, ...): accepted, but without effect.
	Ignored []Resource
}

// ignoredKinds are real Istio kinds that may sit in the same directory as
// routing rules but do not affect a sidecar's HTTP routing here.
var ignoredKinds = map[string]bool{
	"Gateway": true, "ServiceEntry": true, "Sidecar": true, "WorkloadEntry": true,
	"WorkloadGroup": true, "EnvoyFilter": true, "ProxyConfig": true,
	"PeerAuthentication": true, "AuthorizationPolicy": true, "RequestAuthentication": true,
	"Telemetry": true,
}

// LoadIstioDir parses every *.yaml, *.yml and *.json file directly in dir,
// in name order. An empty dir path means no Istio config. Any error rejects
// the whole directory and names the file, the object and the field.
func LoadIstioDir(dir string) (*IstioConfig, error) {
	cfg := &IstioConfig{}
	if dir == "" {
		return cfg, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("istio config: %w", err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		switch strings.ToLower(filepath.Ext(n)) {
		case ".yaml", ".yml", ".json":
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("istio config: %w", err)
		}
		if err := cfg.Parse(p, b); err != nil {
			return nil, err
		}
	}
	if err := cfg.checkDuplicates(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// envelope is the Kubernetes object frame around an Istio spec.
type envelope struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec json.RawMessage `json:"spec"`
}

// Parse adds the objects of one (possibly multi-document) YAML file.
// file is used in error messages only.
func (c *IstioConfig) Parse(file string, b []byte) error {
	for i, doc := range splitYAML(b) {
		if err := c.parseDoc(file, i, doc); err != nil {
			return err
		}
	}
	return nil
}

func (c *IstioConfig) parseDoc(file string, idx int, doc []byte) error {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return fmt.Errorf("%s: document %d: %w", file, idx+1, err)
	}
	if t := bytes.TrimSpace(j); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil // empty document
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return fmt.Errorf("%s: document %d: %w", file, idx+1, err)
	}
	res := Resource{Kind: env.Kind, Name: env.Metadata.Name, Namespace: env.Metadata.Namespace, File: file}
	if res.Namespace == "" {
		res.Namespace = "default"
	}
	group, _, _ := strings.Cut(env.APIVersion, "/")
	switch {
	case env.APIVersion == "" || env.Kind == "":
		return fmt.Errorf("%s: document %d: apiVersion and kind are required", file, idx+1)
	case group != "networking.istio.io" && group != "security.istio.io" && group != "telemetry.istio.io":
		return fmt.Errorf("%s: document %d: apiVersion: %q is not an Istio API group", file, idx+1, env.APIVersion)
	}
	switch env.APIVersion {
	case "networking.istio.io/v1alpha3", "networking.istio.io/v1beta1", "networking.istio.io/v1":
	default:
		if !ignoredKinds[env.Kind] {
			return fmt.Errorf("%s: apiVersion: %q is not supported", res, env.APIVersion)
		}
	}
	if res.Name == "" {
		return fmt.Errorf("%s: document %d: metadata.name: required", file, idx+1)
	}
	if len(env.Spec) == 0 {
		return fmt.Errorf("%s: spec: required", res)
	}
	// Istio decodes specs with jsonpb, which takes Go durations ("5m",
	// "1.5s") where protojson wants seconds; unknown fields are rejected
	// here, where Istio's webhook would reject them.
	switch env.Kind {
	case "VirtualService":
		vs := &networking.VirtualService{}
		if err := decodeSpec(env.Spec, vs); err != nil {
			return fmt.Errorf("%s: %w", res, err)
		}
		if err := validateVirtualService(vs); err != nil {
			return fmt.Errorf("%s: %w", res, err)
		}
		c.VirtualServices = append(c.VirtualServices, VirtualService{Resource: res, Spec: vs})
	case "DestinationRule":
		dr := &networking.DestinationRule{}
		if err := decodeSpec(env.Spec, dr); err != nil {
			return fmt.Errorf("%s: %w", res, err)
		}
		if err := validateDestinationRule(dr); err != nil {
			return fmt.Errorf("%s: %w", res, err)
		}
		c.DestinationRules = append(c.DestinationRules, DestinationRule{Resource: res, Spec: dr})
	default:
		if !ignoredKinds[env.Kind] {
			return fmt.Errorf("%s: kind: %q is not a supported Istio kind", res, env.Kind)
		}
		c.Ignored = append(c.Ignored, res)
	}
	return nil
}

func (c *IstioConfig) checkDuplicates() error {
	seen := map[string]Resource{}
	check := func(r Resource) error {
		k := r.Kind + "/" + r.Namespace + "/" + r.Name
		if o, ok := seen[k]; ok {
			return fmt.Errorf("%s: duplicate of the object in %s", r, o.File)
		}
		seen[k] = r
		return nil
	}
	for _, v := range c.VirtualServices {
		if err := check(v.Resource); err != nil {
			return err
		}
	}
	for _, d := range c.DestinationRules {
		if err := check(d.Resource); err != nil {
			return err
		}
	}
	return nil
}

// splitYAML splits a multi-document YAML stream at "---" lines.
func splitYAML(b []byte) [][]byte {
	var docs [][]byte
	start := 0
	for i := 0; i <= len(b); {
		end := bytes.IndexByte(b[i:], '\n')
		var line []byte
		next := len(b) + 1
		if end < 0 {
			line = b[i:]
		} else {
			line = b[i : i+end]
			next = i + end + 1
		}
		t := bytes.TrimRight(line, " \t\r")
		if bytes.Equal(t, []byte("---")) || bytes.HasPrefix(t, []byte("--- ")) {
			docs = append(docs, b[start:i])
			start = min(next, len(b))
		}
		i = next
	}
	docs = append(docs, b[start:])
	return docs
}
