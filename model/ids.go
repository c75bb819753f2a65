// Package model holds godwit's pure data types: data sources, projects, steps,
// their statuses and configs. It performs no I/O; every other package may import it.
package model

import (
	"crypto/rand"
	"strings"
	"time"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewID returns prefix + "_" + 12 random lowercase alphanumerics, the OMS id shape
// (np_… projects, e_… data sources, l_… labels, c_… connections).
func NewID(prefix string) string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS RNG never fails on Linux
	}
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteByte('_')
	for _, c := range b {
		sb.WriteByte(idAlphabet[int(c)%len(idAlphabet)])
	}
	return sb.String()
}

// TimeLayout is the OMS wire layout for timestamps: UTC, no zone suffix.
const TimeLayout = "2006-01-02T15:04:05"

// FormatTime renders t in TimeLayout (UTC); a nil or zero time renders as nil.
func FormatTime(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.UTC().Format(TimeLayout)
	return &s
}
