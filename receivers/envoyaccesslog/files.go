package envoyaccesslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/meshlens/meshlens/receivers/envoyaccesslog/format"
	"github.com/meshlens/meshlens/receivers/envoyaccesslog/tail"
	"github.com/meshlens/meshlens/storage"
)

// fileInput parses one group of followed files.
type fileInput struct {
	parser   format.Parser
	reporter storage.Reporter
	tailer   *tail.Tailer
	consume  func(context.Context, []storage.AccessLog, []storage.DeadLetter) error
}

func newFileInput(cfg *FileInput, checkpoint string,
	consume func(context.Context, []storage.AccessLog, []storage.DeadLetter) error, logger *slog.Logger) (*fileInput, error) {
	p, err := format.ForName(cfg.format())
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	in := &fileInput{parser: p, consume: consume, reporter: storage.Reporter{
		Service: cfg.Reporter.Service, Namespace: cfg.Reporter.Namespace,
		Version: cfg.Reporter.Version, Workload: cfg.Reporter.Workload,
	}}
	in.tailer, err = tail.New(cfg.tailConfig(), checkpoint, in.deliver, logger)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// deliver parses a batch of lines. Good lines become records, bad ones dead
// letters with their source position; both go to the pipeline together, so
// the batch is checkpointed only once all of it is stored.
func (in *fileInput) deliver(ctx context.Context, lines []tail.Line) error {
	recs := make([]storage.AccessLog, 0, len(lines))
	var dls []storage.DeadLetter
	for i := range lines {
		l := &lines[i]
		var err error
		if l.Truncated {
			err = fmt.Errorf("line longer than max_line_bytes (%d bytes kept)", len(l.Text))
		} else {
			recs = append(recs, storage.AccessLog{})
			if err = in.parser.Parse(l.Text, in.reporter, &recs[len(recs)-1]); err != nil {
				recs = recs[:len(recs)-1]
			}
		}
		if errors.Is(err, format.ErrEmptyLine) {
			continue
		}
		if err != nil {
			dls = append(dls, storage.DeadLetter{
				Received: time.Now(), Source: fmt.Sprintf("file:%s:%d", l.File, l.Offset), Signal: "logs",
				Error: err.Error(), Raw: append([]byte(nil), l.Text...), Size: int(l.End - l.Offset),
			})
		}
	}
	if len(recs) == 0 && len(dls) == 0 {
		return nil
	}
	return in.consume(ctx, recs, dls)
}
