package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshlens/meshlens/query/meshapi"
)

// newStatCommand prints RED per service or edge from a running meshlens,
// in the spirit of `linkerd viz stat`.
func newStatCommand() *cobra.Command {
	var by, server, namespace string
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
	return cmd
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
