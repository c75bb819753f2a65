package stream

// CaptureStatus is the capture side's persisted status (JSON of Keys.Pull).
type CaptureStatus struct {
	PulledPos  string `json:"pulledPos"`
	PulledSeq  uint64 `json:"pulledSeq"`
	PulledTime int64  `json:"pulledTime"` // source commit time of the last captured txn
	Streaming  bool   `json:"streaming"`
	StoreBytes int64  `json:"storeBytes"`
	Sampled    int64  `json:"sampled"` // unix milliseconds
}

// ApplyStatus is the replayer's persisted status (JSON of Keys.Apply).
type ApplyStatus struct {
	Phase        string        `json:"phase"` // CATCHING_UP | MONITORING
	AppliedPos   string        `json:"appliedPos"`
	AppliedSeq   uint64        `json:"appliedSeq"`
	AppliedTime  int64         `json:"appliedTime"`
	SafeMode     bool          `json:"safeMode"`
	DelayMillis  int64         `json:"delayMillis"`
	EventsPerSec int64         `json:"eventsPerSec"`
	RowsApplied  int64         `json:"rowsApplied"`
	DDLApplied   int64         `json:"ddlApplied"`
	Conflicts    int64         `json:"conflicts"`
	RowsFiltered int64         `json:"rowsFiltered"` // row changes skipped by a whereClause
	Tables       []TableCounts `json:"tables,omitempty"`
	Sampled      int64         `json:"sampled"` // unix milliseconds
}

// TableCounts counts applied changes of one source table.
type TableCounts struct {
	Table   string `json:"table"`
	Inserts int64  `json:"inserts"`
	Updates int64  `json:"updates"`
	Deletes int64  `json:"deletes"`
	DDLs    int64  `json:"ddls"`
}
