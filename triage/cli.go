package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hotline-al/hotline/hotline"
)

// RunClassify implements `hotline triage classify`; args are the arguments
// after "classify". Without flags it reads all of stdin as the text of one
// tip and prints its classification as one JSON object on one line. With
// --file F it reads F (JSON Lines, one {"id": …, "text": …} per line; "-"
// is stdin) and prints one line per tip: "id" (echoed as given, string or
// number) then the classification; a bad line prints {"id": …, "error": …}
// (id null when unknown) and the run goes on; blank lines are skipped.
// It returns the exit code: 0 on success, 1 when reading or writing fails,
// 2 for bad usage or an unreadable file (one-line reason on stderr).
func RunClassify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hotline triage classify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("file", "", "classify each line of this JSON Lines file ({\"id\":…,\"text\":…}); - for stdin")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: hotline triage classify [--file F.jsonl] (without --file: one tip's text on stdin)")
			return 0
		}
		fmt.Fprintf(stderr, "triage classify: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "triage classify: unexpected argument %q (the text comes on stdin)\n", fs.Arg(0))
		return 2
	}
	c, err := New()
	if err != nil {
		fmt.Fprintf(stderr, "triage classify: %v\n", err)
		return 1
	}
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)

	if *file == "" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "triage classify: reading stdin: %v\n", err)
			return 1
		}
		if err := enc.Encode(c.Classify(string(b))); err != nil {
			fmt.Fprintf(stderr, "triage classify: %v\n", err)
			return 1
		}
		return flush(out, stderr)
	}

	in := stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			fmt.Fprintf(stderr, "triage classify: %v\n", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	r := bufio.NewReader(in)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if werr := enc.Encode(classifyLine(c, line, n)); werr != nil {
				fmt.Fprintf(stderr, "triage classify: %v\n", werr)
				return 1
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintf(stderr, "triage classify: reading %s: %v\n", *file, err)
			return 1
		}
	}
	return flush(out, stderr)
}

func flush(w *bufio.Writer, stderr io.Writer) int {
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "triage classify: %v\n", err)
		return 1
	}
	return 0
}

// fileResult is one output line of --file: the id first, then the
// classification's fields.
type fileResult struct {
	ID json.RawMessage `json:"id"`
	hotline.Classification
}

// fileError is the output line for a line that could not be classified.
type fileError struct {
	ID    json.RawMessage `json:"id"`
	Error string          `json:"error"`
}

var jsonNull = json.RawMessage("null")

// classifyLine classifies one line of a --file input, or explains why not.
func classifyLine(c *Classifier, line []byte, n int) any {
	var in struct {
		ID   json.RawMessage  `json:"id"`
		Text *json.RawMessage `json:"text"`
	}
	line = bytes.ToValidUTF8(line, []byte("\uFFFD"))
	if err := json.Unmarshal(line, &in); err != nil {
		return fileError{ID: jsonNull, Error: fmt.Sprintf("line %d: not a JSON object: %v", n, shortError(err))}
	}
	id := in.ID
	if len(id) == 0 {
		id = jsonNull
	}
	if in.Text == nil {
		return fileError{ID: id, Error: fmt.Sprintf("line %d: no \"text\"", n)}
	}
	var text string
	if err := json.Unmarshal(*in.Text, &text); err != nil {
		return fileError{ID: id, Error: fmt.Sprintf("line %d: \"text\" is not a string", n)}
	}
	return fileResult{ID: id, Classification: c.Classify(text)}
}

// shortError keeps a JSON error on one short line.
func shortError(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
