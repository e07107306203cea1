package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startCPUProfile profiles this process (gateway and load generator alike)
// into path until the returned stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the allocations made so far (alloc_space and
// alloc_objects in go tool pprof) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating the allocation profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("writing the allocation profile: %w", err)
	}
	return nil
}

// createTrace creates the file --trace names, before anything runs, so
// that a path that cannot be written fails at once.
func createTrace(path string) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the execution trace: %w", err)
	}
	return f, nil
}

// startTrace writes an execution trace of this process (runtime/trace) to
// f until the returned stop is called: where each goroutine waited and for
// how long, which a CPU profile cannot show.
func startTrace(f *os.File) (stop func(), err error) {
	if err := trace.Start(f); err != nil {
		return nil, fmt.Errorf("starting the execution trace: %w", err)
	}
	return trace.Stop, nil
}
