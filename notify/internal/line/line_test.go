package line

import (
	"bytes"
	"testing"
)

func TestTerminated(t *testing.T) {
	tests := []struct {
		in, want string
		err      string
	}{
		{`{"a":1}` + "\n", `{"a":1}` + "\n", ""},
		{`{"a":1}`, `{"a":1}` + "\n", ""},
		{"x\r", "x\r\n", ""},
		{"", "", "payload is empty"},
		{"\n", "", "payload is empty"},
		{"a\nb\n", "", "payload spans more than one line"},
		{"a\n\n", "", "payload spans more than one line"},
		{"\na", "", "payload spans more than one line"},
	}
	for _, tc := range tests {
		in := []byte(tc.in)
		got, err := Terminated(in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Terminated(%q): error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("Terminated(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
		if !bytes.Equal(in, []byte(tc.in)) {
			t.Errorf("Terminated(%q) changed its input to %q", tc.in, in)
		}
	}
}

func FuzzTerminated(f *testing.F) {
	for _, s := range []string{"", "\n", "{}\n", "a\nb", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		orig := bytes.Clone(payload)
		got, err := Terminated(payload)
		if !bytes.Equal(payload, orig) {
			t.Fatalf("input changed")
		}
		if err != nil {
			return
		}
		if bytes.Count(got, []byte("\n")) != 1 || got[len(got)-1] != '\n' || len(got) < 2 {
			t.Fatalf("Terminated(%q) = %q: not one line", payload, got)
		}
		if !bytes.Equal(bytes.TrimSuffix(got, []byte("\n")), bytes.TrimSuffix(payload, []byte("\n"))) {
			t.Fatalf("Terminated(%q) = %q: content changed", payload, got)
		}
	})
}
