// Package shared locates the public datasets kept beside the repository in
// ../shared/data, for tests and evaluations that read them in place.
package shared

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the absolute path of ../shared/data/<rel> next to the
// repository, and whether it exists.
func Dir(rel string) (string, bool) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	p := filepath.Join(root, "..", "shared", "data", rel)
	_, err := os.Stat(p)
	return p, err == nil
}

// Require returns the path of a shared dataset. When it is missing the test
// is skipped with a message saying so, except in CI (CI=true), where the
// data must be present and its absence fails the test.
func Require(tb testing.TB, rel string) string {
	tb.Helper()
	p, ok := Dir(rel)
	if ok {
		return p
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("shared dataset %s is missing (expected at %s); CI must run with ../shared beside the clone", rel, p)
	}
	tb.Skipf("SKIPPED: shared dataset %s not found at %s", rel, p)
	return ""
}
