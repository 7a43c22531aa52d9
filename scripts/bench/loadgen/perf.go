package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// perfRecorder samples the server's call stacks with Linux perf while the
// load runs: the server has no profiling endpoint, and perf needs no change
// to it. Go keeps frame pointers, so -g (frame-pointer unwinding) gives
// whole Go stacks.
type perfRecorder struct {
	cmd  *exec.Cmd
	done chan error
}

// perfHz is low enough that perf itself costs little of the two cores.
const perfHz = 499

func startPerf(pid int, out string, stderr io.Writer) (*perfRecorder, error) {
	path, err := exec.LookPath("perf")
	if err != nil {
		return nil, fmt.Errorf("-perf: %w (apt-get install linux-perf)", err)
	}
	cmd := exec.Command(path, "record", "-F", strconv.Itoa(perfHz), "-g", "-p", strconv.Itoa(pid), "-o", out)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("-perf: %w", err)
	}
	p := &perfRecorder{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	// perf attaches asynchronously; an early exit means it could not.
	select {
	case err := <-p.done:
		return nil, fmt.Errorf("-perf: perf record exited at once (%v); see kernel.perf_event_paranoid", err)
	case <-time.After(300 * time.Millisecond):
	}
	return p, nil
}

// stop ends the recording; perf writes its file on SIGINT.
func (p *perfRecorder) stop() error {
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("stopping perf: %w", err)
	}
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return fmt.Errorf("perf record: %w", err)
		}
		return nil
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		return errors.New("perf record did not stop within 30s of SIGINT")
	}
}
