package verify

import "github.com/godwit/godwit/model"

// ProjectOptions derives verification options from a project (fullVerifySpeedMode,
// readWorkerNum, chunkRows). Rechecker and Progress are left for the caller.
func ProjectOptions(p *model.Project) Options {
	opt := Options{ChunkRows: p.FullTransferConfig.ChunkRows}
	return opt.SpeedMode(p.FullTransferConfig.FullVerifySpeedMode, p.FullTransferConfig.ReadWorkerNum)
}
