package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

func currentVersion() versionInfo {
	v := versionInfo{Version: version, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v.Commit = s.Value[:12]
			}
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	return v
}

type versionOptions struct {
	JSON jsonFlags
}

func newVersionCmd(f *factory) *cobra.Command {
	var opts versionOptions
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of sellerops",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return versionRun(f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func versionRun(f *factory, opts *versionOptions) error {
	v := currentVersion()
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, v, opts.JSON.JQ)
	}
	fmt.Fprintf(f.IO.Out, "sellerops %s", v.Version)
	if v.Commit != "" {
		fmt.Fprintf(f.IO.Out, " (%s)", v.Commit)
	}
	fmt.Fprintf(f.IO.Out, " %s %s/%s\n", v.Go, v.OS, v.Arch)
	return nil
}
