package main

import (
	"runtime"
	"time"
)

// defaultShards is one pipeline worker per CPU.
func defaultShards() int { return runtime.GOMAXPROCS(0) }

// waitForRoom pauses a producer whose pipeline queues are full.
func waitForRoom() { time.Sleep(time.Millisecond) }
