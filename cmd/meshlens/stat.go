package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshlens/meshlens/query/graph"
	"github.com/meshlens/meshlens/query/meshapi"
)

// newStatCommand prints RED per service or edge from a running meshlens,
// in the spirit of `linkerd viz stat`. Without --source it asks /red
// (exact, from raw access logs); with --source it asks /services or
// /graph, answered from rollups of that source (or of all, "auto"), with
// the latency's error bound and the health.
func newStatCommand() *cobra.Command {
	var by, server, namespace, source string
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "stat",
		Short: "Print request rate, success rate and latency per service or edge",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if by != "service" && by != "edge" {
				return fmt.Errorf("--by: %q is not service or edge", by)
			}
			if since <= 0 {
				return fmt.Errorf("--since: %s must be positive", since)
			}
			if source != "" {
				switch source {
				case "auto", "logs", "spans", "metrics":
				default:
					return fmt.Errorf("--source: %q is not auto, logs, spans or metrics", source)
				}
				return statFromRollups(cmd.OutOrStdout(), server, by, namespace, source, since)
			}
			ans, err := fetchRED(server, by, namespace, since)
			if err != nil {
				return err
			}
			return printRED(cmd.OutOrStdout(), ans)
		},
	}
	cmd.Flags().StringVar(&by, "by", "service", "group by service or edge")
	cmd.Flags().DurationVar(&since, "since", 15*time.Minute, "window ending now")
	cmd.Flags().StringVar(&server, "server", "http://127.0.0.1:9090", "meshlens query API")
	cmd.Flags().StringVar(&namespace, "namespace", "", "only this namespace")
	cmd.Flags().StringVar(&source, "source", "", "answer from rollups of auto|logs|spans|metrics (/services, /graph) instead of raw access logs (/red)")
	return cmd
}

// statFromRollups prints /services (by service) or /graph's edges (by
// edge).
func statFromRollups(out io.Writer, server, by, namespace, source string, since time.Duration) error {
	now := time.Now()
	q := url.Values{
		"source": {source},
		"start":  {strconv.FormatFloat(float64(now.Add(-since).UnixMilli())/1000, 'f', 3, 64)},
		"end":    {strconv.FormatFloat(float64(now.UnixMilli())/1000, 'f', 3, 64)},
	}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 3, ' ', 0)
	row := func(name string, red graph.RED, health string, sources []string) {
		fmt.Fprintf(tw, "%s%.2f%%\t%.1frps\t%s\t%s\t%s\t±%s%%\t%d\t%d\t%s\t%s\n", name, 100*(1-red.ErrorRatio), red.Rate,
			latency(red.P50), latency(red.P90), latency(red.P99), strconv.FormatFloat(100*red.RelativeError, 'f', -1, 64),
			red.Requests, red.ClientErrors, health, strings.Join(sources, ","))
	}
	const cols = "SUCCESS\tRPS\tLATENCY_P50\tLATENCY_P90\tLATENCY_P99\tLATENCY_ERR\tREQUESTS\t4XX\tHEALTH\tSOURCES"
	if by == "edge" {
		var g graph.Graph
		if err := getAPI(server, "graph?"+q.Encode(), &g); err != nil {
			return err
		}
		fmt.Fprintln(tw, "FROM\tTO\t"+cols)
		for _, e := range g.Edges {
			row(e.Source+"\t"+e.Target+"\t", e.RED, e.Health, e.Sources)
		}
		return tw.Flush()
	}
	var s graph.Services
	if err := getAPI(server, "services?"+q.Encode(), &s); err != nil {
		return err
	}
	fmt.Fprintln(tw, "SERVICE\t"+cols)
	for _, svc := range s.Services {
		row(workloadName(meshapi.Workload{Service: svc.Service, Namespace: svc.Namespace})+"\t", svc.RED, svc.Health, svc.Sources)
	}
	return tw.Flush()
}

// getAPI decodes the data of a meshlens API answer into data.
func getAPI(server, path string, data any) error {
	u := server + meshapi.Prefix + path
	resp, err := http.Get(u)
	if err != nil {
		return fmt.Errorf("asking %s: %w", server, err)
	}
	defer resp.Body.Close()
	body := struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   any    `json:"data"`
	}{Data: data}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("reading %s: %s: %w", u, resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s", resp.Status, body.Error)
	}
	return nil
}

func fetchRED(server, by, namespace string, since time.Duration) (*meshapi.REDAnswer, error) {
	now := time.Now()
	q := url.Values{
		"by":    {by},
		"start": {strconv.FormatFloat(float64(now.Add(-since).UnixMilli())/1000, 'f', 3, 64)},
		"end":   {strconv.FormatFloat(float64(now.UnixMilli())/1000, 'f', 3, 64)},
	}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	u := server + meshapi.Prefix + "red?" + q.Encode()
	resp, err := http.Get(u)
	if err != nil {
		return nil, fmt.Errorf("asking %s: %w", server, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string            `json:"status"`
		Error  string            `json:"error"`
		Data   meshapi.REDAnswer `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("reading %s: %s: %w", u, resp.Status, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s: %s", resp.Status, body.Error)
	}
	return &body.Data, nil
}

func printRED(out io.Writer, ans *meshapi.REDAnswer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 3, ' ', 0)
	head := "SERVICE\t"
	if ans.By == "edge" {
		head = "FROM\tTO\t"
	}
	fmt.Fprintln(tw, head+"SUCCESS\tRPS\tLATENCY_P50\tLATENCY_P90\tLATENCY_P99\tREQUESTS\t4XX")
	for _, r := range ans.Rows {
		name := workloadName(r.Destination) + "\t"
		if ans.By == "edge" && r.Source != nil {
			name = workloadName(*r.Source) + "\t" + name
		}
		fmt.Fprintf(tw, "%s%.2f%%\t%.1frps\t%s\t%s\t%s\t%d\t%d\n", name, 100*(1-r.ErrorRatio), r.Rate,
			latency(r.P50), latency(r.P90), latency(r.P99), r.Requests, r.ClientErrors)
	}
	return tw.Flush()
}

func workloadName(w meshapi.Workload) string {
	name := w.Service
	if w.Namespace != "" {
		name += "." + w.Namespace
	}
	if w.Version != "" {
		name += " (" + w.Version + ")"
	}
	return name
}

func latency(ms float64) string {
	return strconv.FormatFloat(ms, 'f', -1, 64) + "ms"
}
