package event

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeGolden decodes each file in testdata/decode and compares the
// events (as AppendJSON writes them), the rejected items and the body error
// with the file's .golden; -update rewrites them.
func TestDecodeGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "decode", "*.*json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			events, rejected, decodeErr := NewDecoder(DefaultLimits()).Decode(bytes.NewReader(body), nil)
			var out bytes.Buffer
			out.WriteString("# events\n")
			for k := range events {
				out.Write(AppendJSON(nil, &events[k]))
				out.WriteByte('\n')
			}
			out.WriteString("# rejected\n")
			for _, r := range rejected {
				out.WriteString(r.Error() + "\n")
			}
			if decodeErr != nil {
				out.WriteString("# error\n" + decodeErr.Error() + "\n")
			}
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestDecodeGolden -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, out.Bytes())
			}
		})
	}
}
