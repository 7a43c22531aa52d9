package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at release builds with -ldflags "-X main.version=v1.2.3";
// otherwise the module version recorded in the binary is used.
var version = ""

// versionString says which Warden this is: version, commit (with
// "+modified" when built from a changed tree) and the Go that built it.
func versionString() string {
	v, commit, modified := version, "unknown", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if modified {
		commit += "+modified"
	}
	return fmt.Sprintf("%s (commit %s, %s %s/%s)", v, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
