package component_test

import (
	"os/exec"
	"strings"
	"testing"
)

// detectors are the detector packages; only the wiring in cmd/warden (and
// tests) may import them.
var detectors = []string{"drift", "outlier"}

// The packages that serve every detector depend on none, directly or
// through another package, so that adding a detector touches none of
// them. The server still reaches the detectors through monitor, the
// pipeline adapters, until those move into their detectors' packages.
func TestCorePackagesImportNoDetector(t *testing.T) {
	const module = "github.com/warden-ml/warden/"
	for _, pkg := range []string{"report", "config", "pipeline", "store", "store/sqlite", "store/eventlog", "alert", "silence", "component"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, d := range detectors {
				if dep == module+d || strings.HasPrefix(dep, module+d+"/") {
					t.Errorf("%s depends on the detector package %s", pkg, dep)
				}
			}
		}
	}
}
