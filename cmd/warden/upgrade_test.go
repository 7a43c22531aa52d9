package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/data-format1.tar.gz is a data directory that warden serve wrote
// before the event log's format 2 (at commit 1e60d62): the model
// registered, the reference of 'warden simulate --rows 3000
// --reference-rows 2000 --drift transaction_amount:scale=2.5,from=12h'
// uploaded, its 3,000 events sent, a silence made, then SIGTERM. The
// current release opens it as it is: the old segment is read and appended
// to, the alerts, the silence and the checkpoint are kept.
func TestOpensDataOfPreviousFormat(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-C", dir, "-xzf", filepath.Join("testdata", "data-format1.tar.gz")).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	data := filepath.Join(dir, "olddata")
	verify := warden(t, "log", "verify", "--data", data, "--format", "json")
	var rep struct {
		Records  int
		Segments []struct{ Version int }
		Problems []string
	}
	if verify.code != 0 || json.Unmarshal([]byte(verify.stdout), &rep) != nil || rep.Records != 1 || rep.Segments[0].Version != 1 {
		t.Fatalf("log verify of the old directory: exit %d: %s %s", verify.code, verify.stdout, verify.stderr)
	}

	svc := startService(t, data)
	before := svc.alerts(t)
	if len(before) != 7 {
		t.Fatalf("%d alerts in the old directory, want the 7 it was written with", len(before))
	}
	if code, raw := svc.do(t, "GET", "/v1/silences", "", nil); code != 200 || !strings.Contains(string(raw), `"id": "old"`) {
		t.Fatalf("silences: %d %s", code, raw)
	}
	// New events go on after the old ones, in the same numbering.
	_, lines := simulatedDay(t, 1000, 9)
	f := &faultRun{t: t, svc: svc}
	for i := 0; i < len(lines); i += 500 {
		b := bytes.Join(lines[i:min(i+500, len(lines))], nil)
		if !bytes.HasSuffix(b, []byte("\n")) {
			b = append(b, '\n')
		}
		f.batches = append(f.batches, b)
	}
	f.sendAll(0, len(f.batches))
	svc.waitProcessed(t, 3000+1000)
	svc.stop(t)

	svc = startService(t, data)
	if after := svc.alerts(t); len(after) < len(before) {
		t.Fatalf("%d alerts after the restart, %d before", len(after), len(before))
	}
	svc.stop(t)
	if again := warden(t, "log", "verify", "--data", data); again.code != 0 {
		t.Fatalf("log verify after the upgrade: exit %d: %s", again.code, again.stdout)
	}
}
