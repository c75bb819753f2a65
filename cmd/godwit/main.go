// Command godwit is the one godwit binary: the server (serve), a CLI of the native REST API
// (datasource, project), and an end-to-end demo (demo).
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
