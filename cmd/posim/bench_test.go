package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchRunsTheWholeSuite is the seconds-long smoke of the benchmark
// suite: every stage runs and answers, and the table gives each as a share
// of the echo ceiling. It asserts no time.
func TestBenchRunsTheWholeSuite(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"bench", "--duration", "300ms", "--terminals", "2", "--concurrency", "2"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	for _, stage := range []string{"echo ceiling", "minimal adapter (EXAMPLEPAY)", "Alipay+ adapter and simulator"} {
		line := ""
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, stage) {
				line = l
			}
		}
		fields := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
		if len(fields) < 9 {
			t.Fatalf("no row for %q in:\n%s", stage, out.String())
		}
		approved, _ := strconv.Atoi(fields[3])
		errs, _ := strconv.Atoi(fields[4])
		if approved == 0 || errs != 0 {
			t.Errorf("%s: %d approved, %d errors; want some approved and none failed (row %q)", stage, approved, errs, line)
		}
	}
}
