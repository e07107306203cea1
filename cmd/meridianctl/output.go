package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// printer writes a command's result to stdout: a table for people, or the
// response message as one JSON document (protojson) for programs.
type printer struct {
	json   bool
	stdout io.Writer
}

// show prints m as JSON, or calls draw to print it for people.
func (p printer) show(m proto.Message, draw func(t *table)) error {
	if p.json {
		data, err := protojson.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode the answer as JSON: %w", err)
		}
		// protojson varies its spacing on purpose; re-indenting makes
		// the output the same from run to run, for diffs and people.
		var indented bytes.Buffer
		if err := json.Indent(&indented, data, "", "  "); err != nil {
			return fmt.Errorf("encode the answer as JSON: %w", err)
		}
		indented.WriteByte('\n')
		_, err = indented.WriteTo(p.stdout)
		return err
	}
	t := &table{w: tabwriter.NewWriter(p.stdout, 0, 0, 2, ' ', 0)}
	draw(t)
	return t.w.Flush()
}

// table lines up cells in columns. An empty cell prints as "-" so that
// columns stay readable and a reader can tell "none" from a gap.
type table struct{ w *tabwriter.Writer }

// row writes one line of cells.
func (t *table) row(cells ...string) {
	for i, cell := range cells {
		if cell == "" {
			cell = "-"
		}
		// A tab or newline inside a value (a trading name, say) would
		// break the columns.
		cell = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(cell)
		if i > 0 {
			fmt.Fprint(t.w, "\t")
		}
		fmt.Fprint(t.w, cell)
	}
	fmt.Fprintln(t.w)
}

// field writes a "Name:  value" line of a detail view.
func (t *table) field(name, value string) {
	t.row(name+":", value)
}

// blank writes an empty line, ending one block of columns.
func (t *table) blank() {
	t.w.Flush()
	fmt.Fprintln(t.w)
}

// when formats a timestamp for a table: RFC 3339 in UTC, seconds only; an
// unset one is empty.
func when(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().UTC().Format(time.RFC3339)
}

// yesNo writes a boolean for a table.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
