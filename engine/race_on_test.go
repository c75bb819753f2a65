//go:build race

package engine_test

// raceEnabled: the race detector slows the hammer ~8x, so it runs fewer rounds.
const raceEnabled = true
