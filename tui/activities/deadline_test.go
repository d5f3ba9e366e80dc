package activities

import (
	"strings"
	"testing"
	"time"
)

// TestReadsStopAtQueryTimeout: with a query time limit (SSH sessions get
// serve's --query-timeout) a read that runs past it stops, and the table
// says which limit stopped it instead of scanning on.
func TestReadsStopAtQueryTimeout(t *testing.T) {
	eng := newEngine(t)
	ctx := newContext(eng)
	ctx.QueryTimeout = time.Nanosecond // every read is past it before it starts
	s := startSession(t, ctx, 120, 30)
	s.send(keyRune('/'))
	s.typeText("raw.contains(no-event-has-this)")
	s.send(keyEnter)
	s.settle()
	if v := s.view(); !strings.Contains(v, "query time limit of 1ns") {
		t.Fatalf("no time-limit error on screen:\n%s", v)
	}
}
