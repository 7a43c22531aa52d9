package main

import (
	"regexp"
	"strings"
	"testing"
)

// Every command's help is kept as a golden file, so a change to what a
// user reads is a visible change (go test -update rewrites them).
func TestHelpGolden(t *testing.T) {
	var paths [][]string
	var walk func(path []string)
	walk = func(path []string) {
		paths = append(paths, path)
		cmd, _, err := newRootCmd(nil, nil).Find(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				walk(append(append([]string(nil), path...), sub.Name()))
			}
		}
	}
	walk(nil)
	for _, path := range paths {
		name := "warden"
		if len(path) > 0 {
			name += "_" + strings.Join(path, "_")
		}
		t.Run(name, func(t *testing.T) {
			r := warden(t, append(path, "--help")...)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("exit %d, stderr %q", r.code, r.stderr)
			}
			golden(t, "help/"+name+".txt", r.stdout)
		})
	}
}

// Mistakes on the command line exit 2 with what was wrong, the nearest
// right spelling when there is one, and where help is; nothing on stdout.
func TestUsageMistakes(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"dmeo"}, "warden: unknown command \"dmeo\"; did you mean \"demo\"?\nRun 'warden --help' for usage.\n"},
		{[]string{"rport", "--since", "7d"}, "warden: unknown command \"rport\"; did you mean \"report\"?\nRun 'warden --help' for usage.\n"},
		{[]string{"frobnicate"}, "warden: unknown command \"frobnicate\"\nRun 'warden --help' for usage.\n"},
		{[]string{"config", "chekc", "x.yaml"}, "warden config: unknown command \"chekc\"; did you mean \"check\"?\nRun 'warden config --help' for usage.\n"},
		{[]string{"profile", "nosuch"}, "warden profile: unknown command \"nosuch\"\nRun 'warden profile --help' for usage.\n"},
		{[]string{"drift", "--formt", "json"}, "warden drift: unknown flag --formt; did you mean --format?\nRun 'warden drift --help' for usage.\n"},
		{[]string{"report", "--snce", "7d"}, "warden report: unknown flag --snce; did you mean --since?\nRun 'warden report --help' for usage.\n"},
		{[]string{"demo", "--serv"}, "warden demo: unknown flag --serv; did you mean --serve?\nRun 'warden demo --help' for usage.\n"},
		{[]string{"--verison"}, "warden: unknown flag --verison; did you mean --version?\nRun 'warden --help' for usage.\n"},
		{[]string{"serve", "-x"}, "warden serve: unknown flag -x\nRun 'warden serve --help' for usage.\n"},
		{[]string{"drift", "--reference"}, "warden drift: --reference needs a value\nRun 'warden drift --help' for usage.\n"},
		{[]string{"demo", "--events", "many"}, "warden demo: --events \"many\": want a whole number\nRun 'warden demo --help' for usage.\n"},
		{[]string{"report", "extra"}, "warden report: takes no arguments, got \"extra\"\nRun 'warden report --help' for usage.\n"},
		{[]string{"config", "check"}, "warden config check: accepts 1 argument(s), received 0 (usage: warden config check FILE)\nRun 'warden config check --help' for usage.\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := warden(t, tc.args...)
			if r.code != exitUsage || r.stderr != tc.want || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and:\n%s", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}

// --version says which Warden, which commit and which Go.
func TestVersion(t *testing.T) {
	r := warden(t, "--version")
	if r.code != 0 || !regexp.MustCompile(`^warden \S+ \(commit \S+, go1\.\d+\S* \w+/\w+\)\n$`).MatchString(r.stdout) {
		t.Errorf("--version: exit %d, %q", r.code, r.stdout)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"demo", "demo", 0}, {"dmeo", "demo", 1}, {"formt", "format", 1}, {"serve", "server", 1}, {"abc", "", 3}, {"kitten", "sitting", 3}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
