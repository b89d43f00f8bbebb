package meshapi

import (
	"context"
	"time"

	"github.com/meshlens/meshlens/storage"
)

// storageStubs answers every reader with nothing.
type storageStubs struct{}

func (storageStubs) FindAccessLogs(context.Context, storage.AccessLogQuery) ([]storage.AccessLog, error) {
	return nil, nil
}

func (storageStubs) RED(context.Context, storage.REDQuery) ([]storage.REDRow, error) { return nil, nil }

func (storageStubs) DeadLetters(context.Context, time.Time, time.Time, int) ([]storage.DeadLetter, error) {
	return nil, nil
}
