// Command compose-check loads a Compose file the way `docker compose config`
// does (compose-go loader, schema validation, interpolation, normalization)
// without needing a Docker engine. It prints "ok <path>" on success, or the
// loader's error on one line and exits 1.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintln(os.Stderr, "usage: compose-check COMPOSE_FILE")
		os.Exit(2)
	}
	path := os.Args[1]
	if err := check(context.Background(), path); err != nil {
		fmt.Println(oneLine(err.Error()))
		os.Exit(1)
	}
	fmt.Println("ok " + path)
}

// check loads the Compose file with its directory as working directory and
// the process environment for interpolation. The project name comes from the
// file's top-level `name:`, falling back to the directory name as docker
// compose does.
func check(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	content, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	dir := filepath.Dir(abs)
	details := types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: abs, Content: content}},
		Environment: types.NewMapping(os.Environ()),
	}
	fallback := loader.NormalizeProjectName(filepath.Base(dir))
	_, err = loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(fallback, false)
	})
	return err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
