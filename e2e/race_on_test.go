//go:build race

package e2e

// raceEnabled: the race detector slows the lifecycle hammer ~8x, so it runs fewer rounds.
const raceEnabled = true
