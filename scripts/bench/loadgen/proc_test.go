package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr string
	}{
		{"typical", "Name:\twarden\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 1 kB\n", 123456, ""},
		{"last line without newline", "Name:\tx\nVmRSS:\t42 kB", 42, ""},
		{"kernel thread", "Name:\tkthreadd\nState:\tS\n", 0, "no VmRSS"},
		{"other unit", "VmRSS:\t12 MB\n", 0, "want \"VmRSS: N kB\""},
		{"not a number", "VmRSS:\tlots kB\n", 0, "count of kB"},
		{"negative", "VmRSS:\t-5 kB\n", 0, "count of kB"},
		{"empty", "", 0, "no VmRSS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVmRSS([]byte(tc.status))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestParseStatCPU(t *testing.T) {
	// 52 fields as Linux writes them; utime 250 and stime 150 ticks.
	tail := " S 1 2 3 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 8 0 1000 123456789 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0"
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr string
	}{
		{"plain name", "1234 (warden)" + tail, 4 * time.Second, ""},
		{"name with spaces and parentheses", "1234 (a) b (c))" + tail, 4 * time.Second, ""},
		{"no parenthesis", "1234 warden S 1 2", 0, "no ')'"},
		{"truncated", "1234 (warden) S 1 2 3", 0, "fields after the command name"},
		{"bad utime", "1234 (w) S 1 2 3 0 -1 4194560 100 0 0 0 x 150", 0, "field 14"},
		{"negative stime", "1234 (w) S 1 2 3 0 -1 4194560 100 0 0 0 1 -1", 0, "field 15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tc.stat))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// This process's own files must parse: the format is the kernel's, not
// the test's idea of it.
func TestProcSelf(t *testing.T) {
	pid := os.Getpid()
	kb, err := procRSS(pid)
	if err != nil || kb <= 0 {
		t.Fatalf("procRSS(self) = %d, %v", kb, err)
	}
	// Burn CPU (not wall time: the cores may be shared) until rusage has
	// seen 100 ms; /proc, in 10 ms ticks, must have seen most of it.
	before, err := procCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	self0 := selfCPU()
	x := 0.0
	for deadline := time.Now().Add(20 * time.Second); selfCPU()-self0 < 100*time.Millisecond && time.Now().Before(deadline); {
		for range 100000 {
			x += 1e-9
		}
	}
	after, err := procCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	if moved := after - before; moved < 70*time.Millisecond || moved > 10*time.Second {
		t.Errorf("/proc CPU moved %v while rusage moved %v (x=%g)", moved, selfCPU()-self0, x)
	}
	if _, err := procRSS(-1); err == nil {
		t.Error("procRSS(-1): no error")
	}
}

func FuzzParseVmRSS(f *testing.F) {
	f.Add([]byte("VmRSS:\t  123456 kB\n"))
	f.Add([]byte("Name:\tx\nVmRSS: 1 kB"))
	f.Add([]byte("VmRSS:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		kb, err := parseVmRSS(b)
		if err == nil && kb < 0 {
			t.Fatalf("negative RSS %d without error", kb)
		}
	})
}

func FuzzParseStatCPU(f *testing.F) {
	f.Add([]byte("1 (x) S 1 2 3 0 -1 4194560 100 0 0 0 250 150 0 0"))
	f.Add([]byte("1 ((x)) S"))
	f.Add([]byte(")"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseStatCPU(b)
		if err == nil && d < 0 {
			t.Fatalf("negative CPU %v without error", d)
		}
	})
}
