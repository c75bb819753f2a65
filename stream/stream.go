// Package stream names a project's streams and owns their per-process resources.
//
// A stream is one direction of change flow: a source, a sink, a change store, its state keys
// and its checkpoint rows. A project owns one or more: the forward stream now (source →
// target), a reverse stream next (target → source). Each stream's state is keyed by its own
// id, so two streams of one project never share a key, a directory or a checkpoint row.
//
// The forward stream keeps the layout godwit had before streams existed, so projects created
// by earlier versions resume unchanged: id = project id (checkpoint rows keyed by it), change
// store at <data-dir>/changestore/<project>, state keys incr.p0, incr.p1, incr.pull,
// incr.status. Other streams use <data-dir>/changestore/<project>.<name> and incr.<name>.*.
package stream

import (
	"os"
	"path/filepath"
	"strings"
)

// Direction of a stream.
type Direction string

// Directions.
const (
	Forward Direction = "FORWARD" // source → target
	Reverse Direction = "REVERSE" // target → source (rollback)
)

// Stream identifies one stream of a project.
type Stream struct {
	ID        string // unique among all streams; the checkpoint rows' stream column
	ProjectID string
	Name      string // "" for the forward stream, e.g. "reverse"
	Direction Direction
	Keys      Keys
}

// Keys are a stream's project state keys.
type Keys struct {
	P0    string // Point: where capture started
	P1    string // Point: where the full copy ended (end of safe mode)
	Pull  string // CaptureStatus, written by the capture
	Apply string // ApplyStatus, written by the replayer
}

// Point is a sampled source position (the JSON of Keys.P0 and Keys.P1).
type Point struct {
	Pos  string `json:"pos"`
	Time int64  `json:"time"` // when it was sampled, unix seconds
}

// ForwardOf is project projectID's forward stream (today's layout, see the package doc).
func ForwardOf(projectID string) Stream {
	return Stream{ID: projectID, ProjectID: projectID, Direction: Forward,
		Keys: Keys{P0: "incr.p0", P1: "incr.p1", Pull: "incr.pull", Apply: "incr.status"}}
}

// ReverseOf is project projectID's reverse stream.
func ReverseOf(projectID string) Stream {
	return named(projectID, "reverse", Reverse)
}

func named(projectID, name string, d Direction) Stream {
	pre := "incr." + name + "."
	return Stream{ID: projectID + "." + name, ProjectID: projectID, Name: name, Direction: d,
		Keys: Keys{P0: pre + "p0", P1: pre + "p1", Pull: pre + "pull", Apply: pre + "status"}}
}

// StoreDir is where the stream's change store lives under the server's data directory.
func (s Stream) StoreDir(dataDir string) string {
	return filepath.Join(dataDir, "changestore", s.ID)
}

// RemoveData deletes the local files of every stream of a project (its change stores), for
// project release. The engine calls it; it does not know the layout.
func RemoveData(dataDir, projectID string) error {
	if dataDir == "" {
		return nil
	}
	root := filepath.Join(dataDir, "changestore")
	ents, err := os.ReadDir(root)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	var first error
	for _, e := range ents {
		if n := e.Name(); n == projectID || strings.HasPrefix(n, projectID+".") {
			if err := os.RemoveAll(filepath.Join(root, n)); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
