package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// benchDocMarkers are the lines between which --write-doc writes the
// tables of a run at gomaxprocs.
func benchDocMarkers(gomaxprocs int) (begin, end string) {
	return fmt.Sprintf("<!-- posim bench GOMAXPROCS=%d begin -->", gomaxprocs),
		fmt.Sprintf("<!-- posim bench GOMAXPROCS=%d end -->", gomaxprocs)
}

// writeBenchDoc writes r's tables into the markdown file at path, between
// its markers for r's GOMAXPROCS, or appends them with the markers under a
// heading when the file has none. The rest of the file is left as it is.
// The file is replaced whole (a temporary file renamed over it), so a
// failed write leaves it unchanged.
func writeBenchDoc(path string, r *benchResult, command string, now time.Time) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("--write-doc: %w", err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--write-doc: %w", err)
	}
	out, err := withBenchTables(string(text), r.gomaxprocs, benchDocBody(r, command, now))
	if err != nil {
		return fmt.Errorf("--write-doc %s: %w", path, err)
	}
	if err := replaceFile(path, []byte(out), info.Mode().Perm()); err != nil {
		return fmt.Errorf("--write-doc: %w", err)
	}
	return nil
}

// checkBenchDoc fails early, before the suite runs for minutes, when
// writeBenchDoc would fail on the file at path as it is now.
func checkBenchDoc(path string, gomaxprocs int) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--write-doc: %w", err)
	}
	if _, err := withBenchTables(string(text), gomaxprocs, ""); err != nil {
		return fmt.Errorf("--write-doc %s: %w", path, err)
	}
	return nil
}

// withBenchTables returns text with body between the markers for
// gomaxprocs, each alone on its line, or appended with them when text has
// neither. Markers given twice, out of order, or sharing a line with other
// text are an error: which text is the run's would be a guess.
func withBenchTables(text string, gomaxprocs int, body string) (string, error) {
	begin, end := benchDocMarkers(gomaxprocs)
	beginLine, beginNext, err := markerLine(text, begin)
	if err != nil {
		return "", err
	}
	endLine, _, err := markerLine(text, end)
	if err != nil {
		return "", err
	}
	switch {
	case beginLine < 0 && endLine < 0:
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		return text + fmt.Sprintf("\n## posim bench, GOMAXPROCS=%d\n\n%s\n%s%s\n", gomaxprocs, begin, body, end), nil
	case beginLine < 0 || endLine < 0:
		return "", fmt.Errorf("one of the lines %q and %q is missing", begin, end)
	case endLine < beginNext:
		return "", fmt.Errorf("the line %q comes before %q", end, begin)
	}
	return text[:beginNext] + body + text[endLine:], nil
}

// markerLine finds the line of text that is marker: where it starts and
// where the next line starts; -1, -1 when there is none.
func markerLine(text, marker string) (start, next int, err error) {
	if n := strings.Count(text, marker); n > 1 {
		return -1, -1, fmt.Errorf("the line %q is there %d times", marker, n)
	}
	i := strings.Index(text, marker)
	if i < 0 {
		return -1, -1, nil
	}
	start = strings.LastIndexByte(text[:i], '\n') + 1
	next = len(text)
	if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
		next = i + j + 1
	}
	if strings.TrimSpace(text[start:next]) != marker {
		return -1, -1, fmt.Errorf("%q shares its line with other text", marker)
	}
	return start, next, nil
}

// benchDocBody is what goes between the markers: the line saying how, when
// and where the figures were measured, then the tables.
func benchDocBody(r *benchResult, command string, now time.Time) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "`%s`, %s, on %s (%d CPUs, GOMAXPROCS %d, %s), the load generator on the same cores.\n",
		command, now.Format("2006-01-02"), cpuModel(), r.cpus, r.gomaxprocs, runtime.Version())
	for _, t := range benchTables(r) {
		b.WriteString("\n")
		t.markdown(&b)
	}
	return b.String()
}

// benchCommand is the command line that reproduces this run, as a shell
// would take it.
func benchCommand(gomaxprocs int, args []string) string {
	words := []string{fmt.Sprintf("GOMAXPROCS=%d", gomaxprocs), "go", "run", "./cmd/posim", "bench"}
	for _, a := range args {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,:/@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cpuModel is the machine's CPU model from /proc/cpuinfo, "unknown" where
// that cannot be read.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" && strings.TrimSpace(value) != "" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// replaceFile writes data to a temporary file next to path and renames it
// over path.
func replaceFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
