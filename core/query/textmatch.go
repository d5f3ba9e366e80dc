package query

import (
	"bytes"
	"slices"
)

// TextMatcher reports whether a text contains any of a set of needles, in
// one pass over the text whatever the number of needles (Aho-Corasick). The
// contains and icontains operators with several arguments, and the store's
// prefilter on raw JSON, use it: testing each needle in turn made a filter
// of a thousand arguments cost a thousand scans of every event.
//
// The automaton is sparse (transitions are kept per state, the root's in a
// full table), so it is linear in the needles' total length. A TextMatcher
// is immutable and safe for concurrent use.
type TextMatcher struct {
	fold   bool   // compare ASCII letters case-insensitively; needles are lowercase
	always bool   // an empty needle: every text matches
	one    []byte // the only needle: searched for directly, which is faster
	root   [256]int32
	states []acState
	edges  []acEdge
}

type acState struct {
	first, n int32 // this state's edges: edges[first : first+n], sorted by byte
	fail     int32
	out      bool // a needle ends here, or at a state along the fail links
}

type acEdge struct {
	c  byte
	to int32
}

// NewTextMatcher builds a matcher for needles. With fold, letters A-Z in a
// text match the needles' a-z (the needles must already be lowercase, as
// strings.ToLower gives them); other bytes compare exactly.
func NewTextMatcher(needles []string, fold bool) *TextMatcher {
	m := &TextMatcher{fold: fold}
	if len(needles) == 1 && needles[0] != "" {
		m.one = []byte(needles[0])
	}
	// Build the trie with per-state child lists, then flatten them.
	type node struct {
		kids []acEdge
		out  bool
	}
	nodes := []node{{}}
	for _, w := range needles {
		if w == "" {
			m.always = true
			continue
		}
		s := int32(0)
		for i := 0; i < len(w); i++ {
			c := w[i]
			next := int32(-1)
			for _, e := range nodes[s].kids {
				if e.c == c {
					next = e.to
					break
				}
			}
			if next < 0 {
				next = int32(len(nodes))
				nodes = append(nodes, node{})
				nodes[s].kids = append(nodes[s].kids, acEdge{c: c, to: next})
			}
			s = next
		}
		nodes[s].out = true
	}
	m.states = make([]acState, len(nodes))
	for i := range nodes {
		kids := nodes[i].kids
		slices.SortFunc(kids, func(a, b acEdge) int { return int(a.c) - int(b.c) })
		m.states[i] = acState{first: int32(len(m.edges)), n: int32(len(kids)), out: nodes[i].out}
		m.edges = append(m.edges, kids...)
	}
	// Fail links, breadth first; the root's table is completed so that a
	// failure to the root costs one lookup.
	queue := make([]int32, 0, len(nodes))
	for _, e := range m.kids(0) {
		m.root[e.c] = e.to
		queue = append(queue, e.to)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range m.kids(s) {
			f := m.states[s].fail
			for {
				if f == 0 {
					m.states[e.to].fail = m.root[e.c]
					break
				}
				if t := m.child(f, e.c); t >= 0 {
					m.states[e.to].fail = t
					break
				}
				f = m.states[f].fail
			}
			if m.states[m.states[e.to].fail].out {
				m.states[e.to].out = true
			}
			queue = append(queue, e.to)
		}
	}
	return m
}

func (m *TextMatcher) kids(s int32) []acEdge {
	st := &m.states[s]
	return m.edges[st.first : st.first+st.n]
}

// child is the goto transition of state s on c, or -1.
func (m *TextMatcher) child(s int32, c byte) int32 {
	for _, e := range m.kids(s) {
		if e.c == c {
			return e.to
		}
		if e.c > c {
			break
		}
	}
	return -1
}

// step is the automaton's transition from s on c.
func (m *TextMatcher) step(s int32, c byte) int32 {
	for s != 0 {
		if t := m.child(s, c); t >= 0 {
			return t
		}
		s = m.states[s].fail
	}
	return m.root[c]
}

// Match reports whether text contains a needle.
func (m *TextMatcher) Match(text []byte) bool {
	if m.always {
		return true
	}
	if m.one != nil {
		if m.fold {
			return indexFold(text, m.one) >= 0
		}
		return bytes.Contains(text, m.one)
	}
	if len(m.states) == 1 {
		return false
	}
	s := int32(0)
	for _, c := range text {
		if m.fold && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		s = m.step(s, c)
		if m.states[s].out {
			return true
		}
	}
	return false
}

// MatchString is Match for a string.
func (m *TextMatcher) MatchString(text string) bool {
	return m.Match(stringBytes(text))
}

// indexFold finds a needle whose letters are lowercase in hay, ignoring the
// case of ASCII letters.
func indexFold(hay, needle []byte) int {
	first := needle[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		if c := hay[i]; c != first && c != upper {
			continue
		}
		j := 1
		for ; j < len(needle); j++ {
			if lowerASCII(hay[i+j]) != needle[j] {
				break
			}
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}
