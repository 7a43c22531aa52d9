package drift_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/warden-ml/warden/drift"
)

// Column names, categories and units come from the files compared: the text
// report escapes them, so that a hostile header cannot drive the terminal,
// reorder what follows or forge a line.
func TestTextEscapesInput(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const n = 1000
	amount, merchant := "amount\u202egnp.exe", "merchant\x1b[2J"
	hostile := "\x1b]0;owned\x07"
	ref := table(
		col(amount, normals(r, n, 100, 10)),
		col(merchant, categories(r, n, []string{"grocery", "travel"}, []float64{1, 1})),
	)
	cur := table(
		col(amount, normals(r, n, 200, 10)),
		col(merchant, categories(r, n, []string{"grocery", "travel", hostile}, []float64{1, 1, 2})),
		col("extra\nCRITICAL: forged", normals(r, n, 0, 1)),
	)
	refProfile, err := drift.NewProfile(ref, drift.ProfileOptions{Units: map[string]string{amount: "\x1b[8m"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := drift.Compare(refProfile, profile(t, cur), drift.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, terminal := range []bool{false, true} {
		var buf bytes.Buffer
		if err := rep.WriteText(&buf, drift.TextOptions{Terminal: terminal}); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		if i := strings.IndexAny(text, "\x1b\x07\u202e"); i >= 0 || !utf8.ValidString(text) {
			t.Errorf("a control reached the text at %d:\n%q", i, text)
		}
		if strings.Contains(text, "\nCRITICAL: forged") {
			t.Errorf("a line feed in a column name forged a line:\n%s", text)
		}
		if !terminal {
			golden(t, "report_hostile.txt", buf.Bytes())
		}
	}
}
