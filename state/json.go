package state

import (
	"context"
	"encoding/json"
)

// Store is the part of the metadata store that holds project state keys (meta.Store
// satisfies it).
type Store interface {
	GetState(ctx context.Context, projectID, key string) ([]byte, error)
	PutState(ctx context.Context, projectID, key string, value []byte) error
}

// PutJSON stores v as JSON under key. It writes even when ctx is already cancelled, so a
// status or position recorded on the way out of a stopping step is not lost.
func PutJSON(ctx context.Context, st Store, projectID, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return st.PutState(context.WithoutCancel(ctx), projectID, key, b)
}

// GetJSON loads the JSON under key into v; ok is false when the key is absent.
func GetJSON(ctx context.Context, st Store, projectID, key string, v any) (bool, error) {
	b, err := st.GetState(ctx, projectID, key)
	if err != nil || b == nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}
