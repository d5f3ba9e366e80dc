package query

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestTextMatcherAgreesWithContains checks the one-pass matcher against
// strings.Contains per needle on random texts over a small alphabet, where
// needles overlap and share prefixes and suffixes (the cases fail links are
// for).
func TestTextMatcherAgreesWithContains(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcAB"[r.IntN(5)]
		}
		return string(b)
	}
	for range 3000 {
		needles := make([]string, 1+r.IntN(6))
		for i := range needles {
			needles[i] = word(1 + r.IntN(4))
		}
		fold := r.IntN(2) == 0
		if fold {
			for i := range needles {
				needles[i] = strings.ToLower(needles[i])
			}
		}
		m := NewTextMatcher(needles, fold)
		for range 20 {
			text := word(r.IntN(12))
			want := false
			for _, n := range needles {
				h := text
				if fold {
					h = strings.ToLower(text)
				}
				want = want || strings.Contains(h, n)
			}
			if got := m.MatchString(text); got != want {
				t.Fatalf("needles %q fold %v text %q: got %v, want %v", needles, fold, text, got, want)
			}
		}
	}
	if !NewTextMatcher([]string{"x", ""}, false).MatchString("abc") {
		t.Error("an empty needle must match every text")
	}
	if NewTextMatcher(nil, false).MatchString("abc") {
		t.Error("no needles must match nothing")
	}
}
